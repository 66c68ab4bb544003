"""The restore drill: build a small world, back it up, wipe, restore, verify (docs/operations.md).

On PostgreSQL only (pg_dump / pg_restore); skipped on SQLite. The restore runs as an operator
would run it, `manage.py restore` in a process of its own, into a scratch database made empty
for it (`folja_restore_drill_<worker>`, dropped again at the end) and into the storage the test
has just emptied: once with local media and once with S3 (moto's server).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from folja.access.models import AuditAction, AuditRecord
from folja.media.actions import media_attach, upload_stage
from folja.media.models import Media, MediaStatus, Rendition, Upload
from folja.media.tests import samples
from folja.ops.backup import MANIFEST
from folja.testing.cast import build_cast
from folja.testing.s3 import KEY_ID, REGION, SECRET, moto_bucket, s3_client, use_s3_storage

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="backup and restore need PostgreSQL"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump not installed (postgresql-client)"),
]

BUCKET = "folja-drill"
ROOT = Path(django_settings.BASE_DIR)


def _conninfo(dbname: str) -> dict[str, str]:
    db = connection.settings_dict
    info = {"dbname": dbname, "host": db.get("HOST") or "", "port": str(db.get("PORT") or ""), "user": db.get("USER")}
    if db.get("PASSWORD"):
        info["password"] = db["PASSWORD"]
    return {k: v for k, v in info.items() if v}


def _url(dbname: str) -> str:
    db = connection.settings_dict
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{dbname}"


@pytest.fixture
def scratch_db() -> Iterator[str]:
    """An empty scratch database of this test worker's, dropped and created anew, dropped after."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"folja_restore_drill_{worker}"
    with psycopg.connect(**_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("FOLJA_", "DATABASE_URL"))}
    environment.update({"FOLJA_TESTING": "1", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )


def _build_world() -> dict[str, object]:
    """The test cast (two organisations, guardians, posts, a sealed child) with stored media."""
    cast = build_cast()
    post = cast.posts["alva_individual"]
    teacher = cast.persons["teacher_blue"]
    photo = media_attach(
        actor=teacher, post=post, upload=SimpleUploadedFile("Alva.jpg", samples.jpeg_with_gps((400, 300)))
    )
    pdf = media_attach(actor=teacher, post=post, upload=SimpleUploadedFile("Brev.pdf", samples.PDF), seq=1)
    staged = upload_stage(actor=teacher, upload=SimpleUploadedFile("Koja.png", samples.png_with_text()))
    photo.refresh_from_db()
    assert photo.status == MediaStatus.READY and photo.renditions.count() == 2
    return {"cast": cast, "photo": photo, "pdf": pdf, "staged": staged}


def _stored_names() -> list[str]:
    names = list(Media.objects.values_list("file", flat=True))
    names += Rendition.objects.values_list("file", flat=True)
    names += Upload.objects.values_list("file", flat=True)
    return names


def _drill(tmp_path: Path, scratch_db: str, storage_env: dict[str, str], wipe_storage) -> None:  # noqa: ANN001
    world = _build_world()
    names = _stored_names()
    originals = {name: default_storage.open(name, "rb").read() for name in names}
    assert len(originals) == 5  # photo + 2 renditions, the PDF, the staged upload
    AuditRecord.objects.create(
        actor=world["cast"].persons["teacher_blue"],
        actor_role="staff",
        child=world["cast"].persons["alva"],
        action=AuditAction.READ_TIMELINE,
    )

    backup_dir = tmp_path / "backup"
    call_command("backup", str(backup_dir), stdout=open(os.devnull, "w"))  # noqa: SIM115
    manifest = json.loads((backup_dir / MANIFEST).read_text())
    assert sorted(e["name"] for e in manifest["media"]) == sorted(names)
    assert manifest["tables"]["learninglog_post"] == len(world["cast"].posts)
    assert manifest["tables"]["access_auditrecord"] == 1
    assert any(t["count"] > 0 for t in manifest["timelines"])  # a guardian who sees posts
    text = (backup_dir / MANIFEST).read_text()
    for person in world["cast"].persons.values():  # neither civic numbers nor names in the manifest
        assert (person.civic_number or "-") not in text and person.family_name not in text

    wipe_storage()
    assert not any(default_storage.exists(name) for name in names)

    env = {"DATABASE_URL": _url(scratch_db), **storage_env}
    restored = _manage("restore", str(backup_dir), "--sample", "0", env=env)
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert "verification: OK" in restored.stdout
    assert "MISMATCH" not in restored.stdout
    assert "timelines: 3 guardians compared" in restored.stdout
    assert all(default_storage.open(name, "rb").read() == data for name, data in originals.items())

    # The restored database is the one we had: the audit trigger came with the schema.
    with psycopg.connect(**_conninfo(scratch_db)) as restored_db:
        posts = restored_db.execute("SELECT count(*) FROM learninglog_post").fetchone()[0]
        assert posts == len(world["cast"].posts)
        with pytest.raises(psycopg.errors.RaiseException):
            restored_db.execute("DELETE FROM access_auditrecord")
        restored_db.rollback()

    # A restore never writes over a deployment: the database is no longer empty.
    again = _manage("restore", str(backup_dir), env=env)
    assert again.returncode != 0 and "is not empty" in again.stderr

    # The verification notices what is not as in the backup: a row gone, a file changed.
    with psycopg.connect(**_conninfo(scratch_db), autocommit=True) as restored_db:
        restored_db.execute("DELETE FROM learninglog_postchild WHERE id = (SELECT min(id) FROM learninglog_postchild)")
    default_storage.delete(world["pdf"].file.name)
    default_storage.save(world["pdf"].file.name, SimpleUploadedFile("x.pdf", b"%PDF-1.4 changed"))
    gone = world["photo"].renditions.first().file.name
    default_storage.delete(gone)
    checked = _manage("restore", str(backup_dir), "--verify-only", "--sample", "0", env=env)
    assert checked.returncode != 0
    assert "MISMATCH: table learninglog_postchild" in checked.stdout
    assert f"MISMATCH: file {world['pdf'].file.name} differs" in checked.stdout
    assert f"MISMATCH: file {gone} is missing from the storage" in checked.stdout
    assert "verification: FAILED" in checked.stdout


@pytest.mark.django_db(transaction=True)
def test_restore_drill_with_local_media(tmp_path, settings, scratch_db):  # noqa: ANN001
    media_root = tmp_path / "media"
    media_root.mkdir()
    settings.MEDIA_ROOT = media_root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media_root}},
    }

    def wipe() -> None:
        shutil.rmtree(media_root)
        media_root.mkdir()

    _drill(tmp_path, scratch_db, {"FOLJA_MEDIA_ROOT": str(media_root)}, wipe)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_bucket(BUCKET) as endpoint:
        yield endpoint


@pytest.mark.django_db(transaction=True)
def test_restore_drill_with_s3_media(tmp_path, settings, scratch_db, s3_endpoint):  # noqa: ANN001
    use_s3_storage(settings, s3_endpoint, BUCKET)
    s3 = s3_client(s3_endpoint)

    def wipe() -> None:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=BUCKET, Key=item["Key"])

    env = {
        "FOLJA_MEDIA_STORAGE": "s3",
        "FOLJA_S3_BUCKET": BUCKET,
        "FOLJA_S3_ENDPOINT_URL": s3_endpoint,
        "FOLJA_S3_REGION": REGION,
        "FOLJA_S3_ACCESS_KEY_ID": KEY_ID,
        "FOLJA_S3_SECRET_ACCESS_KEY": SECRET,
    }
    _drill(tmp_path, scratch_db, env, wipe)
