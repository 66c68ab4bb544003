"""Development talks: visibility, booking, preparation, record, notices, calendar file, query counts."""

from __future__ import annotations

import datetime as dt
import random
import threading
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.test import Client, TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role
from folja.core.dates import term_start
from folja.demo.talks import build_talks
from folja.notifications.delivery import deliver_notices
from folja.notifications.models import Notice, Preference
from folja.talks import access as talk_policy
from folja.talks import actions
from folja.talks.ics import calendar_event
from folja.talks.models import Booking, BookingSlot, Part, Talk, TalkStatus
from folja.talks.templates import default_content
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in


class TalkTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.world = build_talk_world(cls.cast)

    def viewer(self, name: str, role: Role = Role.GUARDIAN):  # noqa: ANN201
        return self.cast.viewer(name, role)

    # --- visibility -------------------------------------------------------------------------

    def test_guardian_of_other_child_in_same_group_sees_neither_a_slot_reserved_for_alva_nor_alvas_booking(
        self,
    ) -> None:
        seen = set(talk_policy.visible_slots(self.viewer("cecilia")))
        assert self.world["slot_free"] in seen and self.world["slot_bertil"] in seen
        assert self.world["slot_alva"] not in seen
        assert self.world["slot_booked"] not in seen

    def test_both_guardians_of_alva_see_the_booking_in_two_households(self) -> None:
        for name in ("anna", "johan"):
            booking = talk_policy.active_booking(self.viewer(name), self.world["alva"])
            assert booking is not None and booking.slot == self.world["slot_booked"]

    def test_staff_of_another_unit_and_the_former_unit_see_no_talks_of_the_child(self) -> None:
        assert not talk_policy.visible_talks(self.viewer("teacher_larkan", Role.STAFF)).exists()
        maja_talks = talk_policy.visible_talks(self.viewer("teacher_granen", Role.STAFF))
        assert self.world["maja_preschool"] not in set(maja_talks)

    def test_talks_follow_the_child_to_the_guardian_after_a_move(self) -> None:
        assert self.world["maja_preschool"] in set(talk_policy.visible_talks(self.viewer("gustav")))

    def test_one_guardians_own_preparation_is_hidden_from_the_other_but_a_joint_one_is_shared(self) -> None:
        talk = self.world["alva"]
        actions.answers_save(actor=self.viewer("anna"), talk=talk, part=Part.GUARDIAN, answers={"vh_berattar": "Anna"})
        assert not talk_policy.visible_answer_sets(self.viewer("johan"), talk).exists()
        actions.answers_save(
            actor=self.viewer("johan"), talk=talk, part=Part.GUARDIAN, answers={"vh_trivs": "5"}, joint=True
        )
        johan_sees = list(talk_policy.visible_answer_sets(self.viewer("johan"), talk))
        assert [s.answers for s in johan_sees] == [{"vh_trivs": 5}]
        assert talk_policy.visible_answer_sets(self.viewer("teacher_blue", Role.STAFF), talk).count() == 2

    def test_staff_preparation_is_hidden_from_guardians_until_shared(self) -> None:
        talk = self.world["alva"]
        teacher = self.viewer("teacher_blue", Role.STAFF)
        actions.answers_save(actor=teacher, talk=talk, part=Part.STAFF, answers={"pers_sprak": "Berättar mycket"})
        assert not talk_policy.visible_answer_sets(self.viewer("anna"), talk).filter(part=Part.STAFF).exists()
        actions.staff_preparation_share(actor=teacher, talk=talk)
        talk.refresh_from_db()
        assert talk_policy.visible_answer_sets(self.viewer("anna"), talk).filter(part=Part.STAFF).exists()

    def test_answers_outside_the_template_are_refused_or_dropped(self) -> None:
        talk = self.world["alva"]
        with pytest.raises(actions.ValidationError):
            actions.answers_save(actor=self.viewer("anna"), talk=talk, part=Part.GUARDIAN, answers={"vh_trivs": "9"})
        saved = actions.answers_save(
            actor=self.viewer("anna"), talk=talk, part=Part.GUARDIAN, answers={"unknown": "x", "vh_fragor": "Vilan"}
        )
        assert saved.answers == {"vh_fragor": "Vilan"}

    def test_a_guardian_cannot_write_the_staff_preparation(self) -> None:
        with pytest.raises(actions.PermissionDenied):
            actions.answers_save(actor=self.viewer("anna"), talk=self.world["alva"], part=Part.STAFF, answers={})

    def test_staff_can_link_only_posts_about_the_child_they_may_read(self) -> None:
        teacher = self.viewer("teacher_blue", Role.STAFF)
        posts = self.cast.posts
        ids = [posts["alva_individual"].pk, posts["olle_individual"].pk, posts["yellow_group"].pk]
        actions.talk_links_set(actor=teacher, talk=self.world["alva"], post_ids=ids, goal_ids=[self.cast.goals[0].pk])
        linked = set(self.world["alva"].post_links.values_list("post_id", flat=True))
        assert linked == {posts["alva_individual"].pk}

    # --- template versions ------------------------------------------------------------------

    def test_a_new_template_version_never_changes_a_talk_already_planned(self) -> None:
        version = self.world["version"]
        content = default_content()
        content["sections"][0]["questions"][0]["text"] = "Ny fråga"
        newer = actions.template_version_create(actor=None, template=version.template, content=content)
        assert newer.number == version.number + 1
        talk = Talk.objects.get(pk=self.world["alva"].pk)
        assert talk.template_version_id == version.pk
        assert talk.template_version.questions(Part.GUARDIAN)[0]["text"] != "Ny fråga"

    def test_an_invalid_template_is_refused_with_a_reason(self) -> None:
        with pytest.raises(actions.ValidationError) as caught:
            actions.template_version_create(
                actor=None,
                template=self.world["version"].template,
                content={
                    "sections": [
                        {
                            "part": "guardian",
                            "title": "X",
                            "questions": [{"key": "a", "text": "Q", "kind": "choice", "choices": ["Ja"]}],
                        }
                    ]
                },
            )
        assert caught.value.code == "bad_choices"

    # --- booking ----------------------------------------------------------------------------

    def test_booking_a_slot_another_family_took_gives_a_clear_message_and_no_name(self) -> None:
        response = signed_in(self.cast.cecilia, Role.GUARDIAN).post(
            reverse("talks:book", args=[self.world["bertil"].uuid]),
            {"slot": self.world["slot_booked"].uuid},
            follow=True,
        )
        body = response.content.decode()
        assert "hann bokas av någon annan" in body
        assert "Alva" not in body and "Anna" not in body
        assert not Booking.objects.filter(talk=self.world["bertil"]).exists()

    def test_rebooking_moves_the_booking_and_tells_both_guardians_and_the_teacher(self) -> None:
        booking = actions.booking_create(
            actor=self.viewer("johan"), talk=self.world["alva"], slot_uuid=str(self.world["slot_free"].uuid)
        )
        assert booking.slot == self.world["slot_free"]
        assert Booking.objects.filter(talk=self.world["alva"], cancelled_at__isnull=True).count() == 1
        notice = Notice.objects.filter(kind="talk_booking_changed").order_by("-id")
        assert {n.recipient.given_name for n in notice} == {"Anna", "Johan", "Tove"}
        assert notice[0].context["event"] == "rebooked"

    def test_booking_closes_at_the_units_deadline(self) -> None:
        close = BookingSlot.objects.create(
            organisation=self.cast.org_a,
            school_unit=self.cast.solrosen,
            group=self.cast.blue,
            starts_at=timezone.now() + dt.timedelta(hours=5),
            duration_minutes=30,
            place="Rummet",
            created_by=self.cast.teacher_blue,
        )
        with pytest.raises(actions.DeadlinePassed):
            actions.booking_create(actor=self.viewer("cecilia"), talk=self.world["bertil"], slot_uuid=str(close.uuid))

    def test_cancelling_sets_the_talk_back_to_planned(self) -> None:
        actions.booking_cancel(actor=self.viewer("anna"), talk=self.world["alva"])
        talk = Talk.objects.get(pk=self.world["alva"].pk)
        assert talk.status == TalkStatus.PLANNED
        assert not Booking.objects.filter(talk=talk, cancelled_at__isnull=True).exists()

    def test_the_database_refuses_a_second_active_booking_of_a_slot(self) -> None:
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Booking.objects.create(
                slot=self.world["slot_booked"],
                talk=self.world["bertil"],
                booked_by=self.cast.cecilia,
                booked_at=timezone.now(),
            )

    def test_publishing_slots_tells_guardians_of_children_who_have_not_booked(self) -> None:
        start = timezone.now() + dt.timedelta(days=20)
        created = actions.slots_publish(
            actor=self.viewer("teacher_blue", Role.STAFF),
            school_unit=self.cast.solrosen,
            group=self.cast.blue,
            starts=[start, start + dt.timedelta(minutes=40)],
            duration_minutes=30,
            place="Rummet",
        )
        assert len(created) == 2
        recipients = {n.recipient.given_name for n in Notice.objects.filter(kind="talk_slots_published")}
        assert recipients == {"Cecilia"}  # Alva's talk is booked already; Sigge is sealed (R5)

    def test_staff_of_another_group_cannot_publish_slots_for_blabaren(self) -> None:
        with pytest.raises(actions.PermissionDenied):
            actions.slots_publish(
                actor=self.viewer("minder_yellow", Role.STAFF),
                school_unit=self.cast.solrosen,
                group=self.cast.blue,
                starts=[timezone.now() + dt.timedelta(days=3)],
                duration_minutes=30,
                place="Rummet",
            )

    # --- after the talk ---------------------------------------------------------------------

    def test_sharing_the_record_shows_agreements_and_lets_a_guardian_confirm_reading(self) -> None:
        talk = self.world["alva"]
        teacher = self.viewer("teacher_blue", Role.STAFF)
        actions.agreement_create(actor=teacher, talk=talk, what="Högläsning", who="Förskolan", due_date=None)
        assert not talk_policy.visible_agreements(self.viewer("anna"), talk).exists()
        with time_machine.travel(self.world["slot_booked"].ends_at, tick=False):  # after the booked time
            talk = actions.record_share(actor=teacher, talk=talk)
        assert talk.status == TalkStatus.SHARED
        assert talk_policy.visible_agreements(self.viewer("anna"), talk).count() == 1
        actions.record_confirm_read(actor=self.viewer("anna"), talk=talk)
        assert talk.read_confirmations.filter(guardian=self.cast.anna).exists()
        assert Notice.objects.filter(kind="talk_record_shared").count() == 2

    def test_agreements_of_the_previous_talk_are_followed_up_at_the_next(self) -> None:
        teacher = self.viewer("teacher_blue", Role.STAFF)
        earlier = list(talk_policy.agreements_to_follow_up(teacher, self.world["alva"]))
        assert earlier == [self.world["agreement"]]
        actions.agreement_follow_up(
            actor=teacher, agreement=earlier[0], at_talk=self.world["alva"], follow_up="done", note="Bra"
        )
        earlier[0].refresh_from_db()
        assert earlier[0].followed_up_at == self.world["alva"] and earlier[0].follow_up == "done"

    # --- pages, audit, calendar -------------------------------------------------------------

    def test_a_staff_read_of_a_talk_is_audited_and_a_guardians_is_not(self) -> None:
        url = reverse("talks:talk", args=[self.world["alva"].uuid])
        assert signed_in(self.cast.teacher_blue, Role.STAFF).get(url).status_code == 200
        assert signed_in(self.cast.anna, Role.GUARDIAN).get(url).status_code == 200
        reads = AuditRecord.objects.filter(action=AuditAction.READ_TALK, object_uuid=self.world["alva"].uuid)
        assert [r.actor_id for r in reads] == [self.cast.teacher_blue.pk]

    def test_the_calendar_file_holds_the_booked_time_in_utc(self) -> None:
        response = signed_in(self.cast.johan, Role.GUARDIAN).get(
            reverse("talks:calendar", args=[self.world["alva"].uuid])
        )
        assert response["Content-Type"].startswith("text/calendar")
        body = response.content.decode()
        start = self.world["slot_booked"].starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        assert f"DTSTART:{start}" in body and "BEGIN:VEVENT" in body and body.endswith("\r\n")

    def test_calendar_text_is_escaped_and_long_lines_folded(self) -> None:
        body = calendar_event(
            uid="x@folja", starts=timezone.now(), ends=timezone.now(), summary="A, B; C", location="Å" * 80
        )
        assert "SUMMARY:A\\, B\\; C" in body
        assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))

    def test_the_overview_says_who_has_not_booked(self) -> None:
        response = signed_in(self.cast.teacher_blue, Role.STAFF).get(reverse("talks:overview"))
        assert "1 barn har ingen bokad tid." in response.content.decode()

    def test_the_full_cycle_works_through_the_pages(self) -> None:
        talk = self.world["bertil"]
        cecilia = signed_in(self.cast.cecilia, Role.GUARDIAN)
        teacher = signed_in(self.cast.teacher_blue, Role.STAFF)
        url = reverse("talks:talk", args=[talk.uuid])
        cecilia.post(reverse("talks:guardian_preparation", args=[talk.uuid]), {"together": "alone", "q_vh_trivs": "5"})
        cecilia.post(reverse("talks:book", args=[talk.uuid]), {"slot": self.world["slot_bertil"].uuid})
        teacher.post(reverse("talks:staff_preparation", args=[talk.uuid]), {"q_pers_sprak": "Många ord"})
        teacher.post(reverse("talks:share_preparation", args=[talk.uuid]))
        teacher.post(reverse("talks:record", args=[talk.uuid]), {"q_rec_samtal": "Vi pratade om vilan"})
        teacher.post(reverse("talks:agreement_create", args=[talk.uuid]), {"what": "Vila med bok", "who": "Förskolan"})
        with time_machine.travel(self.world["slot_bertil"].ends_at, tick=False):  # after the booked time
            teacher = signed_in(self.cast.teacher_blue, Role.STAFF)
            teacher.post(reverse("talks:share_record", args=[talk.uuid]))
        page = cecilia.get(url).content.decode()
        assert "Många ord" in page and "Vi pratade om vilan" in page and "Vila med bok" in page
        cecilia.post(reverse("talks:confirm_read", args=[talk.uuid]))
        assert "Cecilia Ek" in teacher.get(url).content.decode()
        assert Talk.objects.get(pk=talk.pk).status == TalkStatus.SHARED


class QueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.world = build_talk_world(cls.cast)

    def _add_talks(self, n: int) -> None:
        """Give Alva n talks in earlier periods, each with a booking."""
        from folja.directory.models import Person

        # Start before the earliest talk Alva has, so every new talk is in a period of its own.
        day = Talk.objects.filter(child=self.cast.alva).order_by("period_start").first().period_start
        for i in range(n):
            day = term_start(day - dt.timedelta(days=1))
            talk = Talk.objects.create(
                organisation=self.cast.org_a,
                school_unit=self.cast.solrosen,
                group=self.cast.blue,
                child=self.cast.alva,
                template_version=self.world["version"],
                period_start=day,
                activity_date=day,
                created_by=self.cast.teacher_blue,
            )
            slot = BookingSlot.objects.create(
                organisation=self.cast.org_a,
                school_unit=self.cast.solrosen,
                child=self.cast.alva,
                starts_at=timezone.now() - dt.timedelta(days=200 + i),
                duration_minutes=30,
                place="Rum",
                created_by=self.cast.teacher_blue,
            )
            Booking.objects.create(slot=slot, talk=talk, booked_by=self.cast.anna, booked_at=timezone.now())
        assert Person.objects.filter(pk=self.cast.alva.pk).exists()

    def _count(self, client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def test_a_childs_talk_list_takes_as_many_queries_for_2_as_for_20_talks(self) -> None:
        client = signed_in(self.cast.teacher_blue, Role.STAFF)
        url = reverse("talks:child_talks", args=[self.cast.alva.uuid])
        self._add_talks(1)  # 2 talks with alva_previous... plus this period's
        few = self._count(client, url)
        self._add_talks(18)
        assert Talk.objects.filter(child=self.cast.alva).count() >= 20
        assert self._count(client, url) == few

    def test_the_staff_overview_takes_as_many_queries_for_2_as_for_20_talks(self) -> None:
        client = signed_in(self.cast.principal, Role.STAFF)
        url = reverse("talks:overview")
        few = self._count(client, url)  # Alva's and Bertil's talks this period
        from folja.directory.models import GroupMembership, Person, Placement

        long_ago = self.cast.day - dt.timedelta(days=400)
        for i in range(18):
            child = Person.objects.create(given_name=f"Barn{i}", family_name="Test")
            Placement.objects.create(
                organisation=self.cast.org_a,
                child=child,
                school_unit=self.cast.solrosen,
                group=self.cast.blue,
                school_type="FS",
                start_date=long_ago,
            )
            GroupMembership.objects.create(
                organisation=self.cast.org_a, group=self.cast.blue, person=child, start_date=long_ago
            )
        actions.talks_plan(
            actor=self.cast.viewer("teacher_blue", Role.STAFF),
            group=self.cast.blue,
            template_version=self.world["version"],
            period_start=self.cast.day,
            planned_date=self.cast.day,
        )
        assert Talk.objects.filter(period_start=term_start(self.cast.day)).count() == 20
        assert self._count(client, url) == few


# Outside the default quiet hours (20–07), so that a notice that needs action goes out at once.
NOON = dt.datetime.combine(dt.date.today(), dt.time(12), tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm"))


class NotificationTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.world = build_talk_world(cls.cast)

    def _notify(self, person):  # noqa: ANN001, ANN202
        from folja.notifications import notify

        talk = self.world["bertil"]
        return notify(
            recipients=[person],
            kind="talk_slots_published",
            context={"unit": "Solrosen", "count": 2, "path": f"/talks/{talk.uuid}/"},
            about=talk.uuid,
            child=talk.child,
        )

    def test_a_notice_is_sent_once_in_the_recipients_language_even_when_retried(self) -> None:
        Preference.objects.create(person=self.cast.cecilia, language="en")
        with time_machine.travel(NOON, tick=False), self.captureOnCommitCallbacks(execute=True):
            notices = self._notify(self.cast.cecilia)
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["cecilia@example.se"]
        assert mail.outbox[0].extra_headers["Content-Language"] == "en"
        with time_machine.travel(NOON, tick=False):
            assert deliver_notices([notices[0].pk]) == {notices[0].pk: "already mailed"}
        assert len(mail.outbox) == 1

    def test_a_sealed_person_gets_no_notice(self) -> None:
        hanna = self.cast.hanna
        hanna.sealed_at = timezone.now()
        hanna.save(update_fields=["sealed_at"])
        notices = self._notify(hanna)
        assert deliver_notices([notices[0].pk]) == {notices[0].pk: "recipient sealed"}
        assert mail.outbox == []


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def test_the_demo_builds_talks_in_several_states(self) -> None:
        cast = self.cast
        families = [
            (cast.alva, [cast.anna, cast.johan]),
            (cast.bertil, [cast.cecilia]),
            (cast.cleo, [cast.david]),
            (cast.elin, [cast.frida]),
        ]
        talks = build_talks(
            organisation=cast.org_a,
            unit=cast.solrosen,
            group=cast.blue,
            staff=cast.teacher_blue,
            families=families,
            rng=random.Random(1),
        )
        assert {t.status for t in talks} == {TalkStatus.SHARED, TalkStatus.HELD, TalkStatus.BOOKED, TalkStatus.PLANNED}
        assert Booking.objects.filter(talk__in=talks).count() == 1


@pytest.mark.postgres
class BookingRaceTests(TransactionTestCase):
    """Two guardians book the same slot at the same time: exactly one wins."""

    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            pytest.skip("the race needs PostgreSQL row locks")
        self.cast = build_cast()
        self.world = build_talk_world(self.cast)

    def test_two_guardians_racing_for_one_slot_give_exactly_one_booking(self) -> None:
        slot = self.world["slot_free"]
        contenders = [(self.cast.viewer("cecilia", Role.GUARDIAN), self.world["bertil"])]
        # Alva's talk is booked already; free it so Anna can race too.
        actions.booking_cancel(actor=self.cast.viewer("anna", Role.GUARDIAN), talk=self.world["alva"])
        contenders.append((self.cast.viewer("anna", Role.GUARDIAN), self.world["alva"]))
        barrier = threading.Barrier(len(contenders))
        results: list[str] = []

        def attempt(viewer, talk) -> None:  # noqa: ANN001
            try:
                barrier.wait()
                actions.booking_create(actor=viewer, talk=talk, slot_uuid=str(slot.uuid))
                results.append("won")
            except actions.SlotTaken:
                results.append("taken")
            finally:
                connections.close_all()

        threads = [threading.Thread(target=attempt, args=pair) for pair in contenders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results) == ["taken", "won"]
        assert Booking.objects.filter(slot=slot, cancelled_at__isnull=True).count() == 1
