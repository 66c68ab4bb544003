"""nginx with the shipped site in front of gunicorn app servers: the pieces the deploy test
(test_deploy.py) and the load test (bench/load.py) start the same way.

The shipped deploy/nginx/folja.conf is used with only its ports, paths, certificate and app server
lines replaced (`render_site`); every replacement must hit, so the callers follow the file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SITE = ROOT / "deploy" / "nginx" / "folja.conf"
MAINTENANCE = ROOT / "deploy" / "maintenance"
HOST = "localhost"
# The shipped number of reads one app server may have at once (upstream folja_reads, max_conns):
# twice the reads' gunicorn's workers (one per core: 2), in service or waiting.
SHIPPED_READ_CONNS = 4


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
    raise RuntimeError(f"{what} did not start on port {port}:\n{log.read_text(errors='replace')[-3000:]}")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def render_site(
    text: str,
    *,
    http_port: int,
    https_port: int,
    upstreams: list[tuple[int, int]],
    paths: dict[str, Path],
    read_conns: int,
    body_limit_mb: int | None = None,
) -> str:
    """The shipped site with these ports and paths. Every replacement must hit: the file is the contract.

    `upstreams`: each app server's (reads, priority) gunicorn ports. `read_conns` replaces the
    shipped max_conns of the read pool: twice the reads' gunicorn's workers.
    """
    servers = "".join(f"    server 127.0.0.1:{first} max_fails=2 fail_timeout=10s;\n" for _, first in upstreams)
    readers = "".join(
        f"    server 127.0.0.1:{port} max_conns={read_conns} max_fails=2 fail_timeout=10s;\n" for port, _ in upstreams
    )
    replacements = [
        ("    server 127.0.0.1:8001 max_fails=2 fail_timeout=10s;\n", servers),
        (f"    server 127.0.0.1:8000 max_conns={SHIPPED_READ_CONNS} max_fails=2 fail_timeout=10s;\n", readers),
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        ("    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
        ("server_name folja.example.se;", f"server_name {HOST};"),
        ("/etc/ssl/certs/folja.example.se.pem", str(paths["cert"])),
        ("/etc/ssl/private/folja.example.se.key", str(paths["key"])),
        ("/var/log/nginx/", f"{paths['logs']}/"),
        ("alias /var/lib/folja/media/;", f"alias {paths['media']}/;"),
        ("alias /var/lib/folja/static/;", f"alias {paths['static']}/;"),
        ("/srv/folja/deploy/maintenance", str(MAINTENANCE)),
    ]
    if body_limit_mb is not None:
        replacements.append(("client_max_body_size 210m;", f"client_max_body_size {body_limit_mb}m;"))
    for old, new in replacements:
        assert old in text, f"deploy/nginx/folja.conf no longer contains {old!r}: update render_site"
        text = text.replace(old, new)
    return text


NGINX_MAIN = """
daemon off;
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/main-error.log warn;
user root;
events {{ worker_connections {connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{http_extra}
    include {prefix}/folja.conf;
}}
"""


def make_certificate(cert: Path, key: Path) -> None:
    """A self-signed certificate for HOST and 127.0.0.1 (two days), made with openssl."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={HOST}",
         "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip


def start_gunicorn(env: dict[str, str], port: int, prom: Path, logs: Path, workers: int) -> subprocess.Popen:
    """A gunicorn as deploy/systemd/folja-web.service (or -priority) starts it (deploy/gunicorn.conf.py)."""
    log = logs / f"gunicorn-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", str(ROOT / "deploy/gunicorn.conf.py")],
        env={**env, "FOLJA_BIND": f"127.0.0.1:{port}", "FOLJA_WEB_WORKERS": str(workers),
             "PROMETHEUS_MULTIPROC_DIR": str(prom)},
        cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(port, process, "gunicorn", log)
    except RuntimeError:
        stop([process])
        raise
    return process


def start_nginx(
    nginx: str, prefix: Path, site: str, https_port: int, logs: Path, *, workers: int = 1, http_extra: str = ""
) -> subprocess.Popen:
    """nginx in the foreground with the rendered site; checked with `nginx -t` first."""
    (prefix / "folja.conf").write_text(site)
    main = NGINX_MAIN.format(prefix=prefix, workers=workers, connections=1024, http_extra=http_extra)
    (prefix / "nginx.conf").write_text(main)
    tested = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], capture_output=True)
    if tested.returncode != 0:
        raise RuntimeError(f"nginx -t failed: {tested.stderr.decode()}")
    log = logs / "nginx.log"
    process = subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(https_port, process, "nginx", log)
    except RuntimeError:
        stop([process])
        raise
    return process


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop each process group (SIGTERM, then SIGKILL after 30 s), last started first."""
    for process in reversed(processes):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
