"""Rows of the authorization matrix for the operators' URLs (see folja/access/tests/test_matrix.py).

Health probes answer everyone, signed in or not, and show no person. /metrics is not gated by a
role but by the client's address or a token (folja/ops/views.py): the matrix's client comes from
127.0.0.1, an allowed address by default, so every role is answered; test_ops.py checks that
other addresses get a 404. No answer here may name a child or a post.
"""

from __future__ import annotations

from folja.access.tests.test_matrix import ROLES, Cell

EVERYONE = frozenset(ROLES)
NO_CHILD_DATA = (("*", "Alva Lind"), ("*", "Inlägg alva_individual"), ("*", "Lind"))


def cells() -> list[Cell]:
    return [
        Cell("health/live", "ops:live", "GET", EVERYONE, hides=NO_CHILD_DATA),
        Cell("health/ready", "ops:ready", "GET", EVERYONE, hides=NO_CHILD_DATA),
        Cell("metrics/from an allowed address", "ops:metrics", "GET", EVERYONE, hides=NO_CHILD_DATA),
    ]
