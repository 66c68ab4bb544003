"""Development talks: a child's talks, one talk, the guardians' preparation, booking slots and
bookings (book, move, cancel), over the same policy, forms and actions as folja/talks/views.py."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, QueryDict
from ninja import Router, Schema
from pydantic import Field

from folja.access import policy
from folja.access.audit import record_reads
from folja.access.labels import child_labels
from folja.access.models import AuditAction
from folja.access.roles import Role
from folja.api import schemas
from folja.api.auth import viewer_of
from folja.api.posts import ANY
from folja.api.problems import ApiProblem
from folja.core.dates import term_start, today
from folja.notifications import api as notices_api
from folja.oauth.ninja import scope_required
from folja.talks import access as talk_policy
from folja.talks import actions
from folja.talks.forms import GuardianPreparationForm
from folja.talks.models import Part

router = Router(tags=["talks"])


def _slot(slot: object | None) -> dict | None:
    if slot is None:
        return None
    return {
        "uuid": slot.uuid,
        "starts_at": slot.starts_at,
        "duration_minutes": slot.duration_minutes,
        "place": slot.place,
    }


def _talk(viewer: object, talk: object, labels: dict[int, str], *, detail: bool = False) -> dict:
    """Shape a talk; a list's talks carry their booked start (`with_listing_data`, no query each),
    one talk also its booked time (`active_booking`)."""
    booking = talk_policy.active_booking(viewer, talk) if detail else None
    return {
        "uuid": talk.uuid,
        "child": {"uuid": talk.child.uuid, "name": labels.get(talk.child_id, talk.child.full_name)},
        "unit": talk.school_unit.display_name,
        "period_start": talk.period_start,
        "activity_date": talk.activity_date,
        "status": talk.status,
        "booked_start": getattr(talk, "booked_start", None)
        if not detail
        else (booking.slot.starts_at if booking else None),
        "booking": _slot(booking.slot) if booking is not None else None,
    }


def _record(viewer: object, talk: object) -> None:
    record_reads(
        viewer,
        AuditAction.READ_TALK,
        [talk.child_id],
        object_type="talk",
        object_uuid=talk.uuid,
        school_unit=talk.school_unit,
    )


@router.get(
    "/children/{child_uuid}/talks", response=list[schemas.Talk], url_name="child_talks", summary="A child's talks"
)
@scope_required("talks:read")
def child_talks(request: HttpRequest, child_uuid: uuid.UUID) -> list[dict]:
    viewer = viewer_of(request, *ANY)
    child = policy.get_child_for(viewer, child_uuid)
    talks = list(
        talk_policy.with_listing_data(talk_policy.visible_talks(viewer).filter(child=child))
        .select_related("child", "school_unit")
        .order_by("-period_start", "pk")[:100]
    )
    record_reads(viewer, AuditAction.READ_TALK_LIST, [child.pk], object_type="child", object_uuid=child.uuid)
    labels = child_labels(viewer, [child])
    return [_talk(viewer, talk, labels) for talk in talks]


@router.get("/talks", response=list[schemas.Talk], url_name="talks", summary="This period's talks (staff)")
@scope_required("talks:read")
def talks(request: HttpRequest) -> list[dict]:
    """The talks of this period the teacher may see, by group and child: the talk overview's list."""
    viewer = viewer_of(request, Role.STAFF)
    found = list(
        talk_policy.with_listing_data(talk_policy.visible_talks(viewer).filter(period_start=term_start(today())))
        .select_related("child", "school_unit")
        .order_by("group__display_name", "child__given_name", "child__family_name", "pk")[:1000]
    )
    record_reads(viewer, AuditAction.READ_TALK_LIST, [t.child_id for t in found], object_type="talk_list")
    labels = child_labels(viewer, [t.child for t in found])
    return [_talk(viewer, t, labels) for t in found]


@router.get("/talks/{talk_uuid}", response=schemas.Talk, url_name="talk", summary="One talk")
@scope_required("talks:read")
def talk(request: HttpRequest, talk_uuid: uuid.UUID) -> dict:
    viewer = viewer_of(request, *ANY)
    found = talk_policy.get_talk_for(viewer, talk_uuid)
    _record(viewer, found)
    notices_api.mark_read(viewer, about=[found.uuid])
    return _talk(viewer, found, child_labels(viewer, [found.child]), detail=True)


@router.get(
    "/talks/{talk_uuid}/slots", response=list[schemas.Slot], url_name="talk_slots", summary="Free times to book"
)
@scope_required("talks:read")
def talk_slots(request: HttpRequest, talk_uuid: uuid.UUID) -> list[dict]:
    viewer = viewer_of(request, Role.GUARDIAN)
    found = talk_policy.get_talk_for(viewer, talk_uuid)
    return [_slot(s) for s in talk_policy.bookable_slots_for(viewer, found).order_by("starts_at", "id")[:200]]


