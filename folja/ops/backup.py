"""A consistent backup of one deployment: the PostgreSQL database and the media it names.

The database is dumped with `pg_dump --format=custom` from a snapshot exported by a read-only
REPEATABLE READ transaction of our own; in that same snapshot we count the rows of every table,
list every stored file a row names, and note the post uuids a few guardians see on a child's
timeline. The media are then copied out of the storage (local disk or S3 alike, through Django's
storage API) with their SHA-256. So the manifest, the dump and the files describe one moment:
a file written after the snapshot is not named by the dump and not copied; a file named by the
dump is copied even if a row deleting it commits meanwhile, unless the file itself is already
gone (it is then listed as missing and the backup fails: run it again).

The folder holds `database.dump`, `media/<storage name>` and `manifest.json`, written last (a
folder without it is not a backup). The manifest holds table names, row counts, random storage
names, checksums and uuids: never a civic number, a name or any text a person wrote. The dump
itself holds everything: encrypt the folder before it leaves the machine (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone

from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.directory.models import Guardianship, Person
from folja.learninglog.access import timeline_posts

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA_DIR = "media"
TIMELINE_SAMPLE = 3
CHUNK = 1024 * 1024
LONG_NUMBER = re.compile(r"\d{6,8}[-+]?\d{4}")

# Stored files named in plain text columns rather than FileFields (model label, column).
EXTRA_FILE_COLUMNS = (("export.Export", "pdf_file"), ("export.Export", "zip_file"))


class BackupError(Exception):
    """A backup or restore that cannot go on; the message names no person."""


@dataclass(frozen=True)
class Timeline:
    guardian: str  # Person.uuid
    child: str  # Person.uuid
    count: int
    digest: str  # SHA-256 of the sorted post uuids, one per line


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise BackupError("backup and restore need PostgreSQL (DATABASE_URL); SQLite is for demos")


def pg_environment(settings_dict: dict | None = None) -> dict[str, str]:
    """The libpq environment for pg_dump / pg_restore from a Django database's settings."""
    db = settings_dict or connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    for option, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if db.get("OPTIONS", {}).get(option):
            env[var] = str(db["OPTIONS"][option])
    return env


def run_pg_tool(args: list[str], env: dict[str, str]) -> None:
    """Run pg_dump / pg_restore; on failure raise BackupError with the end of its own message."""
    if shutil.which(args[0]) is None:
        raise BackupError(f"{args[0]} not found: apt-get install postgresql-client")
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed (exit {result.returncode}): {without_values(result.stderr)[-2000:]}")


def without_values(message: str) -> str:
    """A PostgreSQL tool's message without row values: its DETAIL lines can quote a row (a civic
    number among them), so they are dropped, and any run of ten or more digits is masked."""
    lines = [line for line in message.strip().splitlines() if "DETAIL:" not in line]
    return LONG_NUMBER.sub("…", "\n".join(lines))


def table_counts() -> dict[str, int]:
    """Rows per table of the current schema, as the current transaction sees them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        )
        names = [row[0] for row in cursor.fetchall()]
        counts = {}
        for name in names:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts


def file_columns() -> Iterator[tuple[type[models.Model], str]]:
    """Every (model, column) that names a file in the default storage."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field.attname
    for label, column in EXTRA_FILE_COLUMNS:
        yield apps.get_model(label), column


def stored_names() -> list[str]:
    """The storage names every row names, sorted, once each."""
    names: set[str] = set()
    for model, column in file_columns():
        names.update(model._default_manager.exclude(**{column: ""}).values_list(column, flat=True))
    names.discard(None)
    return sorted(names)


def _timeline(guardian, child, day: dt.date) -> Timeline:  # noqa: ANN001
    """What the guardian sees of the child's timeline on `day`: the count and digest of the post uuids."""
    viewer = Viewer(person=guardian, role=Role.GUARDIAN)
    uuids = sorted(str(u) for u in timeline_posts(viewer, child, day).values_list("uuid", flat=True))
    digest = hashlib.sha256("\n".join(uuids).encode()).hexdigest()
    return Timeline(guardian=str(guardian.uuid), child=str(child.uuid), count=len(uuids), digest=digest)


