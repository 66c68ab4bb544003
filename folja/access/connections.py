"""Access that a person gives (issue 28): contact persons and named-child duties, the rules in one place.

Both are rows a principal writes (`directory.ContactConnection`, `directory.NamedChildAccess`), each
for one child, one unit, a period (inclusive dates) and a reason; `ended_at` ends one early, and
since nothing is held between requests (access/memo.py) the very next request answers without it.
A sealed child (R5) is part of no connection; a sealed contact person has no session.

- **Contact person** (foster parent, god man, another adult the child lives with, a relative):
  signs in with e-ID in the guardian role (`Role.GUARDIAN`; the relationship, not the role, tells
  custody apart). While the connection holds on the day and the child has a placement that has not
  ended at the connection's unit (R6 for contacts: leaving that unit ends it), the contact person
  sees what a guardian sees of the child (R1: the learning log, talks, media, comments in their
  family's thread, group posts naming the child, R2/R3 as for a family; R9: after accepting the
  terms that apply). They do **not** act for the child as custody does: no transition consent (R7),
  no photo consent or "Vem har läst" (the child's settings), no export
  (`custody_children_ref`). Guardians with custody see each connection of their child
  (`connections_for_guardians`).
- **SIS responsibles** of other relation types than Vårdnadshavare (Annan ansvarig, God man, Utsedd
  behörig) grant nothing by themselves: SS 12000 gives them no dates and no reason, and "Annan
  ansvarig" also names parents without custody, whose access a principal must decide. The
  principal's page lists them as suggestions to connect, with dates and a reason.
- **Named-child duty** (special educator, student health): a staff member with an active duty at
  the unit (in the session's organisation) and an active `NamedChildAccess` for child C at that
  unit is connected to C at that unit (R1) and to no other child through it; reads are recorded
  under that unit, so "Vem har läst" shows them like any staff read.
- **Who grants**: a staff member with an active Rektor or Förskolechef duty at the unit, in the
  session's organisation (`granting_units`).
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.http import Http404

from folja.access.roles import Role, Viewer
from folja.directory.models import (
    ContactConnection,
    Duty,
    DutyRole,
    NamedChildAccess,
    Organisation,
    Person,
    Placement,
)

# The duties that may connect contact persons and grant named-child access at their unit.
GRANTING_DUTY_ROLES = frozenset({DutyRole.PRINCIPAL, DutyRole.PRESCHOOL_HEAD})


def holding(grants: QuerySet, day: dt.date) -> QuerySet:
    """The grants that hold on the day: within their dates, not ended early, about an unsealed child (R5)."""
    return grants.active(day).filter(ended_at__isnull=True, child__sealed_at__isnull=True)


def placements_of_contacts(placements: QuerySet[Placement], contact_ids: list[int], day: dt.date) -> QuerySet:
    """The placements (of `placements`, already R5/R6-filtered) through which these contact persons
    see a child on the day: a connection that holds, at the placement's unit. Annotated like the
    custody part of `policy.guardian_children_many`: `guardian` (the contact) and `custody` False."""
    via = "child__contactconnection_about__"
    # One filter() call: every condition is on the same connection row (one join).
    return placements.filter(
        Q(**{f"{via}contact_id__in": contact_ids, f"{via}school_unit": F("school_unit")}),
        Q(**{f"{via}start_date__lte": day, f"{via}ended_at__isnull": True}),
        Q(**{f"{via}end_date__isnull": True}) | Q(**{f"{via}end_date__gte": day}),
    ).annotate(guardian=F("child__contactconnection_about__contact_id"), custody=Value(False))


def named_child_placements(placements: QuerySet[Placement], duties: QuerySet[Duty], staff: Person, day: dt.date):
    """The third part of "connected staff" (`policy._connected`): the active placements (of
    `placements`) of children the staff member has a named-child grant for that holds on the day,
    at a unit where they have an active duty (`duties`, in the session's organisation)."""
    granted = holding(NamedChildAccess.objects, day).filter(
        staff=staff, child=OuterRef("child"), school_unit=OuterRef("school_unit")
    )
    return placements.filter(school_unit__in=duties.values("school_unit")).filter(Exists(granted))


def granting_units(duties: QuerySet[Duty]) -> QuerySet[Organisation]:
    """The units where these (active, in-organisation) duties may grant: Rektor or Förskolechef."""
    return Organisation.objects.filter(
        pk__in=duties.filter(duty_role__in=GRANTING_DUTY_ROLES).values("school_unit")
    ).order_by("display_name")


def connections_for_guardians(child: Person, day: dt.date) -> QuerySet[ContactConnection]:
    """The contact connections of a child that its guardians with custody are shown: those not
    ended early and not over by the day (current and coming), of unsealed persons (R5)."""
    return (
        ContactConnection.objects.filter(child=child, ended_at__isnull=True, contact__sealed_at__isnull=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("contact", "school_unit")
        .order_by("start_date", "pk")
    )


def custody_children_ref(viewer: Viewer, on: dt.date | None = None) -> list[int]:
    """Return the children the viewer acts for with custody (Vårdnadshavare, R1, R5, R6, R9): what
    only custody does (consent R7, the child's settings, the export), never a contact person."""
    from folja.access import policy  # policy reads this module

    if viewer.role != Role.GUARDIAN:
        return []  # R12
    own_children = policy._guardian_children(viewer.person, on)
    return [own.child.pk for own in own_children if own.custody and not own.terms_pending]


def get_child_in_custody_for(viewer: Viewer, child_uuid: uuid_module.UUID | str, on: dt.date | None = None) -> Person:
    """Return the child if the viewer has custody of it and may see it (`custody_children_ref`), else Http404."""
    from folja.access import policy  # policy reads this module

    child = policy.get_child_for(viewer, child_uuid, on) if viewer.role == Role.GUARDIAN else None
    if child is None or child.pk not in custody_children_ref(viewer, on):
        raise Http404
    return child


# ---------------------------------------------------------------------------------------------
# The principal's page: what a granting staff member manages
# ---------------------------------------------------------------------------------------------


def managed_units(staff: Viewer, day: dt.date) -> QuerySet[Organisation]:
    """The units where the staff member may grant now (`granting_units` of their active duties, in
    the session's organisation); none for any other role (R12)."""
    from folja.access import policy  # policy reads this module

    if staff.role != Role.STAFF:
        return Organisation.objects.none()
    return granting_units(policy.active_duties(staff, day))


def _managed(grants: QuerySet, units: QuerySet[Organisation], day: dt.date) -> QuerySet:
    return (
        grants.filter(school_unit__in=units, ended_at__isnull=True, child__sealed_at__isnull=True)  # R5
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("child", "school_unit", "granted_by")
        .order_by("child__given_name", "start_date", "pk")
    )


def managed_contacts(units: QuerySet[Organisation], day: dt.date) -> QuerySet[ContactConnection]:
    """The current and coming contact connections at these units (of `managed_units`)."""
    return (
        _managed(ContactConnection.objects, units, day)
        .filter(contact__sealed_at__isnull=True)
        .select_related("contact")
    )


def managed_named_access(units: QuerySet[Organisation], day: dt.date) -> QuerySet[NamedChildAccess]:
    """The current and coming named-child grants at these units (of `managed_units`)."""
    return _managed(NamedChildAccess.objects, units, day).select_related("staff")


def children_at(units: QuerySet[Organisation], day: dt.date) -> QuerySet[Person]:
    """The unsealed children placed at these units on the day or later: those a principal may connect."""
    placed = Placement.objects.filter(school_unit__in=units).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
    return Person.objects.unsealed().filter(pk__in=placed.values("child")).order_by("given_name", "family_name", "pk")


def staff_at(units: QuerySet[Organisation], day: dt.date) -> QuerySet[Person]:
    """The unsealed staff with an active duty at these units: those a principal may grant named-child access."""
    duties = Duty.objects.active(day).filter(school_unit__in=units)
    return Person.objects.unsealed().filter(pk__in=duties.values("person")).order_by("given_name", "family_name", "pk")


def sis_suggestions(units: QuerySet[Organisation], day: dt.date) -> QuerySet:
    """The SIS responsibles other than Vårdnadshavare of children at these units who have no
    connection yet (they grant nothing by themselves; see the module's docstring)."""
    from folja.directory.models import Guardianship, RelationType

    connected = ContactConnection.objects.filter(
        child=OuterRef("child"), contact=OuterRef("responsible"), ended_at__isnull=True
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
    return (
        Guardianship.objects.exclude(relation_type=RelationType.GUARDIAN)
        .filter(child__in=children_at(units, day), responsible__sealed_at__isnull=True)
        .exclude(Exists(connected))
        .select_related("child", "responsible")
        .order_by("child__given_name", "responsible__given_name", "pk")
    )


def get_managed_grant(staff: Viewer, kind: str, grant_uuid: uuid_module.UUID | str, day: dt.date):
    """Return the current or coming grant of this kind at a unit the staff member manages, else Http404."""
    units = managed_units(staff, day)
    grants = managed_contacts(units, day) if kind == "contact" else managed_named_access(units, day)
    try:
        return grants.get(uuid=grant_uuid)
    except (ContactConnection.DoesNotExist, NamedChildAccess.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
