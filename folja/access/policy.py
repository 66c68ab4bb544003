"""Who may see what: the one gate to child data (../shared/design/access-rules.md).

Every function takes the viewer explicitly and a day `on` (today in Europe/Stockholm by default),
so tests can ask about any day and transitions need no special code path. Lists are querysets
filtered in SQL; getters raise Http404 for "missing" and "forbidden" alike. Each rule is one
condition with a comment naming it.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.http import Http404

from folja.access import connections, memo, transitions
from folja.access.pairs import PAIR, ChildPairs
from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.directory import civic
from folja.directory.models import (
    UNIT_WIDE_DUTY_ROLES,
    Duty,
    DutyAssignment,
    EmailType,
    Group,
    GroupMembership,
    Guardianship,
    Organisation,
    Person,
    Placement,
    RelationType,
)
from folja.transitions.models import TermsOfUse

# ---------------------------------------------------------------------------------------------
# Relationships at a point in time
# ---------------------------------------------------------------------------------------------


def _day(on: dt.date | None) -> dt.date:
    return on or today()


def placements_not_ended(on: dt.date | None = None) -> QuerySet[Placement]:
    """Return the placements that have not ended on the day (R6): a child keeps the record while
    placed anywhere on the platform, in any organisation; a placement that starts later counts,
    so a summer between preschool and school is no gap."""
    day = _day(on)
    return Placement.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


def has_placement_on_platform(on: dt.date | None = None) -> Q:
    """Return a filter on Person: the child has a placement anywhere that has not ended (R6)."""
    return Q(Exists(placements_not_ended(on).filter(child=OuterRef("pk"))))


def children_of_guardian(guardian: Person, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the children the person is Vårdnadshavare of, who are on the platform and not sealed."""
    return Person.objects.filter(pk__in=[own.child.pk for own in _guardian_children(guardian, on)])


def unit_wide() -> Q:
    """Return the filter on Duty for a unit-wide duty: principal, special needs staff, or any duty
    at a unit whose setting "all staff see all children" is on (connected staff, access-rules.md)."""
    return Q(duty_role__in=UNIT_WIDE_DUTY_ROLES) | Q(school_unit__all_staff_see_all_children=True)


def active_duties(staff: Viewer, on: dt.date | None = None) -> QuerySet[Duty]:
    """Return the staff member's duties that hold on the day, inside the session's organisation:
    a staff session belongs to the organisation whose sign-in vouched for it, and connections
    count only there (access-rules.md). Every staff rule starts here."""
    duties = Duty.objects.active(_day(on)).filter(person=staff.person)
    if staff.organisation_id is not None:
        duties = duties.filter(organisation_id=staff.organisation_id)
    return duties


def _connected(staff: Viewer, day: dt.date) -> tuple[QuerySet[Placement], ...]:
    """Connected staff (access-rules.md), the rule itself: S has an active duty at a unit where C
    has an active placement, and either S's duty there is unit-wide (the first queryset), or S is
    assigned to a group C is a member of at that unit (the second), or a principal granted S access
    to C by name at that unit (the third, access/connections.py). Sealed children are connected
    to no one (R5). Two querysets, each starting from what narrows it (the units of unit-wide
    duties; the members of the assigned groups), so that PostgreSQL reads a few index entries."""
    duties = active_duties(staff, day)
    placements = Placement.objects.active(day).filter(child__sealed_at__isnull=True)  # R5
    unit_wide_here = placements.filter(school_unit__in=duties.filter(unit_wide()).values("school_unit"))
    assigned_groups = DutyAssignment.objects.active(day).filter(duty__in=duties).values("group")
    members = GroupMembership.objects.active(day).filter(group__in=assigned_groups)
    member_here = members.filter(person=OuterRef("child"), group__school_unit=OuterRef("school_unit"))
    in_an_assigned_group_here = placements.filter(
        child__in=members.values("person"), school_unit__in=duties.values("school_unit")
    ).filter(Exists(member_here))
    named_here = connections.named_child_placements(placements, duties, staff.person, day)  # issue 28
    return unit_wide_here, in_an_assigned_group_here, named_here


def connected_placements(staff: Viewer, on: dt.date | None = None) -> QuerySet[Placement]:
    """Return the active placements through which the staff member is connected to a child (R1):
    those of `_connected`, as this request's connections name them (staff_connections)."""
    return Placement.objects.filter(pk__in=staff_connections(staff, on).placement_ids)


