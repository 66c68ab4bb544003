"""Rows of the authorization matrix for the curriculum and coverage pages (see access/tests/test_matrix.py)."""

from __future__ import annotations

from folja.access.tests.test_matrix import ROLES, STAFF_OF_C, Cell
from folja.curriculum.models import Curriculum
from folja.testing.cast import Cast

SIGNED_IN = frozenset(key for key, (person, role) in ROLES.items() if person is not None and role is not None)
ALL_STAFF = frozenset(key for key in SIGNED_IN if ROLES[key][1] == "staff")


def build(cast: Cast) -> dict[str, str]:
    """Return tokens for the curriculum and the unit used in the rows below."""
    return {
        "curriculum:lpfo18": str(Curriculum.objects.get(code="LPFO18").uuid),
        "unit:solrosen": str(cast.solrosen.uuid),
    }


def cells() -> list[Cell]:
    """Return the rows: coverage is staff-only and follows connection; curriculum texts are for everyone signed in."""
    c = Cell
    return [
        # The curriculum text is public regulation text: any signed-in role may read it.
        c("curriculum list/read", "curriculum:curriculum_list", "GET", SIGNED_IN),
        c("curriculum/read", "curriculum:curriculum_detail", "GET", SIGNED_IN, ("curriculum:lpfo18",)),
        # The coverage start page lists only the viewer's own groups and units.
        c("coverage start/list", "curriculum:coverage_home", "GET", ALL_STAFF),
        # Coverage of group Blåbären: its staff and the principal; never families or other staff.
        c("group coverage/read", "curriculum:group_coverage", "GET", frozenset(STAFF_OF_C), ("group:blue",)),
        c(
            "group coverage CSV/export",
            "curriculum:group_coverage",
            "GET",
            frozenset(STAFF_OF_C),
            ("group:blue",),
            query="format=csv",
        ),
        # The hidden-member group Gula: its own staff and the principal.
        c(
            "hidden group coverage/read",
            "curriculum:group_coverage",
            "GET",
            frozenset({"same_unit_not_connected", "principal"}),
            ("group:yellow",),
        ),
        # "Barn att uppmärksamma" of Blåbären (the weekly notice's page): its staff and the
        # principal; the sealed Sigge is never listed (R5).
        c(
            "group attention/read",
            "curriculum:group_attention",
            "GET",
            frozenset(STAFF_OF_C),
            ("group:blue",),
            shows=(("connected_staff", "Barn att uppmärksamma i Blåbären"),),
            hides=(("*", "Sigge"),),
        ),
        c(
            "hidden group attention/read",
            "curriculum:group_attention",
            "GET",
            frozenset({"same_unit_not_connected", "principal"}),
            ("group:yellow",),
        ),
        # Coverage of child Alva: staff connected to her now.
        c("child coverage/read", "curriculum:child_coverage", "GET", frozenset(STAFF_OF_C), ("child:alva",)),
        c(
            "child coverage CSV/export",
            "curriculum:child_coverage",
            "GET",
            frozenset(STAFF_OF_C),
            ("child:alva",),
            query="format=csv",
        ),
        # Maja moved: her former preschool's staff see nothing, the receiving school sees her.
        c(
            "moved child coverage/read",
            "curriculum:child_coverage",
            "GET",
            frozenset({"receiving_school_without_consent"}),
            ("child:maja",),
        ),
        # The unit overview of Solrosen: only a unit-wide duty (the principal).
        c("unit coverage/read", "curriculum:unit_coverage", "GET", frozenset({"principal"}), ("unit:solrosen",)),
        c(
            "unit coverage settings/edit",
            "curriculum:unit_settings",
            "POST",
            frozenset({"principal"}),
            ("unit:solrosen",),
            (("rarely_documented_threshold", "3"), ("weeks", "6")),
        ),
    ]
