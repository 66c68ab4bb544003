"""Measure the portfolio export and the culling (issue 27) on a database of their own.

Run: .venv/bin/python bench/export_culling.py [--posts 1000 --photos 500] [--cull-posts 100000]
     [--database-url postgres://postgres@127.0.0.1:5432/folja_bench_cull] [--culling-only]

Export: one child with a five-year portfolio (`--posts` posts over five years, a fifth of them
group posts, `--photos` photos of `--photo-size` with their renditions, comments), built by
`export.actions.export_build` in a child process; prints the wall time and the child process's
peak memory (ru_maxrss). Targets: ≤ 60 s, ≤ 300 MB.

Culling: `--cull-posts` individual posts, each with a photo and a rendition on the local storage,
about children who left 30 months ago; culled under "24 months after the child left" while a
reader thread lists another child's timeline through the access policy as fast as it can.
Prints the culling's wall time, its longest batch (the time one transaction holds its rows) and
the reader's longest wait. Target: no reader waits more than 1 s.

Everything happens in a temporary FOLJA_VAR_DIR (SQLite by default) that is deleted at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(var_dir: str, database_url: str | None) -> None:
    os.environ.update({"FOLJA_DEBUG": "1", "FOLJA_VAR_DIR": var_dir, "FOLJA_LOG_LEVEL": "WARNING"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def noisy_jpeg(size: tuple[int, int], seed: int) -> bytes:
    """A photo-like JPEG (noise brings the size of a real photo's)."""
    from PIL import Image, ImageChops

    from folja.media.tests import samples

    base = samples.picture(size)
    channels = [ImageChops.add(c, Image.effect_noise(size, 8 + seed), 1, -128) for c in base.split()]
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, "JPEG", quality=88)
    return out.getvalue()


def unique(jpeg: bytes, n: int) -> bytes:
    """The same picture as another file: a comment segment after the start marker, so neither the
    PDF (which embeds an image once per distinct file) nor the ZIP shares bytes between photos."""
    comment = f"photo {n}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def world():  # noqa: ANN201
    """A huvudman, a unit, a group, two children with one guardian each, and a teacher."""
    import datetime as dt

    from folja.core.dates import today
    from folja.curriculum.loader import load_lpfo18
    from folja.directory.models import Group, Guardianship, Organisation, Person, Placement, RelationType

    load_lpfo18()
    org = Organisation.objects.create(organisation_type="Huvudman", display_name="Bench kommun")
    unit = Organisation.objects.create(organisation=org, organisation_type="Skolenhet", display_name="Bench förskola")
    group = Group.objects.create(
        organisation=org, school_unit=unit, display_name="Ekorrarna", group_type="Avdelning", start_date=today()
    )
    teacher = Person.objects.create(given_name="Tove", family_name="Lärare")
    start = today() - dt.timedelta(days=6 * 365)
    people = {}
    for key, given in (("child", "Alva"), ("other", "Bo")):
        child = Person.objects.create(given_name=given, family_name="Bench", birth_date=start)
        guardian = Person.objects.create(given_name=f"{given}s", family_name="Förälder")
        Guardianship.objects.create(
            organisation=org, child=child, responsible=guardian, relation_type=RelationType.GUARDIAN
        )
        Placement.objects.create(
            organisation=org, child=child, school_unit=unit, group=group, start_date=start, school_type="FS"
        )
        people[key] = (child, guardian)
    return org, unit, group, teacher, people


