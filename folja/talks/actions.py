"""All writes to development talks: templates, planning, answers, links, sharing, agreements, booking.

Each action takes an explicit actor (a Viewer; a Person for template administration), checks the
actor's right through `folja.access.talks`, runs in a transaction and writes an audit row when it
touches a child's talk. Notices go out through `folja.notifications.notify` after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from folja.access import policy
from folja.access.audit import record_action
from folja.access.models import AuditAction
from folja.access.roles import Role, Viewer
from folja.core.dates import term_start
from folja.curriculum.models import Goal
from folja.directory.models import Group, GroupMembership, Organisation, Person
from folja.notifications import notify
from folja.talks import access as talk_policy
from folja.talks import pupil
from folja.talks.models import (
    Agreement,
    AnswerSet,
    Booking,
    BookingSlot,
    FollowUp,
    Part,
    QuestionKind,
    RecordReadConfirmation,
    Talk,
    TalkGoalLink,
    TalkPostLink,
    TalkSettings,
    TalkStatus,
    TalkTemplate,
    TalkTemplateVersion,
)
from folja.talks.templates import validate_content

MAX_ANSWER_LENGTH = 4000
MAX_SLOTS_AT_ONCE = 60


class SlotTaken(ValidationError):
    """Raised when the slot was booked by someone else first (the loser of a race gets this)."""

    def __init__(self) -> None:
        super().__init__(_("Tiden hann bokas av någon annan precis före dig. Välj en annan tid."), code="slot_taken")


class DeadlinePassed(ValidationError):
    def __init__(self, hours: int) -> None:
        super().__init__(
            _(
                "Det går inte att boka, boka om eller avboka senare än %(hours)s timmar före samtalet. "
                "Kontakta förskolan."
            )
            % {"hours": hours},
            code="deadline",
        )


def _require_staff(actor: Viewer) -> None:
    if actor.role != Role.STAFF:
        raise PermissionDenied


def _require_editable(actor: Viewer, talk: Talk) -> Talk:
    _require_staff(actor)
    if not talk_policy.may_edit_talk(actor, talk):
        raise PermissionDenied
    return talk


def _audit(actor: Viewer, action: AuditAction, talk: Talk) -> None:
    record_action(
        actor, action, [talk.child_id], object_type="talk", object_uuid=talk.uuid, school_unit=talk.school_unit
    )


def booked_time_ahead(talk: Talk, now: dt.datetime | None = None) -> dt.datetime | None:
    """Return the start of the talk's booked time when it has not begun yet, else None."""
    starts = (
        Booking.objects.filter(talk=talk, cancelled_at__isnull=True).values_list("slot__starts_at", flat=True).first()
    )
    return starts if starts is not None and starts > (now or timezone.now()) else None


def _require_started(talk: Talk) -> None:
    """A talk is held at its booked time: it cannot be marked held (or its record shared) before."""
    starts = booked_time_ahead(talk)
    if starts is not None:
        raise ValidationError(
            _("Samtalet är bokat %(when)s. Du kan markera det som genomfört när den tiden har börjat."),
            code="not_started",
            params={"when": formats.date_format(timezone.localtime(starts), "WEEKDAY_DATETIME_FORMAT")},
        )


def _lock(talk: Talk) -> Talk:
    return Talk.objects.select_for_update().select_related("school_unit", "child").get(pk=talk.pk)


# ---------------------------------------------------------------------------------------------
# Templates (organisation admins, through the admin site)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def template_version_create(*, actor: Person | None, template: TalkTemplate, content: object) -> TalkTemplateVersion:
    """Store new questions for a template as its next version; talks keep the version they have."""
    content = validate_content(content)
    template = TalkTemplate.objects.select_for_update().get(pk=template.pk)
    current = template.versions.aggregate(n=Max("number"))["n"] or 0
    return TalkTemplateVersion.objects.create(template=template, number=current + 1, content=content, created_by=actor)


