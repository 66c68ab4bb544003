"""Whom a pupil's sign-in through the school's identity provider binds to (issue 29).

An organisation's IdP vouches only for its own pupils: a child (R5 unsealed) with a placement in that
organisation that has not ended (R6), matched by civic number (personnummer or samordningsnummer,
as every e-ID) or by exactly one SIS e-mail of type "Skola elev" (eduPersonPrincipalName). Never by
name. Whether the IdP said the person is a student (eduPersonAffiliation) is the caller's check.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from folja.access.policy import _matching_e_id, placements_not_ended
from folja.directory.models import EmailType, Organisation, Person


def pupil_for_sso(organisation: Organisation, *, civic_number: str = "", school_email: str = "") -> Person | None:
    """Return the unsealed child placed in the organisation that the SSO identity names, or None."""
    if not (civic_number or school_email):
        return None
    placed_here = placements_not_ended().filter(child=OuterRef("pk"), organisation=organisation)  # R6
    pupils = Person.objects.unsealed().filter(Exists(placed_here))  # R5
    if civic_number:
        return _matching_e_id(pupils, civic_number).first()
    matches = list(
        pupils.filter(emails__type=EmailType.SCHOOL_PUPIL, emails__value__iexact=school_email.strip()).distinct()[:2]
    )
    return matches[0] if len(matches) == 1 else None
