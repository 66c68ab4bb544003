"""The weekly "Barn att uppmärksamma" notice to staff: children of their groups not documented lately.

Once a week (`tasks.tell_children_to_notice`, `manage.py notices_attention`, docs/notifications.md)
each staff member gets one notice per group they are assigned to (DutyAssignment; a unit-wide
duty alone, such as a principal's, is not "their" group: the unit overview serves it) that has
children named in no published post at the group's unit within FOLJA_ATTENTION_DAYS days (21 by
default), counted as they would be on the page the notice leads to
(`coverage.undocumented_children`: only children they are connected to now, R1, R5). The notice
names no child ("3 barn i gruppen Blåbären …") and is about the group: it is shown while the
group is one the staff member may see (`policy.visible_groups`). A rerun in the same week tells
no one twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from folja.access import memo, policy
from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.directory.models import Duty, DutyAssignment, Person
from folja.learninglog import coverage
from folja.notifications import notify, rules
from folja.notifications.models import Notice

KIND = "children_to_notice"


def attention_notice_rule(viewer: Viewer) -> Q:
    """While the group the notice is about is one the staff member may see (R1, R12)."""
    if viewer.role != Role.STAFF:
        return Q(pk__in=[])  # R12
    return Q(about_uuid__in=policy.visible_groups(viewer).values("uuid"))


def register() -> None:
    rules.register([KIND], attention_notice_rule)


def attention_days() -> int:
    return int(settings.FOLJA_ATTENTION_DAYS)


def in_weeks(days: int) -> int | None:
    """Return the days as whole weeks for the text ("3 veckor"), else None (the text says days)."""
    return days // 7 if days % 7 == 0 and days >= 14 else None


def _start_of_week(day: dt.date) -> dt.datetime:
    """Monday 00.00 of the day's week, Swedish time: a rerun in the same week tells no one twice."""
    monday = day - dt.timedelta(days=day.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time.min))


def tell_children_to_notice(on: dt.date | None = None) -> int:
    """Tell each staff member, per group of theirs, how many children have not been documented
    lately; return how many notices were stored."""
    day = on or today()
    days = attention_days()
    week_start = _start_of_week(day)
    staff = (
        DutyAssignment.objects.active(day)
        .filter(duty__in=Duty.objects.active(day), duty__person__sealed_at__isnull=True)  # R5
        .values_list("duty__person_id", "duty__organisation_id")
        .distinct()
    )
    people = Person.objects.in_bulk(sorted({person for person, _org in staff}))
    stored = 0
    for person_id, organisation_id in sorted(set(staff)):
        with memo.request_scope():  # the staff member's connections looked up once, as in one request
            stored += _tell_one(Viewer(people[person_id], Role.STAFF, organisation_id), day, days, week_start)
    return stored


def _tell_one(viewer: Viewer, day: dt.date, days: int, week_start: dt.datetime) -> int:
    assigned = DutyAssignment.objects.active(day).filter(duty__in=policy.active_duties(viewer, day)).values("group")
    groups = policy.staff_groups(viewer, day).filter(pk__in=assigned).order_by("display_name", "pk")
    told = set(
        Notice.objects.filter(
            recipient=viewer.person, role=Role.STAFF, kind=KIND, created_at__gte=week_start
        ).values_list("about_uuid", flat=True)
    )
    stored = 0
    for group in groups:
        if group.uuid in told:
            continue
        count = coverage.undocumented_children(viewer, group, days, day).count()
        if not count:
            continue
        stored += len(
            notify(
                recipients=[viewer.person],
                kind=KIND,
                role=Role.STAFF,
                about=group.uuid,
                context={
                    "path": reverse("curriculum:group_attention", args=[group.uuid]),
                    "count": count,
                    "group": group.display_name,
                    "days": days,
                    "weeks": in_weeks(days),
                },
            )
        )
    return stored