# ---------------------------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def talks_plan(
    *,
    actor: Viewer,
    group: Group,
    template_version: TalkTemplateVersion,
    period_start: dt.date,
    planned_date: dt.date,
    children: Sequence[Person] | None = None,
) -> list[Talk]:
    """Create a planned talk for each chosen child of the group who has none at the unit this period.

    Only children the actor is connected to at the group's unit are planned for (R1).
    """
    _require_staff(actor)
    if not talk_policy.usable_template_versions(actor).filter(pk=template_version.pk).exists():
        raise PermissionDenied
    period_start = term_start(period_start)
    unit = group.school_unit
    connected = policy.connected_placements(actor).filter(school_unit=unit).values("child")
    members = GroupMembership.objects.active().filter(group=group, person__in=connected).values("person")
    candidates = Person.objects.unsealed().filter(pk__in=members)
    if children is not None:
        candidates = candidates.filter(pk__in=[c.pk for c in children])
    already = Talk.objects.filter(school_unit=unit, period_start=period_start).values("child")
    talks = [
        Talk(
            organisation=unit.huvudman,
            school_unit=unit,
            group=group,
            child=child,
            template_version=template_version,
            period_start=period_start,
            activity_date=planned_date,
            created_by=actor.person,
        )
        for child in candidates.exclude(pk__in=already).order_by("given_name", "family_name")
    ]
    created = Talk.objects.bulk_create(talks)
    for talk in created:
        _audit(actor, AuditAction.PLAN_TALK, talk)
    return created


# ---------------------------------------------------------------------------------------------
# Answers: guardians' preparation, staff preparation, the record
# ---------------------------------------------------------------------------------------------


def clean_answers(version: TalkTemplateVersion, part: str, raw: dict[str, object]) -> dict[str, object]:
    """Return the answers to the part's questions, checked against the template version."""
    cleaned: dict[str, object] = {}
    for question in version.questions(part):
        key, kind = question["key"], question["kind"]
        value = raw.get(key)
        if value in (None, ""):
            continue
        if kind == QuestionKind.TEXT:
            text = str(value).strip()
            if len(text) > MAX_ANSWER_LENGTH:
                raise ValidationError(
                    _("Svaret på ”%(q)s” är för långt (högst %(n)s tecken).")
                    % {"q": question["text"], "n": MAX_ANSWER_LENGTH},
                    code="too_long",
                )
            if text:
                cleaned[key] = text
        elif kind == QuestionKind.SCALE:
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ValidationError(_("Välj ett värde på skalan."), code="bad_scale") from None
            if not question.get("scale_min", 1) <= number <= question.get("scale_max", 5):
                raise ValidationError(_("Välj ett värde på skalan."), code="bad_scale")
            cleaned[key] = number
        elif kind == QuestionKind.CHOICE:
            if value not in question.get("choices", []):
                raise ValidationError(_("Välj ett av svarsalternativen."), code="bad_choice")
            cleaned[key] = value
    return cleaned


