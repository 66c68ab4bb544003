"""Development talk pages: thin views over the talk policy (reads) and actions (writes)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from folja.access import policy
from folja.access.audit import record_reads
from folja.access.labels import child_labels, labelled
from folja.access.models import AuditAction
from folja.access.roles import Viewer
from folja.accounts.decorators import guardian_required, staff_required, viewer_required
from folja.core.dates import term_start, today
from folja.curriculum import offer
from folja.curriculum.models import Goal
from folja.notifications import api as notices_api
from folja.talks import access as talk_policy
from folja.talks import actions
from folja.talks.forms import (
    AUTO_TEMPLATE,
    AgreementForm,
    AnswersForm,
    FollowUpForm,
    GuardianPreparationForm,
    PlanForm,
    SlotsForm,
)
from folja.talks.ics import calendar_event
from folja.talks.models import Part, Talk
from folja.talks.templates import choice_label, version_for

LINKABLE_POSTS = 40


def _talk_url(talk: object, anchor: str = "") -> str:
    return reverse("talks:talk", args=[talk.uuid]) + (f"#{anchor}" if anchor else "")


def _record_talk_read(viewer: Viewer, talk: Talk) -> None:
    """Record a staff member's read of a talk (R11; guardians' reads are not recorded)."""
    record_reads(
        viewer,
        AuditAction.READ_TALK,
        [talk.child_id],
        object_type="talk",
        object_uuid=talk.uuid,
        school_unit=talk.school_unit,
    )


# ---------------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------------


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    """Render the staff overview of this period's talks by group, with who has not booked yet."""
    viewer = request.viewer
    period = term_start(today())
    talks = list(
        talk_policy.with_listing_data(talk_policy.visible_talks(viewer).filter(period_start=period)).order_by(
            "group__display_name", "child__given_name", "child__family_name"
        )
    )
    record_reads(viewer, AuditAction.READ_TALK_LIST, [t.child_id for t in talks], object_type="talk_list")
    labelled(viewer, [t.child for t in talks])  # two children with the same name are told apart
    groups: dict[object, dict[str, object]] = {}
    for talk in talks:
        entry = groups.setdefault(talk.group_id, {"group": talk.group, "talks": [], "not_booked": 0})
        entry["talks"].append(talk)
        talk.not_booked = talk.booked_start is None and not talk.is_held
        if talk.not_booked:
            entry["not_booked"] += 1
    return render(
        request,
        "talks/overview.html",
        {"groups": list(groups.values()), "period_start": period, "talk_count": len(talks)},
    )


