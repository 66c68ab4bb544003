"""Authorization matrix rows for machine translation (issue 32): the "Översätt" button's answers.

The cast's organisation A gets a service named in terms every guardian has accepted; the service's
address answers nothing (a closed port), so an allowed reader gets the post with "the translation
failed" (200) and a denied one the same 404 as for a missing post. A Swedish reader of a Swedish
post is told there is nothing to translate (200) without anything being sent.
"""

from __future__ import annotations

import socket

from folja.access.tests.test_matrix import FAMILY_OF_C, STAFF_OF_C, Cell
from folja.pages.transitions.actions import terms_decide, terms_publish
from folja.testing.cast import Cast
from folja.translation.models import TranslationService

SERVICE = "LibreTranslate hos Exempelby kommun"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Applied to the matrix's test class (test_matrix.AuthorizationMatrixTests).
SETTINGS = {"FOLJA_LIBRETRANSLATE_URL": f"http://127.0.0.1:{_closed_port()}", "FOLJA_TRANSLATION_TIMEOUT_MS": 500}


def build(cast: Cast) -> dict[str, str]:
    terms = terms_publish(organisation=cast.org_a, title="Villkor", body=f"Inlägg kan översättas av {SERVICE}.")
    # Accepted by every guardian and contact person of the cast, so the other rows are unaffected (R9).
    for name in ("anna", "johan", "cecilia", "david", "frida", "gustav", "hanna", "foster_alva"):
        if name in cast.persons:
            terms_decide(actor=cast.viewer(name, "guardian"), terms=terms, accepted=True)
    TranslationService.objects.create(
        organisation=cast.org_a, backend="libretranslate", service_name=SERVICE, enabled=True
    )
    return {}


def cells() -> list[Cell]:
    readers_of_group_post = frozenset(FAMILY_OF_C | STAFF_OF_C | {"guardian_other_child_same_group", "other_child"})
    return [
        Cell(
            "post translation/create",
            "translation:post",
            "POST",
            frozenset(FAMILY_OF_C | STAFF_OF_C),
            ("post:alva_individual",),
        ),
        Cell("group post translation/create", "translation:post", "POST", readers_of_group_post, ("post:blue_group",)),
        Cell(
            "comment translation/create",
            "translation:comment",
            "POST",
            readers_of_group_post,
            ("comment:staff_to_all",),
        ),
        # A family's comment on a group post is that family's and the staff's (R2).
        Cell(
            "family comment translation/create",
            "translation:comment",
            "POST",
            frozenset(STAFF_OF_C | {"guardian_other_child_same_group", "other_child"}),
            ("comment:cecilia_on_group",),
        ),
    ]