def timeline_sample(day: dt.date, limit: int = TIMELINE_SAMPLE) -> list[Timeline]:
    """The timelines of the first few guardianships (by id): what the guardian sees of the child."""
    rows = Guardianship.objects.select_related("child", "responsible").order_by("pk")[:limit]
    return [_timeline(row.responsible, row.child, day) for row in rows]


def timelines_now(day: dt.date, expected: list[dict]) -> list[Timeline]:
    """The same guardians' timelines again (after a restore), in the manifest's order; a count of
    -1 when the guardian or the child is not there."""
    found = []
    for entry in expected:
        guardian = Person.objects.filter(uuid=entry["guardian"]).first()
        child = Person.objects.filter(uuid=entry["child"]).first()
        if guardian is None or child is None:
            found.append(Timeline(entry["guardian"], entry["child"], -1, ""))
        else:
            found.append(_timeline(guardian, child, day))
    return found


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_path(folder: Path, name: str) -> Path:
    """Where a storage name is kept in the backup folder; refuses names that leave it."""
    path = (folder / MEDIA_DIR / name).resolve()
    if not path.is_relative_to((folder / MEDIA_DIR).resolve()):
        raise BackupError("a storage name points outside the backup folder")
    return path


def copy_out(name: str, target: Path) -> tuple[str, int] | None:
    """Copy one stored file into the backup; return its SHA-256 and size, None when it is missing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with default_storage.open(name, "rb") as src, target.open("wb") as dst:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
    except Exception as exc:
        if is_missing_file(exc):
            target.unlink(missing_ok=True)
            return None
        raise
    return digest.hexdigest(), size


def is_missing_file(exc: BaseException) -> bool:
    """Local storage raises FileNotFoundError for a missing file; S3 botocore's ClientError (404)."""
    if isinstance(exc, FileNotFoundError):
        return True
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", "")) in {"404", "NoSuchKey", "NotFound"}


def backup(folder: Path) -> dict:
    """Write a backup of the database and the media it names into `folder` (new or empty)."""
    require_postgresql()
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: a backup goes into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)  # children's documentation: only the account that makes backups may enter
    started = timezone.now()
    day = today()
    dump = folder / DUMP
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        # pg_dump reads exactly what this transaction sees while it stays open.
        run_pg_tool(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", f"--file={dump}"],
            pg_environment(),
        )
        counts = table_counts()
        names = stored_names()
        timelines = timeline_sample(day)
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
            migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]

    media, missing = [], 0
    for name in names:
        copied = copy_out(name, media_path(folder, name))
        if copied is None:
            missing += 1
            continue
        media.append({"name": name, "sha256": copied[0], "bytes": copied[1]})
    if missing:
        # A culling or an expired export deleted them after the snapshot; the rows are in the dump.
        raise BackupError(f"{missing} stored files named by the database were gone before they were copied: run again")

    manifest = {
        "format": FORMAT,
        "created_at": started.isoformat(),
        "day": day.isoformat(),
        "storage": settings.FOLJA_MEDIA_STORAGE,
        "database": {
            "file": DUMP,
            "sha256": sha256_file(dump),
            "bytes": dump.stat().st_size,
            "last_migration": migrations[-1] if migrations else "",
            "migrations": len(migrations),
        },
        "tables": counts,
        "media": media,
        "timelines": [t.__dict__ for t in timelines],
    }
    partial = folder / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    partial.rename(folder / MANIFEST)
    logger.info(
        "backup written",
        extra={
            "tables": len(counts),
            "rows": sum(counts.values()),
            "files": len(media),
            "dump_bytes": dump.stat().st_size,
        },
    )
    return manifest


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} not found: not a complete backup")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    return manifest
