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
import uuid

from folja.core.dates import today
from folja.demo.plan import PERSONA_PREFIX
from folja.directory import civic
from folja.directory.models import (
    Address,
    ContactConnection,
    ContactRelation,
    Duty,
    DutyRole,
    Email,
    EmailType,
    NamedChildAccess,
    NamedChildRole,
    Person,
    PersonSisId,
    Phone,
    PhoneType,
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


def _uuid(world, name: str) -> uuid.UUID:  # noqa: ANN001
    """The same seed builds the same world: uuids from the seed, not random."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"folja-demo:{world.seed}:{name}")


def _persona(world, key: str, given: str, family: str, born: dt.date) -> Person:  # noqa: ANN001
    person = Person.objects.create(
        uuid=_uuid(world, key),
        given_name=given,
        family_name=family,
        birth_date=born,
        civic_number=_fictitious_number(born),
    )
    Address.objects.create(person=person, street_address=f"{family}s väg 3", postal_code="999 99", locality="Exempelby")
    kind = EmailType.PRIVATE if key == "foster_parent" else EmailType.SCHOOL_STAFF
    Email.objects.create(person=person, value=f"{key.replace('_', '.')}@exempelby.invalid", type=kind)
    Phone.objects.create(person=person, value="070-000 00 00", type=PhoneType.HOME, mobile=True)
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
        uuid=_uuid(world, "foster_parent:connection"),
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
        uuid=_uuid(world, "special_educator:duty"),
        organisation=world.organisation,
        person=educator,
        school_unit=unit,
        duty_role=DutyRole.OTHER_EDUCATIONAL,
        start_date=day - dt.timedelta(days=800),
    )
    NamedChildAccess.objects.create(
        uuid=_uuid(world, "special_educator:grant"),
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
