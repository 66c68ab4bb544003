"""deploy/nginx/folja.conf in front of two gunicorn app servers, as an operator installs it.

`make test-deploy` runs this (it installs Debian's nginx when missing; `.ci/run` calls it). The
shipped site file is used with only its ports and paths replaced (`render_site`, in stack.py with
the other helpers bench/load.py shares), in front of two app servers, each its reads' gunicorn and
its priority gunicorn (docs/operations.md, "Overload"), with production settings (FOLJA_DEBUG off,
no FOLJA_TESTING) sharing a
throwaway PostgreSQL database (on the PostgreSQL at DEPLOY_TEST_PG_URL, never stopped) and, when
it answers, Redis at 127.0.0.1:6379 as the shared cache. A third app server points at a closed
port for its database. The tests run in file order; the last one stops the app servers.

FOLJA_MEDIA_MAX_BYTES is 2 MiB here, and nginx's body limit the shipped rule "Följa's limit plus
10 MiB" (test_shipped_body_limit_is_follja_limit_plus_the_form checks the shipped number).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from PIL import Image

from folja.ops.tests.stack import (
    HOST,
    ROOT,
    SHIPPED_READ_CONNS,
    SITE,
    answers,
    free_port,
    make_certificate,
    nginx_binary,
    render_site,
    start_gunicorn,
    start_nginx,
    stop,
)

pytestmark = pytest.mark.deploy

MEDIA_MAX = 2 * 1024 * 1024
FORM_MARGIN = 10 * 1024 * 1024  # DATA_UPLOAD_MAX_MEMORY_SIZE, the form around a file
RATE_LIMIT = 4  # sign-in starts per identity and window (FOLJA_SIGNIN_RATE_LIMIT)
WORKERS = 2  # workers of each app server's reads' gunicorn here
PRIORITY_WORKERS = 1  # workers of each app server's priority gunicorn (sign-ins, writes, probes)
READ_CONNS = 2 * WORKERS  # the shipped rule: twice the reads' workers, in service or waiting


@dataclass
class Stack:
    https: int
    http: int
    backends: list[int]
    db_down: int
    ca: Path
    world: dict
    shared_cache: bool
    processes: list[subprocess.Popen] = field(default_factory=list)
    app_processes: list[subprocess.Popen] = field(default_factory=list)
    logs: Path | None = None

    def url(self, path: str) -> str:
        return f"https://{HOST}:{self.https}{path}"

    def client(self, session: str | None = None) -> httpx.Client:
        cookies = {}
        if session:
            cookies[self.world["session_cookie"]] = session
        return httpx.Client(verify=ssl.create_default_context(cafile=str(self.ca)), cookies=cookies, timeout=60)

    def backend(self, port: int, path: str, session: str | None = None) -> httpx.Response:
        headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
        if session:
            headers["Cookie"] = f"{self.world['session_cookie']}={session}"
        return httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=60)


def _pg_database(url: str) -> Iterator[str | None]:
    """A throwaway database on the PostgreSQL at `url` (dropped afterwards), or None without one."""
    import psycopg

    match = re.match(r"postgres(?:ql)?://([^@/]*@)?([^:/]+):?(\d*)/", url)
    host, port = (match.group(2), int(match.group(3) or 5432)) if match else ("127.0.0.1", 5432)
    if not answers(port, host):
        yield None
        return
    name = f"folja_deploy_{uuid.uuid4().hex[:10]}"
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed: `make test-deploy` installs Debian's nginx (as root with apt-get)")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (Debian package openssl): no test certificate")
    base = tmp_path_factory.mktemp("deploy")
    names = ("var", "media", "logs", "nginx", "prom_a", "prom_b", "prom_c", "prom_a_priority", "prom_b_priority")
    paths = {name: base / name for name in names}
    for path in paths.values():
        path.mkdir()
    paths["static"] = paths["var"] / "static"
    paths["cert"], paths["key"] = base / "cert.pem", base / "key.pem"
    make_certificate(paths["cert"], paths["key"])
    https, http = free_port(), free_port()
    backends, db_down, closed = [free_port(), free_port()], free_port(), free_port()

    pg_url = os.environ.get("DEPLOY_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
    databases = _pg_database(pg_url)
    database_url = next(databases) or f"sqlite:///{paths['var'] / 'folja.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLJA_", "DJANGO_", "PROMETHEUS_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "DATABASE_URL": database_url,
            "FOLJA_SECRET_KEY": "deploy-test-" + "k" * 60,
            "FOLJA_ALLOWED_HOSTS": HOST,
            "FOLJA_BASE_URL": f"https://{HOST}:{https}",
            "FOLJA_CSRF_TRUSTED_ORIGINS": f"https://{HOST}:{https}",
            "FOLJA_BEHIND_PROXY": "1",
            "FOLJA_PROXY_COUNT": "1",
            "FOLJA_VAR_DIR": str(paths["var"]),
            "FOLJA_MEDIA_ROOT": str(paths["media"]),
            "FOLJA_MEDIA_ACCEL_REDIRECT": "/_protected/",
            "FOLJA_MEDIA_MAX_BYTES": str(MEDIA_MAX),
            "FOLJA_TASKS_BACKEND": "database",
            "FOLJA_LOG_LEVEL": "WARNING",
            "FOLJA_SIGNIN_RATE_LIMIT": str(RATE_LIMIT),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    shared_cache = answers(6379)
    if shared_cache:
        env["FOLJA_CACHE_URL"] = "redis://127.0.0.1:6379/13"
    manage = [sys.executable, str(ROOT / "manage.py")]
    processes: list[subprocess.Popen] = []
    try:
        for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, capture_output=True)
        built = subprocess.run(
            [*manage, "shell", "-c", (Path(__file__).parent / "deploy_world.py").read_text()],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        world = json.loads(built.stdout.strip().splitlines()[-1])

        # Each app server: the reads' gunicorn (folja-web) and the priority one (folja-web-priority).
        priorities = [free_port(), free_port()]
        apps = [start_gunicorn(env, port, paths[prom], paths["logs"], WORKERS)
                for port, prom in zip(backends, ("prom_a", "prom_b"), strict=True)]  # fmt: skip
        apps += [start_gunicorn(env, port, paths[prom], paths["logs"], PRIORITY_WORKERS)
                 for port, prom in zip(priorities, ("prom_a_priority", "prom_b_priority"), strict=True)]  # fmt: skip
        processes.extend(apps)
        down_env = {**env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed}/folja"}
        processes.append(start_gunicorn(down_env, db_down, paths["prom_c"], paths["logs"], WORKERS))
        site = render_site(
            SITE.read_text(), http_port=http, https_port=https, paths=paths,
            upstreams=list(zip(backends, priorities, strict=True)), read_conns=READ_CONNS,
            body_limit_mb=(MEDIA_MAX + FORM_MARGIN) // (1024 * 1024),
        )  # fmt: skip
        processes.append(start_nginx(nginx, paths["nginx"], site, https, paths["logs"]))
        yield Stack(https, http, backends, db_down, paths["cert"], world, shared_cache, processes, apps, paths["logs"])
    finally:
        stop(processes)
        databases.close()


def test_shipped_body_limit_is_follja_limit_plus_the_form() -> None:
    """The shipped nginx limit is Följa's default per-file limit plus the form's (needs no nginx)."""
    from django.conf import settings

    text = SITE.read_text()
    limit = re.search(r"client_max_body_size (\d+)m;", text)
    assert limit is not None
    media_default = 200 * 1024 * 1024  # config/settings.py's default FOLJA_MEDIA_MAX_BYTES
    assert int(limit.group(1)) * 1024 * 1024 == media_default + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == FORM_MARGIN


def _block(text: str, start: str) -> str:
    """The text of the block that opens with `start` (to its closing brace at the same depth)."""
    begin = text.index(start)
    depth = 0
    for index in range(text.index("{", begin), len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[begin : index + 1]
    raise AssertionError(f"no end of {start!r}")


def test_shipped_overload_rules() -> None:
    """Probes are never limited or shed, sign-in and uploads never shed (needs no nginx)."""
    text = SITE.read_text()
    health = _block(text, "location /health/ {")
    assert "limit_req" not in health.replace("no limit_req", "") and "proxy_pass http://folja_app;" in health
    for protected in ("location /login/ {", "location = /media/uploads/ {"):
        block = _block(text, protected)
        assert "proxy_pass http://folja_app;" in block  # the pool without max_conns
        assert "limit_req zone=folja_session" in block and "limit_req zone=folja_address" in block
    # Reads (and only reads) go to the pool with max_conns; every app server is in both pools.
    pool = _block(text, "map $request_method $folja_pool {")
    assert re.findall(r"^\s+(\w+) folja_reads;", pool, re.M) == ["GET", "HEAD"]
    assert "default folja_app;" in pool
    reads = _block(text, "upstream folja_reads {")
    assert f"max_conns={SHIPPED_READ_CONNS} " in reads and "zone folja_reads" in reads
    app = _block(text, "upstream folja_app {")
    assert "max_conns" not in app

    # Every refusal nginx makes itself names when to come back.
    for page in ("_busy.html", "_busy.json", "_too_many.html", "_too_many.json", "_maintenance.html"):
        assert 'add_header Retry-After "' in _block(text, f"location = /{page} {{"), page


def test_priority_gunicorn_is_its_own_service_on_the_address_nginx_names() -> None:
    """folja-web-priority runs the same code and settings on its own address and workers."""
    deploy = SITE.parents[1]
    unit = (deploy / "systemd" / "folja-web-priority.service").read_text()
    reads_unit = (deploy / "systemd" / "folja-web.service").read_text()
    assert "--bind ${FOLJA_PRIORITY_BIND} --workers ${FOLJA_PRIORITY_WORKERS}" in unit
    assert "EnvironmentFile=/etc/folja/folja.env" in unit and "EnvironmentFile=/etc/folja/folja.env" in reads_unit
    assert "PROMETHEUS_MULTIPROC_DIR=/run/folja-web-priority/prometheus" in unit
    env_example = (deploy / "folja.env.example").read_text()
    assert "FOLJA_BIND=127.0.0.1:8000\n" in env_example and "FOLJA_PRIORITY_BIND=127.0.0.1:8001\n" in env_example
    text = SITE.read_text()
    assert "server 127.0.0.1:8001 " in _block(text, "upstream folja_app {")
    assert "server 127.0.0.1:8000 " in _block(text, "upstream folja_reads {")


def test_tls_http2_and_redirect(stack: Stack) -> None:
    context = ssl.create_default_context(cafile=str(stack.ca))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", stack.https)) as raw,
        context.wrap_socket(raw, server_hostname=HOST) as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
    with pytest.raises(httpx.ConnectError):
        httpx.get(stack.url("/health/live"), verify=True)  # not a certificate anyone should trust
    plain = httpx.get(f"http://127.0.0.1:{stack.http}/some/page?x=1", headers={"Host": HOST})
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://{HOST}/some/page?x=1"


def test_security_headers_once_each(stack: Stack) -> None:
    with stack.client() as client:
        page = client.get(stack.url("/login/"))
    assert page.status_code == 200
    headers = page.headers
    assert headers.get_list("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains; preload"]
    assert headers.get_list("X-Content-Type-Options") == ["nosniff"]
    assert headers.get_list("X-Frame-Options") == ["DENY"]
    assert headers.get_list("Referrer-Policy") == ["same-origin"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "nginx/" not in headers.get("Server", "")  # server_tokens off


def test_media_served_by_nginx_after_the_check(stack: Stack) -> None:
    path = f"/media/{stack.world['media']}/file/"
    with stack.client(stack.world["teacher_session"]) as client:
        allowed = client.get(stack.url(path))
    assert allowed.status_code == 200
    assert allowed.content == bytes.fromhex(stack.world["media_bytes"])
    assert allowed.headers["Content-Type"] == "image/jpeg"
    assert "no-store" in allowed.headers["Cache-Control"]
    assert allowed.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "X-Accel-Redirect" not in allowed.headers
    # The app server itself answers with the redirect only, and no bytes of the file.
    direct = stack.backend(stack.backends[0], path, stack.world["teacher_session"])
    assert direct.status_code == 200 and direct.content == b""
    assert direct.headers["X-Accel-Redirect"].startswith("/_protected/")
    # Without the check's consent: a teacher of another unit, nobody signed in, the internal path.
    with stack.client(stack.world["other_session"]) as client:
        assert client.get(stack.url(path)).status_code == 404
    with stack.client() as client:
        anonymous = client.get(stack.url(path))
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
        internal = client.get(stack.url(direct.headers["X-Accel-Redirect"]))
        assert internal.status_code == 404
        assert bytes.fromhex(stack.world["media_bytes"]) not in internal.content


def _jpeg_of_size(size: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(buffer, "JPEG")
    data = buffer.getvalue()
    return data + b"\0" * (size - len(data))  # after the end-of-image marker: ignored by readers


def _upload(stack: Stack, size: int) -> httpx.Response:
    token = "c" * 32  # an unmasked CSRF secret, the cookie and the header agree
    with stack.client(stack.world["teacher_session"]) as client:
        client.cookies[stack.world["csrf_cookie"]] = token
        return client.post(
            stack.url("/media/uploads/"),
            files={"file": ("sandlada.jpg", _jpeg_of_size(size), "image/jpeg")},
            headers={"X-CSRFToken": token, "Origin": f"https://{HOST}:{stack.https}"},
        )


def test_upload_at_the_limit_and_over_it(stack: Stack) -> None:
    at_limit = _upload(stack, MEDIA_MAX)
    assert at_limit.status_code == 200, at_limit.text[:500]
    assert uuid.UUID(at_limit.json()["uuid"])
    over = _upload(stack, MEDIA_MAX + 1)
    assert over.status_code == 400
    assert "för stor" in over.json()["error"]  # Följa's own message, naming its limit
    # Over nginx's body limit: refused before any app server sees it, still as JSON with a message.
    too_big = _upload(stack, MEDIA_MAX + FORM_MARGIN + 1024)
    assert too_big.status_code == 413
    assert "för stor" in too_big.json()["error"]


def test_sessions_hold_across_app_servers(stack: Stack) -> None:
    # Production cookies (FOLJA_DEBUG off, no test mode): the session was made in the shared database.
    assert stack.world["session_cookie"] == "__Host-folja-session"
    path = f"/children/{stack.world['child']}/"
    answers_ = [stack.backend(port, path, stack.world["teacher_session"]) for port in stack.backends]
    assert [a.status_code for a in answers_] == [200, 200]
    assert all("Alva" in a.text for a in answers_)
    anonymous = [stack.backend(port, path) for port in stack.backends]
    assert all(a.status_code == 302 for a in anonymous)


def test_sign_out_on_one_app_server_ends_the_session_on_the_other(stack: Stack) -> None:
    path = f"/children/{stack.world['child']}/"
    first, second = stack.backends
    session = stack.world["leaving_session"]
    assert stack.backend(second, path, session).status_code == 200  # read (and cached) by the second
    token = "d" * 32
    cookie = f"{stack.world['session_cookie']}={session}; {stack.world['csrf_cookie']}={token}"
    signed_out = httpx.post(
        f"http://127.0.0.1:{first}/logout/",
        headers={"Host": HOST, "X-Forwarded-Proto": "https", "Cookie": cookie, "X-CSRFToken": token,
                 "Origin": f"https://{HOST}:{stack.https}"},
    )  # fmt: skip
    assert signed_out.status_code == 302, signed_out.text[:300]
    after = stack.backend(second, path, session)
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def test_sign_in_rate_limit_counts_across_app_servers(stack: Stack) -> None:
    if not stack.shared_cache:
        pytest.skip("Redis does not answer at 127.0.0.1:6379: without a shared cache the limit is per process")
    username = f"nobody-{uuid.uuid4().hex[:8]}"  # a fresh identity: the window outlives a test run
    token = "e" * 32

    def attempt(port: int) -> httpx.Response:
        return httpx.post(
            f"http://127.0.0.1:{port}/admin/login/",
            data={"username": username, "password": "wrong password", "csrfmiddlewaretoken": token},
            headers={"Host": HOST, "X-Forwarded-Proto": "https", "Origin": f"https://{HOST}:{stack.https}",
                     "Cookie": f"{stack.world['csrf_cookie']}={token}"},
        )  # fmt: skip

    first, second = stack.backends
    answered = [attempt(first if i % 2 == 0 else second).status_code for i in range(RATE_LIMIT)]
    assert answered == [200] * RATE_LIMIT  # the admin's form again, with its error
    # The next start is refused whichever app server gets it: the count is in the shared cache.
    refused = attempt(first)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert attempt(second).status_code == 429
    text = stack.backend(first, "/metrics").text
    assert re.search(r'folja_signin_attempts_total\{method="admin",outcome="rate_limited"\} [1-9]', text)


def test_health_through_nginx_and_with_the_database_down(stack: Stack) -> None:
    with stack.client() as client:
        live = client.get(stack.url("/health/live"))
        ready = client.get(stack.url("/health/ready"))
        assert client.get(stack.url("/metrics")).status_code == 403  # never from outside
        many = {client.get(stack.url("/health/ready")).status_code for _ in range(20)}
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ok"
    assert many == {200}
    down = stack.backend(stack.db_down, "/health/ready")
    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"ok": False, "detail": "unreachable", "ms": body["checks"]["database"]["ms"]}
    assert stack.backend(stack.db_down, "/health/live").status_code == 200


def test_metrics_add_up_the_workers_of_an_app_server(stack: Stack) -> None:
    for _ in range(6):
        stack.backend(stack.backends[0], "/health/live")
    text = stack.backend(stack.backends[0], "/metrics").text
    counted = re.search(r'folja_http_requests_total\{method="GET",route="ops:live",status="200"\} (\S+)', text)
    assert counted is not None and float(counted.group(1)) >= 6
    assert "folja_task_queue_depth" in text
    assert 'folja_state_up{group="sis"} 1.0' in text


def _get(stack: Stack, path: str, session: str | None = None, accept: str = "text/html") -> httpx.Response:
    with stack.client(session) as client:
        return client.get(stack.url(path), headers={"Accept": accept})


def test_one_session_over_its_rate_gets_429_with_retry_after(stack: Stack) -> None:
    """A client sending far more than a person does is refused (429, Retry-After); others are not."""
    greedy = uuid.uuid4().hex  # the per-session limit counts the cookie's value, signed in or not
    statuses: list[int] = []
    refused: list[httpx.Response] = []

    def hammer() -> None:
        with stack.client(greedy) as client:
            for _ in range(20):
                answer = client.get(stack.url("/login/"))
                statuses.append(answer.status_code)
                if answer.status_code == 429:
                    refused.append(answer)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    json_answer = _get(stack, "/login/bankid/status/", greedy, accept="application/json")
    for thread in threads:
        thread.join()
    # 80 requests in well under the 4 s the bucket needs to let them all through (40 at once, 10/s).
    assert set(statuses) <= {200, 429}, statuses
    assert refused, statuses
    for answer in refused:
        assert int(answer.headers["Retry-After"]) > 0
        assert "För många förfrågningar" in answer.text
        assert answer.headers.get_list("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains; preload"]
    if json_answer.status_code == 429:
        assert "För många förfrågningar" in json_answer.json()["error"]
    # Another person (another session) is not held back by the greedy one.
    assert _get(stack, "/login/", uuid.uuid4().hex).status_code == 200
    # Recovery: after Retry-After the greedy client is answered again.
    time.sleep(int(refused[-1].headers["Retry-After"]))
    assert _get(stack, "/login/", greedy).status_code == 200


def test_reads_are_shed_with_503_while_sign_in_and_writes_are_answered(stack: Stack) -> None:
    """More reads than the read pool's share: some get 503 with Retry-After at once, none another 5xx;
    meanwhile the sign-in endpoints and a staff member's upload are answered; afterwards reads are too."""
    path = f"/children/{stack.world['child']}/"
    readers = stack.world["reader_sessions"]
    shed = threading.Event()
    answers_: list[tuple[str, httpx.Response]] = []

    def read(session: str, accept: str) -> None:
        with stack.client(session) as client:
            for _ in range(3):
                answer = client.get(stack.url(path), headers={"Accept": accept})
                answers_.append((accept, answer))
                if answer.status_code == 503:
                    shed.set()

    threads = [
        threading.Thread(target=read, args=(session, "application/json" if i % 3 == 0 else "text/html"))
        for i, session in enumerate(readers)
    ]
    for thread in threads:
        thread.start()
    assert shed.wait(timeout=60), [a.status_code for _, a in answers_]
    # While reads are being shed: the sign-in page, the BankID status poll and a staff write.
    sign_in = _get(stack, "/login/")
    poll = _get(stack, "/login/bankid/status/", uuid.uuid4().hex, accept="application/json")
    upload = _upload(stack, 1024)
    for thread in threads:
        thread.join()
    statuses = [answer.status_code for _, answer in answers_]
    assert set(statuses) <= {200, 503}, statuses  # no 429 (a session each), no 500, 502 or 504
    assert statuses.count(200) > 0 and statuses.count(503) > 0
    for accept, answer in answers_:
        if answer.status_code != 503:
            continue
        assert answer.headers["Retry-After"] == "5"
        assert answer.headers["Cache-Control"] == "no-store"
        if accept == "application/json":
            assert "Följa hinner inte svara just nu" in answer.json()["error"]
        else:
            assert "Följa hinner inte visa sidan just nu" in answer.text
    assert sign_in.status_code == 200 and "Logga in" in sign_in.text
    assert poll.status_code == 200 and poll.json()["status"] == "failed"  # no order in this session
    assert upload.status_code == 200, upload.text[:300]
    assert uuid.UUID(upload.json()["uuid"])
    # Recovery: once the burst is over, the same reads are answered.
    after = [_get(stack, path, session).status_code for session in readers[:4]]
    assert after == [200] * 4


def test_maintenance_page_when_every_app_server_is_down(stack: Stack) -> None:
    for process in stack.app_processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in stack.app_processes:
        process.wait(timeout=30)
    with stack.client() as client:
        page = client.get(stack.url("/login/"))  # signing in and writes: the maintenance page
        read = client.get(stack.url("/"))  # a read: the "busy" page, which also names a restart
    assert page.status_code == 503
    assert "Följa är inte tillgänglig just nu" in page.text
    assert page.headers["Retry-After"] == "120"
    assert page.headers.get_list("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains; preload"]
    assert read.status_code == 503
    assert "startas Följa om" in read.text
    assert read.headers["Retry-After"] == "5"
