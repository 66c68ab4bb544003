"""The load test of issue 31: the shipped nginx in front of two gunicorn app servers, a realistic
mix of guardians, staff and sign-ins, the sustainable rate, then four times that.

    make bench-load                         # one line, no manual steps (bench/README.md, "Load")
    .venv/bin/python bench/load.py --help   # every knob

1. builds or reuses the benchmark dataset (bench/dataset.py) in its own database
   (folja_load_s0_05 at the default scale: the run writes posts, comments and sessions);
2. starts the BankID simulator (in this process), two app servers (each a reads' gunicorn and a
   priority gunicorn, deploy/gunicorn.conf.py, production settings, shared PostgreSQL and Redis)
   and nginx with deploy/nginx/folja.conf
   (folja/ops/tests/stack.py, as `make test-deploy`), plus `set_real_ip_from 127.0.0.1` (as
   behind a load balancer: each persona has its own address) and a log format with the class
   of each request and its time;
3. prepares the mix (bench/load_mix.py): sessions of guardians and staff made beforehand, BankID
   orders started for the status polls; checks one request of each kind through nginx;
4. steps the offered rate up (wrk, bench/load.lua: people with an exponential pause between
   requests) until a step breaks the threshold: p95 of a class over --p95-ms (or --p95-factor
   times its p95 with one person, on a machine so busy that one person alone is slower), or more
   than --max-refused of the requests refused (429, 503) or failed (any other 5xx, socket
   errors); the last step that held is the sustainable rate;
5. runs the sustainable rate for --baseline seconds, adds three times as many people for
   --burst seconds (four times the load), then goes on at the sustainable rate for --recovery
   seconds; meanwhile signs a guardian in with BankID from start to finish every 2 s;
6. reads nginx's access log: status codes and latency per class during the burst, and the
   recovery time (seconds after the burst until p95 is back to normal and nothing is refused);
   prints a table and writes it with the figures to bench/results/load-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from folja.ops.tests import stack  # noqa: E402  (after the path: bench/ is not a package)

PY = sys.executable
LOG_FORMAT = "log_format bench '$msec $status $request_time \"$http_x_bench_class\"';"
CLASSES = ("guardian_read", "staff_read", "staff_write", "signin")


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


# ---------------------------------------------------------------------------------------------
# wrk and nginx's log
# ---------------------------------------------------------------------------------------------


def wrk(base: str, rows: Path, *, connections: int, seconds: int, think_ms: int, seed: int) -> subprocess.Popen:
    """`connections` people, each sending a request, reading the answer, pausing `think_ms` on
    average: connections × 1000 / think_ms requests a second offered while answers are quick."""
    return subprocess.Popen(
        ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s",
         "-s", str(BENCH / "load.lua"), base, "--", str(rows), str(think_ms), str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wrk_result(process: subprocess.Popen) -> dict:
    out, _ = process.communicate()
    line = next((x for x in out.splitlines() if x.startswith("LOADJSON ")), None)
    if process.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({process.returncode}): {out[-2000:]}")
    data = json.loads(line[len("LOADJSON ") :])
    data["socket_errors"] = sum(data[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    data["connections"] = int(process.args[process.args.index("-c") + 1])
    return data


def read_log(path: Path) -> list[tuple[float, int, float, str]]:
    """(end time, status, seconds, class) of every request nginx logged."""
    entries = []
    for line in path.read_text().splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4:
            entries.append((float(parts[0]), int(parts[1]), float(parts[2]), parts[3].strip('"')))
    return entries


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def summary(entries: list[tuple[float, int, float, str]]) -> dict:
    """Counts by status and latency percentiles (ms) of all requests and of the answered ones."""
    statuses = Counter(status for _, status, _, _ in entries)
    times = [seconds * 1000 for _, _, seconds, _ in entries]
    answered = [seconds * 1000 for _, status, seconds, _ in entries if status < 400]
    refused = statuses[429] + statuses[503]
    failed = sum(n for status, n in statuses.items() if status >= 500 and status != 503)
    return {
        "requests": len(entries),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "refused": refused,
        "failed": failed,
        "p50_ms": round(percentile(times, 0.50), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "answered_p50_ms": round(percentile(answered, 0.50), 1),
        "answered_p95_ms": round(percentile(answered, 0.95), 1),
        "answered_p99_ms": round(percentile(answered, 0.99), 1),
    }


def window(entries: list, start: float, end: float, cls: str | None = None) -> list:
    return [e for e in entries if start <= e[0] < end and (cls is None or e[3] == cls) and e[3] != "signin_probe"]


def per_class(entries: list, start: float, end: float) -> dict:
    return {cls: summary(window(entries, start, end, cls)) for cls in CLASSES} | {
        "all": summary(window(entries, start, end))
    }


def recovery_seconds(entries: list, burst_end: float, until: float, normal_ms: float) -> int | None:
    """Seconds after the burst until three seconds in a row have nothing refused and p95 ≤ normal."""
    seconds = []
    for offset in range(int(until - burst_end)):
        second = window(entries, burst_end + offset, burst_end + offset + 1)
        stats = summary(second)
        seconds.append(stats["refused"] == 0 and stats["failed"] == 0 and stats["p95_ms"] <= normal_ms)
    for offset in range(len(seconds) - 2):
        if all(seconds[offset : offset + 3]):
            return offset
    return None


# ---------------------------------------------------------------------------------------------
# The stack
# ---------------------------------------------------------------------------------------------


def environment(args: argparse.Namespace, paths: dict[str, Path], https: int, bankid: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLJA_", "DJANGO_", "PROMETHEUS_"))}
    env.update(
        {
            "DATABASE_URL": args.database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "FOLJA_SECRET_KEY": secrets.token_urlsafe(60),
            "FOLJA_ALLOWED_HOSTS": stack.HOST,
            "FOLJA_BASE_URL": f"https://{stack.HOST}:{https}",
            "FOLJA_CSRF_TRUSTED_ORIGINS": f"https://{stack.HOST}:{https}",
            "FOLJA_BEHIND_PROXY": "1",
            "FOLJA_PROXY_COUNT": "1",
            "FOLJA_VAR_DIR": str(paths["var"]),
            "FOLJA_MEDIA_ROOT": str(paths["media"]),
            "FOLJA_MEDIA_ACCEL_REDIRECT": "/_protected/",
            "FOLJA_TASKS_BACKEND": "database",
            "FOLJA_LOG_LEVEL": "WARNING",
            "FOLJA_DB_CONN_MAX_AGE": "60",
            "FOLJA_CACHE_URL": args.cache_url,
            "PYTHONDONTWRITEBYTECODE": "1",
            **bankid,
        }
    )
    return env


def site(paths: dict[str, Path], http: int, https: int, backends: list[tuple[int, int]], read_conns: int) -> str:
    text = stack.render_site(
        stack.SITE.read_text(), http_port=http, https_port=https, upstreams=backends, paths=paths,
        read_conns=read_conns,
    )  # fmt: skip
    changes = [
        (f"access_log {paths['logs']}/folja-access.log;", f"access_log {paths['logs']}/load.log bench;"),
        # As behind a load balancer that appends the client's address: each persona has its own.
        ("    server_tokens off;\n", "    server_tokens off;\n    set_real_ip_from 127.0.0.1;\n"
         "    real_ip_header X-Forwarded-For;\n"),
    ]  # fmt: skip
    for old, new in changes:
        assert old in text, f"the rendered site no longer contains {old!r}: update bench/load.py"
        text = text.replace(old, new)
    return text


def media_files(media_root: Path, photo_paths: list[str]) -> None:
    """The dataset's rendition rows name files it never wrote: a small JPEG under each name used."""
    import io

    from PIL import Image

    from folja.media.models import Rendition

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 150, 60)).save(buffer, "JPEG", quality=80)
    for path in photo_paths:
        media_uuid, name = path.split("/")[2], path.split("/")[4]
        rendition = Rendition.objects.get(media__uuid=media_uuid, name=name)
        target = media_root / rendition.file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(buffer.getvalue())


