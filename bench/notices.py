"""Benchmarks of notices (issue 26) on the municipality-scale dataset of `bench/run.py`.

    .venv/bin/python bench/notices.py            # or: make bench-notices
    .venv/bin/python bench/notices.py --days 1 --repeat 30 --shards 2
    .venv/bin/python bench/notices.py --scale 0.05 --parts 1   # development: a 5 % dataset, all recipients

It works in a copy of the benchmark dataset, `folja_bench_notices` (made from `folja_bench_feed`
with CREATE DATABASE … TEMPLATE, once; `--recreate` to make it again), migrated to this tree, so
the dataset the page benchmarks share is never changed. Then:

* **N1** — the notices of a group post naming 25 children: `learninglog.notices.post_published`
  (who is told: one query; the notices: one INSERT), in a transaction rolled back each time;
  median and 95th percentile over `--repeat` runs. Target ≤ 50 ms.
* **N2** — the nightly digest: the notices of the dataset's last `--days` days with posts are
  made as publishing makes them, then `digest.send_digests("daily")` composes each recipient's
  mail (asking the access layer per person) and hands it to a mail backend that renders every
  message to bytes and keeps nothing (`folja.bench.mail.CountingBackend`); mails per second of
  wall time, and the process's peak memory. The recipients are split in `--parts` parts
  (`shard=i, shards=parts`, as `notices_digest --shards` splits them across workers): one part is
  timed in this process, then `--shards` other parts at once in as many processes. Target
  ≥ 1,000 mails/s, bounded memory.

The digest runs "at 16.00" (outside the default quiet hours). Results are printed and written
to `bench/results/<UTC time>-notices.json`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DB = "folja_bench_feed"
COPY_DB = "folja_bench_notices"
BASE_URL = "postgres://postgres@127.0.0.1:5432/"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["FOLJA_DEBUG"] = "0"
    os.environ.setdefault("FOLJA_SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("FOLJA_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("FOLJA_BASE_URL", "https://folja.exempelby.se")
    os.environ.setdefault("FOLJA_LOG_LEVEL", "WARNING")
    os.environ["FOLJA_EMAIL_BACKEND"] = "folja.bench.mail.CountingBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_copy(recreate: bool) -> None:
    import psycopg

    with psycopg.connect(BASE_URL + "postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (COPY_DB,)).fetchone()
        if exists and not recreate:
            return
        source = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (SOURCE_DB,)).fetchone()
        if not source:
            scale = SOURCE_DB.rpartition("_s")[2].replace("_", ".") if "_s" in SOURCE_DB else "1.0"
            print(f"{SOURCE_DB} is missing: building it (bench/dataset.py --scale {scale})", flush=True)
            subprocess.run(
                [sys.executable, str(ROOT / "bench" / "dataset.py"), "--database-url", BASE_URL + SOURCE_DB,
                 "--scale", scale],
                check=True,
            )  # fmt: skip
        if exists:
            conn.execute(f"DROP DATABASE {COPY_DB}")
        started = time.monotonic()
        conn.execute(f"CREATE DATABASE {COPY_DB} TEMPLATE {SOURCE_DB}")
        print(f"copied {SOURCE_DB} to {COPY_DB} in {time.monotonic() - started:.0f} s", flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def n1_group_post(repeat: int) -> dict[str, object]:
    """Time the notices of a group post naming 25 children."""
    from django.db import transaction
    from django.db.models import Count

    from folja.core.dates import today
    from folja.directory.models import DutyAssignment, GroupMembership
    from folja.learninglog import notices as post_notices
    from folja.learninglog.models import Post, PostChild, PostKind, PostStatus

    day = today()
    active = GroupMembership.objects.active(day)
    # The fullest group that has staff assigned to it.
    staffed = DutyAssignment.objects.values("group")
    group_id = (
        active.filter(group_id__in=staffed)
        .values("group")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("group", flat=True)
    ).first()
    assignment = DutyAssignment.objects.filter(group_id=group_id).select_related("duty", "group").first()
    group = assignment.group
    # No group of the dataset has 25 members (at most 23): its members first, then others of the unit.
    members = list(active.filter(group_id=group_id).values_list("person_id", flat=True))
    others = active.filter(group__school_unit_id=group.school_unit_id).exclude(person_id__in=members)
    members += list(others.values_list("person_id", flat=True).distinct()[: 25 - len(members)])
    times = []
    told = 0

    class Rollback(Exception):
        pass

    for _ in range(repeat):
        try:
            with transaction.atomic():
                post = Post.objects.create(
                    organisation_id=group.organisation_id,
                    school_unit_id=group.school_unit_id,
                    group=group,
                    kind=PostKind.GROUP,
                    status=PostStatus.PUBLISHED,
                    author_id=assignment.duty.person_id,
                    title="Bench",
                    body_html="<p>x</p>",
                    activity_date=day,
                )
                PostChild.objects.bulk_create([PostChild(post=post, child_id=c, activity_date=day) for c in members])
                started = time.perf_counter()
                notices = post_notices.post_published(post)
                times.append((time.perf_counter() - started) * 1000)
                told = len(notices)
                raise Rollback
        except Rollback:
            pass
    times.sort()
    return {
        "children": len(members),
        "notices": told,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "runs": repeat,
    }


def make_days_notices(days: int) -> dict[str, object]:
    from django.db.models import Count

    from folja.learninglog import notices as post_notices
    from folja.learninglog.models import Post, PostStatus
    from folja.notifications.models import Delivery, Notice

    Notice.objects.all().delete()
    Delivery.objects.all().delete()
    live = Post.objects.live().filter(status=PostStatus.PUBLISHED)
    per_day = live.values("activity_date").annotate(n=Count("id")).order_by("-activity_date")
    dates = list(per_day.values_list("activity_date", "n")[:days])
    posts = live.filter(activity_date__in=[d for d, _n in dates]).select_related("school_unit")
    started = time.monotonic()
    count = 0
    for post in posts.iterator(chunk_size=500):
        post_notices.post_published(post)
        count += 1
    seconds = time.monotonic() - started
    return {
        "days": [d.isoformat() for d, _n in dates],
        "posts": count,
        "notices": Notice.objects.count(),
        "recipients": Notice.objects.values("recipient").distinct().count(),
        "seconds": round(seconds, 1),
        "ms_per_post": round(seconds * 1000 / max(count, 1), 2),
    }


def reset_digest() -> None:
    from django.db import connection

    from folja.notifications.models import Delivery, Notice

    Notice.objects.update(mailed_at=None)
    Delivery.objects.filter(kind="digest").delete()
    # As a night after a day of notices finds the tables (autovacuum): not with a dead row per
    # notice from the reset above, which the digest's ordered index scans would visit.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notifications_notice, notifications_delivery")


def digest_at_four(shard: int, shards: int, *, per_person: bool = False) -> dict[str, object]:
    """Run the daily digest of one part; `per_person`: every recipient through the per-request
    path (`rules.visible_notices` per person, as before the chunk form), for comparison."""
    import contextlib
    import zoneinfo
    from unittest import mock

    from django.urls import get_resolver

    from folja.bench.mail import CountingBackend
    from folja.notifications import digest, rules

    get_resolver().url_patterns  # noqa: B018  the process's first reverse() imports every app's urls (≈1 s): a worker pays it once
    now = dt.datetime.combine(dt.date.today(), dt.time(16), tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm"))
    CountingBackend.sent = CountingBackend.bytes = 0
    before = peak_rss_mb()
    path = mock.patch.object(rules, "guardian_chunk_kinds", return_value=set()) if per_person else None
    with path or contextlib.nullcontext():
        started, cpu_started, wall_started = time.monotonic(), time.process_time(), time.time()
        counts = digest.send_digests("daily", shard=shard, shards=shards, now=now)
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu_started
    return {
        "shard": shard,
        "counts": counts,
        "mails": CountingBackend.sent,
        "bytes": CountingBackend.bytes,
        "seconds": round(seconds, 2),
        "mails_per_s": round(CountingBackend.sent / seconds, 1) if seconds else None,
        # This process's CPU time (the database's is not in it): less sensitive to other work on the machine.
        "cpu_ms_per_mail": round(cpu * 1000 / CountingBackend.sent, 3) if CountingBackend.sent else None,
        "digest_from": wall_started,  # wall clock (epoch), to find the span of parallel workers' digests
        "digest_until": wall_started + seconds,
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    global SOURCE_DB, COPY_DB
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1, help="days of posts whose notices the digest sends")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--shards", type=int, default=2, help="processes of the parallel run")
    parser.add_argument(
        "--parts", type=int, default=4, help="split the recipients in this many parts and time only some (1 = all)"
    )
    parser.add_argument("--recreate", action="store_true")
    parser.add_argument(
        "--reuse-notices", action="store_true", help="keep the notices of an earlier run of the copy (N2 only again)"
    )
    parser.add_argument("--skip-n1", action="store_true")
    parser.add_argument(
        "--compare-per-person",
        action="store_true",
        help="also time the same part with every recipient on the per-request path (the digest before the chunk form)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="dataset scale (bench/dataset.py): below 1 works in folja_bench_notices_s<scale>, copied from"
        " folja_bench_feed_s<scale>, which is built first when missing (0.05: a few minutes, for development)",
    )
    parser.add_argument(
        "--source-db", default=SOURCE_DB, help="the dataset to copy (another name keeps a parallel build apart)"
    )
    parser.add_argument("--copy-db", default=COPY_DB, help="the copy the benchmark works in")
    parser.add_argument("--shard", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--of", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    SOURCE_DB, COPY_DB = args.source_db, args.copy_db
    if args.scale != 1.0:
        suffix = f"_s{str(args.scale).replace('.', '_')}"
        SOURCE_DB, COPY_DB = SOURCE_DB + suffix, COPY_DB + suffix
    url = BASE_URL + COPY_DB
    if args.shard is not None:  # one worker of the parallel run
        setup_django(url)
        print(json.dumps(digest_at_four(args.shard, args.of)))
        return
    ensure_copy(args.recreate)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load_start = [round(x, 2) for x in os.getloadavg()]
    result: dict[str, object] = {"load_average_start": load_start, "nproc": os.cpu_count()}
    if not args.skip_n1:
        result["N1"] = n1_group_post(args.repeat)
        print("N1 group post naming 25 children:", result["N1"], flush=True)
    from folja.notifications.models import Notice

    if args.reuse_notices and Notice.objects.exists():
        result["notices_of_the_day"] = {"reused": Notice.objects.count()}
    else:
        result["notices_of_the_day"] = make_days_notices(args.days)
    print("notices of the day:", result["notices_of_the_day"], flush=True)
    reset_digest()
    # One part of `parts` in this process; then `shards` other parts at once, one process each.
    result["N2_one_process"] = digest_at_four(0, args.parts)
    print("N2 digest, one process:", result["N2_one_process"], flush=True)
    reset_digest()
    if args.compare_per_person:
        result["N2_one_process_per_person"] = digest_at_four(0, args.parts, per_person=True)
        print("N2 digest, one process, per-person path:", result["N2_one_process_per_person"], flush=True)
        reset_digest()
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--shard",
                str((i + 1) % args.parts),
                "--of",
                str(args.parts),
                "--scale",
                str(args.scale),
                "--source-db",
                args.source_db,
                "--copy-db",
                args.copy_db,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(args.shards)
    ]
    parts = [json.loads(w.communicate()[0].strip().splitlines()[-1]) for w in workers]
    wall = time.monotonic() - started
    mails = sum(p["mails"] for p in parts)
    span = max(p["digest_until"] for p in parts) - min(p["digest_from"] for p in parts)
    result["N2_parallel"] = {
        "shards": args.shards,
        "mails": mails,
        "wall_seconds": round(wall, 2),
        "mails_per_s": round(mails / wall, 1),
        # From the first worker's digest starting to the last one's ending: the process start apart,
        # which a nightly worker pays once for the whole night.
        "digest_span_seconds": round(span, 2),
        "digest_mails_per_s": round(mails / span, 1) if span else None,
        "cpu_ms_per_mail": round(sum(p["cpu_ms_per_mail"] * p["mails"] for p in parts) / mails, 3) if mails else None,
        "parts": parts,
    }
    print("N2 digest, parallel:", {k: v for k, v in result["N2_parallel"].items() if k != "parts"}, flush=True)
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    out = ROOT / "bench" / "results" / f"{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}-notices.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
