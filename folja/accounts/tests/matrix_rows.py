"""Rows of the authorization matrix for printed enrolment codes (see folja/access/tests/test_matrix.py).

Organisation A (Alva's) enables enrolment codes and SMS sign-in (the matrix's guardian without
e-ID signs in by SMS). Only staff connected to Alva may open the page and create a code for Anna.
"""

from __future__ import annotations

from folja.access.tests.test_matrix import Cell

STAFF_OF_C = frozenset({"connected_staff", "principal"})


def build(cast) -> dict[str, str]:  # noqa: ANN001
    cast.org_a.guardian_enrolment_codes = True
    cast.org_a.guardian_sms_sign_in = True
    cast.org_a.save()
    return {"guardian:anna": str(cast.anna.uuid)}


def cells() -> list[Cell]:
    return [
        Cell("enrolment code page/read", "enrolment:codes", "GET", STAFF_OF_C, ("child:alva",)),
        Cell(
            "enrolment code/create",
            "enrolment:codes",
            "POST",
            STAFF_OF_C,
            ("child:alva",),
            (("guardian", "guardian:anna"),),
            shows=(("*", "Anna Lind"),),
        ),
        # A pupil's QR code (issue 29): staff connected to Alva create, list and revoke.
        Cell("pupil code page/read", "pupilcode:codes", "GET", STAFF_OF_C, ("child:alva",)),
        Cell("pupil code/create", "pupilcode:codes", "POST", STAFF_OF_C, ("child:alva",), shows=(("*", "<svg"),)),
    ]
