"""Rows of the authorization matrix for the pupil's own part of a talk (talks/pupil.py, issue 29).

The cast gets next period's talks for Alva and Bertil at Solrosen/Blåbären, planned with the
school years' template (it has the pupil's part): Alva has handed her part in, Bertil's is a
draft only he reads. The pupil's part is read on the talk page: staff and guardians once handed
in, the pupil always; it is written by the pupil alone, on their own talk.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from folja.access.tests.test_matrix import FAMILY_OF_C, STAFF_OF_C, Cell
from folja.core.dates import term_start
from folja.directory.models import SchoolType
from folja.talks.models import AnswerSet, Part, Talk
from folja.talks.templates import default_talk_template

HANDED_IN_TEXT = "Jag vill prata om rymden"
DRAFT_TEXT = "Bertils utkast om fotbollen"
# Everyone but Bertil who reads Bertil's talk: staff connected to him and his guardian.
BERTILS_READERS_NOT_BERTIL = (
    "connected_staff",
    "principal",
    "guardian_other_child_same_group",
    "two_organisations_via_a",
)


def build(cast) -> dict[str, str]:  # noqa: ANN001
    world = build_pupil_talks(cast)
    return {"talk:alva_pupil": str(world["alva_pupil"].uuid), "talk:bertil_pupil": str(world["bertil_pupil"].uuid)}


def build_pupil_talks(cast) -> dict[str, Talk]:  # noqa: ANN001
    """Create the two talks of the module docstring and return them by name."""
    version = default_talk_template(cast.org_a, school_type=SchoolType.GR).current_version()
    next_period = term_start(term_start(cast.day) + dt.timedelta(days=190))
    now = timezone.now()

    def talk(child: str) -> Talk:
        return Talk.objects.create(
            organisation=cast.org_a,
            school_unit=cast.solrosen,
            group=cast.blue,
            child=cast.persons[child],
            template_version=version,
            period_start=next_period,
            activity_date=next_period + dt.timedelta(days=30),
            created_by=cast.teacher_blue,
        )

    alva, bertil = talk("alva"), talk("bertil")
    AnswerSet.objects.create(
        talk=alva,
        part=Part.PUPIL,
        answers={"elev_trivs": 4, "elev_prata": HANDED_IN_TEXT},
        updated_by=cast.alva,
        updated_at=now,
        handed_in_at=now,
    )
    AnswerSet.objects.create(
        talk=bertil, part=Part.PUPIL, answers={"elev_roligt": DRAFT_TEXT}, updated_by=cast.bertil, updated_at=now
    )
    return {"alva_pupil": alva, "bertil_pupil": bertil}


def cells() -> list[Cell]:
    c = Cell
    family_and_staff = frozenset(FAMILY_OF_C | STAFF_OF_C)
    pupil_c = frozenset({"child_c"})
    answers = (("q_elev_trivs", "5"), ("q_elev_roligt", "Rasterna"))
    return [
        # "Mitt utvecklingssamtal": every pupil has their own list (only their own talks in it).
        c(
            "pupil's talks/list",
            "talks:pupil_talks",
            "GET",
            frozenset({"child_c", "other_child"}),
            shows=(("child_c", "Se och ändra dina svar"), ("other_child", "Fortsätt förbereda dig")),
        ),
        # The pupil's part handed in: read by the talk's readers; a draft: by the pupil alone.
        c(
            "pupil part handed in/read",
            "talks:talk",
            "GET",
            family_and_staff,
            ("talk:alva_pupil",),
            shows=tuple((who, HANDED_IN_TEXT) for who in ("child_c", "guardian_of_c", "connected_staff", "principal")),
        ),
        c(
            "pupil part draft/read",
            "talks:talk",
            "GET",
            frozenset(STAFF_OF_C | {"guardian_other_child_same_group", "other_child"}),
            ("talk:bertil_pupil",),
            shows=(("other_child", DRAFT_TEXT),),
            hides=tuple((who, DRAFT_TEXT) for who in BERTILS_READERS_NOT_BERTIL),
        ),
        # Writing the part: the pupil, on their own talk only (staff and guardians never).
        c("pupil part/edit form", "talks:pupil_preparation", "GET", pupil_c, ("talk:alva_pupil",)),
        c("pupil part/edit", "talks:pupil_preparation", "POST", pupil_c, ("talk:alva_pupil",), answers),
        c(
            "pupil part/hand in",
            "talks:pupil_preparation",
            "POST",
            frozenset({"other_child"}),
            ("talk:bertil_pupil",),
            (*answers, ("action", "hand_in")),
        ),
        # Another child's talk: refused to every pupil but its own (and the family's talk list
        # as a child (child_c) stays as it is: "child's talks/list").
        c(
            "other pupil's part/edit form",
            "talks:pupil_preparation",
            "GET",
            frozenset({"other_child"}),
            ("talk:bertil_pupil",),
        ),
    ]
