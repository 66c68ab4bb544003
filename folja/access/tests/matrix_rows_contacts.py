"""Rows of the authorization matrix for issue 28 (see folja/access/tests/test_matrix.py).

The cast gets a foster parent of Alva (a contact person connected by the principal at Solrosen,
matrix role "contact_of_c") and a special educator at Solrosen (an "Annan personal" duty, in no
group) with named-child access to Alva alone (matrix role "named_child_staff"). Each is answered
as its twin on every cell (the guardian of C; Blåbären's connected teacher) except where the
matrix names it: a contact person acts for no child (the child's settings, consent, export), and
named-child access gives no group (the group's pages, composing for the group, Bertil's family).

The principal's page and its writes are the principal's alone (a Rektor or Förskolechef duty).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from folja.access.tests.test_matrix import Cell
from folja.core.dates import today
from folja.directory.models import ContactConnection, ContactRelation, Duty, NamedChildAccess, NamedChildRole, Person
from folja.transitions.models import TermsDecision, TermsOfUse

PRINCIPAL = frozenset({"principal"})


def build(cast) -> dict[str, str]:  # noqa: ANN001
    """Create the foster parent and the special educator with their grants; return the grant's token."""
    long_ago = today() - dt.timedelta(days=400)
    foster = Person.objects.create(given_name="Frans", family_name="Familjehem", birth_date=dt.date(1980, 3, 3))
    cast.persons["foster_alva"] = foster
    connection = ContactConnection.objects.create(
        organisation=cast.org_a,
        school_unit=cast.solrosen,
        child=cast.alva,
        contact=foster,
        relation=ContactRelation.FOSTER_PARENT,
        start_date=long_ago,
        reason="Placerad i familjehem",
        granted_by=cast.principal,
    )
    educator = Person.objects.create(given_name="Sara", family_name="Specialpedagog", birth_date=dt.date(1975, 5, 5))
    cast.persons["special_educator"] = educator
    Duty.objects.create(
        organisation=cast.org_a,
        person=educator,
        school_unit=cast.solrosen,
        duty_role="Annan personal",
        start_date=long_ago,
    )
    grant = NamedChildAccess.objects.create(
        organisation=cast.org_a,
        school_unit=cast.solrosen,
        child=cast.alva,
        staff=educator,
        role=NamedChildRole.SPECIAL_NEEDS,
        start_date=long_ago,
        reason="Stöd i språkutvecklingen",
        granted_by=cast.principal,
    )
    # The terms every guardian of the cast accepted (transitions' rows): the foster parent too (R9).
    for terms in TermsOfUse.objects.all():
        TermsDecision.objects.create(guardian=foster, terms=terms, accepted=True, decided_at=timezone.now())
    return {"grant:contact": str(connection.uuid), "grant:named": str(grant.uuid)}


def cells() -> list[Cell]:
    c = Cell
    return [
        c("connections/list", "contacts:manage", "GET", PRINCIPAL, shows=(("principal", "Frans Familjehem"),)),
        c(
            "connections/connect contact",
            "contacts:connect",
            "POST",
            PRINCIPAL,
            data=(
                ("unit", "unit:solrosen"),
                ("child", "child:bertil"),
                ("relation", ContactRelation.RELATIVE),
                ("given_name", "Greta"),
                ("family_name", "Ek"),
                ("civic_number", "19500101-1237"),
                ("start", "2026-01-01"),
                ("reason", "Mormor hämtar"),
            ),
        ),
        c(
            "connections/grant named access",
            "contacts:grant",
            "POST",
            PRINCIPAL,
            data=(
                ("unit", "unit:solrosen"),
                ("child", "child:bertil"),
                ("staff", "person:special_educator"),
                ("role", NamedChildRole.STUDENT_HEALTH),
                ("start", "2026-01-01"),
                ("reason", "Elevhälsoärende"),
            ),
        ),
        c("connections/end contact", "contacts:end", "POST", PRINCIPAL, ("contact", "grant:contact")),
        c("connections/end named access", "contacts:end", "POST", PRINCIPAL, ("named", "grant:named")),
    ]
