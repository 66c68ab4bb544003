"""Issue 28 in the demo world: a foster parent and a special educator with named-child access.

At the first preschool (the principal persona's), one child who is no persona's child lives in a
foster home: the principal connected the foster parent (persona "foster_parent", e-ID like a
guardian) for the placement's period, with a reason. The municipality's central special educator
(persona "special_educator", an "Övrig pedagogisk personal" duty at that preschool, in no group)
was granted access to the same child by name. Both show on the principal's page
("Kontaktpersoner och åtkomst till barn"); the foster parent shows on the guardians' child page.
"""

from __future__ import annotations

import datetime as dt

from folja.core.dates import today
from folja.demo.plan import PERSONA_PREFIX
from folja.directory import civic
from folja.directory.models import (
    ContactConnection,
    ContactRelation,
    Duty,
    DutyRole,
    NamedChildAccess,
    NamedChildRole,
    Person,
    PersonSisId,
    Placement,
)


def _fictitious_number(born: dt.date) -> str:
    """Return an unused, valid (fictitious) personnummer for the birth date, serials from 980 up."""
    yymmdd = born.strftime("%y%m%d")
    for serial in range(980, 1000):
        number = f"{born:%Y%m%d}{serial:03d}{civic.luhn_digit(f'{yymmdd}{serial:03d}')}"
        if not Person.objects.filter(civic_number=number).exists():
            return number
    raise RuntimeError("no fictitious civic number left for the demo contact persons")


def _persona(world, key: str, given: str, family: str, born: dt.date) -> Person:  # noqa: ANN001
    person = Person.objects.create(
        given_name=given, family_name=family, birth_date=born, civic_number=_fictitious_number(born)
    )
    PersonSisId.objects.create(organisation=world.organisation, person=person, sis_id=PERSONA_PREFIX + key)
    world.personas[key] = person
    return person


def build_demo_contacts(world) -> str:  # noqa: ANN001
    """Connect a foster parent and grant a special educator access to one child; return the child's name."""
    day = today()
    principal = world.personas["principal"]
    unit = world.preschools[0]
    persona_children = PersonSisId.objects.filter(sis_id__startswith=PERSONA_PREFIX).values("person")
    placement = (
        Placement.objects.active(day)
        .filter(school_unit=unit, child__sealed_at__isnull=True)
        .exclude(child__responsibles__responsible__in=persona_children)
        .select_related("child")
        .order_by("start_date", "pk")
        .first()
    )
    if placement is None:
        return ""
    child = placement.child
    foster = _persona(world, "foster_parent", "Kerstin", "Holmqvist", dt.date(1974, 9, 12))
    ContactConnection.objects.create(
        organisation=world.organisation,
        school_unit=unit,
        child=child,
        contact=foster,
        relation=ContactRelation.FOSTER_PARENT,
        start_date=max(placement.start_date, day - dt.timedelta(days=120)),
        reason="Placerad i familjehem enligt socialtjänstens beslut",
        granted_by=principal,
    )
    educator = _persona(world, "special_educator", "Lena", "Ahlström", dt.date(1968, 2, 27))
    Duty.objects.create(
        organisation=world.organisation,
        person=educator,
        school_unit=unit,
        duty_role=DutyRole.OTHER_EDUCATIONAL,
        start_date=day - dt.timedelta(days=800),
    )
    NamedChildAccess.objects.create(
        organisation=world.organisation,
        school_unit=unit,
        child=child,
        staff=educator,
        role=NamedChildRole.SPECIAL_NEEDS,
        start_date=day - dt.timedelta(days=30),
        end_date=day + dt.timedelta(days=150),
        reason="Stöd i språkutvecklingen, överenskommet med vårdnadshavarna",
        granted_by=principal,
    )
    return child.full_name
