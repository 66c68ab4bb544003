"""Writes of the principal's page (issue 28): connect a contact person, grant named-child access, end
either. Each write is audited (R11) and checked against `access/connections.py` by the view first."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from folja.access import memo
from folja.access.audit import record_action
from folja.access.models import AuditAction
from folja.access.roles import Viewer
from folja.directory import civic
from folja.directory.models import ContactConnection, NamedChildAccess, Organisation, Person


@transaction.atomic
def contact_person_for(*, civic_number: str, given_name: str, family_name: str) -> Person:
    """Return the person with this (valid e-ID) civic number, created with these names when new:
    a contact person outside the SIS signs in with e-ID like a guardian."""
    number, kind = civic.parse(civic_number)
    if kind not in civic.E_ID_KINDS:
        raise civic.InvalidCivicNumber()  # a temporary number signs in with no e-ID
    person = Person.objects.filter(civic_number=number).first()
    if person is None:
        person = Person.objects.create(
            civic_number=number, civic_number_kind=kind, given_name=given_name.strip(), family_name=family_name.strip()
        )
    return person


@transaction.atomic
def connect_contact(
    *,
    actor: Viewer,
    unit: Organisation,
    child: Person,
    contact: Person,
    relation: str,
    start: dt.date,
    end: dt.date | None,
    reason: str,
) -> ContactConnection:
    connection = ContactConnection.objects.create(
        organisation_id=unit.organisation_id,
        school_unit=unit,
        child=child,
        contact=contact,
        relation=relation,
        start_date=start,
        end_date=end,
        reason=reason,
        granted_by=actor.person,
    )
    record_action(
        actor,
        AuditAction.GRANT_CONTACT,
        [child.pk],
        object_type="contact",
        object_uuid=connection.uuid,
        school_unit=unit,
    )
    return connection


@transaction.atomic
def grant_named_access(
    *,
    actor: Viewer,
    unit: Organisation,
    child: Person,
    staff: Person,
    role: str,
    start: dt.date,
    end: dt.date | None,
    reason: str,
) -> NamedChildAccess:
    grant = NamedChildAccess.objects.create(
        organisation_id=unit.organisation_id,
        school_unit=unit,
        child=child,
        staff=staff,
        role=role,
        start_date=start,
        end_date=end,
        reason=reason,
        granted_by=actor.person,
    )
    record_action(
        actor, AuditAction.GRANT_NAMED_ACCESS, [child.pk], object_type="named", object_uuid=grant.uuid, school_unit=unit
    )
    return grant


@transaction.atomic
def end_grant(*, actor: Viewer, grant: ContactConnection | NamedChildAccess) -> None:
    """End a connection or a named-child grant now: the next request no longer counts it."""
    type(grant).objects.filter(pk=grant.pk, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_by=actor.person
    )
    action = AuditAction.END_CONTACT if isinstance(grant, ContactConnection) else AuditAction.END_NAMED_ACCESS
    kind = "contact" if isinstance(grant, ContactConnection) else "named"
    record_action(
        actor, action, [grant.child_id], object_type=kind, object_uuid=grant.uuid, school_unit=grant.school_unit_id
    )
    memo.forget()
