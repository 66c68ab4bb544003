"""Build (or reuse) the municipality-scale benchmark database on PostgreSQL.

    .venv/bin/python bench/dataset.py --database-url postgres://postgres@127.0.0.1:5432/folja_bench_feed [--scale 1.0]

Stages, each recorded in the table `bench_dataset` so a later run reuses what is there:

1. create the database when missing, migrate, load the curriculum;
2. the directory with `folja.demo.builder.build_world` (150,000 × scale children,
   guardians and staff), the published default terms with 85 % of guardians accepting them
   (`folja.demo.transitions`), and a transition consent from every guardian of 20 % of the children;
3. the learning log, generated here and written with COPY: 1,000,000 × scale posts over the last
   two years, ≈1.5 links to children per post (92 % individual posts, 8 % group posts naming 3–12
   members of the group), ≈2 goal links per post, photos with two renditions on about a third of
   the posts, comments on about a quarter (guardians' comments carry their family, R2);
4. VACUUM ANALYZE.

Distribution: a post picks a child's group membership uniformly, so big units and groups get
proportionally more; its date is uniform between the membership's start (at most two years ago)
and today; its author is a staff member assigned to the group. A different scale in an existing
database is refused: drop it (`--recreate`) first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL_CHILDREN = 150_000
FULL_POSTS = 1_000_000
SEED = 1
SHARE_INDIVIDUAL = 0.92
SHARE_WITH_PHOTOS = 0.33
SHARE_WITH_COMMENTS = 0.25
SHARE_DRAFT = 0.01
SHARE_DELETED = 0.005
SHARE_CONSENT = 0.20
DAYS = 730
CHUNK = 50_000


def log(message: str) -> None:
    print(f"[dataset {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


def psql_base(url: str) -> list[str]:
    parts = urlsplit(url)
    return ["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U",
            parts.username or "postgres", "-d", "postgres", "-qAt"]  # fmt: skip


def ensure_database(url: str, *, recreate: bool) -> None:
    name = urlsplit(url).path.lstrip("/")
    base = psql_base(url)
    if recreate:
        subprocess.run([*base, "-c", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    exists = subprocess.run(
        [*base, "-c", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608 - our own name
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not exists:
        log(f"creating database {name}")
        subprocess.run([*base, "-c", f'CREATE DATABASE "{name}"'], check=True)


def stages_done(cursor) -> dict[str, float]:  # noqa: ANN001
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_dataset (stage text PRIMARY KEY, scale double precision, done_at timestamptz)"
    )
    cursor.execute("SELECT stage, scale FROM bench_dataset")
    return dict(cursor.fetchall())


def mark_done(cursor, stage: str, scale: float) -> None:  # noqa: ANN001
    cursor.execute("INSERT INTO bench_dataset VALUES (%s, %s, now()) ON CONFLICT (stage) DO NOTHING", [stage, scale])


# ---------------------------------------------------------------------------------------------
# Directory
# ---------------------------------------------------------------------------------------------


def build_directory(scale: float) -> None:
    from django.db import connection, transaction

    from folja.demo.builder import build_world
    from folja.demo.transitions import build_demo_transitions

    children = max(200, round(FULL_CHILDREN * scale))
    started = time.monotonic()
    with transaction.atomic():
        world = build_world(children=children, seed=SEED)
        log(f"world built: {children} children in {time.monotonic() - started:.0f} s")
        build_demo_transitions(world, seed=SEED)
        with connection.cursor() as cursor:
            # R7: every guardian of a fifth of the children said yes (rule "all" is then met).
            cursor.execute(
                """
                INSERT INTO transitions_transitionconsent (child_id, guardian_id, allowed, answered_at, is_current)
                SELECT g.child_id, g.responsible_id, true, now(), true
                FROM directory_guardianship g
                WHERE g.relation_type = 'Vårdnadshavare' AND (hashint8(g.child_id) & 1023) < %s
                ON CONFLICT DO NOTHING
                """,
                [round(1024 * SHARE_CONSENT)],
            )
            mark_done(cursor, "directory", scale)
    log(f"directory done in {time.monotonic() - started:.0f} s")


# ---------------------------------------------------------------------------------------------
# Learning log
# ---------------------------------------------------------------------------------------------


class Copier:
    """Buffer text-format COPY rows per table and send them in large writes."""

    def __init__(self, cursor, table: str, columns: str) -> None:  # noqa: ANN001
        self.cursor, self.table, self.columns = cursor, table, columns
        self.buffer: list[str] = []
        self.rows = 0

    def add(self, *values: object) -> None:
        self.buffer.append("\t".join("\\N" if v is None else str(v) for v in values))
        if len(self.buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        data = "\n".join(self.buffer) + "\n"
        with self.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
            copy.write(data)
        self.rows += len(self.buffer)
        self.buffer = []


def _next_ids(cursor, table: str) -> int:  # noqa: ANN001
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608 - a constant table name
    return cursor.fetchone()[0]


def _texts() -> tuple[list[tuple[str, str]], list[str], list[str]]:
    from folja.demo import learninglog as demo

    def html(body: str) -> str:
        return "".join(f"<p>{part}</p>" for part in body.split("\n\n"))

    activities = [
        (a.title.replace("\t", " "), html(a.body)) for a in (*demo.GROUP_ACTIVITIES, *demo.INDIVIDUAL_ACTIVITIES)
    ]
    guardian = [c.replace("\n", " ") for c in demo.GUARDIAN_COMMENTS]
    staff = [c.replace("\n", " ") for c in demo.STAFF_REPLIES]
    return activities, guardian, staff


def build_learning_log(scale: float) -> None:
    from django.db import connection, transaction

    from folja.core.dates import today

    rng = random.Random(SEED * 7919)
    n_posts = max(1000, round(FULL_POSTS * scale))
    day0 = today()
    earliest = day0 - dt.timedelta(days=DAYS)
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor, for COPY
        cursor.execute("SELECT id, school_unit_id, organisation_id FROM directory_group")
        groups = {gid: (unit, org) for gid, unit, org in cursor.fetchall()}
        cursor.execute(
            """
            SELECT gm.group_id, gm.person_id, gm.start_date, gm.end_date
            FROM directory_groupmembership gm
            WHERE EXISTS (
                SELECT 1 FROM directory_placement p WHERE p.child_id = gm.person_id AND p.group_id = gm.group_id
            )
            ORDER BY gm.id
            """
        )
        memberships = cursor.fetchall()
        members: dict[int, list[tuple[int, dt.date]]] = {}
        for group_id, person_id, start, _end in memberships:
            members.setdefault(group_id, []).append((person_id, start))
        cursor.execute(
            """
            SELECT da.group_id, d.person_id FROM directory_dutyassignment da
            JOIN directory_duty d ON d.id = da.duty_id ORDER BY da.id
            """
        )
        staff: dict[int, list[int]] = {}
        for group_id, person_id in cursor.fetchall():
            staff.setdefault(group_id, []).append(person_id)
        cursor.execute(
            "SELECT d.school_unit_id, d.person_id FROM directory_duty d WHERE d.end_date IS NULL ORDER BY d.id"
        )
        unit_staff: dict[int, list[int]] = {}
        for unit_id, person_id in cursor.fetchall():
            unit_staff.setdefault(unit_id, []).append(person_id)
        cursor.execute(
            "SELECT g.id FROM curriculum_goal g JOIN curriculum_curriculum c ON c.id = g.curriculum_id "
            "WHERE c.in_force_to IS NULL ORDER BY g.id"
        )
        goals = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT responsible_id, child_id FROM directory_guardianship"
            " WHERE relation_type = 'Vårdnadshavare' ORDER BY id"
        )
        guardians_of: dict[int, list[int]] = {}
        for responsible_id, child_id in cursor.fetchall():
            guardians_of.setdefault(child_id, []).append(responsible_id)
        log(f"read {len(memberships)} memberships, {len(groups)} groups, {len(goals)} goals")
        activities, guardian_texts, staff_texts = _texts()

        post_id = _next_ids(cursor, "learninglog_post")
        media_id = _next_ids(cursor, "media_media")
        posts = Copier(
            cursor,
            "learninglog_post",
            "id, uuid, kind, status, title, body_html, activity_date, created_at, updated_at, published_at, version,"
            " edited_at, deleted_at, author_id, deleted_by_id, group_id, organisation_id, school_unit_id, childs_words",
        )
        links = Copier(cursor, "learninglog_postchild", "post_id, child_id, activity_date")
        goal_links = Copier(cursor, "learninglog_postgoal", "post_id, goal_id")
        media = Copier(
            cursor,
            "media_media",
            "id, uuid, kind, status, file, original_name, content_type, byte_size, width, height, alt_text, seq,"
            " created_at, post_id, uploaded_by_id",
        )
        renditions = Copier(cursor, "media_rendition", "media_id, name, file, content_type, width, height, byte_size")
        comments = Copier(
            cursor,
            "learninglog_comment",
            "uuid, author_role, body, created_at, hidden_at, author_id, family_child_id, hidden_by_id, post_id",
        )

        def new_uuid() -> uuid.UUID:
            return uuid.UUID(int=rng.getrandbits(128), version=4)

        def storage_name(prefix: str) -> str:
            token = new_uuid().hex
            return f"{prefix}/{token[:2]}/{token}.jpg"

        for _ in range(n_posts):
            group_id, child_id, start, end = memberships[rng.randrange(len(memberships))]
            first = max(start, earliest)
            last = min(end or day0, day0)
            if last < first:
                first = last
            day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
            unit_id, org_id = groups[group_id]
            authors = staff.get(group_id) or unit_staff.get(unit_id)
            author = authors[rng.randrange(len(authors))]
            individual = rng.random() < SHARE_INDIVIDUAL
            title, body = activities[rng.randrange(len(activities))]
            stamp = dt.datetime.combine(day, dt.time(8 + rng.randrange(9), rng.randrange(60)), dt.UTC)
            draft = rng.random() < SHARE_DRAFT
            deleted = not draft and rng.random() < SHARE_DELETED
            version = 1 if rng.random() < 0.9 else 2
            posts.add(
                post_id, new_uuid(), "individual" if individual else "group", "draft" if draft else "published",
                title, body, day, stamp, stamp, None if draft else stamp, version,
                stamp if version > 1 else None, stamp if deleted else None, author, author if deleted else None,
                None if individual else group_id, org_id, unit_id, "",
            )  # fmt: skip
            named = [child_id]
            if not individual:
                others = [p for p, s in members[group_id] if s <= day and p != child_id]
                named += rng.sample(others, min(len(others), rng.randint(2, 11)))
            for c in named:
                links.add(post_id, c, day)
            for goal in rng.sample(goals, rng.choice((1, 2, 2, 3))):
                goal_links.add(post_id, goal)
            if rng.random() < SHARE_WITH_PHOTOS:
                for seq in range(rng.choice((1, 1, 1, 2, 3))):
                    media.add(
                        media_id, new_uuid(), "image", "ready", storage_name("media"),
                        f"IMG_{rng.randrange(10000):04d}.jpg", "image/jpeg", 2_400_000, 4000, 3000, "", seq,
                        stamp, post_id, author,
                    )  # fmt: skip
                    renditions.add(media_id, "1280", storage_name("renditions"), "image/jpeg", 1280, 960, 180_000)
                    renditions.add(media_id, "320", storage_name("renditions"), "image/jpeg", 320, 240, 18_000)
                    media_id += 1
            if not draft and rng.random() < SHARE_WITH_COMMENTS:
                family = named[rng.randrange(len(named))]
                parents = guardians_of.get(family)
                for n in range(rng.choice((1, 1, 2, 3))):
                    when = stamp + dt.timedelta(hours=2 + n)
                    if n % 2 == 0 and parents:
                        comments.add(
                            new_uuid(), "guardian", guardian_texts[rng.randrange(len(guardian_texts))], when, None,
                            parents[rng.randrange(len(parents))], family, None, post_id,
                        )  # fmt: skip
                    else:
                        comments.add(
                            new_uuid(), "staff", staff_texts[rng.randrange(len(staff_texts))], when, None, author,
                            family, None, post_id,
                        )  # fmt: skip
            post_id += 1
            if post_id % 100_000 == 0:
                log(f"  {posts.rows + len(posts.buffer)} posts ({time.monotonic() - started:.0f} s)")
        for copier in (posts, links, goal_links, media, renditions, comments):
            copier.flush()
        for table in ("learninglog_post", "media_media"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        mark_done(cursor, "learninglog", scale)
        log(
            f"learning log: {posts.rows} posts, {links.rows} post-child links, {goal_links.rows} goal links, "
            f"{media.rows} photos, {renditions.rows} renditions, {comments.rows} comments "
            f"in {time.monotonic() - started:.0f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/folja_bench_feed")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1.0")))
    parser.add_argument("--recreate", action="store_true", help="drop the database and build everything anew")
    args = parser.parse_args()

    ensure_database(args.database_url, recreate=args.recreate)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["FOLJA_DEBUG"] = "1"  # building only; the server runs with production settings
    os.environ.setdefault("FOLJA_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, skip_checks=True)
    with connection.cursor() as cursor:
        done = stages_done(cursor)
    if done and any(abs(s - args.scale) > 1e-9 for s in done.values()):
        sys.exit(f"{args.database_url} holds a dataset at scale {set(done.values())}, not {args.scale}: use --recreate")
    if "learninglog" in done:
        log(f"reusing the dataset at scale {args.scale}")
        return
    call_command("curriculum_load", verbosity=0, skip_checks=True)
    if "directory" not in done:
        build_directory(args.scale)
    build_learning_log(args.scale)
    started = time.monotonic()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
