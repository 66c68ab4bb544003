"""Restore a backup (folja.ops.backup) onto an empty database and an empty storage, and verify it.

The verification compares what the restored deployment holds with the backup's manifest: the
rows of every table, the SHA-256 of a sample of stored files read back from the storage, and the
post uuids a few guardians see on a child's timeline. Its report names tables, counts, storage
names and uuids only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection

from folja.ops.backup import (
    CHUNK,
    BackupError,
    is_missing_file,
    media_path,
    pg_environment,
    read_manifest,
    require_postgresql,
    run_pg_tool,
    sha256_file,
    table_counts,
    timelines_now,
)

logger = logging.getLogger(__name__)

MEDIA_SAMPLE = 50


@dataclass
class Report:
    tables_checked: int = 0
    rows: int = 0
    media_checked: int = 0
    timelines_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        lines = [
            f"tables: {self.tables_checked} compared, {self.rows} rows",
            f"media: {self.media_checked} checksums compared",
            f"timelines: {self.timelines_checked} guardians compared",
        ]
        lines += [f"MISMATCH: {problem}" for problem in self.problems]
        lines.append("verification: OK" if self.ok else f"verification: FAILED ({len(self.problems)} problems)")
        return lines


def database_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        )
        return cursor.fetchone()[0] == 0


def storage_is_empty() -> bool:
    try:
        folders, files = default_storage.listdir("")
    except FileNotFoundError:
        return True
    return not folders and not files


def restore(folder: Path) -> dict:
    """Load the backup in `folder` into the (empty) database and the (empty) storage."""
    require_postgresql()
    folder = Path(folder)
    manifest = read_manifest(folder)
    dump = folder / manifest["database"]["file"]
    if sha256_file(dump) != manifest["database"]["sha256"]:
        raise BackupError("the database dump does not match its checksum in the manifest")
    if not database_is_empty():
        raise BackupError(f"database {connection.settings_dict['NAME']} is not empty: restore into a new one")
    if not storage_is_empty():
        raise BackupError("the media storage is not empty: restore into an empty folder or bucket")
    for entry in manifest["media"]:
        if sha256_file(media_path(folder, entry["name"])) != entry["sha256"]:
            raise BackupError(f"backup file {entry['name']} does not match its checksum in the manifest")

    connection.close()  # pg_restore writes from its own session; ours must not hold anything open
    run_pg_tool(
        [
            "pg_restore",
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        pg_environment(),
    )
    for entry in manifest["media"]:
        with media_path(folder, entry["name"]).open("rb") as fh:
            stored = default_storage.save(entry["name"], File(fh, name=entry["name"]))
        if stored != entry["name"]:
            raise BackupError(f"the storage saved {entry['name']} as {stored}")
    logger.info("backup restored", extra={"tables": len(manifest["tables"]), "files": len(manifest["media"])})
    return manifest


def stored_sha256(name: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with default_storage.open(name, "rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
    except Exception as exc:
        if is_missing_file(exc):
            return None
        raise
    return digest.hexdigest()


def verify(folder: Path, *, sample: int = MEDIA_SAMPLE, seed: int | None = None) -> Report:
    """Compare the deployment with the backup's manifest; `sample` 0 checks every stored file."""
    require_postgresql()
    manifest = read_manifest(Path(folder))
    report = Report()

    counts = table_counts()
    expected = manifest["tables"]
    for table in sorted(set(expected) | set(counts)):
        if table not in counts:
            report.problems.append(f"table {table} is missing")
        elif table not in expected:
            report.problems.append(f"table {table} is not in the backup")
        elif counts[table] != expected[table]:
            report.problems.append(f"table {table}: {counts[table]} rows, the backup has {expected[table]}")
    report.tables_checked = len(counts)
    report.rows = sum(counts.values())

    media = manifest["media"]
    chosen = media if sample <= 0 or sample >= len(media) else random.Random(seed).sample(media, sample)
    for entry in chosen:
        found = stored_sha256(entry["name"])
        if found is None:
            report.problems.append(f"file {entry['name']} is missing from the storage")
        elif found != entry["sha256"]:
            report.problems.append(f"file {entry['name']} differs from the backup")
    report.media_checked = len(chosen)

    day = dt.date.fromisoformat(manifest["day"])
    for before, after in zip(manifest["timelines"], timelines_now(day, manifest["timelines"]), strict=True):
        if after.count < 0:
            report.problems.append(f"guardian {before['guardian']} or the child is missing")
        elif after.digest != before["digest"]:
            report.problems.append(
                f"guardian {before['guardian']} sees {after.count} posts of the child, the backup {before['count']}"
            )
    report.timelines_checked = len(manifest["timelines"])
    return report
