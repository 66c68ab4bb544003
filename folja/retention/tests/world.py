"""Additions to the test cast for retention: a child who leaves, a talk with a shared record."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from folja.core.dates import today
from folja.directory.models import Placement
from folja.talks.models import Agreement, AnswerSet, Part, Talk, TalkStatus
from folja.talks.templates import default_talk_template


def alva_leaves(cast, *, days_ago: int, moves_to=None) -> None:  # noqa: ANN001
    """End every placement of Alva's (organisation A) `days_ago` days ago; with `moves_to`, a
    unit of organisation B, she is placed there from the next day (still on the platform, R6)."""
    end = today() - dt.timedelta(days=days_ago)
    Placement.objects.filter(child=cast.alva).update(start_date=end - dt.timedelta(days=700), end_date=end)
    if moves_to is not None:
        Placement.objects.create(
            organisation=moves_to.organisation,
            child=cast.alva,
            school_unit=moves_to,
            start_date=end + dt.timedelta(days=1),
            school_type="FS",
        )


def talk_for(cast, child: str) -> Talk:  # noqa: ANN001
    """A held talk about the child at Solrosen with a shared record and an agreement."""
    version = default_talk_template(cast.org_a).current_version()
    now = timezone.now()
    talk = Talk.objects.create(
        organisation=cast.org_a,
        school_unit=cast.solrosen,
        group=cast.blue,
        child=cast.persons[child],
        template_version=version,
        period_start=dt.date(2026, 1, 1),
        activity_date=today() - dt.timedelta(days=60),
        created_by=cast.teacher_blue,
        status=TalkStatus.SHARED,
        held_at=now,
        record_shared_at=now,
    )
    key = version.questions(Part.RECORD)[0]["key"]
    AnswerSet.objects.create(
        talk=talk, part=Part.RECORD, answers={key: "Leker gärna med lera"}, updated_by=cast.teacher_blue, updated_at=now
    )
    Agreement.objects.create(talk=talk, what="Läsa böcker hemma", who="Vårdnadshavarna", created_by=cast.teacher_blue)
    return talk