@transaction.atomic
def answers_save(
    *, actor: Viewer, talk: Talk, part: str, answers: dict[str, object], joint: bool = False, hand_in: bool = False
) -> AnswerSet:
    """Save answers to one part of a talk.

    Guardians answer their preparation alone (`joint=False`) or together with the other guardian
    (`joint=True`, one shared set); staff answer the staff preparation and the record; the pupil
    answers their own part (talks/pupil.py) and hands it in (`hand_in=True`), nobody else.
    """
    talk = talk_policy.get_talk_for(actor, talk.uuid)  # Http404 when the actor may not read it
    if hand_in and actor.role != Role.CHILD:
        raise PermissionDenied
    if actor.role == Role.GUARDIAN:
        if part != Part.GUARDIAN:
            raise PermissionDenied
        if talk.is_held:
            raise ValidationError(_("Samtalet är redan genomfört."), code="held")
        author = None if joint else actor.person
    elif actor.role == Role.STAFF:
        if part not in (Part.STAFF, Part.RECORD):
            raise PermissionDenied
        _require_editable(actor, talk)
        author = None
    elif actor.role == Role.CHILD:
        pupil.require_answerable(actor, talk, part)
        author = None
    else:
        raise PermissionDenied
    cleaned = clean_answers(talk.template_version, part, answers)
    before = AnswerSet.objects.select_for_update().filter(talk=talk, part=part, author=author).first()
    answer_set, _created = AnswerSet.objects.select_for_update().update_or_create(
        talk=talk,
        part=part,
        author=author,
        defaults={"answers": cleaned, "updated_by": actor.person, "updated_at": timezone.now()},
    )
    _audit(actor, AuditAction.EDIT_TALK, talk)
    if part == Part.GUARDIAN and cleaned and not (before and before.answers):
        tell_preparation_handed_in(talk, joint=author is None)
    if hand_in and pupil.hand_in(answer_set):
        _audit(actor, AuditAction.SHARE_TALK, talk)  # the pupil shares their part with staff and guardians
        tell_preparation_handed_in(talk, joint=False, by_pupil=True)
    return answer_set


def tell_preparation_handed_in(talk: Talk, *, joint: bool, by_pupil: bool = False) -> None:
    """Tell the staff holding the talk that a guardian (or the pupil) handed in a preparation: once
    per answer set, when it first holds answers or is handed in (later edits tell no one again)."""
    notify(
        recipients=talk_policy.talk_holders(talk),
        kind="talk_preparation_handed_in",
        context={**_talk_context(talk), "joint": joint, **({"pupil": True} if by_pupil else {})},
        role="staff",
        about=talk.uuid,
        child=talk.child,
    )


@transaction.atomic
def talk_links_set(*, actor: Viewer, talk: Talk, post_ids: Iterable[int], goal_ids: Iterable[int]) -> None:
    """Set the learning-log posts and goals the staff preparation points at (posts the actor may read)."""
    _require_editable(actor, talk)
    posts = set(talk_policy.linkable_posts(actor, talk).filter(pk__in=list(post_ids)).values_list("pk", flat=True))
    goals = set(Goal.objects.filter(pk__in=list(goal_ids)).values_list("pk", flat=True))
    talk.post_links.exclude(post_id__in=posts).delete()
    talk.goal_links.exclude(goal_id__in=goals).delete()
    have_posts = set(talk.post_links.values_list("post_id", flat=True))
    have_goals = set(talk.goal_links.values_list("goal_id", flat=True))
    TalkPostLink.objects.bulk_create([TalkPostLink(talk=talk, post_id=p) for p in sorted(posts - have_posts)])
    TalkGoalLink.objects.bulk_create([TalkGoalLink(talk=talk, goal_id=g) for g in sorted(goals - have_goals)])
    _audit(actor, AuditAction.EDIT_TALK, talk)


@transaction.atomic
def staff_preparation_share(*, actor: Viewer, talk: Talk) -> Talk:
    """Let the guardians see the staff preparation (and its linked posts and goals)."""
    talk = _lock(_require_editable(actor, talk))
    if talk.staff_preparation_shared_at is None:
        talk.staff_preparation_shared_at = timezone.now()
        talk.save(update_fields=["staff_preparation_shared_at"])
        _audit(actor, AuditAction.SHARE_TALK, talk)
    return talk


@transaction.atomic
def talk_mark_held(*, actor: Viewer, talk: Talk) -> Talk:
    """Mark the talk as held; guardians can no longer change their preparation."""
    talk = _lock(_require_editable(actor, talk))
    if not talk.is_held:
        _require_started(talk)
        talk.status = TalkStatus.HELD
        talk.held_at = timezone.now()
        talk.save(update_fields=["status", "held_at"])
        _audit(actor, AuditAction.EDIT_TALK, talk)
    return talk


