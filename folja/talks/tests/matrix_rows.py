"""Rows of the authorization matrix for development talks (see folja/access/tests/test_matrix.py).

The cast gets: the default template; this period's talks for Alva (booked) and Bertil (planned)
at Solrosen/Blåbären; Alva's talk of the previous period with a shared record and an agreement;
Maja's talk at her former preschool; and slots: a free group slot, one reserved for Alva, one
reserved for Bertil, and the one Alva's talk is booked on.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from folja.access.tests.test_matrix import ALL_STAFF, FAMILY_OF_C, STAFF_OF_C, Cell
from folja.core.dates import term_start
from folja.talks.models import Agreement, Booking, BookingSlot, Talk, TalkStatus
from folja.talks.templates import default_talk_template


def build(cast) -> dict[str, str]:  # noqa: ANN001
    """Create the talk resources in the cast and return tokens → URL values."""
    world = build_talk_world(cast)
    return {
        "talk:alva": str(world["alva"].uuid),
        "talk:bertil": str(world["bertil"].uuid),
        "talk:alva_previous": str(world["alva_previous"].uuid),
        "talk:maja_preschool": str(world["maja_preschool"].uuid),
        "slot:blue_free": str(world["slot_free"].uuid),
        "slot:alva_reserved": str(world["slot_alva"].uuid),
        "slot:bertil_reserved": str(world["slot_bertil"].uuid),
        "slot:alva_booked": str(world["slot_booked"].uuid),
        "agreement:alva_previous": str(world["agreement"].uuid),
        "version:default": str(world["version"].pk),
        "target:blue": f"group:{cast.blue.uuid}",
    }


def build_talk_world(cast) -> dict[str, object]:  # noqa: ANN001
    """Create the talks, slots and bookings described in the module docstring."""
    version = default_talk_template(cast.org_a).current_version()
    day = cast.day
    period = term_start(day)
    previous_period = term_start(period - dt.timedelta(days=1))

    def talk(child: str, unit, group, period_start: dt.date, author: str, **extra) -> Talk:  # noqa: ANN001, ANN003
        return Talk.objects.create(
            organisation=cast.org_a,
            school_unit=unit,
            group=group,
            child=cast.persons[child],
            template_version=version,
            period_start=period_start,
            activity_date=period_start + dt.timedelta(days=30),
            created_by=cast.persons[author],
            **extra,
        )

    now = timezone.now()
    world: dict[str, object] = {"version": version}
    world["alva"] = talk("alva", cast.solrosen, cast.blue, period, "teacher_blue", status=TalkStatus.BOOKED)
    world["bertil"] = talk("bertil", cast.solrosen, cast.blue, period, "teacher_blue")
    world["alva_previous"] = talk(
        "alva",
        cast.solrosen,
        cast.blue,
        previous_period,
        "teacher_blue",
        status=TalkStatus.SHARED,
        held_at=now - dt.timedelta(days=150),
        record_shared_at=now - dt.timedelta(days=149),
    )
    world["maja_preschool"] = talk("maja", cast.granen, cast.myran, previous_period, "teacher_granen")
    world["agreement"] = Agreement.objects.create(
        talk=world["alva_previous"], what="Läsa böcker hemma", who="Vårdnadshavarna", created_by=cast.teacher_blue
    )

    def slot(days: int, *, group=None, child: str | None = None) -> BookingSlot:  # noqa: ANN001
        return BookingSlot.objects.create(
            organisation=cast.org_a,
            school_unit=cast.solrosen,
            group=group,
            child=cast.persons[child] if child else None,
            starts_at=now + dt.timedelta(days=days),
            duration_minutes=30,
            place="Blåbärens rum",
            created_by=cast.teacher_blue,
        )

    world["slot_free"] = slot(10, group=cast.blue)
    world["slot_alva"] = slot(11, child="alva")
    world["slot_bertil"] = slot(12, child="bertil")
    world["slot_booked"] = slot(13, group=cast.blue)
    Booking.objects.create(slot=world["slot_booked"], talk=world["alva"], booked_by=cast.anna, booked_at=now)
    return world


def cells() -> list[Cell]:
    c = Cell
    family_and_staff = frozenset(FAMILY_OF_C | STAFF_OF_C)
    guardian = frozenset({"guardian_of_c"})
    staff = frozenset(STAFF_OF_C)
    return [
        # Lists.
        c("talk overview/list", "talks:overview", "GET", ALL_STAFF),
        c("child's talks/list", "talks:child_talks", "GET", family_and_staff, ("child:alva",)),
        # A talk about C, its calendar file, and talks C's family must not reach.
        c("talk/read", "talks:talk", "GET", family_and_staff, ("talk:alva",)),
        c("talk calendar/read", "talks:calendar", "GET", family_and_staff, ("talk:alva",)),
        c(
            "other family's talk/read",
            "talks:talk",
            "GET",
            frozenset(STAFF_OF_C | {"guardian_other_child_same_group", "other_child"}),
            ("talk:bertil",),
        ),
        c("former unit talk/read", "talks:talk", "GET", frozenset(), ("talk:maja_preschool",)),
        # Preparations.
        c("guardian preparation/edit form", "talks:guardian_preparation", "GET", guardian, ("talk:alva",)),
        c(
            "guardian preparation/edit",
            "talks:guardian_preparation",
            "POST",
            guardian,
            ("talk:alva",),
            (("together", "alone"), ("q_vh_berattar", "Om kojan"), ("q_vh_trivs", "4")),
        ),
        c("staff preparation/edit form", "talks:staff_preparation", "GET", staff, ("talk:alva",)),
        c(
            "staff preparation/edit",
            "talks:staff_preparation",
            "POST",
            staff,
            ("talk:alva",),
            (("q_pers_sprak", "Pratar mycket"), ("q_pers_fokus", "Språk")),
        ),
        c("staff preparation/share", "talks:share_preparation", "POST", staff, ("talk:alva",)),
        # Record, agreements, follow-up, reading confirmation.
        c("record/edit form", "talks:record", "GET", staff, ("talk:alva",)),
        c("record/edit", "talks:record", "POST", staff, ("talk:alva",), (("q_rec_samtal", "Vi pratade om leken"),)),
        c("talk/mark held", "talks:mark_held", "POST", staff, ("talk:alva",)),
        c("record/share", "talks:share_record", "POST", staff, ("talk:alva",)),
        c("record/confirm read", "talks:confirm_read", "POST", guardian, ("talk:alva_previous",)),
        c(
            "agreement/create",
            "talks:agreement_create",
            "POST",
            staff,
            ("talk:alva",),
            (("what", "Öva på att klä på sig"), ("who", "Förskolan")),
        ),
        c(
            "agreement/follow up",
            "talks:agreement_follow_up",
            "POST",
            staff,
            ("agreement:alva_previous",),
            (("follow_up", "done"), ("note", "Det gick bra"), ("talk", "talk:alva")),
        ),
        # Booking.
        c("booking page/read", "talks:book", "GET", guardian, ("talk:alva",)),
        c(
            "booking/rebook to a free group slot",
            "talks:book",
            "POST",
            guardian,
            ("talk:alva",),
            (("slot", "slot:blue_free"),),
        ),
        # A guardian of another child in the same group cannot book a slot reserved for C.
        c(
            "booking/slot reserved for C",
            "talks:book",
            "POST",
            frozenset(),
            ("talk:bertil",),
            (("slot", "slot:alva_reserved"),),
        ),
        c("booking/cancel", "talks:cancel_booking", "POST", guardian, ("talk:alva",)),
        # Slots (staff).
        c("slots/list", "talks:slots", "GET", ALL_STAFF),
        c(
            "slots/publish",
            "talks:slots",
            "POST",
            staff,
            data=(
                ("target", "target:blue"),
                ("day", "2099-03-10"),
                ("first_start", "14:00"),
                ("count", "3"),
                ("duration_minutes", "30"),
                ("pause_minutes", "10"),
                ("place", "Blåbärens rum"),
            ),
        ),
        c("slot/withdraw", "talks:slot_withdraw", "POST", staff, ("slot:blue_free",)),
        # Planning (staff).
        c("plan/create form", "talks:plan", "GET", ALL_STAFF),
        c(
            "plan/create",
            "talks:plan",
            "POST",
            staff,
            data=(("group", "group:blue"), ("template_version", "version:default"), ("planned_date", "2099-03-01")),
        ),
    ]
