"""Delivery: rhythm, quiet hours (across a change of summer time), idempotent retries, the digest, unsubscribe."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import time_machine
from django.core import mail
from django.test import TestCase, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from folja.access.roles import Role
from folja.directory.models import Guardianship
from folja.learninglog import notices as post_notices
from folja.notifications import digest
from folja.notifications.api import in_quiet_hours
from folja.notifications.delivery import deliver_notices
from folja.notifications.emails import person_uuid_from_token, unsubscribe_token
from folja.notifications.models import Delivery, Notice, Preference, Rhythm
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
UTC = dt.UTC


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=STOCKHOLM)


class QuietHoursTests(TestCase):
    def test_quiet_hours_end_at_seven_on_the_wall_clock_across_the_change_to_summer_time(self) -> None:
        preference = Preference()  # 20–07 by default
        # 28 March 2026, 22.00 CET; the clocks go forward at 02.00 on the 29th: the night is an hour shorter.
        end = in_quiet_hours(preference, local(2026, 3, 28, 22, 0))
        assert end == local(2026, 3, 29, 7, 0)
        assert end.astimezone(UTC) == dt.datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
        assert end.astimezone(UTC) - local(2026, 3, 28, 22, 0).astimezone(UTC) == dt.timedelta(hours=8)

    def test_quiet_hours_end_at_seven_on_the_wall_clock_across_the_change_to_winter_time(self) -> None:
        preference = Preference()
        end = in_quiet_hours(preference, local(2026, 10, 24, 22, 0))
        assert end.astimezone(UTC) == dt.datetime(2026, 10, 25, 6, 0, tzinfo=UTC)
        assert end.astimezone(UTC) - local(2026, 10, 24, 22, 0).astimezone(UTC) == dt.timedelta(hours=10)

    def test_outside_quiet_hours_and_quiet_hours_within_a_day(self) -> None:
        assert in_quiet_hours(Preference(), local(2026, 3, 29, 7, 0)) is None
        assert in_quiet_hours(Preference(), local(2026, 3, 29, 19, 59)) is None
        assert in_quiet_hours(Preference(), local(2026, 3, 29, 3, 0)) == local(2026, 3, 29, 7, 0)
        lunch = Preference(quiet_from=dt.time(12), quiet_until=dt.time(13))
        assert in_quiet_hours(lunch, local(2026, 3, 29, 12, 30)) == local(2026, 3, 29, 13, 0)
        assert in_quiet_hours(Preference(quiet_from=dt.time(0), quiet_until=dt.time(0)), local(2026, 3, 29, 3)) is None


class DeliveryTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.post = cls.cast.posts["blue_group"]

    def notices_for(self, name: str) -> list[Notice]:
        return list(Notice.objects.filter(recipient=self.cast.persons[name]).order_by("pk"))

    def publish_notices(self) -> None:
        post_notices.post_published(self.post)  # on_commit not run: the tests deliver by hand

    def test_rhythm_immediately_sends_at_once_and_a_retry_sends_nothing(self) -> None:
        Preference.objects.create(person=self.cast.cecilia, rhythm=Rhythm.IMMEDIATE)
        self.publish_notices()
        [notice] = self.notices_for("cecilia")
        with time_machine.travel(local(2026, 5, 4, 12, 0), tick=False):
            assert deliver_notices([notice.pk]) == {notice.pk: "sent"}
            assert deliver_notices([notice.pk]) == {notice.pk: "already mailed"}
        assert len(mail.outbox) == 1
        assert Delivery.objects.get(key=f"notice:{notice.pk}:email").outcome == "sent"

    def test_a_retry_after_a_crash_between_claim_and_send_sends_nothing(self) -> None:
        Preference.objects.create(person=self.cast.cecilia, rhythm=Rhythm.IMMEDIATE)
        self.publish_notices()
        [notice] = self.notices_for("cecilia")
        # The first attempt claimed the message and died before it was marked sent.
        Delivery.objects.create(key=f"notice:{notice.pk}:email", recipient=self.cast.cecilia, channel="email", kind="x")
        with time_machine.travel(local(2026, 5, 4, 12, 0), tick=False):
            assert deliver_notices([notice.pk]) == {notice.pk: "already handled"}
        assert mail.outbox == []

    def test_the_default_rhythm_leaves_a_post_notice_to_the_digest(self) -> None:
        self.publish_notices()
        [notice] = self.notices_for("cecilia")
        assert deliver_notices([notice.pk]) == {notice.pk: "digest"}
        assert mail.outbox == []

    @override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}})
    def test_an_urgent_notice_in_quiet_hours_waits_until_they_end(self) -> None:
        self.publish_notices()
        [notice] = self.notices_for("cecilia")
        Notice.objects.filter(pk=notice.pk).update(urgent=True)
        with time_machine.travel(local(2026, 3, 28, 22, 0), tick=False):
            assert deliver_notices([notice.pk]) == {notice.pk: "quiet hours, later"}
        assert mail.outbox == []
        [task] = DBTaskResult.objects.filter(task_path="folja.notifications.tasks.deliver_notices")
        assert task.run_after == dt.datetime(2026, 3, 29, 5, 0, tzinfo=UTC)  # 07.00 summer time
        with time_machine.travel(task.run_after, tick=False):
            assert deliver_notices([notice.pk]) == {notice.pk: "sent"}

    def test_the_mail_is_multipart_without_a_name_in_the_subject_nor_attachments(self) -> None:
        Preference.objects.create(person=self.cast.cecilia, rhythm=Rhythm.IMMEDIATE)
        self.publish_notices()
        [notice] = self.notices_for("cecilia")
        with time_machine.travel(local(2026, 5, 4, 12, 0), tick=False):
            deliver_notices([notice.pk])
        [message] = mail.outbox
        assert message.subject == "Nytt inlägg om ditt barn"
        assert "Bertil" in message.body and "Bertil" not in message.subject
        assert message.attachments == []
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html" and "Bertil" in html and "<img" not in html
        header = message.extra_headers["List-Unsubscribe"]
        token = header.rstrip("/>").rsplit("/", 1)[1]
        assert person_uuid_from_token(token) == str(self.cast.cecilia.uuid) and token in message.body
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert self.cast.cecilia.civic_number not in message.body + html

    def test_the_persons_language_decides_the_mails_language(self) -> None:
        Preference.objects.create(person=self.cast.cecilia, rhythm=Rhythm.IMMEDIATE, language="en")
        self.publish_notices()
        [notice] = self.notices_for("cecilia")
        with time_machine.travel(local(2026, 5, 4, 12, 0), tick=False):
            deliver_notices([notice.pk])
        [message] = mail.outbox
        assert message.subject == "New post about your child"
        assert message.extra_headers["Content-Language"] == "en"


class DigestTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def setUp(self) -> None:
        cast = self.cast
        for key in ("blue_group", "blue_group_without_bertil", "alva_individual"):
            post_notices.post_published(cast.posts[key])

    def run_digest(self, rhythm: str = Rhythm.DAILY, **kwargs: int) -> dict[str, int]:
        with time_machine.travel(local(2026, 5, 4, 16, 0), tick=False):
            return digest.send_digests(rhythm, **kwargs)

    def test_the_digest_leaves_out_what_was_read_on_the_page(self) -> None:
        anna = signed_in(self.cast.anna, Role.GUARDIAN)
        anna.get(reverse("learninglog:post", args=[self.cast.posts["alva_individual"].uuid]))
        counts = self.run_digest()
        anna_mail = [m for m in mail.outbox if m.to == ["anna@example.se"]]
        [message] = anna_mail
        assert message.subject == "Nytt i Följa: 2 saker"
        assert message.body.count("Nytt inlägg om Alva") == 2
        assert counts["sent"] == 3  # Anna, Johan, Cecilia
        # A second run of the same day sends nothing again.
        mail.outbox.clear()
        again = self.run_digest()
        assert mail.outbox == [] and "sent" not in again

    def test_the_digest_asks_the_access_layer_again(self) -> None:
        Guardianship.objects.filter(child=self.cast.bertil, responsible=self.cast.cecilia).delete()
        self.run_digest()
        assert [m for m in mail.outbox if m.to == ["cecilia@example.se"]] == []
        assert "Bertil" not in "".join(m.body for m in mail.outbox)

    def test_weekly_and_off_rhythms_and_mail_turned_off(self) -> None:
        Preference.objects.create(person=self.cast.anna, rhythm=Rhythm.WEEKLY)
        Preference.objects.create(person=self.cast.johan, rhythm=Rhythm.OFF)
        Preference.objects.create(person=self.cast.cecilia, email_enabled=False)
        self.run_digest()
        assert mail.outbox == []
        self.run_digest(Rhythm.WEEKLY)
        assert [m.to for m in mail.outbox] == [["anna@example.se"]]

    def test_the_digest_can_be_split_across_workers(self) -> None:
        counts = [self.run_digest(shard=i, shards=3) for i in range(3)]
        assert sum(c.get("sent", 0) for c in counts) == 3
        assert len(mail.outbox) == 3

    def test_no_digest_in_quiet_hours(self) -> None:
        with time_machine.travel(local(2026, 5, 4, 21, 0), tick=False):
            counts = digest.send_digests(Rhythm.DAILY)
        assert mail.outbox == [] and counts["quiet hours"] == 3


class UnsubscribeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def test_the_signed_link_turns_mail_off_without_sign_in(self) -> None:
        url = reverse("notices:unsubscribe", args=[unsubscribe_token(self.cast.cecilia)])
        page = self.client.get(url)
        assert page.status_code == 200 and not Preference.objects.filter(email_enabled=False).exists()
        self.client.post(url, {"List-Unsubscribe": "One-Click"})
        assert Preference.objects.get(person=self.cast.cecilia).email_enabled is False

    def test_a_forged_or_altered_token_is_refused(self) -> None:
        token = unsubscribe_token(self.cast.cecilia)
        for bad in (token[:-2] + "xx", "abc", unsubscribe_token(self.cast.cecilia).replace(":", ";")):
            assert self.client.post(reverse("notices:unsubscribe", args=[bad])).status_code == 404
        assert not Preference.objects.filter(email_enabled=False).exists()

    def test_the_token_names_no_civic_number(self) -> None:
        token = unsubscribe_token(self.cast.cecilia)
        assert self.cast.cecilia.civic_number not in token