@router.put("/talks/{talk_uuid}/booking", response=schemas.Talk, url_name="talk_booking", summary="Book or move a time")
@scope_required("talks:write")
def booking_put(request: HttpRequest, talk_uuid: uuid.UUID, payload: schemas.BookingIn) -> dict:
    """Book a free time, or move the booking to another (`talks.actions.booking_create`); 409 when
    the time was just taken or the deadline has passed."""
    viewer = viewer_of(request, Role.GUARDIAN)
    found = talk_policy.get_talk_for(viewer, talk_uuid)
    actions.booking_create(actor=viewer, talk=found, slot_uuid=str(payload.slot))
    return _talk(viewer, found, child_labels(viewer, [found.child]), detail=True)


@router.delete("/talks/{talk_uuid}/booking", response={204: None}, url_name="talk_booking_cancel", summary="Cancel")
@scope_required("talks:write")
def booking_delete(request: HttpRequest, talk_uuid: uuid.UUID) -> None:
    viewer = viewer_of(request, Role.GUARDIAN)
    found = talk_policy.get_talk_for(viewer, talk_uuid)
    actions.booking_cancel(actor=viewer, talk=found)
    return None


class Question(Schema):
    key: str
    label: str
    required: bool


class Preparation(Schema):
    questions: list[Question]
    answers: dict[str, str]
    together: bool = Field(description="Answered together with the other guardian.")


class PreparationIn(Schema):
    answers: dict[str, str] = Field(default_factory=dict, max_length=100)
    together: bool = False


def _preparation_form(
    viewer: object, talk: object, data: QueryDict | None
) -> tuple[GuardianPreparationForm, dict, bool]:
    existing = talk_policy.visible_answer_sets(viewer, talk).filter(part=Part.GUARDIAN)
    own = existing.filter(author=viewer.person).first()
    joint = existing.filter(author__isnull=True).first()
    current = own or joint
    answers = {k: str(v) for k, v in (current.answers if current else {}).items()}
    together = joint is not None and own is None
    form = GuardianPreparationForm(data, version=talk.template_version, part=Part.GUARDIAN)
    return form, answers, together


def _questions(form: GuardianPreparationForm) -> list[dict]:
    return [
        {"key": name[2:], "label": str(field.label or ""), "required": field.required}
        for name, field in form.fields.items()
        if name.startswith("q_")
    ]


@router.get(
    "/talks/{talk_uuid}/preparation", response=Preparation, url_name="talk_preparation", summary="My preparation"
)
@scope_required("talks:read")
def preparation(request: HttpRequest, talk_uuid: uuid.UUID) -> dict:
    viewer = viewer_of(request, Role.GUARDIAN)
    found = talk_policy.get_talk_for(viewer, talk_uuid)
    form, answers, together = _preparation_form(viewer, found, None)
    return {"questions": _questions(form), "answers": answers, "together": together}


@router.put("/talks/{talk_uuid}/preparation", response=Preparation, url_name="talk_preparation_save", summary="Answer")
@scope_required("talks:write")
def preparation_put(request: HttpRequest, talk_uuid: uuid.UUID, payload: PreparationIn) -> dict:
    """Save the guardians' answers, alone or together (`talks.actions.answers_save`); not after the talk."""
    from django.utils.translation import gettext as _

    viewer = viewer_of(request, Role.GUARDIAN)
    found = talk_policy.get_talk_for(viewer, talk_uuid)
    if found.is_held:
        raise ApiProblem(409, "refused", _("Samtalet är genomfört. Förberedelsen kan inte ändras längre."))
    data = QueryDict(mutable=True)
    for key, value in payload.answers.items():
        data[f"q_{key}"] = value
    data["together"] = "together" if payload.together else "alone"
    form, _answers, _together = _preparation_form(viewer, found, data)
    if not form.is_valid():
        raise ApiProblem(
            422,
            "invalid",
            _("Svaren kunde inte sparas. Rätta det som är markerat och försök igen."),
            errors=[
                {"loc": ["body", "answers", k[2:] if k.startswith("q_") else k], "type": "invalid"} for k in form.errors
            ],
        )
    actions.answers_save(actor=viewer, talk=found, part=Part.GUARDIAN, answers=form.answers(), joint=payload.together)
    form, answers, together = _preparation_form(viewer, found, None)
    return {"questions": _questions(form), "answers": answers, "together": together}