@transaction.atomic
def record_share(*, actor: Viewer, talk: Talk) -> Talk:
    """Share the record (notes and agreements) with the guardians and tell them by e-mail."""
    talk = _lock(_require_editable(actor, talk))
    if talk.record_shared_at is not None:
        return talk
    if talk.held_at is None:
        _require_started(talk)
    now = timezone.now()
    talk.held_at = talk.held_at or now
    talk.record_shared_at = now
    talk.status = TalkStatus.SHARED
    talk.save(update_fields=["held_at", "record_shared_at", "status"])
    _audit(actor, AuditAction.SHARE_TALK, talk)
    notify(
        recipients=talk_policy.talk_guardians(talk),
        kind="talk_record_shared",
        context={**_talk_context(talk), "unit": str(talk.school_unit)},
        about=talk.uuid,
        child=talk.child,
    )
    return talk


@transaction.atomic
def record_confirm_read(*, actor: Viewer, talk: Talk) -> RecordReadConfirmation:
    """Record that a guardian has read the shared record."""
    if actor.role != Role.GUARDIAN:
        raise PermissionDenied
    talk = talk_policy.get_talk_for(actor, talk.uuid)
    if talk.record_shared_at is None:
        raise PermissionDenied
    confirmation, _created = RecordReadConfirmation.objects.get_or_create(
        talk=talk, guardian=actor.person, defaults={"confirmed_at": timezone.now()}
    )
    return confirmation


# ---------------------------------------------------------------------------------------------
# Agreements
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def agreement_create(*, actor: Viewer, talk: Talk, what: str, who: str, due_date: dt.date | None) -> Agreement:
    """Add an agreement (what, who, by when) to the talk's record."""
    _require_editable(actor, talk)
    what, who = what.strip(), who.strip()
    if not what or not who:
        raise ValidationError(_("Skriv vad ni kom överens om och vem som gör det."), code="empty")
    agreement = Agreement.objects.create(talk=talk, what=what, who=who, due_date=due_date, created_by=actor.person)
    _audit(actor, AuditAction.EDIT_TALK, talk)
    return agreement


@transaction.atomic
def agreement_follow_up(
    *, actor: Viewer, agreement: Agreement, at_talk: Talk, follow_up: str, note: str = ""
) -> Agreement:
    """Record how an earlier agreement went, at the child's next talk."""
    _require_editable(actor, at_talk)
    if follow_up not in FollowUp.values or agreement.talk.child_id != at_talk.child_id:
        raise PermissionDenied
    if agreement.talk.period_start >= at_talk.period_start:
        raise PermissionDenied  # follow-up happens at a later talk
    agreement.follow_up = follow_up
    agreement.follow_up_note = note.strip()[:2000]
    agreement.followed_up_at = at_talk
    agreement.save(update_fields=["follow_up", "follow_up_note", "followed_up_at"])
    _audit(actor, AuditAction.EDIT_TALK, at_talk)
    return agreement


# ---------------------------------------------------------------------------------------------
# Booking slots and bookings
# ---------------------------------------------------------------------------------------------


def deadline_hours(unit: Organisation) -> int:
    """Return how many hours before a talk guardians may last book, rebook or cancel at the unit."""
    settings = TalkSettings.objects.filter(school_unit=unit).values_list("change_deadline_hours", flat=True).first()
    return 24 if settings is None else settings


def _within_deadline(slot: BookingSlot, hours: int, now: dt.datetime) -> bool:
    return slot.starts_at - dt.timedelta(hours=hours) > now


def _slot_context(slot: BookingSlot) -> dict[str, str]:
    local = timezone.localtime(slot.starts_at)
    return {
        "starts": local.strftime("%Y-%m-%d %H:%M"),
        "minutes": str(slot.duration_minutes),
        "place": slot.place,
        "video": "yes" if slot.video_url else "",
        "unit": str(slot.school_unit),
    }


