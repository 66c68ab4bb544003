"""A rhythm per child: "immediately for Alva, weekly for Bertil", on the settings page, in delivery and the digest."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from folja.access.roles import Role
from folja.directory.models import Guardianship, RelationType
from folja.learninglog import notices as post_notices
from folja.notifications import digest
from folja.notifications.delivery import deliver_notices
from folja.notifications.models import ChildRhythm, Notice, Preference, Rhythm
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def at(hour: int):  # noqa: ANN201
    return time_machine.travel(dt.datetime(2026, 5, 4, hour, 0, tzinfo=STOCKHOLM), tick=False)


class ChildRhythmTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cast = cls.cast
        # Anna holds custody of Alva and, here, of Bertil too: two children, two rhythms.
        Guardianship.objects.create(
            organisation=cast.org_a, child=cast.bertil, responsible=cast.anna, relation_type=RelationType.GUARDIAN
        )

    def publish(self) -> None:
        for key in ("blue_group", "alva_individual"):  # Alva twice, Bertil once
            post_notices.post_published(self.cast.posts[key])

    def anna_notices(self, child) -> list[Notice]:  # noqa: ANN001
        return list(Notice.objects.filter(recipient=self.cast.anna, child=child).order_by("pk"))

    def test_the_daily_digest_leaves_a_weekly_childs_notices_to_the_weekly_one(self) -> None:
        ChildRhythm.objects.create(person=self.cast.anna, child=self.cast.bertil, rhythm=Rhythm.WEEKLY)
        self.publish()
        with at(16):
            digest.send_digests(Rhythm.DAILY)
        [daily] = [m for m in mail.outbox if m.to == ["anna@example.se"]]
        assert daily.body.count("Nytt inlägg om Alva") == 2 and "Bertil" not in daily.body
        mail.outbox.clear()
        with at(16):
            digest.send_digests(Rhythm.WEEKLY)
        [weekly] = [m for m in mail.outbox if m.to == ["anna@example.se"]]
        assert "Bertil" in weekly.body and "Alva" not in weekly.body
        assert all(n.mailed_at is not None for n in self.anna_notices(self.cast.bertil))

    def test_a_child_chosen_weekly_is_served_weekly_though_the_person_hears_nothing_else(self) -> None:
        Preference.objects.create(person=self.cast.anna, rhythm=Rhythm.OFF)
        ChildRhythm.objects.create(person=self.cast.anna, child=self.cast.bertil, rhythm=Rhythm.WEEKLY)
        self.publish()
        with at(16):
            counts = digest.send_digests(Rhythm.DAILY)
        assert not [m for m in mail.outbox if m.to == ["anna@example.se"]] and counts["other rhythm"] >= 1
        with at(16):
            digest.send_digests(Rhythm.WEEKLY)
        [weekly] = [m for m in mail.outbox if m.to == ["anna@example.se"]]
        assert "Bertil" in weekly.body and "Alva" not in weekly.body

    def test_immediately_for_one_child_the_digest_for_the_other(self) -> None:
        ChildRhythm.objects.create(person=self.cast.anna, child=self.cast.alva, rhythm=Rhythm.IMMEDIATE)
        self.publish()
        alva = self.anna_notices(self.cast.alva)
        [bertil] = self.anna_notices(self.cast.bertil)
        with at(12):
            outcomes = deliver_notices([n.pk for n in [*alva, bertil]])
        assert [outcomes[n.pk] for n in alva] == ["sent", "sent"] and outcomes[bertil.pk] == "digest"
        assert len([m for m in mail.outbox if m.to == ["anna@example.se"]]) == 2

    def test_the_settings_page_lists_the_guardians_visible_children_and_saves_their_rhythms(self) -> None:
        cast = self.cast
        client = signed_in(cast.anna, Role.GUARDIAN)
        page = client.get(reverse("notices:settings")).content.decode()
        assert f"child_{cast.alva.uuid}" in page and f"child_{cast.bertil.uuid}" in page
        assert f"child_{cast.persons['cleo'].uuid}" not in page
        base = {"rhythm": "daily", "email_enabled": "on", "quiet_from": "20:00", "quiet_until": "07:00"}
        response = client.post(
            reverse("notices:settings"),
            {**base, f"child_{cast.alva.uuid}": "immediate", f"child_{cast.bertil.uuid}": "weekly"},
        )
        assert response.status_code == 302
        assert dict(ChildRhythm.objects.filter(person=cast.anna).values_list("child_id", "rhythm")) == {
            cast.alva.pk: "immediate",
            cast.bertil.pk: "weekly",
        }
        # "Som ovan" takes a child back to the person's own rhythm.
        client.post(
            reverse("notices:settings"), {**base, f"child_{cast.alva.uuid}": "", f"child_{cast.bertil.uuid}": "weekly"}
        )
        assert list(ChildRhythm.objects.filter(person=cast.anna).values_list("child_id", flat=True)) == [cast.bertil.pk]

    def test_a_guardian_cannot_set_a_rhythm_for_a_child_they_may_not_see(self) -> None:
        cast = self.cast
        base = {"rhythm": "daily", "email_enabled": "on", "quiet_from": "20:00", "quiet_until": "07:00"}
        # Another family's child, a sealed child of one's own (R5), a child one is only "Annan ansvarig" of.
        tampered = {f"child_{cast.persons['cleo'].uuid}": "immediate", f"child_{cast.persons['sigge'].uuid}": "weekly"}
        for person in (cast.anna, cast.persons["hanna"], cast.persons["other_responsible"]):
            client = signed_in(person, Role.GUARDIAN)
            client.post(reverse("notices:settings"), {**base, **tampered, f"child_{cast.alva.uuid}": "off"})
        assert not ChildRhythm.objects.exclude(person=cast.anna).exists()
        assert list(ChildRhythm.objects.values_list("child_id", "rhythm")) == [(cast.alva.pk, "off")]
        # A bad value is refused with the form's message and changes nothing stored.
        client = signed_in(cast.anna, Role.GUARDIAN)
        response = client.post(reverse("notices:settings"), {**base, f"child_{cast.alva.uuid}": "hourly"})
        assert response.status_code == 200
        assert list(ChildRhythm.objects.values_list("child_id", "rhythm")) == [(cast.alva.pk, "off")]

    def test_staff_have_no_rhythm_per_child_and_the_page_costs_the_same_for_one_or_two_children(self) -> None:
        cast = self.cast
        staff_page = (
            signed_in(cast.persons["teacher_blue"], Role.STAFF).get(reverse("notices:settings")).content.decode()
        )
        assert "child_" not in staff_page

        def count(person) -> int:  # noqa: ANN001
            client = signed_in(person, Role.GUARDIAN)
            client.get(reverse("notices:settings"))
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("notices:settings")).status_code == 200
            return len(queries)

        two, one = count(cast.anna), count(cast.cecilia)
        assert two == one and two <= 15
