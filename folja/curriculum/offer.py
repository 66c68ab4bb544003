"""Which goals a school unit or group is offered: its school types decide the curriculum.

One rule, read in one place: a goal is offered to a set of SS 12000 school types when its
curriculum version is current and serves one of them, and its area serves one of them (an area
without school types serves every school type of its curriculum). A preschool (FS) is offered
Lpfö 18; a förskoleklass (FKLASS) Lgr22 chapters 2 and 3; a fritidshem (FTH) Lgr22 chapters 2
and 4; the school years (GR) Lgr22 chapter 2 and the imported subject syllabuses. When nothing
serves the school types (a unit without school types, or one the platform ships no curriculum
for) every current goal is offered, so staff can still link a post to a goal.

Curricula are reference data, a few hundred rows, not child data: the choice is made in Python
over the rows the page loads anyway, so it adds no query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class _Curriculum(Protocol):
    school_types: list[str]


class _Area(Protocol):
    school_types: list[str]


def serves(curriculum: _Curriculum, area: _Area | None, school_types: Iterable[str]) -> bool:
    """Return True when the curriculum (and the area, when given) serve one of the school types."""
    wanted = {s for s in school_types if s}
    if not wanted & set(curriculum.school_types or []):
        return False
    return area is None or not area.school_types or bool(wanted & set(area.school_types))


def offered(goals: Sequence, school_types: Iterable[str]) -> list:
    """Return the goals (with `curriculum` and `area` loaded) offered to the school types, in
    their order; all of them when none is."""
    wanted = [s for s in school_types if s]
    picked = [g for g in goals if serves(g.curriculum, g.area, wanted)]
    return picked or list(goals)


def school_types_of(unit: object | None, group: object | None = None) -> list[str]:
    """Return the school types that decide a page's curriculum: the group's school type when the
    group has one (an F–9 school's förskoleklass group is FKLASS), else the unit's."""
    if group is not None and getattr(group, "school_type", ""):
        return [group.school_type]
    return list(getattr(unit, "school_types", None) or [])