@dataclass(frozen=True)
class ConnectedChild:
    """A connected child's name as staff lists tell children apart (access/labels.py)."""

    pk: int
    given_name: str
    middle_name: str
    family_name: str
    birth_date: dt.date | None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class StaffConnections:
    """A staff member's connected placements on one day, as plain values for the request's filters:
    the placements, the children by unit (R1) and the receiving windows (R8), and the connected
    children's names (`children`, for labels that tell two children of one name apart)."""

    def __init__(self, placements: list[tuple], consent: dict[int, transitions.ConsentAnswers]) -> None:
        self.placement_ids = [row[0] for row in placements]
        self.child_ids = sorted({row[1] for row in placements})
        self.children_by_unit: dict[int, list[int]] = {}
        for _p, child, unit, *_rest in placements:
            self.children_by_unit.setdefault(unit, []).append(child)
        self.receiving = [
            transitions.ReceivingWindow(child=child, unit=unit, start=first, consent=consent[child])
            for _p, child, unit, first, *_names in placements
            if child in consent
        ]
        self.children = {row[1]: ConnectedChild(row[1], *row[4:]) for row in placements}


def staff_connections(staff: Viewer, on: dt.date | None = None) -> StaffConnections:
    """Return the staff member's connected placements (`_connected`), each with its child's first
    start at its unit (R8) and name, and the guardians' answers (R7) for the children someone said
    yes for: one query, two when there are such children; looked up once per request
    (access/memo.py) and never kept longer."""
    day = _day(on)
    names = ("child__given_name", "child__middle_name", "child__family_name", "child__birth_date")

    def compute() -> StaffConnections:
        rows = [
            part.annotate(
                first_start=transitions.first_start_at_unit(), some_yes=transitions.some_yes(OuterRef("child"))
            ).values_list("pk", "child_id", "school_unit_id", "first_start", *names, "some_yes")
            for part in _connected(staff, day)
        ]
        # One statement: the parts of the rule as a UNION (a placement in several counts once).
        placements = list(rows[0].union(*rows[1:]))
        asked = sorted({row[1] for row in placements if row[-1]})
        consent = transitions.consent_answers(asked) if asked else {}
        return StaffConnections([row[:-1] for row in placements], consent)

    return memo.memoised(("staff_connections", staff.person.pk, staff.organisation_id, day), compute)


def connected_here(connections: StaffConnections, *, child: str, unit: str) -> Q:
    """R1 for staff at its grain, a filter on rows about one child at one unit (a post's named
    child, a talk, a booking slot): the staff member is connected to the row's child *at the
    row's unit* now. `child` and `unit` name the row's fields."""
    here = Q(pk__in=[])
    for unit_id, children in sorted(connections.children_by_unit.items()):
        here |= Q(**{unit: unit_id, f"{child}__in": sorted(children)})
    return here