class Probes(threading.Thread):
    """Whole BankID sign-ins of guardians, one every `every` seconds, timed end to end."""

    def __init__(self, base: str, ca: Path, simulator, civic_numbers: list[str], every: float = 2.0) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.base, self.ca, self.simulator, self.civic_numbers, self.every = base, ca, simulator, civic_numbers, every
        self.results: list[tuple[float, float]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        import httpx
        from load_mix import sign_in_probe

        index = 0
        with httpx.Client(base_url=self.base, verify=str(self.ca), timeout=30) as client:
            while not self.stopping.is_set():
                began = time.time()
                seconds = sign_in_probe(
                    client, self.simulator, self.civic_numbers[index % len(self.civic_numbers)], index
                )
                self.results.append((began, seconds))
                index += 1
                self.stopping.wait(max(0.0, self.every - (time.time() - began)))


def probe_summary(results: list[tuple[float, float]], start: float, end: float) -> dict:
    times = [s * 1000 for t, s in results if start <= t < end and s >= 0]
    failed = sum(1 for t, s in results if start <= t < end and s < 0)
    return {
        "sign_ins": len(times),
        "failed": failed,
        "median_ms": round(statistics.median(times), 1) if times else None,
        "max_ms": round(max(times), 1) if times else None,
    }


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def limits(first: dict, args: argparse.Namespace) -> dict[str, float]:
    """The p95 each class may reach: --p95-ms, or --p95-factor times its p95 with one person (the
    first step) when the machine is so busy that one person alone is slower than that."""
    return {c: max(args.p95_ms, args.p95_factor * first["classes"][c]["p95_ms"]) for c in CLASSES}


def holds(step: dict, args: argparse.Namespace, p95_limits: dict[str, float]) -> bool:
    classes = step["classes"]
    total = classes["all"]["requests"] + step["wrk"]["socket_errors"]
    bad = classes["all"]["refused"] + classes["all"]["failed"] + step["wrk"]["socket_errors"]
    slow = [c for c in CLASSES if classes[c]["requests"] and classes[c]["p95_ms"] > p95_limits[c]]
    return total > 0 and bad / total <= args.max_refused and not slow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "0.05")))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/6", help="flushed at the start")
    parser.add_argument("--personas", type=int, default=60, help="guardians and staff with sessions, each")
    parser.add_argument(
        "--workers",
        type=int,
        default=max(1, (os.cpu_count() or 2) // 2),
        help="workers of each app server's reads' gunicorn: one per core (the two app servers share these cores)",
    )
    parser.add_argument(
        "--priority-workers", type=int, default=2, help="workers of each app server's priority gunicorn"
    )
    parser.add_argument(
        "--read-conns",
        type=int,
        default=0,
        help="max_conns of the read pool per app server (default: twice --workers, the shipped rule)",
    )
    parser.add_argument("--think-ms", type=int, default=500, help="mean pause of a person between two requests")
    parser.add_argument("--start-rate", type=float, default=2.0, help="offered requests a second of the first step")
    parser.add_argument("--step-factor", type=float, default=1.3)
    parser.add_argument("--max-rate", type=float, default=400.0)
    parser.add_argument("--step-seconds", type=int, default=15)
    parser.add_argument(
        "--p95-ms", type=float, default=500.0, help="a step holds while every class's p95 is under this"
    )
    parser.add_argument(
        "--p95-factor", type=float, default=3.0, help="… or this times the class's p95 with one person, if higher"
    )
    parser.add_argument("--max-refused", type=float, default=0.01, help="… and at most this share is refused or failed")
    parser.add_argument("--baseline", type=int, default=20, help="seconds at the sustainable rate before the burst")
    parser.add_argument("--burst", type=int, default=30, help="seconds at four times the sustainable rate")
    parser.add_argument("--recovery", type=int, default=30, help="seconds at the sustainable rate after the burst")
    parser.add_argument("--factor", type=float, default=4.0, help="the burst's load as a multiple of the sustainable")
    args = parser.parse_args()
    if not args.database_url:
        args.database_url = f"postgres://postgres@127.0.0.1:5432/folja_load_s{str(args.scale).replace('.', '_')}"
    started = time.time()
    load_start = [round(x, 2) for x in os.getloadavg()]
    nginx = stack.nginx_binary()
    if nginx is None or shutil.which("wrk") is None:
        raise SystemExit("nginx and wrk are needed: `make bench-load` installs them (apt-get, as root)")
    subprocess.run(
        [PY, str(BENCH / "dataset.py"), "--database-url", args.database_url, "--scale", str(args.scale)],
        cwd=ROOT, check=True,
    )  # fmt: skip

    base_dir = Path(tempfile.mkdtemp(prefix="folja-load-"))
    names = ("var", "media", "logs", "nginx", "prom_a", "prom_b", "prom_a_priority", "prom_b_priority", "bankid")
    paths = {name: base_dir / name for name in names}
    for path in paths.values():
        path.mkdir()
    paths["static"] = paths["var"] / "static"
    paths["cert"], paths["key"] = base_dir / "cert.pem", base_dir / "key.pem"
    stack.make_certificate(paths["cert"], paths["key"])
    https, http = stack.free_port(), stack.free_port()
    backends = [(stack.free_port(), stack.free_port()) for _ in range(2)]  # (reads, priority) of each
    base = f"https://{stack.HOST}:{https}"

    from folja.accounts.bankid import testpki
    from folja.accounts.bankid.simulator import BankIDSimulator

    pki = testpki.generate(paths["bankid"])
    simulator = BankIDSimulator(
        server_cert=pki.server_cert, server_key=pki.server_key, client_ca=pki.ca_cert, order_seconds=3600
    ).start()
    bankid = {"FOLJA_BANKID_URL": simulator.url, "FOLJA_BANKID_CERT": str(pki.client_cert),
              "FOLJA_BANKID_KEY": str(pki.client_key), "FOLJA_BANKID_CA": str(pki.ca_cert)}  # fmt: skip
    env = environment(args, paths, https, bankid)
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, check=True)
    os.environ.clear()
    os.environ.update(env)
    import redis

    redis.Redis.from_url(args.cache_url).flushdb()
    import django

    django.setup()
    import httpx
    from django.db import connection
    from load_mix import KINDS, Mix

    log("choosing personas and making their sessions")
    mix = Mix(base, args.personas)
    mix.build()
    media_files(paths["media"], [row.path for row in mix.rows["photo"]])
    connection.close()

    processes: list[subprocess.Popen] = []
    probes = None
    try:
        read_conns = args.read_conns or 2 * args.workers  # the shipped rule (deploy/nginx/folja.conf)
        for (port, priority), prom in zip(backends, ("prom_a", "prom_b"), strict=True):
            processes.append(stack.start_gunicorn(env, port, paths[prom], paths["logs"], args.workers))
            processes.append(
                stack.start_gunicorn(env, priority, paths[f"{prom}_priority"], paths["logs"], args.priority_workers)
            )
        processes.append(
            stack.start_nginx(nginx, paths["nginx"], site(paths, http, https, backends, read_conns), https,
                              paths["logs"], workers=2, http_extra=f"    {LOG_FORMAT}")
        )  # fmt: skip
        with httpx.Client(base_url=base, verify=str(paths["cert"]), timeout=60) as client:
            mix.pending_sign_ins(client, args.personas)
            checked = mix.validate(client)
        log(f"one request of each kind through nginx: {checked}")
        rows = base_dir / "rows.lua"
        rows.write_text(mix.lua_rows())

        log("warming up (10 s)")
        per_person = 1000 / args.think_ms  # requests a second one connection offers while answers are quick
        people = max(1, math.ceil(args.start_rate / per_person))
        wrk_result(wrk(base, rows, connections=people, seconds=10, think_ms=args.think_ms, seed=0))
        access = paths["logs"] / "load.log"
        steps: list[dict] = []
        sustainable = None
        p95_limits: dict[str, float] = {}
        while people * per_person <= args.max_rate:
            rate = people * per_person
            began = time.time()
            result = wrk_result(wrk(base, rows, connections=people, seconds=args.step_seconds,
                                    think_ms=args.think_ms, seed=len(steps) + 1))  # fmt: skip
            ended = time.time()
            time.sleep(1.5)  # nginx's log buffer
            entries = read_log(access)
            classes = per_class(entries, began + 2, ended)  # the first 2 s: connections opening
            answered_rate = round(classes["all"]["requests"] / (ended - began - 2), 1)
            step = {"people": people, "offered_rate": round(rate, 1), "achieved_rate": answered_rate, "wrk": result,
                    "classes": classes, "load_1min": round(os.getloadavg()[0], 2)}  # fmt: skip
            if not steps:
                p95_limits = limits(step, args)
                log("p95 limits per class: " + ", ".join(f"{c} {v:.0f} ms" for c, v in p95_limits.items()))
            step["holds"] = holds(step, args, p95_limits)
            steps.append(step)
            log(
                f"step {rate:.0f} req/s offered: {step['achieved_rate']} answered/s, p95 "
                + ", ".join(f"{c} {classes[c]['p95_ms']:.0f} ms" for c in CLASSES)
                + f", refused {classes['all']['refused']}, failed {classes['all']['failed'] + result['socket_errors']}"
                + f" -> {'holds' if step['holds'] else 'breaks'}"
            )
            if not step["holds"]:
                break
            sustainable = step
            people = max(people + 1, round(people * args.step_factor))
        if sustainable is None:
            raise SystemExit(f"even the first step ({args.start_rate} req/s) broke the threshold: lower --start-rate")

        sustainable_rate = sustainable["achieved_rate"]  # answered a second: what the stack served
        log(
            f"sustainable: {sustainable_rate} req/s answered ({sustainable['people']} people); baseline"
            f" {args.baseline} s, burst {args.burst} s at {args.factor:g}x, recovery {args.recovery} s"
        )
        probes = Probes(base, paths["cert"], simulator, mix.guardians)
        probes.start()
        total = args.baseline + args.burst + args.recovery
        phase_start = time.time()
        people = sustainable["people"]
        steady = wrk(base, rows, connections=people, seconds=total, think_ms=args.think_ms, seed=101)
        time.sleep(args.baseline)
        burst_start = time.time()
        load_burst = os.getloadavg()[0]
        extra = wrk(base, rows, connections=round(people * (args.factor - 1)), seconds=args.burst,
                    think_ms=args.think_ms, seed=202)  # fmt: skip
        extra_result = wrk_result(extra)
        burst_end = time.time()
        steady_result = wrk_result(steady)
        phase_end = time.time()
        probes.stopping.set()
        probes.join(timeout=60)
        time.sleep(1.5)
        entries = read_log(access)
        baseline = per_class(entries, phase_start + 2, burst_start)
        burst = per_class(entries, burst_start, burst_end)
        after = per_class(entries, burst_end, phase_end)
        normal_ms = max(1.5 * baseline["all"]["p95_ms"], baseline["all"]["p95_ms"] + 100)
        recovery = recovery_seconds(entries, burst_end, phase_end, normal_ms)
        per_second = []
        for offset in range(int(phase_end - phase_start)):
            second = summary(window(entries, phase_start + offset, phase_start + offset + 1))
            per_second.append({"t": offset, "requests": second["requests"], "refused": second["refused"],
                               "failed": second["failed"], "p95_ms": second["p95_ms"]})  # fmt: skip
        result = {
            "issue": 31,
            "started_at": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
            "git_commit": subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip(),
            "machine": {
                "nproc": os.cpu_count(),
                "load_average_start": load_start,
                "load_1min_at_burst": round(load_burst, 2),
                "load_average_end": [round(x, 2) for x in os.getloadavg()],
            },
            "settings": {k: v for k, v in vars(args).items() if k not in ("database_url", "cache_url")}
            | {"app_servers": 2, "read_conns_per_app_server": read_conns, "mix": {k: v[1] for k, v in KINDS.items()}},
            "steps": steps,
            "p95_limits_ms": {c: round(v, 1) for c, v in p95_limits.items()},
            "sustainable": {"people": people, "offered_rate": sustainable["offered_rate"], "rate": sustainable_rate},
            "baseline": baseline,
            "burst": burst
            | {
                "rate": round(burst["all"]["requests"] / (burst_end - burst_start), 1),
                "connections": steady_result["connections"] + extra_result["connections"],
                "socket_errors": steady_result["socket_errors"] + extra_result["socket_errors"],
            },
            "after": after,
            "normal_p95_ms": round(normal_ms, 1),
            "recovery_seconds": recovery,
            "per_second": per_second,
            "sign_in_probes": {
                "baseline": probe_summary(probes.results, phase_start, burst_start),
                "burst": probe_summary(probes.results, burst_start, burst_end),
                "after": probe_summary(probes.results, burst_end, phase_end),
            },
        }
    finally:
        if probes is not None:
            probes.stopping.set()
        stack.stop(processes)
        simulator.stop()
    result["table"] = table(result)
    print()
    print(result["table"])
    out = BENCH / "results" / f"load-{dt.datetime.fromtimestamp(started, dt.UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    log(f"results written to {out.relative_to(ROOT)}")
    shutil.rmtree(base_dir, ignore_errors=True)


