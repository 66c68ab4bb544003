"""Who may see what of development talks: the same rules as the learning log (R1, R5, R6, R12).

Built on `folja.access.policy`: the relationships (visible children, connected placements, staff
groups) come from there and are not re-implemented. Lists are querysets filtered in SQL; getters
raise Http404 for "missing" and "forbidden" alike. Each rule is one condition with its name.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module

from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from folja.access import policy, transitions
from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.directory.models import GroupMembership, Guardianship, Person, RelationType
from folja.learninglog import access as post_policy
from folja.learninglog.models import Post
from folja.talks.models import (
    Agreement,
    AnswerSet,
    Booking,
    BookingSlot,
    Part,
    Talk,
    TalkTemplate,
    TalkTemplateVersion,
)


def _day(on: dt.date | None) -> dt.date:
    return on or today()


# ---------------------------------------------------------------------------------------------
# Talks
# ---------------------------------------------------------------------------------------------


def staff_talk_filter(staff: Viewer, on: dt.date | None = None) -> Q:
    """Return the filter on Talk for talks a staff member may read (R1, R8).

    The learning log's rules at a talk's grain (a talk is about one child, held at one unit):
    connected staff see talks held at the unit where they are connected to the child now (R1);
    a receiving unit, with consent (R7), sees talks from other units in the 12 months before the
    child's first start there (R8).
    """
    connections = policy.staff_connections(staff, on)  # R5: sealed children are never connected
    shared = transitions.shared_with_receiving_unit(
        connections.receiving,
        child="child",
        unit="school_unit",
        day="activity_date",
        rule="organisation__transition_consent_rule",
    )
    return policy.connected_here(connections, child="child", unit="school_unit") | shared


def staff_talk_at_own_unit(staff: Viewer, on: dt.date | None = None) -> Q:
    """Return the filter on Talk for talks held at a unit where the staff member is connected to
    the talk's child now (R1, R6: staff of a unit the child left see nothing)."""
    return policy.connected_here(policy.staff_connections(staff, on), child="child", unit="school_unit")


def visible_talks(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Talk]:
    """Return the talks the viewer may read, filtered in SQL.

    Guardians and the child see every talk about the child, from every unit, while the child is
    on the platform (R1, R6: talks follow the child). Staff see talks of children they are
    connected to at the talk's unit (R1).
    """
    if viewer.role in (Role.GUARDIAN, Role.CHILD):
        return Talk.objects.filter(child__in=policy.visible_children(viewer, on))  # R1, R5, R6
    if viewer.role == Role.STAFF:
        return Talk.objects.filter(staff_talk_filter(viewer, on))  # R1
    return Talk.objects.none()  # R12: deny by default


def transition_preview_talks(viewer: Viewer, child: Person, on: dt.date | None = None) -> QuerySet[Talk]:
    """Return exactly the talks the receiving unit would see with consent (R8), for the guardians'
    preview: of the talks the viewer already sees about the child, those from other units dated
    in the window (the same definitions as the staff filter, access/transitions.py)."""
    unit, start = transitions.preview_window(child, on)
    talks = visible_talks(viewer, on).filter(
        child=child, activity_date__gte=transitions.twelve_months_before(start), activity_date__lt=start
    )
    return talks.exclude(school_unit=unit) if unit is not None else talks


def with_listing_data(talks: QuerySet[Talk]) -> QuerySet[Talk]:
    """Return the talks with what a list shows (child, group, unit, booked start) in one query."""
    booked = Booking.objects.filter(talk=OuterRef("pk"), cancelled_at__isnull=True).values("slot__starts_at")[:1]
    return talks.select_related("child", "group", "school_unit").annotate(
        booked_start=Subquery(booked, output_field=DateTimeField())
    )


