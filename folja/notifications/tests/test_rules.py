"""Who is told of what, and who may still see a notice: the access rules for notices, role by role.

A notice never names a child, post or comment its receiver may not see, on the day it is sent
and when it is read: custody or a placement that ends, a sealed child, a deleted post or a
hidden comment take the notice away from the page, the count, the mail and the digest.
"""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from folja.access.roles import Role
from folja.directory.models import Guardianship, Placement
from folja.learninglog import actions
from folja.learninglog import notices as post_notices
from folja.learninglog.models import PostKind
from folja.notifications import api, rules
from folja.notifications.delivery import deliver_notices
from folja.notifications.models import Notice
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in


class NoticeRuleTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def publish(self, children: list[str], *, group: str = "blue", author: str = "teacher_blue"):  # noqa: ANN201
        cast = self.cast
        teacher = cast.viewer(author, Role.STAFF)
        with self.captureOnCommitCallbacks(execute=True):
            post = actions.post_create(
                actor=teacher,
                school_unit=cast.solrosen,
                kind=PostKind.GROUP,
                group=getattr(cast, group),
                children=[cast.persons[c] for c in children],
                title="Vi byggde en koja",
                body_html="<p>Text</p>",
                activity_date=cast.day,
            )
            actions.post_publish(actor=teacher, post=post, photo_consent_confirmed=True)
        return post

    def told(self, post) -> set[tuple[str, str]]:  # noqa: ANN001
        notices = Notice.objects.filter(about_uuid=post.uuid).select_related("recipient", "child")
        return {(n.recipient.given_name, n.child.given_name) for n in notices}

    def visible(self, name: str, role: Role = Role.GUARDIAN) -> list[Notice]:
        return list(rules.visible_notices(self.cast.viewer(name, role)))

    def test_a_group_post_tells_each_named_childs_guardians_of_their_own_child_only(self) -> None:
        # The cast's group post names Alva, Bertil and Sigge (it was written before Sigge was sealed).
        post = self.cast.posts["blue_group"]
        with self.captureOnCommitCallbacks(execute=True):
            post_notices.post_published(post)
        # Sigge is sealed (R5): his guardian Hanna is told nothing; no family hears of another child.
        assert self.told(post) == {("Anna", "Alva"), ("Johan", "Alva"), ("Cecilia", "Bertil")}
        assert all(n.role == "guardian" and not n.urgent for n in Notice.objects.filter(about_uuid=post.uuid))
        assert [n.child_id for n in self.visible("cecilia")] == [self.cast.bertil.pk]
        assert self.visible("hanna") == [] and self.visible("david") == []

    def test_a_guardian_in_a_hidden_member_group_is_never_told_of_another_child(self) -> None:
        post = self.publish(["cleo", "elin"], group="yellow", author="minder_yellow")
        assert self.told(post) == {("David", "Cleo"), ("Frida", "Elin")}
        page = signed_in(self.cast.david, Role.GUARDIAN).get(reverse("notices:list")).content.decode()
        assert "Cleo" in page and "Elin" not in page

    def test_a_guardian_whose_custody_ended_gets_no_notice_and_sees_none_of_the_old_ones(self) -> None:
        old = self.publish(["bertil"])
        assert len(self.visible("cecilia")) == 1
        Guardianship.objects.filter(child=self.cast.bertil, responsible=self.cast.cecilia).delete()
        new = self.publish(["bertil"])
        assert self.told(new) == set()
        assert self.visible("cecilia") == []
        assert api.unread(self.cast.viewer("cecilia", Role.GUARDIAN)).count() == 0
        [notice] = Notice.objects.filter(about_uuid=old.uuid)
        assert deliver_notices([notice.pk]) == {notice.pk: "digest"}  # and the digest asks again (test_digest)
        notice.urgent = True
        notice.save()
        assert deliver_notices([notice.pk]) == {notice.pk: "not visible"}
        assert mail.outbox == []

    def test_a_childs_notices_vanish_when_the_placement_ends(self) -> None:
        self.publish(["bertil"])
        Placement.objects.filter(child=self.cast.bertil).update(end_date=self.cast.day - dt.timedelta(days=1))
        assert self.visible("cecilia") == []

    def test_a_sealed_childs_notices_vanish(self) -> None:
        post = self.publish(["alva", "bertil"])
        alva = self.cast.alva
        alva.sealed_at = timezone.now()
        alva.save(update_fields=["sealed_at"])
        assert self.visible("anna") == [] and self.visible("johan") == []
        assert [n.about_uuid for n in self.visible("cecilia")] == [post.uuid]
        page = signed_in(self.cast.anna, Role.GUARDIAN).get(reverse("notices:list")).content.decode()
        assert "Alva" not in page

    def test_a_deleted_post_takes_its_notices_away(self) -> None:
        post = self.publish(["bertil"])
        actions.post_delete(actor=self.cast.viewer("teacher_blue", Role.STAFF), post=post)
        assert self.visible("cecilia") == []

    def test_a_child_no_longer_named_loses_the_notice(self) -> None:
        post = self.publish(["alva", "bertil"])
        actions.post_update(
            actor=self.cast.viewer("teacher_blue", Role.STAFF),
            post=post,
            title=post.title,
            body_html=post.body_html,
            activity_date=post.activity_date,
            goal_ids=[],
            children=[self.cast.alva],
        )
        assert [n.kind for n in self.visible("cecilia")] == []
        # The families still named hear that the post changed ("ändrad").
        assert {n.kind for n in self.visible("anna")} == {"post_published", "post_changed"}

    def test_guardian_notices_are_not_shown_in_a_staff_session_of_the_same_person(self) -> None:
        self.publish(["alva"])
        assert len(self.visible("johan")) == 1
        assert self.visible("johan", Role.STAFF) == []

    def test_a_family_comment_tells_the_posts_author_and_a_staff_answer_tells_only_that_family(self) -> None:
        post = self.publish(["alva", "bertil"])
        cast = self.cast
        with self.captureOnCommitCallbacks(execute=True):
            actions.comment_create(actor=cast.viewer("anna", Role.GUARDIAN), post=post, body="Så roligt!")
        [to_teacher] = self.visible("teacher_blue", Role.STAFF)
        assert to_teacher.kind == "comment_new" and to_teacher.child_id == cast.alva.pk
        assert self.visible("minder_yellow", Role.STAFF) == []
        assert self.visible("teacher_larkan", Role.STAFF) == []
        with self.captureOnCommitCallbacks(execute=True):
            actions.comment_create(
                actor=cast.viewer("teacher_blue", Role.STAFF), post=post, body="Tack!", family_child=cast.alva
            )
        assert {n.kind for n in self.visible("johan")} == {"post_published", "comment_new"}
        assert {n.kind for n in self.visible("cecilia")} == {"post_published"}
        # The author's own comment tells nobody of itself.
        assert not Notice.objects.filter(recipient=cast.teacher_blue, role="guardian").exists()

    def test_a_hidden_comment_takes_its_notice_away(self) -> None:
        post = self.publish(["bertil"])
        cast = self.cast
        with self.captureOnCommitCallbacks(execute=True):
            comment = actions.comment_create(
                actor=cast.viewer("teacher_blue", Role.STAFF), post=post, body="Hej", family_child=cast.bertil
            )
        assert {n.kind for n in self.visible("cecilia")} == {"post_published", "comment_new"}
        actions.comment_hide(actor=cast.viewer("teacher_blue", Role.STAFF), comment=comment)
        assert {n.kind for n in self.visible("cecilia")} == {"post_published"}

    def test_a_kind_without_a_rule_is_never_shown(self) -> None:
        Notice.objects.create(recipient=self.cast.anna, kind="unknown_kind", child=self.cast.alva)
        assert self.visible("anna") == []

    def test_a_sealed_recipient_sees_no_notice(self) -> None:
        self.publish(["bertil"])
        cecilia = self.cast.cecilia
        cecilia.sealed_at = timezone.now()
        cecilia.save(update_fields=["sealed_at"])
        assert rules.visible_notices(self.cast.viewer("cecilia", Role.GUARDIAN)).count() == 0
