"""Load the curriculum data shipped with the project (Lpfö 18 from folja/curriculum/data)."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

from django.conf import settings
from django.db import transaction

from folja.curriculum.models import Curriculum, Goal, GoalArea, forget_goal_choices


def fold(text: str) -> str:
    """Return text lower-cased with accents removed, for accent-insensitive search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@transaction.atomic
def load_lpfo18(path: Path | None = None) -> Curriculum:
    """Create or update Lpfö 18 from its JSON file; goal keys are the file's stable ids."""
    path = path or Path(settings.FOLJA_CURRICULUM_DIR) / "lpfo18.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = data["curriculum"]
    transaction.on_commit(forget_goal_choices)
    curriculum, _ = Curriculum.objects.update_or_create(
        code=meta["code"],
        version=meta["in_force_from"],
        defaults={
            "name": meta["name"],
            "school_types": ["FS"],
            "in_force_from": dt.date.fromisoformat(meta["in_force_from"]),
            "goal_stem": data.get("goal_stem", "Förskolan ska ge varje barn förutsättningar att utveckla"),
            "source_note": meta.get("legal_note", ""),
        },
    )
    areas = {}
    for seq, area in enumerate(data["areas"], start=1):
        areas[area["code"]], _ = GoalArea.objects.update_or_create(
            curriculum=curriculum,
            code=area["code"],
            defaults={
                "title": area["title"],
                "seq": seq,
                "has_child_goals": area.get("has_child_goals", True),
                "note": area.get("note", ""),
            },
        )
    for goal in data["goals"]:
        Goal.objects.update_or_create(
            curriculum=curriculum,
            key=goal["id"],
            defaults={
                "area": areas[goal["area_code"]],
                "seq": goal["seq"],
                "text": goal["text"],
                "search_text": fold(goal["text"] + " " + " ".join(goal.get("tags", []))),
                "tags": goal.get("tags", []),
                "verification": goal.get("verification", ""),
                "sources": goal.get("sources", []),
                "note": goal.get("note", ""),
            },
        )
    return curriculum
