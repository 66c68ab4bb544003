"""Texts that say what is true (issue 25, point 11): a talk is held at its booked time, the
overview counts the rows it marks "Inte bokat", the rebooking rule is shown only while a booking
can still change, demo times fall on working days, and the composer says "all are ticked" only
when they are."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from folja.access.roles import Role
from folja.demo.talks import build_talks, working_day
from folja.talks import actions
from folja.talks.models import BookingSlot, Talk, TalkStatus
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

REBOOK = "Du kan boka om eller avboka fram till"


class HeldAtTheBookedTimeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.world = build_talk_world(cls.cast)
        cls.talk = cls.world["alva"]  # booked 13 days from now
        cls.starts = cls.world["slot_booked"].starts_at

    def staff(self):  # noqa: ANN201
        return self.cast.viewer("teacher_blue", Role.STAFF)

    def test_a_talk_cannot_be_marked_held_before_its_booked_time(self) -> None:
        with pytest.raises(ValidationError) as refused:
            actions.talk_mark_held(actor=self.staff(), talk=self.talk)
        assert refused.value.code == "not_started"
        with pytest.raises(ValidationError):
            actions.record_share(actor=self.staff(), talk=self.talk)
        self.talk.refresh_from_db()
        assert self.talk.status == TalkStatus.BOOKED and self.talk.held_at is None

    def test_the_page_explains_and_the_refused_step_says_why(self) -> None:
        client = signed_in(self.cast.teacher_blue, Role.STAFF)
        page = client.get(reverse("talks:talk", args=[self.talk.uuid])).content.decode()
        assert reverse("talks:mark_held", args=[self.talk.uuid]) not in page
        assert "Efter den bokade tiden kan du markera samtalet som genomfört" in page
        response = client.post(reverse("talks:mark_held", args=[self.talk.uuid]), follow=True)
        text = response.content.decode()
        assert "Du kan markera det som genomfört när den tiden har börjat." in text
        assert "Samtalet är markerat som genomfört." not in text
        assert Talk.objects.get(pk=self.talk.pk).status == TalkStatus.BOOKED

    def test_once_the_time_has_begun_the_talk_can_be_marked_held(self) -> None:
        with time_machine.travel(self.starts + dt.timedelta(minutes=5), tick=False):
            actions.talk_mark_held(actor=self.staff(), talk=self.talk)
        self.talk.refresh_from_db()
        assert self.talk.status == TalkStatus.HELD

    def test_a_talk_without_a_booking_can_be_marked_held(self) -> None:
        actions.talk_mark_held(actor=self.staff(), talk=self.world["bertil"])
        assert Talk.objects.get(pk=self.world["bertil"].pk).status == TalkStatus.HELD

    def test_the_rebooking_rule_is_shown_only_while_the_booking_can_change(self) -> None:
        url = reverse("talks:talk", args=[self.talk.uuid])
        assert REBOOK in signed_in(self.cast.anna, Role.GUARDIAN).get(url).content.decode()
        with time_machine.travel(self.starts + dt.timedelta(hours=1), tick=False):
            actions.talk_mark_held(actor=self.staff(), talk=self.talk)
            page = signed_in(self.cast.anna, Role.GUARDIAN).get(url).content.decode()
        assert REBOOK not in page and reverse("talks:book", args=[self.talk.uuid]) not in page


class OverviewCountTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.world = build_talk_world(cls.cast)
        # A held talk without a booking: neither counted nor marked "Inte bokat".
        Talk.objects.filter(pk=cls.world["bertil"].pk).update(status=TalkStatus.HELD, held_at=timezone.now())

    def test_the_count_matches_the_rows_marked_not_booked(self) -> None:
        page = signed_in(self.cast.teacher_blue, Role.STAFF).get(reverse("talks:overview")).content.decode()
        rows = page.count("Inte bokat</span>")
        counted = re.search(r"(\d+) barn har ingen bokad tid", page)
        assert rows == (int(counted.group(1)) if counted else 0)
        assert "Hölls " in page  # the held talk says when it was held instead


class ComposerHintTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    HINT = "Alla i gruppen är valda."

    def shown(self, html: str) -> bool:
        """Whether the hint is on the page and not hidden (compose.js shows the one for the choice)."""
        match = re.search(r"<p [^>]*>" + re.escape(self.HINT), html)
        return match is not None and " hidden" not in match.group(0)

    def test_the_hint_is_shown_on_a_new_group_post_only(self) -> None:
        client = signed_in(self.cast.teacher_blue, Role.STAFF)
        new = client.get(reverse("learninglog:compose"), {"group": self.cast.blue.uuid}).content.decode()
        assert self.shown(new)
        draft = self.cast.posts["alva_draft"]
        edit = client.get(reverse("learninglog:post_edit", args=[draft.uuid])).content.decode()
        assert self.HINT not in edit
        individual = client.post(
            reverse("learninglog:compose") + f"?group={self.cast.blue.uuid}",
            {"group": str(self.cast.blue.uuid), "kind": "individual", "title": "T", "activity_date": "2026-03-04"},
        ).content.decode()
        assert "Välj minst ett barn." in individual and not self.shown(individual)


class DemoSlotsOnWorkingDaysTests(TestCase):
    def test_working_day(self) -> None:
        assert working_day(dt.date(2026, 12, 5)) == dt.date(2026, 12, 7)  # Saturday → Monday
        assert working_day(dt.date(2026, 12, 6)) == dt.date(2026, 12, 7)  # Sunday → Monday
        assert working_day(dt.date(2026, 12, 8)) == dt.date(2026, 12, 8)

    def test_demo_slots_fall_on_working_days_whatever_day_the_demo_is_built(self) -> None:
        cast = build_cast()
        families = [(cast.persons[c], [cast.persons[g]]) for c, g in (("alva", "anna"), ("bertil", "cecilia"))]
        slot_days: set[dt.date] = set()
        talk_days: set[dt.date] = set()
        for offset in range(7):
            day = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC) + dt.timedelta(days=offset)
            with time_machine.travel(day, tick=False), transaction.atomic():
                talks = build_talks(
                    organisation=cast.org_a,
                    unit=cast.solrosen,
                    group=cast.blue,
                    staff=cast.teacher_blue,
                    families=families,
                    rng=random.Random(offset),
                )
                slot_days |= {
                    timezone.localtime(s).date() for s in BookingSlot.objects.values_list("starts_at", flat=True)
                }
                talk_days |= {t.activity_date for t in talks}
                transaction.set_rollback(True)  # the next day builds the same talks afresh
        assert len(slot_days) >= 5 and all(d.weekday() < 5 for d in slot_days), sorted(slot_days)
        assert talk_days and all(d.weekday() < 5 for d in talk_days), sorted(talk_days)
