"""Load the curriculum data shipped with the project (folja/curriculum/data: Lpfö 18, Lgr22).

Each file is one version of one curriculum. Loading a file whose version is already stored
updates that version in place (safe on every deploy); loading a new version creates a new
Curriculum row with its own areas and goals beside the old one, and the older version stops
being current the day before the newer one comes into force. Goal keys are the file's stable
ids, so a post linked to a goal of the old version keeps its link (and the text it was linked
to), and coverage counts it under the same key. docs/curriculum.md.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import unicodedata
from pathlib import Path

from django.conf import settings
from django.db import transaction

from folja.curriculum.models import Curriculum, Goal, GoalArea, forget_goal_choices

# The files `curriculum_load` loads, in this order.
SHIPPED_FILES = ("lpfo18.json", "lgr22.json")


class CurriculumFileError(ValueError):
    """A shipped curriculum file cannot be loaded as it is; the message says why."""


def fold(text: str) -> str:
    """Return text lower-cased with accents removed, for accent-insensitive search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def shipped_paths() -> list[Path]:
    """Return the paths of the curriculum files shipped with the project."""
    return [Path(settings.FOLJA_CURRICULUM_DIR) / name for name in SHIPPED_FILES]


@transaction.atomic
def load_curriculum_file(path: Path) -> Curriculum:
    """Create or update the curriculum version in one JSON file (layout: docs/curriculum.md)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = data["curriculum"]
    in_force_from = dt.date.fromisoformat(meta["in_force_from"])
    version = str(meta.get("version") or meta["in_force_from"])
    transaction.on_commit(forget_goal_choices)
    curriculum = Curriculum.objects.filter(code=meta["code"], version=version).first()
    if curriculum is not None:
        _refuse_changed_linked_texts(curriculum, data["goals"], path)
    curriculum, _ = Curriculum.objects.update_or_create(
        code=meta["code"],
        version=version,
        defaults={
            "name": meta["name"],
            "school_types": list(meta.get("school_types") or ["FS"]),
            "in_force_from": in_force_from,
            "goal_stem": data.get("goal_stem", ""),
            "source_note": meta.get("legal_note", ""),
        },
    )
    _retire_older_versions(curriculum)
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
                "stem": area.get("stem", ""),
                "school_types": list(area.get("school_types") or []),
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


def _refuse_changed_linked_texts(curriculum: Curriculum, goals: list[dict], path: Path) -> None:
    """Raise when the file rewords a goal that posts or talks already link to in this version:
    the post must keep the text it was linked to, so a changed text comes as a new version."""
    new_text = {g["id"]: g["text"] for g in goals}
    changed = [
        goal.key
        for goal in Goal.objects.filter(curriculum=curriculum, key__in=list(new_text))
        if goal.text != new_text[goal.key]
    ]
    linked = Goal.objects.filter(curriculum=curriculum, key__in=changed, post_goals__isnull=False).distinct()
    if changed and linked.exists():
        raise CurriculumFileError(
            f"{path.name}: {', '.join(sorted(linked.values_list('key', flat=True)))} are linked to posts and "
            f"their texts changed; give the file a new 'version' instead of changing version {curriculum.version}"
        )


def _retire_older_versions(curriculum: Curriculum) -> None:
    """Make the newest version of the code the current one: every older version ends the day
    before the next one starts (their goal rows stay, for the posts that link to them)."""
    versions = list(
        Curriculum.objects.filter(code=curriculum.code, in_force_from__isnull=False).order_by("in_force_from", "pk")
    )
    for older, newer in itertools.pairwise(versions):
        end = max(newer.in_force_from - dt.timedelta(days=1), older.in_force_from or dt.date.min)
        if older.in_force_to != end:
            Curriculum.objects.filter(pk=older.pk).update(in_force_to=end)
    newest = versions[-1]
    if newest.pk == curriculum.pk and newest.in_force_to is not None:
        Curriculum.objects.filter(pk=newest.pk).update(in_force_to=None)


def load_lpfo18(path: Path | None = None) -> Curriculum:
    """Create or update Lpfö 18 from its JSON file; goal keys are the file's stable ids."""
    return load_curriculum_file(path or Path(settings.FOLJA_CURRICULUM_DIR) / "lpfo18.json")


def load_lgr22(path: Path | None = None) -> Curriculum:
    """Create or update Lgr22 (chapters 2–4, the goals verified so far) from its JSON file."""
    return load_curriculum_file(path or Path(settings.FOLJA_CURRICULUM_DIR) / "lgr22.json")


def load_shipped() -> list[Curriculum]:
    """Load every curriculum file shipped with the project, in one transaction."""
    with transaction.atomic():
        return [load_curriculum_file(path) for path in shipped_paths()]
