"""A change of a relationship is answered by the very next request, in every app server process.

Nothing about who may see what is held between requests (docs/access.md, "Nothing is held between
requests"). This test runs two app server processes (gunicorn, one worker each) on a database of
its own — a file on SQLite, a fresh database on the PostgreSQL server of the test run — builds the
test cast there, and between two requests changes one relationship through the application's own
code in a third process: a consent withdrawn, a placement ended, a custody ended, a child sealed.
The next request, to either process, must answer differently.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]

SETUP = """
import json
from django.test import Client
from folja.access.roles import Role
from folja.testing.cast import build_cast, build_mixed_transition
from folja.testing.sessions import sign_in

cast = build_cast()
build_mixed_transition(cast)
sessions = {}
for name, role in (("teacher_fklass", Role.STAFF), ("teacher_blue", Role.STAFF), ("pia", Role.GUARDIAN),
                   ("cecilia", Role.GUARDIAN)):
    client = sign_in(Client(), cast.persons[name], role)
    sessions[name] = client.cookies["sessionid"].value
children = {name: str(cast.persons[name].uuid) for name in ("tyra", "alva", "bertil", "olle")}
print("RESULT" + json.dumps({"sessions": sessions, "children": children}))
"""

CHANGES = {
    "consent withdrawn": """
from folja.access.roles import Role, Viewer
from folja.directory.models import Person
from folja.pages.transitions.actions import consent_set
kerstin = Person.objects.get(given_name="Kerstin")
consent_set(actor=Viewer(kerstin, Role.GUARDIAN), child=Person.objects.get(given_name="Tyra"), allowed=False)
""",
    "placement ended": """
import datetime as dt
from folja.core.dates import today
from folja.directory.models import Placement
Placement.objects.filter(child__given_name="Alva").update(end_date=today() - dt.timedelta(days=1))
""",
    "custody ended": """
from folja.directory.models import Guardianship
Guardianship.objects.filter(child__given_name="Olle", responsible__given_name="Pia").delete()
""",
    "child sealed": """
from folja.directory.actions import person_seal
from folja.directory.models import Person
person_seal(person=Person.objects.get(given_name="Bertil"), reason="test", source="test")
""",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "FOLJA_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=database_url,
        FOLJA_TESTING="1",  # test settings outside pytest: dev secret key, local hosts
        FOLJA_VAR_DIR=str(var_dir),
        FOLJA_TASKS_BACKEND="immediate",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the test's own, reachable from other processes."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        yield f"sqlite:///{tmp_path_factory.mktemp('next-request') / 'folja.sqlite3'}"
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"folja_next_request_{uuid.uuid4().hex[:10]}"
    server = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"])
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
        yield f"postgresql://{auth}{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Migrate, build the cast, start two app server processes; yield what the tests need."""
    env = _env(database_url, tmp_path_factory.mktemp("var"))
    _manage(env, "migrate", "--noinput", "-v0")
    output = _manage(env, "shell", "-c", SETUP)
    data = json.loads(output.split("RESULT", 1)[1])
    servers, ports = [], []
    try:
        for _ in range(2):
            port = _free_port()
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "config.wsgi"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            ports.append(port)
        for port, server in zip(ports, servers, strict=True):
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, "an app server exited"
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    assert time.monotonic() < deadline, "an app server did not start"
                    time.sleep(0.2)
        yield {**data, "ports": ports, "env": env}
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def _get(world: dict, server: int, who: str, path: str) -> tuple[int, str]:
    cookie = f"{settings.SESSION_COOKIE_NAME}={world['sessions'][who]}"
    request = urllib.request.Request(f"http://127.0.0.1:{world['ports'][server]}{path}", headers={"Cookie": cookie})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def _timeline(world: dict, child: str) -> str:
    return f"/children/{world['children'][child]}/"


# (change, viewer, child whose timeline the viewer opens, text that must go with the change,
#  the answers the timeline may give after it: still there without the text, or gone)
STILL_THERE, GONE = (200,), (302, 403, 404)
CASES = [
    ("consent withdrawn", "teacher_fklass", "tyra", "Inlägg mixed_group", STILL_THERE),  # R7, R8
    ("placement ended", "teacher_blue", "alva", "Inlägg alva_individual", GONE),  # R6
    ("custody ended", "pia", "olle", "Inlägg olle_individual", GONE),  # R1
    ("child sealed", "cecilia", "bertil", "Inlägg blue_group", GONE),  # R5
]


@pytest.mark.parametrize(("change", "who", "child", "text", "after"), CASES, ids=[case[0] for case in CASES])
def test_the_next_request_to_either_process_sees_the_change(
    world: dict, change: str, who: str, child: str, text: str, after: tuple[int, ...]
) -> None:
    # Both processes answer, and have answered this viewer before the change.
    for server in (0, 1):
        status, body = _get(world, server, who, _timeline(world, child))
        assert status == 200 and text in body, f"before {change}: server {server} answered {status}"
    _manage(world["env"], "shell", "-c", CHANGES[change])
    for server in (1, 0):
        status, body = _get(world, server, who, _timeline(world, child))
        assert text not in body, f"after {change}: server {server} still shows it"
        assert status in after, f"after {change}: server {server} answered {status}"
