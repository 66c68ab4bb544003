"""Authorization matrix rows for transitions: consent, preview, terms of use, terms status."""

from __future__ import annotations

from folja.access.tests.test_matrix import Cell
from folja.pages.transitions.actions import terms_decide, terms_publish
from folja.testing.cast import Cast

GUARDIANS = frozenset({"guardian_of_c", "guardian_other_child_same_group", "guardian_hidden_member_group"})


def build(cast: Cast) -> dict[str, str]:
    """Publish terms that every guardian of the cast has accepted, so the other rows are unaffected."""
    terms = terms_publish(organisation=None, title="Villkor", body="Text")
    for name in ("anna", "johan", "cecilia", "david", "frida", "gustav", "hanna", "pia"):
        terms_decide(actor=cast.viewer(name, "guardian"), terms=terms, accepted=True)
    return {"terms:current": str(terms.uuid)}


def cells() -> list[Cell]:
    return [
        Cell("transition consent/read", "transitions:consent", "GET", frozenset({"guardian_of_c"}), ("child:alva",)),
        Cell(
            "transition consent/edit",
            "transitions:consent",
            "POST",
            frozenset({"guardian_of_c"}),
            ("child:alva",),
            (("allowed", "yes"),),
        ),
        Cell("transition preview/read", "transitions:preview", "GET", frozenset({"guardian_of_c"}), ("child:alva",)),
        Cell("terms/read", "transitions:terms", "GET", GUARDIANS),
        Cell("terms declined/read", "transitions:terms_declined", "GET", GUARDIANS),
        # Already accepted by everyone: nothing left to decide, for anyone.
        Cell(
            "terms/decide",
            "transitions:terms_decide",
            "POST",
            frozenset(),
            ("terms:current",),
            (("decision", "accept"),),
        ),
        Cell(
            "terms status/read",
            "transitions:terms_status",
            "GET",
            frozenset({"connected_staff", "principal"}),
            ("group:blue",),
        ),
    ]