def bench_export(args: argparse.Namespace) -> dict:
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from folja.core.dates import today
    from folja.curriculum.models import Goal
    from folja.export.models import Export
    from folja.learninglog.models import Comment, Post, PostChild, PostGoal
    from folja.media.models import Media, Rendition, new_storage_name

    org, unit, group, teacher, people = world()
    child, guardian = people["child"]
    other, _ = people["other"]
    goals = list(Goal.objects.all()[:20])
    started = time.monotonic()
    posts = []
    for i in range(args.posts):
        day = today() - dt.timedelta(days=int(i * 5 * 365 / args.posts))
        kind = "group" if i % 5 == 0 else "individual"
        posts.append(
            Post(
                organisation=org,
                school_unit=unit,
                group=group if kind == "group" else None,
                kind=kind,
                status="published",
                author=teacher,
                title=f"Inlägg {i}",
                body_html="<p>" + "Vi undersökte hur vattnet rinner i sandlådan. " * 8 + "</p>",
                activity_date=day,
            )
        )
    Post.objects.bulk_create(posts, batch_size=500)
    links = [PostChild(post=p, child=child, activity_date=p.activity_date) for p in posts]
    links += [PostChild(post=p, child=other, activity_date=p.activity_date) for p in posts if p.kind == "group"]
    PostChild.objects.bulk_create(links, batch_size=1000)
    PostGoal.objects.bulk_create(
        [PostGoal(post=p, goal=goals[i % len(goals)]) for i, p in enumerate(posts)], batch_size=1000
    )
    Comment.objects.bulk_create(
        [
            Comment(post=p, author=guardian, author_role="guardian", family_child=child, body="Så roligt!")
            for p in posts[::4]
        ],
        batch_size=1000,
    )
    variants = [noisy_jpeg(args.photo_size, s) for s in range(4)]
    print_size = (1280, int(1280 * args.photo_size[1] / args.photo_size[0]))
    renditions = [noisy_jpeg(print_size, s) for s in range(4)]
    step = max(1, args.posts // max(1, args.photos))
    media_rows, rendition_rows = [], []
    for n, post in enumerate(posts[::step][: args.photos]):
        name = default_storage.save(new_storage_name("media", ".jpg"), ContentFile(unique(variants[n % 4], n)))
        media_rows.append(
            Media(
                post=post,
                kind="image",
                status="ready",
                file=name,
                content_type="image/jpeg",
                uploaded_by=teacher,
                width=args.photo_size[0],
                height=args.photo_size[1],
                byte_size=len(variants[n % 4]),
            )
        )
    Media.objects.bulk_create(media_rows, batch_size=500)
    for n, media in enumerate(media_rows):
        name = default_storage.save(new_storage_name("renditions", ".jpg"), ContentFile(unique(renditions[n % 4], n)))
        rendition_rows.append(
            Rendition(
                media=media,
                name="1280",
                file=name,
                content_type="image/jpeg",
                width=print_size[0],
                height=print_size[1],
            )
        )
    Rendition.objects.bulk_create(rendition_rows, batch_size=500)
    export = Export.objects.create(requested_by=guardian, child=child, role="guardian", language="sv")
    setup_seconds = time.monotonic() - started
    original_bytes = sum(m.byte_size for m in media_rows)

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    subprocess.run([sys.executable, __file__, "--build-export", str(export.pk)], check=True, env=os.environ.copy())
    wall = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    export.refresh_from_db()
    assert export.status == "ready", export.failure
    return {
        "posts": args.posts,
        "photos": len(media_rows),
        "original_photo_bytes": original_bytes,
        "setup_seconds": round(setup_seconds, 1),
        "export_seconds": round(wall, 1),
        "worker_peak_mb": round(max(peak_kb, before) / 1024, 1),
        "pdf_mb": round(export.pdf_size / 2**20, 1),
        "zip_mb": round(export.zip_size / 2**20, 1),
    }


def build_export_in_this_process(export_id: int) -> None:
    from folja.export.actions import export_build

    result = export_build(export_id=export_id)
    if result != "ready":
        raise SystemExit(f"export {result}")


def bench_culling(args: argparse.Namespace) -> dict:
    import datetime as dt

    from dateutil.relativedelta import relativedelta
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connection

    from folja.access.roles import Role, Viewer
    from folja.core.dates import today
    from folja.directory.models import Guardianship, Organisation, Person, Placement, RelationType
    from folja.learninglog import access as post_policy
    from folja.learninglog.models import Post, PostChild
    from folja.media.models import Media, Rendition, new_storage_name
    from folja.retention import culling
    from folja.retention.models import RetentionRule

    org = Organisation.objects.get(display_name="Bench kommun")
    unit = Organisation.objects.get(display_name="Bench förskola")
    teacher = Person.objects.get(given_name="Tove")
    left = today() - relativedelta(months=30)
    children = []
    per_child = 100
    for i in range(args.cull_posts // per_child):
        child = Person(given_name=f"Barn{i}", family_name="Slutat", birth_date=left - dt.timedelta(days=1500))
        children.append(child)
    Person.objects.bulk_create(children, batch_size=1000)
    Placement.objects.bulk_create(
        [
            Placement(
                organisation=org,
                child=c,
                school_unit=unit,
                start_date=left - dt.timedelta(days=900),
                end_date=left,
                school_type="FS",
            )
            for c in children
        ],
        batch_size=1000,
    )
    started = time.monotonic()
    tiny = b"\xff\xd8" + os.urandom(2000) + b"\xff\xd9"
    for start in range(0, len(children), 50):
        chunk = children[start : start + 50]
        posts = [
            Post(
                organisation=org,
                school_unit=unit,
                kind="individual",
                status="published",
                author=teacher,
                title="Gammalt inlägg",
                body_html="<p>Text</p>",
                activity_date=left - dt.timedelta(days=n),
            )
            for c in chunk
            for n in range(per_child)
        ]
        Post.objects.bulk_create(posts, batch_size=1000)
        PostChild.objects.bulk_create(
            [
                PostChild(post=p, child=chunk[k // per_child], activity_date=p.activity_date)
                for k, p in enumerate(posts)
            ],
            batch_size=2000,
        )
        media = [
            Media(
                post=p,
                kind="image",
                status="ready",
                content_type="image/jpeg",
                uploaded_by=teacher,
                file=default_storage.save(new_storage_name("media", ".jpg"), ContentFile(tiny)),
            )
            for p in posts
        ]
        Media.objects.bulk_create(media, batch_size=1000)
        Rendition.objects.bulk_create(
            [
                Rendition(
                    media=m,
                    name="320",
                    content_type="image/jpeg",
                    file=default_storage.save(new_storage_name("renditions", ".jpg"), ContentFile(tiny)),
                )
                for m in media
            ],
            batch_size=1000,
        )
    setup_seconds = time.monotonic() - started
    RetentionRule.objects.create(
        organisation=org, document_type="individual_post", event="child_left", months=24, effective_from=today()
    )
    stayer, guardian = Person.objects.get(given_name="Bo"), None
    guardian = Guardianship.objects.get(child=stayer, relation_type=RelationType.GUARDIAN).responsible
    viewer = Viewer(guardian, Role.GUARDIAN)

    waits: list[float] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                t = time.monotonic()
                list(post_policy.timeline_posts(viewer, stayer).order_by("-activity_date")[:20])
                waits.append(time.monotonic() - t)
        finally:
            connection.close()

    batches: list[float] = []
    real_delete = culling._delete

    def timed_delete(model, ids, counts):  # noqa: ANN001, ANN202
        t = time.monotonic()
        real_delete(model, ids, counts)
        batches.append(time.monotonic() - t)

    culling._delete = timed_delete
    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    run = culling.cull(today())
    wall = time.monotonic() - started
    stop.set()
    thread.join()
    culled = {e.what: e.count for e in run.entries.all()}
    assert culled.get("post") == args.cull_posts, culled
    assert not Post.objects.filter(title="Gammalt inlägg").exists()
    return {
        "posts": args.cull_posts,
        "files": 2 * args.cull_posts,
        "database": connection.vendor,
        "setup_seconds": round(setup_seconds, 1),
        "cull_seconds": round(wall, 1),
        "batches": len(batches),
        "longest_batch_seconds": round(max(batches), 3),
        "reader_queries": len(waits),
        "reader_longest_wait_seconds": round(max(waits), 3),
        "reader_median_seconds": round(sorted(waits)[len(waits) // 2], 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--photo-size", type=lambda s: tuple(int(x) for x in s.split("x")), default=(2016, 1512))
    parser.add_argument("--cull-posts", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--culling-only", action="store_true", help="skip the export part")
    parser.add_argument("--build-export", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_export is not None:
        import django

        django.setup()
        build_export_in_this_process(args.build_export)
        return
    with tempfile.TemporaryDirectory(prefix="folja-bench-export-") as var_dir:
        setup_django(var_dir, args.database_url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if args.culling_only:
            world()
            results = {}
        else:
            results = {"export": bench_export(args)}
            print(json.dumps(results, indent=1), flush=True)
        if args.cull_posts:
            results["culling"] = bench_culling(args)
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
