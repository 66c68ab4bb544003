"""manage.py backup FOLDER: the database (pg_dump custom format) and its media, with a manifest."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from folja.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the PostgreSQL database and the media it names into a new folder (docs/operations.md)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("folder", type=Path, help="a new or empty folder")

    def handle(self, *args, folder: Path, **options) -> None:  # noqa: ANN002, ANN003
        try:
            manifest = backup(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["tables"].values())
        size = sum(entry["bytes"] for entry in manifest["media"])
        self.stdout.write(
            f"backup in {folder}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{len(manifest['media'])} files ({size} bytes), database dump {manifest['database']['bytes']} bytes"
        )