@transaction.atomic
def slots_publish(
    *,
    actor: Viewer,
    school_unit: Organisation,
    starts: Sequence[dt.datetime],
    duration_minutes: int,
    place: str = "",
    video_url: str = "",
    group: Group | None = None,
    child: Person | None = None,
) -> list[BookingSlot]:
    """Publish booking slots for a group's families or reserved for one child, and tell the guardians."""
    _require_staff(actor)
    if (group is None) == (child is None):
        raise ValidationError(_("Välj en grupp eller ett barn."), code="target")
    if not starts:
        raise ValidationError(_("Ange minst en tid."), code="no_times")
    if len(starts) > MAX_SLOTS_AT_ONCE:
        raise ValidationError(_("Högst %(n)s tider åt gången.") % {"n": MAX_SLOTS_AT_ONCE}, code="too_many")
    if not place.strip() and not video_url.strip():
        raise ValidationError(_("Ange en plats eller en länk till videomöte."), code="no_place")
    if not 5 <= duration_minutes <= 240:
        raise ValidationError(_("Ett samtal är mellan 5 och 240 minuter långt."), code="length")
    now = timezone.now()
    if any(start <= now for start in starts):
        raise ValidationError(_("Tiderna måste ligga i framtiden."), code="past")
    if group is not None:
        # R1: only for a group the actor works with, at that group's unit.
        if group.school_unit_id != school_unit.pk or not policy.staff_groups(actor).filter(pk=group.pk).exists():
            raise PermissionDenied
        children = Person.objects.unsealed().filter(
            pk__in=GroupMembership.objects.active().filter(group=group).values("person")
        )
    else:
        connected = policy.connected_placements(actor).filter(school_unit=school_unit, child=child)
        if not connected.exists():
            raise PermissionDenied  # R1
        children = Person.objects.filter(pk=child.pk)
    slots = BookingSlot.objects.bulk_create(
        [
            BookingSlot(
                organisation=school_unit.huvudman,
                school_unit=school_unit,
                group=group,
                child=child,
                starts_at=start,
                duration_minutes=duration_minutes,
                place=place.strip(),
                video_url=video_url.strip(),
                created_by=actor.person,
            )
            for start in sorted(starts)
        ]
    )
    # Tell the guardians of children with a talk still to book at this unit (R1 via talk_guardians).
    waiting = Talk.objects.filter(school_unit=school_unit, child__in=children, status=TalkStatus.PLANNED)
    for talk in waiting.select_related("child"):
        notify(
            recipients=talk_policy.talk_guardians(talk),
            kind="talk_slots_published",
            context={**_talk_context(talk), "unit": str(school_unit), "count": len(slots)},
            about=talk.uuid,
            child=talk.child,
        )
    return slots


@transaction.atomic
def slot_withdraw(*, actor: Viewer, slot: BookingSlot) -> BookingSlot:
    """Withdraw a slot; a booking on it is cancelled and the family is told."""
    _require_staff(actor)
    slot = talk_policy.get_slot_for(actor, slot.uuid)
    slot = BookingSlot.objects.select_for_update().get(pk=slot.pk)
    if slot.withdrawn_at is not None:
        return slot
    slot.withdrawn_at = timezone.now()
    slot.save(update_fields=["withdrawn_at"])
    booking = Booking.objects.filter(slot=slot, cancelled_at__isnull=True).select_related("talk").first()
    if booking is not None:
        _cancel(actor, booking, event="withdrawn")
    return slot


def _cancel(actor: Viewer, booking: Booking, *, event: str) -> None:
    booking.cancelled_at = timezone.now()
    booking.cancelled_by = actor.person
    booking.save(update_fields=["cancelled_at", "cancelled_by"])
    talk = booking.talk
    if talk.status == TalkStatus.BOOKED:
        talk.status = TalkStatus.PLANNED
        talk.save(update_fields=["status"])
    _audit(actor, AuditAction.CANCEL_TALK_BOOKING, talk)
    _notify_booking(talk, booking.slot, event=event)


