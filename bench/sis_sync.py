"""Benchmark: full SIS sync of a synthetic municipality from the fake server into PostgreSQL.

    .venv/bin/python bench/sis_sync.py --children 150000 \
        --database-url postgres://postgres@127.0.0.1:5432/folja_bench [--recreate]

Starts the fake SIS in a separate process (so it does not share this process's GIL), runs a
full sync, then an unchanged re-run, and prints wall time, peak memory (max RSS) and the number
of INSERT/UPDATE/DELETE statements of the re-run (goal: 0), with the machine's 1-minute load
average at the start and end of each run (the development machine is shared: compare runs made
at a similar load only). Wrap full-scale runs in `flock /tmp/bench.lock …` so that two
benchmarks never overlap.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_now_mb() -> int:
    """Return this process's resident memory now (the peak is ru_maxrss)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    base = ["psql", "-h", parts.hostname or "127.0.0.1", "-U", parts.username or "postgres", "-d", "postgres", "-q"]
    subprocess.run([*base, "-c", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run([*base, "-c", f'CREATE DATABASE "{name}"'], check=True)
    env = {**os.environ, "DATABASE_URL": url, "FOLJA_DEBUG": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--skip-checks", "-v", "0"], cwd=ROOT, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=150_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/folja_bench")
    parser.add_argument("--recreate", action="store_true", help="drop, create and migrate the database first")
    parser.add_argument("--page", type=int, default=5000)
    parser.add_argument("--first-only", action="store_true", help="skip the unchanged re-run")
    parser.add_argument("--profile", help="write cProfiles of both runs to PROFILE.first and PROFILE.rerun")
    args = parser.parse_args()
    if args.recreate:
        recreate_database(args.database_url)

    os.environ["DATABASE_URL"] = args.database_url
    # Production settings, as the scheduled task runs: with DEBUG on, Django keeps the last 9,000
    # queries and their parameters in memory (a page's 5,000 SIS ids each), which the peak would count.
    os.environ["FOLJA_DEBUG"] = "0"
    os.environ.setdefault("FOLJA_SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("FOLJA_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("FOLJA_BASE_URL", "http://127.0.0.1")
    os.environ.setdefault("FOLJA_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("folja.sis").setLevel(logging.ERROR)
    from django.db import connection

    from folja.directory.models import Organisation, OrganisationType
    from folja.sis.client import SisClient
    from folja.sis.sync import run_sync

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "sis_fake_server", "--skip-checks", "--port", str(port),
         "--children", str(args.children), "--max-page", str(args.page)],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        print(server.stdout.readline().strip())
        huvudman, _ = Organisation.objects.get_or_create(
            organisation_type=OrganisationType.HUVUDMAN, organisation_code="BENCH", defaults={"display_name": "Bench"}
        )
        results = []
        labels = ("first full sync",) if args.first_only else ("first full sync", "unchanged re-run")
        for label in labels:
            writes = []

            def count_writes(execute, sql, params, many, context, writes=writes):
                if sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE") and "sis_syncrun" not in sql:
                    writes.append(sql[:60])
                return execute(sql, params, many, context)

            load_start = os.getloadavg()[0]
            started = time.monotonic()
            cpu = time.process_time()
            with (
                connection.execute_wrapper(count_writes),
                SisClient(f"http://127.0.0.1:{port}", page_limit=args.page) as client,
            ):
                phase_start = [time.monotonic(), "start"]

                def progress(message, phase_start=phase_start):
                    if message.split()[0] == phase_start[1].split()[0]:
                        return  # the same step, further on ("persons 5000/415000")
                    now = time.monotonic()
                    print(f"  {phase_start[1]}: {now - phase_start[0]:.1f}s, RSS {rss_now_mb()} MB", flush=True)
                    phase_start[:] = [now, message]

                if args.profile:
                    import cProfile

                    profiler = cProfile.Profile()
                    result = profiler.runcall(
                        run_sync, organisation=huvudman, client=client, full=True, progress=progress
                    )
                    profiler.dump_stats(f"{args.profile}.{'first' if label.startswith('first') else 'rerun'}")
                else:
                    result = run_sync(organisation=huvudman, client=client, full=True, progress=progress)
                progress("end")
            wall = time.monotonic() - started
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            results.append(
                {
                    "run": label,
                    "status": str(result.status),
                    "wall_seconds": round(wall, 1),
                    "cpu_seconds_importer": round(time.process_time() - cpu, 1),
                    "peak_rss_mb": round(rss_mb),
                    "write_statements": len(writes),
                    "load_average_1min": [round(load_start, 2), round(os.getloadavg()[0], 2)],
                    "requests": result.requests,
                    "fetched": result.fetched,
                    "counts": result.counts,
                }
            )
            print(json.dumps(results[-1], ensure_ascii=False))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