def get_talk_for(viewer: Viewer, talk_uuid: uuid_module.UUID | str, on: dt.date | None = None) -> Talk:
    """Return the talk if the viewer may read it, else raise Http404."""
    try:
        return (
            visible_talks(viewer, on)
            .select_related("child", "school_unit", "group", "template_version__template")
            .get(uuid=talk_uuid)
        )
    except (Talk.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def may_edit_talk(viewer: Viewer, talk: Talk, on: dt.date | None = None) -> bool:
    """Return whether the viewer may prepare, record and share the talk: staff connected to the
    child at the talk's own unit (R1). What R8 shares with a receiving unit is read-only there."""
    if viewer.role != Role.STAFF:
        return False
    return Talk.objects.filter(pk=talk.pk).filter(staff_talk_at_own_unit(viewer, on)).exists()


def talk_guardians(talk: Talk, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the guardians who see the talk: Vårdnadshavare of the child, not sealed (R1, R5).

    Used to choose recipients of notices (R12: notifications go through the policy).
    """
    child_on_platform = Person.objects.unsealed().filter(pk=talk.child_id).filter(policy.has_placement_on_platform(on))
    if not child_on_platform.exists():
        return Person.objects.none()  # R5, R6: a sealed child, or one who left the platform
    return Person.objects.unsealed().filter(  # R5
        Exists(
            Guardianship.objects.filter(
                child_id=talk.child_id, responsible=OuterRef("pk"), relation_type=RelationType.GUARDIAN
            )
        )
    )


def talk_holders(talk: Talk, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the staff who hold the talk, to be told of a guardian's preparation: the one who
    offered the booked time, before a booking the one who planned the talk; each only while they
    may still read the talk in its organisation (`visible_talks`, R1, R5, R6). Recipients of
    notices are chosen here (R12: notifications go through the policy)."""
    booked = Booking.objects.filter(talk=talk, cancelled_at__isnull=True).values_list("slot__created_by", flat=True)
    holder_ids = list(booked[:1]) or [talk.created_by_id]
    holders = Person.objects.unsealed().filter(pk__in=holder_ids)  # R5
    return Person.objects.filter(
        pk__in=[
            person.pk
            for person in holders
            if visible_talks(Viewer(person, Role.STAFF, talk.organisation_id), on).filter(pk=talk.pk).exists()
        ]
    )


# ---------------------------------------------------------------------------------------------
# Parts of a talk
# ---------------------------------------------------------------------------------------------


def visible_answer_sets(viewer: Viewer, talk: Talk) -> QuerySet[AnswerSet]:
    """Return the answer sets of a talk (the viewer may read) that this viewer may read.

    Staff: all of them but the pupil's draft. Guardians: the joint preparation, their own
    preparation, the staff preparation once shared, the record once shared and the pupil's own
    part once handed in; a guardian answering alone is not read by the other guardian (two
    households). The child: the shared staff preparation and record, and their own part, draft or
    handed in (the pupil is the talk's child: `visible_talks` gives a child only their own talks).
    """
    sets = AnswerSet.objects.filter(talk=talk)
    pupil_handed_in = Q(part=Part.PUPIL, handed_in_at__isnull=False)  # the pupil chose to hand it in
    if viewer.role == Role.STAFF:
        return sets.filter(~Q(part=Part.PUPIL) | pupil_handed_in)  # the pupil's draft is the pupil's
    shared = Q(pk__in=[])
    if talk.staff_preparation_shared_at is not None:
        shared |= Q(part=Part.STAFF)
    if talk.record_shared_at is not None:
        shared |= Q(part=Part.RECORD)
    if viewer.role == Role.GUARDIAN:
        own = Q(part=Part.GUARDIAN) & (Q(author__isnull=True) | Q(author=viewer.person))
        return sets.filter(own | shared | pupil_handed_in)
    if viewer.role == Role.CHILD:
        return sets.filter(shared | Q(part=Part.PUPIL))  # never the guardians' preparations
    return sets.none()  # R12


def visible_agreements(viewer: Viewer, talk: Talk) -> QuerySet[Agreement]:
    """Return a talk's agreements: staff always, families once the record is shared."""
    agreements = Agreement.objects.filter(talk=talk).select_related("created_by")
    if viewer.role == Role.STAFF:
        return agreements
    if viewer.role in (Role.GUARDIAN, Role.CHILD) and talk.record_shared_at is not None:
        return agreements
    return agreements.none()


def agreements_to_follow_up(viewer: Viewer, talk: Talk) -> QuerySet[Agreement]:
    """Return agreements from the child's earlier talks that the viewer may read (R1), oldest first."""
    earlier = visible_talks(viewer).filter(child_id=talk.child_id, period_start__lt=talk.period_start)
    if viewer.role != Role.STAFF:
        earlier = earlier.filter(record_shared_at__isnull=False)
    return Agreement.objects.filter(talk__in=earlier).select_related("talk").order_by("talk__period_start", "id")


def get_agreement_for(viewer: Viewer, agreement_uuid: uuid_module.UUID | str) -> Agreement:
    """Return an agreement on a talk the staff viewer may edit, else raise Http404."""
    if viewer.role != Role.STAFF:
        raise Http404
    try:
        return Agreement.objects.filter(talk__in=visible_talks(viewer)).select_related("talk").get(uuid=agreement_uuid)
    except (Agreement.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def linkable_posts(viewer: Viewer, talk: Talk) -> QuerySet[Post]:
    """Return the posts about the talk's child that the staff viewer may link: the child's
    timeline as the viewer reads it (R1, R8 per child)."""
    if viewer.role != Role.STAFF:
        return Post.objects.none()
    return post_policy.timeline_posts(viewer, talk.child).order_by("-activity_date", "-id")


def visible_linked_posts(viewer: Viewer, talk: Talk) -> QuerySet[Post]:
    """Return the posts linked to the talk that the viewer may read; families once staff share."""
    if viewer.role != Role.STAFF and talk.staff_preparation_shared_at is None:
        return Post.objects.none()
    return (
        post_policy.timeline_posts(viewer, talk.child)  # R8 per child: posts seen through this child
        .filter(Exists(talk.post_links.filter(post=OuterRef("pk"))))
        .order_by("-activity_date", "-id")
    )


# ---------------------------------------------------------------------------------------------
# Booking slots and bookings
# ---------------------------------------------------------------------------------------------


def _active_booking_of(talks: QuerySet[Talk]) -> QuerySet[Booking]:
    return Booking.objects.filter(slot=OuterRef("pk"), cancelled_at__isnull=True, talk__in=talks)


def visible_slots(viewer: Viewer, on: dt.date | None = None) -> QuerySet[BookingSlot]:
    """Return the booking slots the viewer may see, filtered in SQL.

    Staff: slots of their groups and slots reserved for children they are connected to at the
    slot's unit (R1). Guardians: open slots offered to a group their child belongs to, or reserved
    for their child, that nobody else has booked; plus the slots they booked. A slot reserved for
    another child, or booked by another family, is never shown (R1, R2: one family never sees
    another's booking). Children do not book.
    """
    day = _day(on)
    slots = BookingSlot.objects.open()
    if viewer.role == Role.STAFF:
        for_my_group = Q(child__isnull=True, group__in=policy.staff_groups(viewer, day))  # R1
        # R1: reserved for a child connected to this staff member at the slot's unit
        for_my_child = policy.connected_here(policy.staff_connections(viewer, day), child="child", unit="school_unit")
        return slots.filter(for_my_group | for_my_child)
    if viewer.role == Role.GUARDIAN:
        children = policy.visible_children(viewer, day)  # R1, R5, R6
        own_talks = Talk.objects.filter(child__in=children)
        child_groups = GroupMembership.objects.active(day).filter(person__in=children).values("group")
        offered = Q(child__isnull=True, group__in=child_groups) | Q(child__in=children)  # R1
        booked_by_another_family = Exists(
            Booking.objects.filter(slot=OuterRef("pk"), cancelled_at__isnull=True).exclude(talk__in=own_talks)
        )
        return slots.filter(offered).exclude(booked_by_another_family)  # R2: another family's booking is theirs
    return slots.none()  # R12


def get_slot_for(viewer: Viewer, slot_uuid: uuid_module.UUID | str, on: dt.date | None = None) -> BookingSlot:
    """Return the slot if the viewer may see it, else raise Http404."""
    try:
        return visible_slots(viewer, on).select_related("school_unit", "group").get(uuid=slot_uuid)
    except (BookingSlot.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def offered_slots(viewer: Viewer, talk: Talk, on: dt.date | None = None) -> QuerySet[BookingSlot]:
    """Return the open slots offered for this talk's child at the talk's unit, booked or not.

    Only for booking: it lets the loser of a race be told "taken" instead of "not found". It
    says nothing about who booked (R2). Guardians of the child only.
    """
    if viewer.role != Role.GUARDIAN or not visible_talks(viewer, on).filter(pk=talk.pk).exists():
        return BookingSlot.objects.none()  # R1, R12
    day = _day(on)
    child_groups = GroupMembership.objects.active(day).filter(person_id=talk.child_id).values("group")
    return (
        BookingSlot.objects.open()
        .filter(school_unit_id=talk.school_unit_id)
        .filter(Q(child_id=talk.child_id) | Q(child__isnull=True, group__in=child_groups))  # R1: this child's offer
    )


def bookable_slots_for(viewer: Viewer, talk: Talk, on: dt.date | None = None) -> QuerySet[BookingSlot]:
    """Return the free upcoming slots the guardian may book for this talk (at the talk's unit)."""
    free = ~Exists(Booking.objects.filter(slot=OuterRef("pk"), cancelled_at__isnull=True))
    return offered_slots(viewer, talk, on).filter(free).upcoming().select_related("school_unit")


def active_booking(viewer: Viewer, talk: Talk) -> Booking | None:
    """Return the talk's active booking (the viewer may read the talk: both guardians see it)."""
    if not visible_talks(viewer).filter(pk=talk.pk).exists():
        return None
    return (
        Booking.objects.filter(talk=talk, cancelled_at__isnull=True)
        .select_related("slot", "booked_by", "slot__school_unit")
        .first()
    )


def slot_bookings_for_staff(viewer: Viewer, slots: QuerySet[BookingSlot]) -> QuerySet[Booking]:
    """Return the active bookings on the given slots whose talks the staff viewer may read."""
    if viewer.role != Role.STAFF:
        return Booking.objects.none()
    return Booking.objects.filter(slot__in=slots, cancelled_at__isnull=True, talk__in=visible_talks(viewer))


# ---------------------------------------------------------------------------------------------
# Templates (not child data: R13, administration is not reading)
# ---------------------------------------------------------------------------------------------


def usable_template_versions(viewer: Viewer, on: dt.date | None = None) -> QuerySet[TalkTemplateVersion]:
    """Return the newest version of each active template staff may plan talks with at their units."""
    if viewer.role != Role.STAFF:
        return TalkTemplateVersion.objects.none()
    units = policy.staff_units(viewer, on)
    templates = TalkTemplate.objects.filter(archived_at__isnull=True).filter(
        Q(school_unit__in=units) | Q(school_unit__isnull=True, organisation__in=units.values("organisation"))
    )
    newest = TalkTemplateVersion.objects.filter(template=OuterRef("template")).order_by("-number").values("number")[:1]
    return (
        TalkTemplateVersion.objects.filter(template__in=templates)
        .filter(number=Subquery(newest))
        .select_related("template")
        .order_by("template__name")
    )
