"""Import a curriculum or subject syllabus in the format of Skolverket's open syllabus API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from folja.curriculum.client import SyllabusClient, SyllabusClientError
from folja.curriculum.importer import SyllabusImportError, import_documents, read_file


class Command(BaseCommand):
    help = (
        "Import curricula (/v1/curriculums/{code}) or subjects (/v1/subjects/{code}) from the syllabus API "
        "(FOLJA_SYLLABUS_API_URL) or from saved JSON answers, as new versions; print what changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--file", nargs="+", type=Path, help="Saved JSON answers of the API.")
        source.add_argument(
            "--url", nargs="+", help="Full URLs, or paths below the base URL (e.g. /v1/subjects/GRGRMAT01)."
        )
        source.add_argument("--curriculum", nargs="+", metavar="CODE", help="Curriculum codes, e.g. LGR22.")
        source.add_argument("--subject", nargs="+", metavar="CODE", help="Subject codes, e.g. GRGRMAT01.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change and write nothing.")
        parser.add_argument(
            "--verbose-changes", action="store_true", help="Print the old and new text of changed goals."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Fetch or read every document, import them in one transaction and print the report."""
        try:
            documents = self._documents(options)
            reports = import_documents(documents, dry_run=options["dry_run"])
        except (SyllabusImportError, SyllabusClientError) as exc:
            raise CommandError(f"Nothing was imported: {exc}") from exc
        for report in reports:
            for warning in report.warnings:
                self.stderr.write(self.style.WARNING(f"warning: {warning}"))
            self.stdout.write(report.summary())
            for key in report.added:
                self.stdout.write(f"  + {key}")
            for key, old, new in report.changed:
                self.stdout.write(f"  ~ {key}")
                if options["verbose_changes"]:
                    self.stdout.write(f"      was: {old}\n      now: {new}")
            for key in report.removed:
                self.stdout.write(f"  - {key}")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")

    def _documents(self, options: dict[str, Any]) -> list[Any]:
        if options["file"]:
            return [read_file(path) for path in options["file"]]
        client = SyllabusClient()
        if options["url"]:
            return [client.get_json(url) for url in options["url"]]
        if options["curriculum"]:
            return [client.curriculum(code) for code in options["curriculum"]]
        return [client.subject(code) for code in options["subject"]]