def _notify_booking(talk: Talk, slot: BookingSlot, *, event: str) -> None:
    context = {"event": event, **_talk_context(talk), **_slot_context(slot)}
    guardians = list(talk_policy.talk_guardians(talk))
    notify(recipients=guardians, kind="talk_booking_changed", context=context, about=talk.uuid, child=talk.child)
    # The staff member who offered the time hears about changes to it too (as staff).
    notify(
        recipients=[slot.created_by],
        kind="talk_booking_changed",
        context=context,
        role="staff",
        about=talk.uuid,
        child=talk.child,
    )


def _talk_context(talk: Talk) -> dict[str, str]:
    return {
        "talk_uuid": str(talk.uuid),
        "child_given_name": talk.child.given_name,
        "path": reverse("talks:talk", args=[talk.uuid]),
    }


@transaction.atomic
def booking_create(*, actor: Viewer, talk: Talk, slot_uuid: str) -> Booking:
    """Book a slot for a talk, or move the talk's booking to it (rebook).

    The slot row is locked first, so two families racing for one slot queue up and the second
    finds it taken (and is told so); the partial unique constraint on active bookings is the
    last guard. A slot not offered to this child answers 404, like one that does not exist.
    """
    if actor.role != Role.GUARDIAN:
        raise PermissionDenied
    talk = talk_policy.get_talk_for(actor, talk.uuid)
    if talk.is_held:
        raise ValidationError(_("Samtalet är redan genomfört."), code="held")
    slot_pk = talk_policy.offered_slots(actor, talk).filter(uuid=slot_uuid).values_list("pk", flat=True).first()
    if slot_pk is None:
        raise Http404
    slot = BookingSlot.objects.select_for_update().get(pk=slot_pk)
    talk = _lock(talk)
    taken = Booking.objects.filter(slot=slot, cancelled_at__isnull=True).first()
    if taken is not None:
        if taken.talk_id == talk.pk:
            return taken  # the same request twice: already booked
        raise SlotTaken
    now = timezone.now()
    hours = deadline_hours(talk.school_unit)
    if not _within_deadline(slot, hours, now):
        raise DeadlinePassed(hours)
    previous = Booking.objects.filter(talk=talk, cancelled_at__isnull=True).select_related("slot").first()
    if previous is not None:
        if not _within_deadline(previous.slot, hours, now):
            raise DeadlinePassed(hours)
        previous.cancelled_at = now
        previous.cancelled_by = actor.person
        previous.save(update_fields=["cancelled_at", "cancelled_by"])
    try:
        with transaction.atomic():
            booking = Booking.objects.create(slot=slot, talk=talk, booked_by=actor.person, booked_at=now)
    except IntegrityError:
        raise SlotTaken from None
    talk.status = TalkStatus.BOOKED
    talk.activity_date = timezone.localdate(slot.starts_at)
    talk.save(update_fields=["status", "activity_date"])
    _audit(actor, AuditAction.BOOK_TALK, talk)
    _notify_booking(talk, slot, event="rebooked" if previous else "booked")
    return booking


@transaction.atomic
def booking_cancel(*, actor: Viewer, talk: Talk) -> None:
    """Cancel the talk's booking (a guardian, before the unit's deadline)."""
    if actor.role != Role.GUARDIAN:
        raise PermissionDenied
    talk = _lock(talk_policy.get_talk_for(actor, talk.uuid))
    booking = Booking.objects.filter(talk=talk, cancelled_at__isnull=True).select_related("slot__created_by").first()
    if booking is None:
        return
    hours = deadline_hours(talk.school_unit)
    if not _within_deadline(booking.slot, hours, timezone.now()):
        raise DeadlinePassed(hours)
    booking.talk = talk
    _cancel(actor, booking, event="cancelled")
