"""Development talks for the demo world, in several states, from explicit arguments.

The lead's demo builder calls `build_talks(...)` with an organisation, a unit, a group, a staff
member and the families; everything random comes from the `rng` it passes, so the same seed
gives the same talks. Writes go straight to the models (like the rest of the demo builder):
the demo is seed data, not user actions, and is not audited.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.utils import timezone

from folja.core.dates import term_start, today
from folja.directory.models import Group, Organisation, Person, SchoolType
from folja.talks.models import (
    Agreement,
    AnswerSet,
    Booking,
    BookingSlot,
    Part,
    RecordReadConfirmation,
    Talk,
    TalkStatus,
)
from folja.talks.templates import default_talk_template

GUARDIAN_ANSWERS = {
    "vh_trivs": 4,
    "vh_berattar": "Om kojan i skogen och om sina kompisar.",
    "vh_intressen": "Dinosaurier, att rita och att hjälpa till i köket.",
    "vh_fragor": "Hur går det vid vilan?",
}
STAFF_ANSWERS = {
    "pers_trygghet": "Trygg i gruppen och tar gärna kontakt med andra barn.",
    "pers_sprak": "Berättar gärna och använder många nya ord.",
    "pers_lek": "Leker ofta rollek och tar initiativ.",
    "pers_larande": "Utforskar former och mönster i bygghörnan.",
    "pers_fokus": "Språk",
}
RECORD_ANSWERS = {
    "rec_samtal": "Vi pratade om trivseln, leken och språket.",
    "rec_vh": "Vårdnadshavarna ville veta mer om vilan.",
    "rec_nasta": "Vi fortsätter med högläsning i små grupper.",
}
# The answers for the förskoleklass and school years' templates (templates.built_ins), by the
# group's school type: (guardians', staff's, record).
ANSWERS_BY_SCHOOL_TYPE: dict[str, tuple[dict, dict, dict]] = {
    SchoolType.FKLASS: (
        {
            "vh_trivs": 4,
            "vh_berattar": "Om bokstäverna de har lärt sig och om rasterna.",
            "vh_overgang": "Bra, men hen saknar sina kompisar från förskolan ibland.",
            "vh_intressen": "Att bygga med lego och att spela fotboll.",
            "vh_fragor": "Hur går det att sitta still vid samlingen?",
        },
        {
            "pers_trygghet": "Trygg i klassen och har hittat nya kompisar.",
            "pers_sprak": "Lyssnar på högläsning och känner igen flera bokstäver.",
            "pers_matematik": "Jämför och sorterar gärna, räknar säkert till tjugo.",
            "pers_lek": "Leker gärna regellekar och väntar på sin tur.",
            "pers_rorelse": "Tycker om rörelselekarna på gården.",
            "pers_fokus": "Språk",
        },
        {
            "rec_samtal": "Vi pratade om trivseln, bokstäverna och samlingen.",
            "rec_vh": "Vårdnadshavarna ville veta mer om hur skoldagen ser ut.",
            "rec_nasta": "Vi fortsätter med bokstavslekar och korta samlingar.",
        },
    ),
    SchoolType.GR: (
        {
            "vh_trivs": 4,
            "vh_berattar": "Om matten och om vad de gör på rasterna.",
            "vh_skolarbete": "Läsläxan går bra, den går fortare nu än i höstas.",
            "vh_fragor": "Hur går det med skrivandet?",
        },
        {
            "pers_kunskaper": "Läser med flyt och räknar säkert med tal upp till hundra.",
            "pers_arbetssatt": "Kommer snabbt igång med uppgifterna och frågar när något är svårt.",
            "pers_trygghet": "Trivs i klassen och har flera kompisar.",
            "pers_nasta": "Att skriva längre texter med stor bokstav och punkt.",
            "pers_fokus": "Kunskaper",
        },
        {
            "rec_samtal": "Vi pratade om läsningen, skrivandet och kompisarna.",
            "rec_elev": "Eleven vill lära sig mer om rymden.",
            "rec_vh": "Vårdnadshavarna ville veta hur de kan hjälpa till med skrivandet.",
            "rec_nasta": "Skolan fortsätter med skrivstunder två gånger i veckan.",
        },
    ),
}


def working_day(day: dt.date) -> dt.date:
    """Return the day, or the Monday after it when it falls on a weekend: talks are held Monday to Friday."""
    return day + dt.timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else day


def build_talks(
    *,
    organisation: Organisation,
    unit: Organisation,
    group: Group,
    staff: Person,
    families: Sequence[tuple[Person, Sequence[Person]]],
    rng: random.Random,
) -> list[Talk]:
    """Create last period's held talks and this period's talks in every state; return this period's.

    States this period, in turn: record shared (one guardian confirmed), held, booked with a
    guardian's preparation, planned (not booked). Free and booked slots are published for the group.
    """
    # The group's school type chooses the template (förskola, förskoleklass, skola).
    school_type = group.school_type or (unit.school_types or [SchoolType.FS])[0]
    version = default_talk_template(organisation, school_type=school_type).current_version()
    staff_side = {SchoolType.FKLASS: "Förskoleklassen", SchoolType.GR: "Skolan", SchoolType.FTH: "Fritidshemmet"}.get(
        school_type, "Förskolan"
    )
    guardian_answers, staff_answers, record_answers = ANSWERS_BY_SCHOOL_TYPE.get(
        school_type, (GUARDIAN_ANSWERS, STAFF_ANSWERS, RECORD_ANSWERS)
    )
    period = term_start(today())
    previous = term_start(period - dt.timedelta(days=1))
    now = timezone.now()
    states = [TalkStatus.SHARED, TalkStatus.HELD, TalkStatus.BOOKED, TalkStatus.PLANNED]
    talk_day = working_day(today() + dt.timedelta(days=7))
    first_slot = timezone.make_aware(dt.datetime.combine(talk_day, dt.time(8, 0)))
    free_slot = timezone.make_aware(dt.datetime.combine(working_day(talk_day + dt.timedelta(days=1)), dt.time(8, 0)))
    created: list[Talk] = []
    for index, (child, guardians) in enumerate(families):
        earlier = Talk.objects.create(
            organisation=organisation,
            school_unit=unit,
            group=group,
            child=child,
            template_version=version,
            period_start=previous,
            activity_date=previous + dt.timedelta(days=60),
            status=TalkStatus.SHARED,
            created_by=staff,
            held_at=now - dt.timedelta(days=150),
            record_shared_at=now - dt.timedelta(days=149),
        )
        AnswerSet.objects.create(
            talk=earlier, part=Part.RECORD, answers=record_answers, updated_by=staff, updated_at=now
        )
        Agreement.objects.create(
            talk=earlier,
            what=rng.choice(["Läsa en bok tillsammans varje kväll", "Öva på att klä på sig själv", "Prata om känslor"]),
            who=rng.choice(["Vårdnadshavarna", staff_side, f"{staff_side} och vårdnadshavarna"]),
            due_date=period + dt.timedelta(days=30),
            created_by=staff,
        )
        state = states[index % len(states)]
        talk = Talk.objects.create(
            organisation=organisation,
            school_unit=unit,
            group=group,
            child=child,
            template_version=version,
            period_start=period,
            activity_date=working_day(talk_day + dt.timedelta(days=index // 8)),
            status=state,
            created_by=staff,
        )
        created.append(talk)
        if state != TalkStatus.PLANNED and guardians:
            AnswerSet.objects.create(
                talk=talk,
                part=Part.GUARDIAN,
                author=None if rng.random() < 0.5 else guardians[0],
                answers=guardian_answers,
                updated_by=guardians[0],
                updated_at=now,
            )
        if state in (TalkStatus.SHARED, TalkStatus.HELD):
            AnswerSet.objects.create(
                talk=talk, part=Part.STAFF, answers=staff_answers, updated_by=staff, updated_at=now
            )
            AnswerSet.objects.create(
                talk=talk, part=Part.RECORD, answers=record_answers, updated_by=staff, updated_at=now
            )
            Talk.objects.filter(pk=talk.pk).update(
                held_at=now - dt.timedelta(days=2),
                staff_preparation_shared_at=now - dt.timedelta(days=5),
                record_shared_at=now - dt.timedelta(days=1) if state == TalkStatus.SHARED else None,
            )
            if state == TalkStatus.SHARED and guardians:
                RecordReadConfirmation.objects.create(talk=talk, guardian=guardians[0], confirmed_at=now)
        if state == TalkStatus.BOOKED and guardians:
            slot = BookingSlot.objects.create(
                organisation=organisation,
                school_unit=unit,
                group=group,
                starts_at=first_slot + dt.timedelta(minutes=40 * index),
                duration_minutes=30,
                place="Avdelningens rum",
                created_by=staff,
            )
            Booking.objects.create(slot=slot, talk=talk, booked_by=guardians[0], booked_at=now)
    # Free times for the families still to book, the next working day.
    for n in range(max(4, len(families) // 2)):
        BookingSlot.objects.create(
            organisation=organisation,
            school_unit=unit,
            group=group,
            starts_at=free_slot + dt.timedelta(minutes=40 * n),
            duration_minutes=30,
            place="Avdelningens rum" if n % 3 else "",
            video_url="https://video.example/folja-samtal" if n % 3 == 0 else "",
            created_by=staff,
        )
    return created


def build_demo_talks(world: object, *, seed: int, max_children: int = 5000) -> int:
    """Plan talks in every state for each group of a demo world; return how many were made this period."""
    from django.db.models import Q

    from folja.directory.models import GroupMembership, Guardianship, Person, RelationType

    if world.children > max_children:
        return 0
    rng = random.Random(seed * 104729 + 3)
    day = today()
    made = 0
    for group in world.groups:
        staff_ids = world.group_staff.get(group.pk) or []
        if not staff_ids:
            continue
        child_ids = list(
            GroupMembership.objects.filter(group=group, start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .order_by("person__given_name", "person_id")
            .values_list("person_id", flat=True)[:40]
        )
        guardians: dict[int, list[Person]] = {}
        for link in (
            Guardianship.objects.filter(child_id__in=child_ids, relation_type=RelationType.GUARDIAN)
            .select_related("responsible")
            .order_by("responsible__given_name")
        ):
            guardians.setdefault(link.child_id, []).append(link.responsible)
        children = Person.objects.in_bulk(child_ids)
        families = [(children[c], guardians.get(c, [])) for c in child_ids if guardians.get(c)]
        made += len(
            build_talks(
                organisation=world.organisation,
                unit=group.school_unit,
                group=group,
                staff=Person.objects.get(pk=staff_ids[0]),
                families=families,
                rng=rng,
            )
        )
    return made
