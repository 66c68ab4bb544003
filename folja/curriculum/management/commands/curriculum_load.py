"""Load the curricula shipped with Följa (Lpfö 18, Lgr22); safe to run on every deploy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from folja.curriculum.loader import load_curriculum_file, shipped_paths
from folja.curriculum.models import Goal, GoalArea


class Command(BaseCommand):
    help = (
        "Create or update the curricula shipped in folja/curriculum/data (Lpfö 18, Lgr22; idempotent) "
        "and print a one-line summary per curriculum."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path", type=Path, action="append", help="Read this curriculum JSON file instead (repeatable)."
        )

    def handle(self, *args: Any, path: list[Path] | None = None, **options: Any) -> None:
        """Load the curricula and print how many goal areas and goals each holds."""
        paths = path or shipped_paths()
        for one in paths:
            if not one.is_file():
                raise CommandError(f"No such curriculum file: {one}")
        for one in paths:
            try:
                curriculum = load_curriculum_file(one)
            except (KeyError, ValueError) as exc:
                # A malformed file rolls back completely (the loader is atomic); say what was wrong.
                raise CommandError(f"The curriculum file {one.name} could not be read: {exc!r}") from exc
            areas = GoalArea.objects.filter(curriculum=curriculum).count()
            goals = Goal.objects.filter(curriculum=curriculum).count()
            self.stdout.write(f"{curriculum.name} ({curriculum.version}): {areas} goal areas, {goals} goals loaded.")