def connected_children(staff: Viewer, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the children the staff member is connected to on the day."""
    return Person.objects.filter(pk__in=staff_connections(staff, on).child_ids)


def reading_units(viewer: Viewer, child_ids: Iterable[int], post_unit_id: int, on: dt.date | None = None) -> dict:
    """Return {unit id: child ids} for a staff member's read of a post naming these children: the
    post's own unit for a child they are connected to there (R1), else the unit where they are
    connected to the child (the receiving unit of R8). No query: the request's connections."""
    connections = staff_connections(viewer, on)
    units: dict[int | None, list[int]] = {}
    for child_id in child_ids:
        connected = _units_connected_to(connections, child_id)
        unit = post_unit_id if post_unit_id in connected else min(connected, default=None)
        units.setdefault(unit, []).append(child_id)
    return units


def connected_units_of(staff: Viewer, child: Person, on: dt.date | None = None) -> set[int]:
    """Return the units where the staff member is connected to the child (R8 marks posts from elsewhere)."""
    return _units_connected_to(staff_connections(staff, on), child.pk)


def _units_connected_to(connections: StaffConnections, child_id: int) -> set[int]:
    return {unit for unit, children in connections.children_by_unit.items() if child_id in children}


def units_of_guardians_children(guardian: Person, on: dt.date | None = None) -> QuerySet[Organisation]:
    """Return the units where the guardian's children are placed (for contact details; not gated by R9)."""
    placements = placements_not_ended(on).filter(child__in=children_of_guardian(guardian, on))
    return Organisation.objects.filter(pk__in=placements.values("school_unit")).order_by("display_name")


def guardians_without_accepted_terms(children: QuerySet[Person]) -> list[tuple[Person, Person]]:
    """Return (child, guardian) pairs where the guardian has not accepted the terms the child's placement needs (R9).

    `children` must already be filtered by the access policy (e.g. group_members_for a staff viewer).
    Three queries whatever the number of children (one while no terms apply).
    """
    applying: dict[int, set[int]] = {}
    for child_id, terms_id in (
        placements_not_ended()
        .filter(child__in=children)
        .annotate(terms=transitions.terms_that_apply())
        .values_list("child_id", "terms")
    ):
        if terms_id is not None:
            applying.setdefault(child_id, set()).add(terms_id)
    if not applying:
        return []
    links = list(
        Guardianship.objects.filter(
            child__in=children, relation_type=RelationType.GUARDIAN, responsible__sealed_at__isnull=True
        )
        .select_related("child", "responsible")
        .order_by("child__given_name", "responsible__given_name")
    )
    accepted = transitions.accepted_terms({link.responsible_id for link in links}, set().union(*applying.values()))
    seen: set[tuple[int, int]] = set()
    rows = []
    for link in links:
        key = (link.child_id, link.responsible_id)
        if key in seen:
            continue
        seen.add(key)
        if transitions.terms_pending(link.responsible_id, applying.get(link.child_id, set()), accepted):  # R9
            rows.append((link.child, link.responsible))
    return rows


def guardians_with_terms_pending(terms: TermsOfUse, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the guardians for whom these terms are pending now (R9): Vårdnadshavare, not sealed,
    of a child on the platform and not sealed, placed where these terms are the ones that apply,
    who have not accepted them. For the notice of new terms (R12: recipients through the policy)."""
    placed_under = (
        placements_not_ended(on)  # R6
        .filter(child__sealed_at__isnull=True)  # R5
        .annotate(terms=transitions.terms_that_apply())
        .filter(terms=terms.pk)
    )
    guardian_ids = set(
        Guardianship.objects.filter(
            child__in=placed_under.values("child"),
            relation_type=RelationType.GUARDIAN,  # R1
        ).values_list("responsible_id", flat=True)
    )
    accepted = transitions.accepted_terms(guardian_ids, [terms.pk])
    pending = [guardian for guardian in guardian_ids if transitions.terms_pending(guardian, {terms.pk}, accepted)]  # R9
    return Person.objects.unsealed().filter(pk__in=sorted(pending))  # R5


def staff_units(staff: Viewer, on: dt.date | None = None) -> QuerySet[Organisation]:
    """Return the school units where the staff member has an active duty."""
    return Organisation.objects.filter(pk__in=active_duties(staff, on).values("school_unit"))


def staff_groups(staff: Viewer, on: dt.date | None = None) -> QuerySet[Group]:
    """Return the active groups the staff member works with: at a unit where they have a duty,
    assigned to them, or all groups of a unit where their duty is unit-wide."""
    day = _day(on)
    duties = active_duties(staff, day)
    assigned = DutyAssignment.objects.active(day).filter(duty__in=duties).values("group")
    return (
        Group.objects.active(day)
        .filter(school_unit__in=duties.values("school_unit"))
        .filter(Q(pk__in=assigned) | Q(school_unit__in=duties.filter(unit_wide()).values("school_unit")))
    )


def staff_organisations(person: Person, on: dt.date | None = None) -> QuerySet[Organisation]:
    """Return the organisations (huvudmän) in which the person has an active duty: those a staff
    session may belong to (access-rules.md, "The session's organisation")."""
    return Organisation.objects.filter(pk__in=active_duties(Viewer(person, Role.STAFF), on).values("organisation"))


def may_sign_in_as(
    person: Person, role: Role, on: dt.date | None = None, *, organisation_id: int | None = None
) -> bool:
    """Return whether the person may hold a session in the role (checked at sign-in and per
    request); a staff session only while the person has a duty in the session's organisation."""
    if person.sealed_at is not None:  # R5: a sealed person has no session
        return False
    if role == Role.GUARDIAN:
        return bool(_guardian_children(person, on))
    if role == Role.STAFF:
        staff = Viewer(person, role, organisation_id)
        # A connection needs an active duty (connected_placements), and the request looks its
        # connections up anyway: only a staff member connected to no child costs a query more.
        return bool(staff_connections(staff, on).placement_ids) or active_duties(staff, on).exists()
    if role == Role.CHILD:
        return Person.objects.filter(pk=person.pk).filter(has_placement_on_platform(on)).exists()
    return False


def _matching_e_id(persons: QuerySet[Person], civic_number: str) -> QuerySet[Person]:
    """The persons whose civic number an e-ID vouched for: personnummer and samordningsnummer only.

    BankID returns a personnummer, Freja eID (through the OIDC broker) and SAML assertions a
    personnummer or samordningsnummer. A temporary or reserve number (civic.TEMPORARY) is issued
    by a school register or region, not by Skatteverket; it identifies a record there, never a
    person to an e-ID, so it is never matched, even when an identity provider sends the same
    characters.
    """
    return persons.filter(civic_number=civic_number, civic_number_kind__in=civic.E_ID_KINDS)


def person_for_sign_in(*, civic_number: str = "", person_uuid: str = "", person_pk: int | None = None) -> Person | None:
    """Return the unsealed person a verified identity (or a demo persona) binds to, or None.

    The caller still checks `may_sign_in_as` for the role; this only finds the person (R5 first).
    """
    persons = Person.objects.unsealed()
    try:
        if civic_number:
            return _matching_e_id(persons, civic_number).first()
        if person_uuid:
            return persons.filter(uuid=person_uuid).first()
        if person_pk is not None:
            return persons.filter(pk=person_pk).first()
    except (ValueError, ValidationError):
        return None
    return None


def staff_for_sso(organisation: Organisation, *, civic_number: str = "", school_email: str = "") -> Person | None:
    """Return the unsealed staff person with an active duty in the organisation that an SSO identity names.

    An organisation's own IdP vouches only for its own staff: the match is made among persons with
    an active duty reported by that organisation (the huvudman), by civic number or by an e-mail of
    type "Skola personal" from its SIS (eduPersonPrincipalName, upn). Ambiguous e-mails match nobody.
    """
    if not (civic_number or school_email):
        return None
    with_duty = Exists(Duty.objects.active(today()).filter(person=OuterRef("pk"), organisation=organisation))
    persons = Person.objects.unsealed().filter(with_duty)
    if civic_number:
        return _matching_e_id(persons, civic_number).first()
    matches = list(
        persons.filter(emails__type=EmailType.SCHOOL_STAFF, emails__value__iexact=school_email.strip()).distinct()[:2]
    )
    return matches[0] if len(matches) == 1 else None


# ---------------------------------------------------------------------------------------------
# Children
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardianChild:
    """A child of a guardian on the platform, with the current terms the guardian has still to
    accept where the child is placed (R9: the child's documentation is shown only when none are)."""

    child: Person
    terms_pending: frozenset[int]
    # Custody (Vårdnadshavare) or a contact person's connection (access/connections.py).
    custody: bool = True


def _guardian_children(guardian: Person, on: dt.date | None = None) -> list[GuardianChild]:
    """Return the guardian's children on the platform (R1, R5, R6), each with the terms R9 still
    asks the guardian to accept: `guardian_children_many` for one guardian, looked up once per
    request (access/memo.py), shared by the session check, the child getter and every filter that
    names the guardian's visible children."""
    return guardian_children_many([guardian.pk], on)[guardian.pk]


def guardian_children_many(guardian_ids: Iterable[int], on: dt.date | None = None) -> dict[int, list[GuardianChild]]:
    """Return {guardian id: their children on the platform (R1, R5, R6) with the terms R9 still
    asks them to accept}, for many guardians at once (the digest reads a chunk of recipients; a
    request reads one). Two queries whatever the number: the children's placements with the terms
    that apply to each, joined to the guardians' custody; and the guardians' decisions on those
    terms (when some apply). Each guardian's answer is memoised for the request scope, so the
    policy's other functions asked about one of them afterwards read it without a query."""
    day = _day(on)
    wanted = sorted(set(guardian_ids))
    found: dict[int, list[GuardianChild]] = {}
    missing = []
    for pk in wanted:
        hit = memo.recall(("guardian_children", pk, day))
        if hit is None:
            missing.append(pk)
        else:
            found[pk] = hit
    if not missing:
        return found
    not_ended = placements_not_ended(day).filter(child__sealed_at__isnull=True)  # R5, R6
    # R1: guardian rights only from relation type Vårdnadshavare (SS 12000 responsibles); a contact
    # person's from a connection that holds (access/connections.py). One UNION statement.
    custody = not_ended.filter(
        child__responsibles__responsible_id__in=missing, child__responsibles__relation_type=RelationType.GUARDIAN
    ).annotate(guardian=F("child__responsibles__responsible_id"), custody=Value(True))
    contact = connections.placements_of_contacts(not_ended, missing, day)
    rows = [part.annotate(terms=transitions.terms_that_apply()).select_related("child") for part in (custody, contact)]
    placements = sorted(
        rows[0].union(rows[1], all=True), key=lambda p: (p.child.given_name, p.child.family_name, p.child_id)
    )
    children: dict[int, dict[int, Person]] = {pk: {} for pk in missing}
    held: dict[tuple[int, int], bool] = {}
    applying: dict[tuple[int, int], set[int]] = {}
    for placement in placements:
        children[placement.guardian].setdefault(placement.child_id, placement.child)
        key = (placement.guardian, placement.child_id)
        held[key] = held.get(key, False) or placement.custody
        applying.setdefault(key, set()).update({placement.terms} - {None})
    needed = set().union(*applying.values())
    accepted = transitions.accepted_terms(missing, needed) if needed else set()
    for pk in missing:
        found[pk] = [
            GuardianChild(
                child,
                transitions.terms_pending(pk, applying[(pk, child_id)], accepted),  # R9
                held[(pk, child_id)],  # custody, or a contact person's connection
            )
            for child_id, child in children[pk].items()
        ]
        memo.remember(("guardian_children", pk, day), found[pk])
    return found


def _visible_of_own(own_children: list[GuardianChild]) -> list[int]:
    """R1, R5, R6 (the guardian's children on the platform), and R9: only once the guardian
    accepted the terms that apply where the child is placed."""
    return [own.child.pk for own in own_children if not own.terms_pending]


def guardian_child_pairs(guardian_ids: Iterable[int], on: dt.date | None = None, *, person: str) -> ChildPairs:
    """Return the children each guardian may see (R1, R5, R6, R9: `visible_children_ref` of each)
    as pairs, for rows whose column `person` names the guardian: two queries for the whole chunk
    (`guardian_children_many`), none for a guardian already looked up in this request."""
    owns = guardian_children_many(guardian_ids, on)
    keys = sorted(pk * PAIR + child for pk, own in owns.items() for child in _visible_of_own(own))
    return ChildPairs(tuple(keys), person)


def guardian_has_pending_terms(guardian: Person) -> bool:
    """Return whether R9 hides any of the guardian's children today: current terms not yet accepted."""
    return any(own.terms_pending for own in _guardian_children(guardian))


def terms_pending_for(guardian: Person) -> list[TermsOfUse]:
    """Return the current terms the guardian must still accept for their children (newest first, R9)."""
    pending = set().union(*(own.terms_pending for own in _guardian_children(guardian)))
    if not pending:
        return []
    return list(TermsOfUse.objects.filter(pk__in=pending).select_related("organisation").order_by("-published_at"))


def visible_children(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the children whose records the viewer may open (R1, R5, R6, R9)."""
    if viewer.role == Role.GUARDIAN:
        # R1: the child's guardians; R9: only once they accepted the current terms of use.
        return Person.objects.filter(pk__in=visible_children_ref(viewer, on))
    if viewer.role == Role.CHILD:
        return Person.objects.unsealed().filter(pk=viewer.person.pk).filter(has_placement_on_platform(on))  # R1
    if viewer.role == Role.STAFF:
        return connected_children(viewer, on)  # R1: staff connected now
    return Person.objects.none()  # R12: deny by default


def visible_children_ref(viewer: Viewer, on: dt.date | None = None) -> list[int] | QuerySet[Person]:
    """Return the viewer's visible children for `__in` filters: a guardian's and a staff member's
    as the ids memoised for the request (a literal list plans faster than nested subqueries), a
    child's as the `visible_children` query."""
    if viewer.role == Role.GUARDIAN:
        return _visible_of_own(_guardian_children(viewer.person, on))  # R1, R5, R6, R9
    if viewer.role == Role.STAFF:
        return staff_connections(viewer, on).child_ids  # R1: staff connected now
    return visible_children(viewer, on)


def family_children_with_placements(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the viewer's visible children with `active_placements` and `upcoming_placements` prefetched."""
    from django.db.models import Prefetch

    day = _day(on)
    active = Placement.objects.active(day).select_related("school_unit", "group").order_by("start_date")
    upcoming = Placement.objects.filter(start_date__gt=day).select_related("school_unit", "group")
    return visible_children(viewer, day).prefetch_related(
        Prefetch("placements", queryset=active, to_attr="active_placements"),
        Prefetch("placements", queryset=upcoming, to_attr="upcoming_placements"),
    )


def get_child_for(viewer: Viewer, child_uuid: uuid_module.UUID | str, on: dt.date | None = None) -> Person:
    """Return the child if the viewer may see it, else raise Http404."""
    if viewer.role == Role.GUARDIAN:
        try:
            wanted = uuid_module.UUID(str(child_uuid))
        except ValueError:
            raise Http404 from None
        for own in _guardian_children(viewer.person, on):
            if not own.terms_pending and own.child.uuid == wanted:  # R9
                return own.child
        raise Http404
    try:
        return visible_children(viewer, on).get(uuid=child_uuid)
    except (Person.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Contact details (R4) and member lists (R3)
# ---------------------------------------------------------------------------------------------


def contact_persons(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the persons whose contact details the viewer may read (R4).

    Staff: the children they are connected to and those children's guardians. Guardians: their
    children, their children's guardians, themselves. Children: themselves and their guardians.
    """
    children = visible_children(viewer, on)
    guardians_of_children = Guardianship.objects.filter(
        child__in=children, relation_type=RelationType.GUARDIAN, responsible__sealed_at__isnull=True
    ).values("responsible")
    scope = Q(pk__in=children.values("pk")) | Q(pk__in=guardians_of_children)  # R4
    if viewer.role in (Role.GUARDIAN, Role.CHILD):
        scope |= Q(pk=viewer.person.pk)
    elif viewer.role != Role.STAFF:
        return Person.objects.none()  # R12
    return Person.objects.unsealed().filter(scope)


def get_contact_person_for(viewer: Viewer, person_uuid: uuid_module.UUID | str) -> Person:
    try:
        return contact_persons(viewer).get(uuid=person_uuid)
    except (Person.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def visible_groups(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Group]:
    """Return the groups whose page the viewer may open."""
    day = _day(on)
    if viewer.role == Role.STAFF:
        return staff_groups(viewer, day)
    if viewer.role in (Role.GUARDIAN, Role.CHILD):
        children = visible_children(viewer, day)
        return Group.objects.active(day).filter(
            Exists(GroupMembership.objects.active(day).filter(group=OuterRef("pk"), person__in=children))
        )
    return Group.objects.none()  # R12


def get_group_for(viewer: Viewer, group_uuid: uuid_module.UUID | str, on: dt.date | None = None) -> Group:
    try:
        return visible_groups(viewer, on).select_related("school_unit").get(uuid=group_uuid)
    except (Group.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def group_members_for(viewer: Viewer, group: Group, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the group's current child members that the viewer may see listed.

    R3: in a hidden-member group guardians and children see only their own child; staff see all.
    A child's own session sees only itself in every group.
    """
    day = _day(on)
    members = Person.objects.unsealed().filter(  # R5
        Exists(GroupMembership.objects.active(day).filter(group=group, person=OuterRef("pk")))
    )
    if viewer.role == Role.STAFF:
        return members.filter(Exists(staff_groups(viewer, day).filter(pk=group.pk)))
    if viewer.role in (Role.GUARDIAN, Role.CHILD):
        own = visible_children(viewer, day)
        if not members.filter(pk__in=own.values("pk")).exists():
            return Person.objects.none()  # R12: not a family of this group
        if group.hidden_members or viewer.role == Role.CHILD:
            # R3; a pupil's session is answered as in a hidden-member group whatever the group
            # (issue 29: a pupil never sees another child's name).
            return members.filter(pk__in=own.values("pk"))
        return members
    return Person.objects.none()  # R12
