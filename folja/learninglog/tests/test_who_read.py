""" "Vem har läst" on a child's settings page: the audit log summarised for the guardians.

Per day and staff member, each item read once however often it was opened that day; a picture
counts as its post; a post's title only when the guardian may read the post themselves; paged,
with a query count that does not grow with the page.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import time_machine
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role
from folja.learninglog.models import Post, PostChild, PostKind, PostStatus
from folja.media.models import Media, MediaKind
from folja.pages.learninglog.reads import PER_PAGE
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

# A fixed moment for the reads, whatever day the tests run (Europe/Stockholm).
MORNING = dt.datetime(2026, 3, 4, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def later(**delta: int) -> dt.datetime:
    return MORNING + dt.timedelta(**delta)


def read(cast, actor: str, action: str, *, obj: uuid.UUID | None = None, at: dt.datetime = MORNING, child=None):  # noqa: ANN001, ANN201
    """Record one staff read of Alva's documentation at a fixed moment (the log is append-only)."""
    with time_machine.travel(at, tick=False):
        return AuditRecord.objects.create(
            actor=cast.persons[actor],
            actor_role=Role.STAFF,
            child=child or cast.alva,
            action=action,
            object_type="",
            object_uuid=obj,
            school_unit=cast.solrosen,
        )


def items(html: str) -> list[str]:
    """The summary's lines as text: "HH.MM what", in page order."""
    section = html[html.index('id="reads"') :]
    lines = re.findall(r'<li><time class="reads__time"[^>]*>([^<]*)</time> <span>(.*?)</span></li>', section)
    return [f"{time} {re.sub(r'<[^>]+>', '', what)}" for time, what in lines]


class WhoReadTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.url = reverse("learninglog:child_settings", args=[cls.cast.alva.uuid])
        cls.post = cls.cast.posts["alva_individual"]
        cls.picture = Media.objects.create(
            post=cls.post,
            kind=MediaKind.IMAGE,
            file="x.jpg",
            content_type="image/jpeg",
            uploaded_by=cls.cast.teacher_blue,
        )

    def page(self, guardian: str = "anna", query: str = "") -> str:
        response = signed_in(self.cast.persons[guardian], Role.GUARDIAN).get(self.url + query)
        assert response.status_code == 200
        return response.content.decode()

    def test_repeated_reads_of_a_post_and_its_pictures_count_once_a_day(self) -> None:
        for minutes in (0, 3, 40):
            read(
                self.cast,
                "teacher_blue",
                AuditAction.READ_POST,
                obj=self.post.uuid,
                at=later(minutes=minutes),
            )
        read(
            self.cast,
            "teacher_blue",
            AuditAction.READ_MEDIA,
            obj=self.picture.uuid,
            at=later(minutes=1),
        )
        read(
            self.cast,
            "teacher_blue",
            AuditAction.READ_MEDIA,
            obj=self.picture.uuid,
            at=later(minutes=2),
        )
        html = self.page()
        assert items(html) == ["09.45 Läste inlägget Inlägg alva_individual"]
        assert f'href="{reverse("learninglog:post", args=[self.post.uuid])}"' in html
        assert "Tove Lärare" in html and "Solrosens förskola" in html
        assert AuditRecord.objects.filter(child=self.cast.alva).count() == 5  # the log itself keeps every read

    def test_pictures_seen_without_opening_the_post_say_so(self) -> None:
        read(self.cast, "teacher_blue", AuditAction.READ_MEDIA, obj=self.picture.uuid)
        assert items(self.page()) == ["09.05 Såg bilderna i inlägget Inlägg alva_individual"]

    def test_days_and_staff_members_newest_first(self) -> None:
        read(self.cast, "teacher_blue", AuditAction.READ_CONTACT, obj=self.cast.alva.uuid)
        read(
            self.cast,
            "principal",
            AuditAction.READ_TIMELINE,
            obj=self.cast.alva.uuid,
            at=later(hours=2),
        )
        read(self.cast, "teacher_blue", AuditAction.READ_FEED, at=later(days=1))
        html = self.page()
        assert items(html) == [
            "09.05 Såg inlägg om ditt barn i flödet",
            "11.05 Läste ditt barns lärlogg",
            "09.05 Läste kontaktuppgifterna",
        ]
        days = re.findall(r'<h3 class="reads__day"><time datetime="([\d-]+)">([^<]*)</time>', html)
        assert days == [("2026-03-05", "torsdag 5 mars 2026"), ("2026-03-04", "onsdag 4 mars 2026")]
        second_day = html[html.index("onsdag 4 mars 2026") :]
        assert second_day.index("Petra Rektor") < second_day.index("Tove Lärare")  # who read last first

    def test_a_post_the_guardian_cannot_read_is_described_without_its_title(self) -> None:
        draft = self.cast.posts["alva_draft"]
        other_child = self.cast.posts["olle_individual"]
        read(self.cast, "teacher_blue", AuditAction.READ_POST, obj=draft.uuid)
        read(self.cast, "teacher_blue", AuditAction.READ_POST, obj=other_child.uuid, at=later(minutes=5))
        html = self.page()
        assert items(html) == [
            "09.10 Läste ett inlägg som inte visas för dig",
            "09.05 Läste ett inlägg som inte visas för dig",
        ]
        assert draft.title not in html and other_child.title not in html
        assert str(draft.uuid) not in html and str(other_child.uuid) not in html

    def test_talks_are_named_by_period_when_the_guardian_may_read_them(self) -> None:
        world = build_talk_world(self.cast)
        alva_talk, bertil_talk = world["alva"], world["bertil"]
        read(self.cast, "teacher_blue", AuditAction.READ_TALK, obj=alva_talk.uuid)
        read(self.cast, "teacher_blue", AuditAction.READ_TALK, obj=bertil_talk.uuid, at=later(minutes=1))
        html = self.page()
        assert items(html) == [
            "09.06 Läste ett utvecklingssamtal",
            f"09.05 Läste utvecklingssamtalet {alva_talk.period_label}",
        ]
        assert str(bertil_talk.uuid) not in html

    def test_one_block_per_staff_member_and_day_whatever_the_unit_recorded(self) -> None:
        read(self.cast, "teacher_blue", AuditAction.READ_POST, obj=self.post.uuid)
        with time_machine.travel(later(minutes=2), tick=False):
            AuditRecord.objects.create(
                actor=self.cast.teacher_blue,
                actor_role=Role.STAFF,
                child=self.cast.alva,
                action=AuditAction.READ_TIMELINE,
                object_uuid=self.cast.alva.uuid,
            )  # a timeline read is recorded without a unit
        html = self.page()
        assert html.count('class="reads__reader"') == 1 and html.count("Tove Lärare") == 1
        assert items(html) == ["09.07 Läste ditt barns lärlogg", "09.05 Läste inlägget Inlägg alva_individual"]

    def test_a_sealed_staff_member_is_not_named(self) -> None:
        read(self.cast, "minder_yellow", AuditAction.READ_CONTACT, obj=self.cast.alva.uuid)
        staff = self.cast.minder_yellow
        staff.sealed_at = timezone.now()
        staff.save(update_fields=["sealed_at"])
        html = self.page()
        assert "(skyddad person)" in html and "Mats Skötare" not in html

    def test_only_the_childs_guardians_see_it_and_only_that_childs_reads(self) -> None:
        read(self.cast, "teacher_blue", AuditAction.READ_CONTACT, obj=self.cast.bertil.uuid, child=self.cast.bertil)
        assert "Ingen i personalen har läst något ännu." in self.page()
        response = signed_in(self.cast.cecilia, Role.GUARDIAN).get(self.url)
        assert response.status_code == 404

    def test_english(self) -> None:
        read(
            self.cast,
            "teacher_blue",
            AuditAction.READ_CONTACT,
            obj=self.cast.alva.uuid,
            at=later(hours=5),
        )
        client = signed_in(self.cast.anna, Role.GUARDIAN)
        client.cookies["django_language"] = "en"
        html = client.get(self.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Wednesday 4 March 2026" in html and ">14:05<" in html


class WhoReadPagingTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.url = reverse("learninglog:child_settings", args=[cls.cast.alva.uuid])

    def add_reads(self, count: int, start: int = 0) -> None:
        """Add `count` read posts, each on a day of its own, with a talk-list read to name too."""
        for i in range(start, start + count):
            post = Post.objects.create(
                organisation=self.cast.org_a,
                school_unit=self.cast.solrosen,
                kind=PostKind.INDIVIDUAL,
                status=PostStatus.PUBLISHED,
                author=self.cast.teacher_blue,
                title=f"Läst {i:02d}",
                body_html="<p>Text</p>",
                activity_date=self.cast.day,
            )
            PostChild.objects.create(post=post, child=self.cast.alva, activity_date=post.activity_date)
            read(self.cast, "teacher_blue", AuditAction.READ_POST, obj=post.uuid, at=later(days=-i))

    def queries(self, client, query: str = "") -> tuple[int, list[str]]:  # noqa: ANN001
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(self.url + query)
        assert response.status_code == 200
        return len(ctx.captured_queries), items(response.content.decode())

    def test_paged_newest_first_with_the_same_number_of_queries(self) -> None:
        client = signed_in(self.cast.anna, Role.GUARDIAN)
        self.add_reads(2)
        client.get(self.url)  # the first request of a session loads what every later one shares
        few, shown = self.queries(client)
        assert [s.split(" ", 1)[1] for s in shown] == ["Läste inlägget Läst 00", "Läste inlägget Läst 01"]
        self.add_reads(PER_PAGE + 3, start=2)
        many, shown = self.queries(client)
        assert len(shown) == PER_PAGE and shown[0].endswith("Läst 00")
        assert few == many, f"{few} queries for 2 items, {many} for {PER_PAGE}"
        _n, rest = self.queries(client, "?page=2")
        assert [s.split(" ", 1)[1] for s in rest] == [
            f"Läste inlägget Läst {i:02d}" for i in range(PER_PAGE, PER_PAGE + 5)
        ]

    def test_a_bad_page_number_shows_a_page(self) -> None:
        self.add_reads(1)
        client = signed_in(self.cast.anna, Role.GUARDIAN)
        for query in ("?page=x", "?page=999", "?page=-1"):
            _n, shown = self.queries(client, query)
            assert len(shown) == 1
