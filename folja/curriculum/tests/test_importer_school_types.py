"""The syllabus importer with the school types of the curriculum model: chapters 3 and 4 of an
imported Lgr22 serve förskoleklass and fritidshem only; a subject serves the school years; an
import after the shipped file keeps the shipped goal ids (fixture files in fixtures/)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from folja.curriculum import offer
from folja.curriculum.importer import area_school_types
from folja.curriculum.loader import load_lgr22
from folja.curriculum.models import Curriculum, Goal, GoalArea

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("curriculum_import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def offered_areas(school_type: str) -> set[str]:
    goals = Goal.objects.current().select_related("curriculum", "area")
    return {f"{g.curriculum.code} {g.area.code}" for g in offer.offered(goals, [school_type])}


def test_headings_name_the_school_type_of_their_chapter() -> None:
    assert area_school_types("3. Förskoleklassen") == ["FKLASS"]
    assert area_school_types("4 Fritidshemmet") == ["FTH"]
    assert area_school_types("2. Övergripande mål och riktlinjer") == []


@pytest.mark.django_db
def test_an_imported_curriculum_and_subject_serve_the_school_types_of_their_chapters() -> None:
    run("--file", str(FIXTURES / "lgr22_curriculum.json"), str(FIXTURES / "grgrmat01_subject.json"))
    areas = {a.code: a.school_types for a in GoalArea.objects.filter(curriculum__code="LGR22")}
    assert areas == {"2": [], "2.1": [], "3": ["FKLASS"], "4": ["FTH"]}
    assert offered_areas("FKLASS") == {"LGR22 2.1", "LGR22 3"}
    assert offered_areas("FTH") == {"LGR22 2.1", "LGR22 4"}
    assert offered_areas("GR") == {"LGR22 2.1", "GRGRMAT01 syfte", "GRGRMAT01 cc-1-3-geometri"}


@pytest.mark.django_db
def test_an_import_after_the_shipped_file_keeps_the_shipped_ids_of_the_same_texts() -> None:
    shipped = load_lgr22()
    out = run("--file", str(FIXTURES / "lgr22_curriculum.json"))
    assert "LGR22" in out
    imported = Curriculum.objects.get(code="LGR22", in_force_to__isnull=True)
    assert imported.pk != shipped.pk
    keys = set(Goal.objects.filter(curriculum=imported).values_list("key", flat=True))
    # Same text in the same area: the importer matched them to the shipped ids.
    assert {"lgr22-2.1-inlevelse", "lgr22-3-tal-och-skrift", "lgr22-4-aktivitet-och-vila"} <= keys
    shipped.refresh_from_db()
    assert shipped.in_force_to is not None