@viewer_required
def child_talks(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Render a child's talks, newest period first: talks follow the child (R1, R6)."""
    viewer = request.viewer
    child = policy.get_child_for(viewer, child_uuid)
    talks = list(
        talk_policy.with_listing_data(talk_policy.visible_talks(viewer).filter(child=child)).order_by("-period_start")
    )
    record_reads(viewer, AuditAction.READ_TALK_LIST, [child.pk], object_type="child", object_uuid=child.uuid)
    return render(request, "talks/child_talks.html", {"child": child, "talks": talks})


# ---------------------------------------------------------------------------------------------
# One talk
# ---------------------------------------------------------------------------------------------


def _answer_rows(version: object, part: str, answer_set: object | None) -> list[tuple[dict, list[tuple[str, object]]]]:
    answers = answer_set.answers if answer_set is not None else {}
    return [
        (section, [(q["text"], choice_label(q, answers.get(q["key"], ""))) for q in section.get("questions", [])])
        for section in version.sections(part)
    ]


@viewer_required
def talk_detail(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    """Render a talk: booking, preparations, linked posts and goals, record and agreements, as the viewer may see."""
    viewer = request.viewer
    talk = talk_policy.get_talk_for(viewer, talk_uuid)
    version = talk.template_version
    sets = list(talk_policy.visible_answer_sets(viewer, talk).select_related("author", "updated_by"))
    guardian_sets = [s for s in sets if s.part == Part.GUARDIAN]
    staff_set = next((s for s in sets if s.part == Part.STAFF), None)
    record_set = next((s for s in sets if s.part == Part.RECORD), None)
    pupil_set = next((s for s in sets if s.part == Part.PUPIL), None)  # staff, guardians: once handed in
    _record_talk_read(viewer, talk)
    notices_api.mark_read(viewer, about=[talk.uuid])  # opening the talk reads its notices
    show_staff = viewer.is_staff or talk.staff_preparation_shared_at is not None
    show_record = viewer.is_staff or talk.record_shared_at is not None
    context = {
        "talk": talk,
        "may_edit": talk_policy.may_edit_talk(viewer, talk),
        "booking": talk_policy.active_booking(viewer, talk),
        "guardian_sets": [(s, _answer_rows(version, Part.GUARDIAN, s)) for s in guardian_sets],
        "staff_rows": _answer_rows(version, Part.STAFF, staff_set) if show_staff else None,
        "staff_set": staff_set,
        # The pupil's own part (school years, talks/pupil.py): the questions, and the answers the
        # viewer may read (the pupil their own, draft or handed in; staff and guardians once handed in).
        "pupil_questions": version.questions(Part.PUPIL),
        "pupil_rows": _answer_rows(version, Part.PUPIL, pupil_set) if pupil_set is not None else None,
        "pupil_set": pupil_set,
        "record_rows": _answer_rows(version, Part.RECORD, record_set) if show_record else None,
        "linked_posts": list(talk_policy.visible_linked_posts(viewer, talk)),
        "linked_goals": list(talk.goal_links.select_related("goal__area")) if show_staff else [],
        "agreements": list(talk_policy.visible_agreements(viewer, talk)),
        "earlier_agreements": list(talk_policy.agreements_to_follow_up(viewer, talk)),
        "follow_up_form": FollowUpForm(initial={"talk": talk.uuid}) if viewer.is_staff else None,
        "agreement_form": AgreementForm() if viewer.is_staff else None,
        "confirmations": list(talk.read_confirmations.select_related("guardian")) if viewer.is_staff else [],
        "confirmed": viewer.is_guardian and talk.read_confirmations.filter(guardian=viewer.person).exists(),
        "deadline_hours": actions.deadline_hours(talk.school_unit),
        "booked_time_ahead": actions.booked_time_ahead(talk),
    }
    return render(request, "talks/talk_detail.html", context)


@viewer_required
def talk_calendar(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    """Return the booked time as an .ics file for the viewer's calendar."""
    viewer = request.viewer
    talk = talk_policy.get_talk_for(viewer, talk_uuid)
    booking = talk_policy.active_booking(viewer, talk)
    if booking is None:
        raise Http404
    slot = booking.slot
    body = calendar_event(
        uid=f"{booking.uuid}@folja",
        starts=slot.starts_at,
        ends=slot.ends_at,
        summary=_("Utvecklingssamtal – %(name)s") % {"name": talk.child.given_name},
        location=slot.place or slot.video_url,
        url=slot.video_url,
        description=str(talk.school_unit),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="utvecklingssamtal.ics"'
    return response


# ---------------------------------------------------------------------------------------------
# Planning and slots (staff)
# ---------------------------------------------------------------------------------------------


@staff_required
def plan(request: HttpRequest) -> HttpResponse:
    """Plan this period's talks for a group: one planned talk per child, with a template version."""
    viewer = request.viewer
    groups = list(policy.staff_groups(viewer).select_related("school_unit").order_by("display_name"))
    versions = list(talk_policy.usable_template_versions(viewer))
    if request.method == "POST" and request.POST.get("group") not in {str(g.uuid) for g in groups}:
        raise Http404  # not a group this staff member works with: the same answer as a missing one
    form = PlanForm(request.POST or None, groups=groups, versions=versions, initial={"planned_date": today()})
    if request.method == "POST" and form.is_valid():
        group = next(g for g in groups if str(g.uuid) == form.cleaned_data["group"])
        version = _chosen_version(versions, form.cleaned_data["template_version"], group)
        if version is None:
            form.add_error("template_version", _("Det finns ingen mall för gruppens skolform. Välj en mall."))
            return render(request, "talks/plan.html", {"form": form, "has_templates": bool(versions)}, status=400)
        created = actions.talks_plan(
            actor=viewer,
            group=group,
            template_version=version,
            period_start=today(),
            planned_date=form.cleaned_data["planned_date"],
        )
        messages.success(request, _("%(n)s samtal är planerade.") % {"n": len(created)})
        return redirect("talks:overview")
    return render(
        request, "talks/plan.html", {"form": form, "has_templates": bool(versions)}, status=400 if form.errors else 200
    )


def _chosen_version(versions: list, choice: str, group: object) -> object | None:
    """Return the version the planner chose, or for "the group's school type" the template
    written for the group's school type (the unit's school type when the group has none)."""
    if choice == AUTO_TEMPLATE:
        return version_for(versions, offer.school_types_of(group.school_unit, group))
    return next((v for v in versions if str(v.pk) == choice), None)


def _slot_targets(viewer: object) -> list[tuple[str, str]]:
    groups = policy.staff_groups(viewer).select_related("school_unit").order_by("display_name")
    children = labelled(viewer, policy.connected_children(viewer).order_by("given_name", "family_name"))
    return [(f"group:{g.uuid}", _("Alla i %(group)s") % {"group": g.display_name}) for g in groups] + [
        (f"child:{c.uuid}", _("Bara %(name)s") % {"name": c.label}) for c in children
    ]


@staff_required
def slots(request: HttpRequest) -> HttpResponse:
    """List the booking slots of the viewer's groups and children, and publish new ones."""
    viewer = request.viewer
    targets = _slot_targets(viewer)
    if request.method == "POST" and request.POST.get("target") not in {value for value, _label in targets}:
        raise Http404  # a group or child this staff member is not connected to
    form = SlotsForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        kind, _sep, target_uuid = form.cleaned_data["target"].partition(":")
        group = child = None
        if kind == "group":
            group = policy.get_group_for(viewer, target_uuid)
            unit = group.school_unit
        else:
            child = policy.get_child_for(viewer, target_uuid)
            placement = policy.connected_placements(viewer).filter(child=child).select_related("school_unit")
            unit = placement.first().school_unit
        try:
            created = actions.slots_publish(
                actor=viewer,
                school_unit=unit,
                group=group,
                child=child,
                starts=form.starts(),
                duration_minutes=form.cleaned_data["duration_minutes"],
                place=form.cleaned_data["place"],
                video_url=form.cleaned_data["video_url"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("%(n)s tider är publicerade. Vårdnadshavarna får ett meddelande.") % {"n": len(created)}
            )
            return redirect("talks:slots")
    visible = talk_policy.visible_slots(viewer).upcoming()
    bookings = talk_policy.slot_bookings_for_staff(viewer, visible).filter(slot=OuterRef("pk"))
    slot_list = list(
        visible.select_related("group", "child", "school_unit")
        .annotate(
            is_booked=Exists(bookings),
            booked_child_name=Subquery(bookings.values("talk__child__given_name")[:1]),
            booked_child_family=Subquery(bookings.values("talk__child__family_name")[:1]),
            booked_child_middle=Subquery(bookings.values("talk__child__middle_name")[:1]),
            booked_child_birth=Subquery(bookings.values("talk__child__birth_date")[:1]),
            booked_child_id=Subquery(bookings.values("talk__child_id")[:1]),
        )
        .order_by("starts_at", "id")[:200]
    )
    _label_slot_children(viewer, slot_list)
    status = 400 if request.method == "POST" else 200
    return render(request, "talks/slots.html", {"form": form, "slots": slot_list}, status=status)


def _label_slot_children(viewer: Viewer, slot_list: list) -> None:
    """Set `child_label` and `booked_label` on the slots: names, with two children of the same name
    on the page told apart (directory/labels.py)."""
    people: dict[int, object] = {}
    for slot in slot_list:
        if slot.child is not None:
            people[slot.child.pk] = slot.child
        if slot.booked_child_id is not None:
            people.setdefault(
                slot.booked_child_id,
                SimpleNamespace(
                    pk=slot.booked_child_id,
                    given_name=slot.booked_child_name,
                    middle_name=slot.booked_child_middle or "",
                    family_name=slot.booked_child_family,
                    birth_date=slot.booked_child_birth,
                ),
            )
    labels = child_labels(viewer, people.values())
    for slot in slot_list:
        slot.child_label = labels.get(slot.child.pk) if slot.child is not None else None
        slot.booked_label = labels.get(slot.booked_child_id) if slot.booked_child_id is not None else None


@staff_required
@require_POST
def slot_withdraw(request: HttpRequest, slot_uuid: str) -> HttpResponse:
    slot = talk_policy.get_slot_for(request.viewer, slot_uuid)
    actions.slot_withdraw(actor=request.viewer, slot=slot)
    messages.success(request, _("Tiden är borttagen."))
    return redirect("talks:slots")


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------


def _answers_page(
    request: HttpRequest, talk: object, part: str, *, template: str, extra: dict | None = None
) -> HttpResponse:
    viewer = request.viewer
    existing = talk_policy.visible_answer_sets(viewer, talk).filter(part=part)
    if part == Part.GUARDIAN:
        own = existing.filter(author=viewer.person).first()
        joint = existing.filter(author__isnull=True).first()
        current = own or joint
        initial = {f"q_{k}": v for k, v in (current.answers if current else {}).items()}
        initial["together"] = "together" if (joint is not None and own is None) else "alone"
        form_class = GuardianPreparationForm
    else:
        current = existing.first()
        initial = {f"q_{k}": v for k, v in (current.answers if current else {}).items()}
        form_class = AnswersForm
    form = form_class(request.POST or None, version=talk.template_version, part=part, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.answers_save(
                actor=viewer,
                talk=talk,
                part=part,
                answers=form.answers(),
                joint=form.cleaned_data.get("together") == "together",
            )
            if part == Part.STAFF:
                actions.talk_links_set(
                    actor=viewer,
                    talk=talk,
                    post_ids=[int(v) for v in request.POST.getlist("posts") if v.isdigit()],
                    goal_ids=[int(v) for v in request.POST.getlist("goals") if v.isdigit()],
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Svaren är sparade."))
            return redirect(_talk_url(talk))
    context = {"talk": talk, "form": form, "part": part, **(extra or {})}
    return render(request, template, context, status=400 if form.errors else 200)


@staff_required
def staff_preparation(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    """Edit the staff preparation: answers, and links to posts and goals about the child."""
    viewer = request.viewer
    talk = talk_policy.get_talk_for(viewer, talk_uuid)
    if not talk_policy.may_edit_talk(viewer, talk):
        raise Http404  # R8: a talk shared with a receiving unit is read-only there
    posts = list(talk_policy.linkable_posts(viewer, talk)[:LINKABLE_POSTS])
    goals = list(
        Goal.objects.filter(post_goals__post__in=[p.pk for p in posts])
        .select_related("area")
        .distinct()
        .order_by("area__seq", "seq")
    )
    extra = {
        "posts": posts,
        "goals": goals,
        "linked_post_ids": set(talk.post_links.values_list("post_id", flat=True)),
        "linked_goal_ids": set(talk.goal_links.values_list("goal_id", flat=True)),
    }
    _record_talk_read(viewer, talk)
    return _answers_page(request, talk, Part.STAFF, template="talks/staff_preparation.html", extra=extra)


@guardian_required
def guardian_preparation(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    """Answer the guardians' preparation, alone or together with the other guardian."""
    talk = talk_policy.get_talk_for(request.viewer, talk_uuid)
    if talk.is_held:
        messages.info(request, _("Samtalet är genomfört. Förberedelsen kan inte ändras längre."))
        return redirect(_talk_url(talk))
    return _answers_page(request, talk, Part.GUARDIAN, template="talks/guardian_preparation.html")


@staff_required
def record(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    """Write the notes from the talk (the record)."""
    viewer = request.viewer
    talk = talk_policy.get_talk_for(viewer, talk_uuid)
    if not talk_policy.may_edit_talk(viewer, talk):
        raise Http404  # R8: a talk shared with a receiving unit is read-only there
    _record_talk_read(viewer, talk)
    return _answers_page(request, talk, Part.RECORD, template="talks/record.html")


def _talk_step(request: HttpRequest, talk_uuid: str, action: Callable[..., object], done: str) -> HttpResponse:
    """Run one step of a talk (an action that checks its own rights) and return to the talk."""
    talk = talk_policy.get_talk_for(request.viewer, talk_uuid)
    try:
        action(actor=request.viewer, talk=talk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(_talk_url(talk))


@staff_required
@require_POST
def share_preparation(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    return _talk_step(
        request, talk_uuid, actions.staff_preparation_share, _("Vårdnadshavarna kan nu läsa personalens förberedelse.")
    )


@staff_required
@require_POST
def mark_held(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    return _talk_step(request, talk_uuid, actions.talk_mark_held, _("Samtalet är markerat som genomfört."))


@staff_required
@require_POST
def share_record(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    return _talk_step(request, talk_uuid, actions.record_share, _("Dokumentationen är delad med vårdnadshavarna."))


@guardian_required
@require_POST
def confirm_read(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    talk = talk_policy.get_talk_for(request.viewer, talk_uuid)
    if talk.record_shared_at is None:
        raise Http404
    actions.record_confirm_read(actor=request.viewer, talk=talk)
    messages.success(request, _("Tack! Förskolan ser att du har läst dokumentationen."))
    return redirect(_talk_url(talk))


@staff_required
@require_POST
def agreement_create(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    talk = talk_policy.get_talk_for(request.viewer, talk_uuid)
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            actions.agreement_create(actor=request.viewer, talk=talk, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Överenskommelsen är sparad."))
    else:
        messages.error(request, _("Skriv vad ni kom överens om och vem som gör det."))
    return redirect(_talk_url(talk, "agreements"))


@staff_required
@require_POST
def agreement_follow_up(request: HttpRequest, agreement_uuid: str) -> HttpResponse:
    viewer = request.viewer
    agreement = talk_policy.get_agreement_for(viewer, agreement_uuid)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Välj hur det gick."))
        return redirect(_talk_url(agreement.talk))
    at_talk = talk_policy.get_talk_for(viewer, form.cleaned_data["talk"])
    actions.agreement_follow_up(
        actor=viewer,
        agreement=agreement,
        at_talk=at_talk,
        follow_up=form.cleaned_data["follow_up"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("Uppföljningen är sparad."))
    return redirect(_talk_url(at_talk, "follow-up"))


# ---------------------------------------------------------------------------------------------
# Booking (guardians)
# ---------------------------------------------------------------------------------------------


@guardian_required
def book(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    """List the free times for the talk and book (or move the booking to) one of them."""
    viewer = request.viewer
    talk = talk_policy.get_talk_for(viewer, talk_uuid)
    if request.method == "POST":
        try:
            actions.booking_create(actor=viewer, talk=talk, slot_uuid=request.POST.get("slot", ""))
        except actions.SlotTaken as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("talks:book", talk_uuid=talk.uuid)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Tiden är bokad. Den andra vårdnadshavaren ser också bokningen."))
            return redirect(_talk_url(talk))
    free = list(talk_policy.bookable_slots_for(viewer, talk).order_by("starts_at", "id")[:200])
    context = {
        "talk": talk,
        "slots": free,
        "booking": talk_policy.active_booking(viewer, talk),
        "deadline_hours": actions.deadline_hours(talk.school_unit),
    }
    return render(request, "talks/book.html", context)


@guardian_required
@require_POST
def cancel_booking(request: HttpRequest, talk_uuid: str) -> HttpResponse:
    talk = talk_policy.get_talk_for(request.viewer, talk_uuid)
    try:
        actions.booking_cancel(actor=request.viewer, talk=talk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Tiden är avbokad."))
    return redirect(_talk_url(talk))
