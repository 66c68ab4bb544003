"""deploy/nginx/folja.conf in front of two gunicorn app servers, as an operator installs it.

`make test-deploy` runs this (it installs Debian's nginx when missing; `.ci/run` calls it). The
shipped site file is used with only its ports and paths replaced (`render_site`), in front of two
gunicorn app servers with production settings (FOLJA_DEBUG off, no FOLJA_TESTING) sharing a
throwaway PostgreSQL database (on the PostgreSQL at DEPLOY_TEST_PG_URL, never stopped) and, when
it answers, Redis at 127.0.0.1:6379 as the shared cache. A third app server points at a closed
port for its database. The tests run in file order; the last one stops the app servers.

FOLJA_MEDIA_MAX_BYTES is 2 MiB here, and nginx's body limit the shipped rule "Följa's limit plus
10 MiB" (test_shipped_body_limit_is_follja_limit_plus_the_form checks the shipped number).
"""

from __future__ import annotations

import contextlib
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
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from PIL import Image

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[3]
SITE = ROOT / "deploy" / "nginx" / "folja.conf"
MAINTENANCE = ROOT / "deploy" / "maintenance"
MEDIA_MAX = 2 * 1024 * 1024
FORM_MARGIN = 10 * 1024 * 1024  # DATA_UPLOAD_MAX_MEMORY_SIZE, the form around a file
HOST = "localhost"
RATE_LIMIT = 4  # sign-in starts per identity and window (FOLJA_SIGNIN_RATE_LIMIT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def wait_for(port: int, process: subprocess.Popen, what: str, log: Path) -> None:
    for _ in range(600):
        if answers(port):
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"{what} did not start on port {port}:\n{log.read_text(errors='replace')[-3000:]}")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def render_site(text: str, *, http_port: int, https_port: int, upstreams: list[int], paths: dict[str, Path]) -> str:
    """The shipped site with test ports and paths. Every replacement must hit: the file is the contract."""
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=2 fail_timeout=10s;\n" for port in upstreams)
    replacements = [
        ("    server 127.0.0.1:8000 max_fails=2 fail_timeout=10s;\n", servers),
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        ("    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
        ("server_name folja.example.se;", f"server_name {HOST};"),
        ("/etc/ssl/certs/folja.example.se.pem", str(paths["cert"])),
        ("/etc/ssl/private/folja.example.se.key", str(paths["key"])),
        ("client_max_body_size 210m;", f"client_max_body_size {(MEDIA_MAX + FORM_MARGIN) // (1024 * 1024)}m;"),
        ("/var/log/nginx/", f"{paths['logs']}/"),
        ("alias /var/lib/folja/media/;", f"alias {paths['media']}/;"),
        ("alias /var/lib/folja/static/;", f"alias {paths['static']}/;"),
        ("/srv/folja/deploy/maintenance", str(MAINTENANCE)),
    ]
    for old, new in replacements:
        assert old in text, f"deploy/nginx/folja.conf no longer contains {old!r}: update render_site"
        text = text.replace(old, new)
    return text


NGINX_MAIN = """
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/main-error.log warn;
user root;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/folja.conf;
}}
"""


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
    paths = {name: base / name for name in ("var", "media", "logs", "nginx", "prom_a", "prom_b", "prom_c")}
    for path in paths.values():
        path.mkdir()
    paths["static"] = paths["var"] / "static"
    paths["cert"], paths["key"] = base / "cert.pem", base / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(paths["key"]), "-out", str(paths["cert"]), "-days", "2", "-subj", f"/CN={HOST}",
         "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
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

        def gunicorn(port: int, prom: Path, extra: dict[str, str]) -> subprocess.Popen:
            log = paths["logs"] / f"gunicorn-{port}.log"
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", str(ROOT / "deploy/gunicorn.conf.py")],
                env={**env, "FOLJA_BIND": f"127.0.0.1:{port}", "FOLJA_WEB_WORKERS": "2",
                     "PROMETHEUS_MULTIPROC_DIR": str(prom), **extra},
                cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            processes.append(process)
            wait_for(port, process, "gunicorn", log)
            return process

        apps = [gunicorn(backends[0], paths["prom_a"], {}), gunicorn(backends[1], paths["prom_b"], {})]
        gunicorn(db_down, paths["prom_c"], {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed}/folja"})

        prefix = paths["nginx"]
        (prefix / "folja.conf").write_text(
            render_site(SITE.read_text(), http_port=http, https_port=https, upstreams=backends, paths=paths)
        )
        (prefix / "nginx.conf").write_text(NGINX_MAIN.format(prefix=prefix))
        tested = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], capture_output=True)
        assert tested.returncode == 0, tested.stderr.decode()
        log = paths["logs"] / "nginx.log"
        process = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        processes.append(process)
        wait_for(https, process, "nginx", log)
        yield Stack(https, http, backends, db_down, paths["cert"], world, shared_cache, processes, apps, paths["logs"])
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
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
    assert "limit_req" not in text.replace("No limit_req", "")  # probes and sign-in are never limited by nginx


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


def test_maintenance_page_when_every_app_server_is_down(stack: Stack) -> None:
    for process in stack.app_processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in stack.app_processes:
        process.wait(timeout=30)
    with stack.client() as client:
        page = client.get(stack.url("/"))
    assert page.status_code == 503
    assert "Följa är inte tillgänglig just nu" in page.text
    assert page.headers["Retry-After"] == "120"
    assert page.headers.get_list("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains; preload"]
