"""Rows of the authorization matrix for retention (see folja/access/tests/test_matrix.py): the
staff's outlook of what their units will lose to culling shows counts of their own units only."""

from __future__ import annotations

from folja.access.tests.test_matrix import ALL_STAFF, Cell


def cells() -> list[Cell]:
    return [
        Cell(
            "culling outlook/list",
            "retention:outlook",
            "GET",
            ALL_STAFF,
            hides=(("*", "Alva Lind"), ("*", "Inlägg alva_individual")),
        ),
    ]
