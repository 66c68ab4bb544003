"""Authorization matrix rows for the session's organisation (access-rules.md).

Tora Tvåhuvud teaches Blåbären at Solrosen (organisation A) and Humlan at Lärkan (organisation B).
Signed in through A she is answered exactly as Blåbären's teacher is on every cell (test_matrix:
TWINS), signed in through B exactly as Humlan's teacher is; these rows add what only B has, and
what each session must never show of the other organisation.
"""

from __future__ import annotations

from folja.access.tests.test_matrix import Cell
from folja.testing.cast import Cast, build_two_organisations

VIA_A, VIA_B = "two_organisations_via_a", "two_organisations_via_b"
A_POSTS = ("Inlägg alva_individual", "Inlägg blue_group", "Alva Lind")
B_POSTS = ("Inlägg olle_individual", "Olle Vik")


def build(cast: Cast) -> dict[str, str]:
    build_two_organisations(cast)
    return {}


def _hides(role: str, texts: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((role, text) for text in texts)


def cells() -> list[Cell]:
    return [
        Cell(
            "organisations/B's post",
            "learninglog:post",
            "GET",
            frozenset({"other_unit_staff", VIA_B}),
            ("post:olle_individual",),
            shows=((VIA_B, "Inlägg olle_individual"),),
        ),
        Cell(
            "organisations/B's child's timeline",
            "learninglog:timeline",
            "GET",
            frozenset({"other_unit_staff", VIA_B}),
            ("child:olle",),
            hides=_hides(VIA_B, A_POSTS),
        ),
        Cell(
            "organisations/the feed shows one organisation",
            "learninglog:feed",
            "GET",
            frozenset(
                {
                    "connected_staff",
                    "principal",
                    "same_unit_not_connected",
                    "other_unit_staff",
                    "former_unit_staff",
                    "receiving_school_without_consent",
                    "guardian_who_is_staff_elsewhere_as_staff",
                    VIA_A,
                    VIA_B,
                }
            ),
            shows=((VIA_A, "Inlägg alva_individual"), (VIA_B, "Inlägg olle_individual")),
            hides=(*_hides(VIA_A, B_POSTS), *_hides(VIA_B, A_POSTS)),
        ),
        Cell(
            "organisations/B's child's contact details",
            "learninglog:child_contact",
            "GET",
            frozenset({"other_unit_staff", VIA_B}),
            ("child:olle",),
        ),
    ]
