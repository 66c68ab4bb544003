"""Load the curricula shipped with Följa (today Lpfö 18); safe to run on every deploy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from folja.curriculum.loader import load_lpfo18
from folja.curriculum.models import Goal, GoalArea


class Command(BaseCommand):
    help = "Create or update Lpfö 18 from folja/curriculum/data (idempotent) and print a one-line summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", type=Path, help="Read Lpfö 18 from this JSON file instead of the shipped one.")

    def handle(self, *args: Any, path: Path | None = None, **options: Any) -> None:
        """Load the curriculum and print how many goal areas and goals it holds."""
        if path is not None and not path.is_file():
            raise CommandError(f"No such curriculum file: {path}")
        try:
            curriculum = load_lpfo18(path)
        except (KeyError, ValueError) as exc:
            # A malformed file rolls back completely (the loader is atomic); say what was wrong.
            raise CommandError(f"The curriculum file could not be read: {exc!r}") from exc
        areas = GoalArea.objects.filter(curriculum=curriculum).count()
        goals = Goal.objects.filter(curriculum=curriculum).count()
        self.stdout.write(f"{curriculum.name} ({curriculum.version}): {areas} goal areas, {goals} goals loaded.")
