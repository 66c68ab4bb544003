"""manage.py restore FOLDER: load a backup into an empty database and storage, then verify it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from folja.ops.backup import BackupError
from folja.ops.restore import MEDIA_SAMPLE, restore, verify


class Command(BaseCommand):
    help = (
        "Restore a backup (manage.py backup) into the empty database of DATABASE_URL and the empty media "
        "storage, then compare row counts, media checksums and sample timelines with its manifest."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("folder", type=Path, help="the backup's folder")
        parser.add_argument(
            "--verify-only", action="store_true", help="restore nothing; compare this deployment with the backup"
        )
        parser.add_argument(
            "--sample",
            type=int,
            default=MEDIA_SAMPLE,
            help=f"stored files whose checksum is compared (default {MEDIA_SAMPLE}; 0: all)",
        )

    def handle(self, *args, folder: Path, verify_only: bool, sample: int, **options) -> None:  # noqa: ANN002, ANN003
        try:
            if not verify_only:
                manifest = restore(folder)
                self.stdout.write(
                    f"restored {len(manifest['tables'])} tables and {len(manifest['media'])} files from {folder}"
                )
            report = verify(folder, sample=sample)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("the deployment does not match the backup")
