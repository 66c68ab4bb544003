"""The child's own voice (issue 29): a pupil's reflection or post waits for staff's approval before
guardians see it; no other family ever sees it; staff write down the child's own words."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role, Viewer
from folja.learninglog import access as post_policy
from folja.learninglog.models import Post, PostStatus
from folja.media.models import Media
from folja.media.tests import samples
from folja.notifications.models import Notice
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in


class ChildsVoiceTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.group_post = cls.cast.posts["blue_group"]

    def client_as(self, key: str, role: Role) -> Client:
        return sign_in(Client(), self.cast.persons[key], role)

    def reflect(self, text: str = "Jag byggde det högsta tornet!") -> Post:
        alva = self.client_as("alva", Role.CHILD)
        url = reverse("learninglog:child_post_new") + f"?reflect={self.group_post.uuid}"
        assert alva.get(url).status_code == 200
        response = alva.post(url, {"body": text})
        assert response.status_code == 302
        return Post.objects.get(reflects_on=self.group_post)

    def sees(self, key: str, role: Role, post: Post) -> bool:
        return post_policy.visible_posts(Viewer(self.cast.persons[key], role)).filter(pk=post.pk).exists()

    def test_a_reflection_waits_for_approval_and_then_reaches_the_childs_guardians_only(self) -> None:
        reflection = self.reflect()
        assert reflection.status == PostStatus.PENDING
        assert list(reflection.post_children.values_list("child", flat=True)) == [self.cast.alva.pk]
        assert self.sees("alva", Role.CHILD, reflection)
        assert self.sees("teacher_blue", Role.STAFF, reflection)
        for key, role in (("anna", Role.GUARDIAN), ("cecilia", Role.GUARDIAN), ("bertil", Role.CHILD)):
            assert not self.sees(key, role, reflection), key

        teacher = self.client_as("teacher_blue", Role.STAFF)
        assert reflection.title.encode() in teacher.get(reverse("learninglog:pending")).content
        page = teacher.get(reverse("learninglog:post", args=[reflection.uuid]))
        assert "Godkänn".encode() in page.content
        assert (
            teacher.post(
                reverse("learninglog:post_decide", args=[reflection.uuid]), {"decision": "approve"}
            ).status_code
            == 302
        )

        reflection.refresh_from_db()
        assert reflection.status == PostStatus.PUBLISHED
        assert reflection.decided_by == self.cast.teacher_blue and reflection.decided_at is not None
        assert self.sees("anna", Role.GUARDIAN, reflection) and self.sees("johan", Role.GUARDIAN, reflection)
        assert not self.sees("cecilia", Role.GUARDIAN, reflection)
        assert not self.sees("bertil", Role.CHILD, reflection)
        assert Notice.objects.filter(about_uuid=reflection.uuid, recipient=self.cast.anna).exists()
        assert not Notice.objects.filter(about_uuid=reflection.uuid, recipient=self.cast.persons["cecilia"]).exists()
        assert AuditRecord.objects.filter(action=AuditAction.APPROVE_POST, child=self.cast.alva).exists()
        # The staff post lists the reflection for Alva's family, never for Bertil's.
        own = self.client_as("anna", Role.GUARDIAN).get(reverse("learninglog:post", args=[self.group_post.uuid]))
        other = self.client_as("cecilia", Role.GUARDIAN).get(reverse("learninglog:post", args=[self.group_post.uuid]))
        assert reflection.title.encode() in own.content
        assert reflection.title.encode() not in other.content

    def test_a_declined_post_stays_with_the_child_and_staff(self) -> None:
        reflection = self.reflect()
        teacher = self.client_as("teacher_blue", Role.STAFF)
        teacher.post(reverse("learninglog:post_decide", args=[reflection.uuid]), {"decision": "decline"})

        reflection.refresh_from_db()
        assert reflection.status == PostStatus.DECLINED
        assert self.sees("alva", Role.CHILD, reflection)
        assert not self.sees("anna", Role.GUARDIAN, reflection)
        assert AuditRecord.objects.filter(action=AuditAction.DECLINE_POST).exists()

    def test_only_staff_connected_to_the_child_at_the_posts_unit_decide(self) -> None:
        reflection = self.reflect()
        url = reverse("learninglog:post_decide", args=[reflection.uuid])
        for key, role in (
            ("minder_yellow", Role.STAFF),
            ("teacher_fklass", Role.STAFF),
            ("alva", Role.CHILD),
            ("anna", Role.GUARDIAN),
        ):
            assert self.client_as(key, role).post(url, {"decision": "approve"}).status_code in (403, 404), key
        reflection.refresh_from_db()
        assert reflection.status == PostStatus.PENDING
        assert self.client_as("teacher_blue", Role.STAFF).post(url, {"decision": "maybe"}).status_code == 400

    def test_the_teachers_of_the_childs_group_are_told_and_the_notice_is_settled_by_a_decision(self) -> None:
        from folja.directory.models import DutyAssignment
        from folja.notifications import rules
        from folja.notifications.emails import render_notice_text

        with self.captureOnCommitCallbacks(execute=True):
            reflection = self.reflect()
        told = Notice.objects.filter(kind="child_post_pending", about_uuid=reflection.uuid)
        # Tove is assigned to Blåbären, Alva's group; the principal's unit-wide duty alone, the other
        # group's minder and the families are not told.
        assert list(told.values_list("recipient", "role", "child")) == [
            (self.cast.teacher_blue.pk, Role.STAFF, self.cast.alva.pk)
        ]
        notice = told.get()
        subject, text = render_notice_text("child_post_pending", notice.context)
        assert "Alva" not in subject and "Alva" in text and "reflektion" in text
        tove = Viewer(self.cast.teacher_blue, Role.STAFF)
        assert rules.visible_notices(tove).filter(pk=notice.pk).exists()
        page = self.client_as("teacher_blue", Role.STAFF).get(reverse("notices:list"))
        assert reverse("notices:open", args=[notice.uuid]).encode() in page.content
        assert notice.context["path"] == reverse("learninglog:post", args=[reflection.uuid])
        # No longer assigned to Alva's group (and not unit-wide): the notice is gone.
        assignments = list(DutyAssignment.objects.filter(duty__person=self.cast.teacher_blue))
        DutyAssignment.objects.filter(pk__in=[a.pk for a in assignments]).delete()
        assert not rules.visible_notices(tove).filter(pk=notice.pk).exists()
        DutyAssignment.objects.bulk_create(assignments)
        # A decision settles it for everyone who was asked.
        teacher = self.client_as("teacher_blue", Role.STAFF)
        teacher.post(reverse("learninglog:post_decide", args=[reflection.uuid]), {"decision": "approve"})
        notice.refresh_from_db()
        assert notice.read_at is not None

    def test_a_child_posts_a_voice_recording_and_a_refused_file_keeps_the_text(self) -> None:
        alva = self.client_as("alva", Role.CHILD)
        url = reverse("learninglog:child_post_new")
        bad = SimpleUploadedFile("inte.txt", b"hello", content_type="text/plain")
        response = alva.post(url, {"title": "Min sång", "body": "Jag sjöng", "file": bad})
        assert response.status_code == 200
        assert "Jag sjöng".encode() in response.content
        assert not Post.objects.filter(author=self.cast.alva).exists()

        song = SimpleUploadedFile("sang.mp3", samples.mp3_with_tags(), content_type="audio/mpeg")
        assert alva.post(url, {"title": "Min sång", "body": "Jag sjöng", "file": song}).status_code == 302
        post = Post.objects.get(author=self.cast.alva)
        assert post.status == PostStatus.PENDING and post.school_unit == self.cast.solrosen
        assert Media.objects.get(post=post).kind == "audio"

    def test_a_guardian_or_staff_cannot_use_the_childs_form(self) -> None:
        url = reverse("learninglog:child_post_new")
        for key, role in (("anna", Role.GUARDIAN), ("teacher_blue", Role.STAFF)):
            assert self.client_as(key, role).get(url).status_code in (403, 404), key
        # A child reflects only on a post they may read.
        alva = self.client_as("alva", Role.CHILD)
        other = self.cast.posts["olle_individual"]
        assert alva.get(url + f"?reflect={other.uuid}").status_code == 404

    def test_staff_write_the_childs_own_words_and_the_family_reads_them(self) -> None:
        post = self.cast.posts["alva_individual"]
        teacher = self.client_as("teacher_blue", Role.STAFF)
        url = reverse("learninglog:childs_words", args=[post.uuid])
        assert teacher.post(url, {"childs_words": "Maskarna bor under stenen."}).status_code == 302
        page = self.client_as("anna", Role.GUARDIAN).get(reverse("learninglog:post", args=[post.uuid]))
        assert b"Med barnets egna ord" in page.content and b"Maskarna bor under stenen." in page.content
        assert self.client_as("minder_yellow", Role.STAFF).post(url, {"childs_words": "x"}).status_code == 404

    def test_the_pending_list_costs_the_same_queries_for_one_and_for_many(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.reflect()
        teacher = self.client_as("teacher_blue", Role.STAFF)
        url = reverse("learninglog:pending")
        teacher.get(url)
        with CaptureQueriesContext(connection) as one:
            teacher.get(url)
        alva = self.client_as("alva", Role.CHILD)
        for n in range(5):
            alva.post(reverse("learninglog:child_post_new"), {"title": f"Inlägg {n}", "body": "text"})
        with CaptureQueriesContext(connection) as many:
            teacher.get(url)
        assert len(many) == len(one)