def table(result: dict) -> str:
    s = result["settings"]
    lines = [
        f"Följa load test: nginx + 2 app servers, each {s['workers']} worker(s) for reads (at most "
        f"{s['read_conns_per_app_server']} reads in service or waiting) and {s['priority_workers']} for sign-ins and "
        f"writes; {s['personas']} personas a kind, pause {s['think_ms']} ms; "
        f"load average at the burst {result['machine']['load_1min_at_burst']}",
        "",
        "Steps (offered req/s -> answered/s, p95 ms per class, refused+failed):",
    ]
    for step in result["steps"]:
        c = step["classes"]
        lines.append(
            f"  {step['offered_rate']:>6.1f} -> {step['achieved_rate']:>6.1f}   "
            + "  ".join(f"{k} {c[k]['p95_ms']:>6.0f}" for k in CLASSES)
            + f"   {c['all']['refused'] + c['all']['failed'] + step['wrk']['socket_errors']:>4}"
            + f"   {'holds' if step['holds'] else 'breaks'}"
        )
    sus = result["sustainable"]
    burst = result["burst"]
    lines += [
        "",
        f"Sustainable: {sus['rate']} req/s answered ({sus['people']} people, {sus['offered_rate']} req/s offered at "
        f"most): p95 within its limit in every class ("
        + ", ".join(f"{c} {v:.0f} ms" for c, v in result["p95_limits_ms"].items())
        + f"), <= {s['max_refused']:.0%} refused or failed",
        f"Burst: {s['factor']:g}x the people for {s['burst']} s ({burst['connections']} connections): "
        f"{burst['rate']} req/s reached nginx = {burst['rate'] / sus['rate']:.1f}x the sustainable rate; "
        f"socket errors {burst['socket_errors']}",
        "",
        f"{'class':<14} {'requests':>8}  {'2xx':>5} {'3xx':>5} {'429':>5} {'503':>5} {'5xx':>5} {'4xx':>5}  "
        f"{'p50':>6} {'p95':>6} {'p99':>6}  {'baseline p95':>12}",
    ]
    for cls in (*CLASSES, "all"):
        b = burst[cls]
        st = {int(k): v for k, v in b["statuses"].items()}
        ok, moved = (sum(v for k, v in st.items() if lo <= k < lo + 100) for lo in (200, 300))
        other = sum(v for k, v in st.items() if 400 <= k < 500 and k != 429)
        lines.append(
            f"{cls:<14} {b['requests']:>8}  {ok:>5} {moved:>5} {st.get(429, 0):>5} {st.get(503, 0):>5} "
            f"{b['failed']:>5} {other:>5}  {b['answered_p50_ms']:>6.0f} {b['answered_p95_ms']:>6.0f} "
            f"{b['answered_p99_ms']:>6.0f}  {result['baseline'][cls]['answered_p95_ms']:>12.0f}"
        )
    lines.append(
        "(ms at nginx, of the answered requests: 503 and 429 are answered in about a millisecond; 5xx: any other"
        " than 503; 4xx: 499 when wrk closes its connections at the end of its run)"
    )
    probes = result["sign_in_probes"]
    recovery = result["recovery_seconds"]
    lines += [
        "",
        "Whole BankID sign-ins (start, phone, status poll), median / max ms: "
        + ", ".join(
            f"{k} {v['median_ms']} / {v['max_ms']} ({v['sign_ins']} ok, {v['failed']} failed)"
            for k, v in probes.items()
        ),
        f"Recovery: {'not within ' + str(s['recovery']) + ' s' if recovery is None else str(recovery) + ' s'} "
        f"after the burst until 3 s in a row had nothing refused and p95 <= {result['normal_p95_ms']:.0f} ms",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
