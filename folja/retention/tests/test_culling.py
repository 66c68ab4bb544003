"""Culling by every rule, on both databases (make test / make test-pg) and both storages.

Alva (Blåbären, organisation A) leaves ten days ago; culling is then run on days in the future,
so every rule's event lies far enough back. What stays is checked as carefully as what goes.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import time_machine
from dateutil.relativedelta import relativedelta
from django.core.files.storage import default_storage
from django.test import TestCase, override_settings
from django.utils import timezone

from folja.access.audit import record_action
from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role
from folja.accounts.models import SignInAttempt
from folja.core.dates import today
from folja.export.tests.helpers import add_photo
from folja.learninglog.models import Comment, Post, PostChild
from folja.media.models import Media, Rendition
from folja.notifications.models import Notice
from folja.retention import actions, culling
from folja.retention.models import (
    CullingLogEntry,
    DocumentType,
    Event,
    PendingFileDeletion,
    RetentionRule,
    RetentionRuleChange,
)
from folja.retention.tests.world import alva_leaves, talk_for
from folja.talks.models import Agreement, Talk
from folja.testing.cast import build_cast


def files_of(media: list[Media]) -> list[str]:
    return [m.file.name for m in media] + [r.file.name for r in Rendition.objects.filter(media__in=media)]


class CullingTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.org = cls.cast.org_a
        cls.photo = add_photo(cls.cast.posts["alva_individual"], cls.cast.teacher_blue)
        cls.group_photo = add_photo(cls.cast.posts["blue_group"], cls.cast.teacher_blue)
        cls.talk = talk_for(cls.cast, "alva")
        alva_leaves(cls.cast, days_ago=10)

    def rule(self, document_type: str, event: str, months: int) -> RetentionRule:
        rule = actions.rule_set(
            actor=None, organisation=self.org, document_type=document_type, event=event, months=months
        )
        RetentionRule.objects.filter(pk=rule.pk).update(effective_from=today())  # told ahead long ago
        return rule

    def later(self, months: int) -> dt.date:
        return today() + relativedelta(months=months, days=1)

    def logged(self) -> dict[str, int]:
        return {e.what: e.count for e in CullingLogEntry.objects.all()} if CullingLogEntry.objects.exists() else {}

    def test_individual_posts_go_with_their_media_files_once_the_child_left_long_enough(self):
        self.rule(DocumentType.INDIVIDUAL_POST, Event.CHILD_LEFT, 24)
        names = files_of([self.photo])
        culling.cull(self.later(23))
        self.assertTrue(Post.objects.filter(pk=self.cast.posts["alva_individual"].pk).exists())
        culling.cull(self.later(24))
        self.assertFalse(Post.objects.filter(pk=self.cast.posts["alva_individual"].pk).exists())
        self.assertFalse(Media.objects.filter(pk=self.photo.pk).exists())
        self.assertFalse(any(default_storage.exists(n) for n in names))
        self.assertFalse(PendingFileDeletion.objects.exists())
        # Bertil stayed, the draft about Alva went too (an individual post about a child who left).
        self.assertTrue(Post.objects.filter(pk=self.cast.posts["blue_group"].pk).exists())
        entries = list(CullingLogEntry.objects.values_list("document_type", "event", "months", "what", "count"))
        self.assertIn((DocumentType.INDIVIDUAL_POST, Event.CHILD_LEFT, 24, "post", 2), entries)
        self.assertIn((DocumentType.INDIVIDUAL_POST, Event.CHILD_LEFT, 24, "media", 1), entries)

    def test_a_group_post_loses_the_childs_name_and_family_thread_and_stays_for_the_others(self):
        self.rule(DocumentType.GROUP_POST, Event.CHILD_LEFT, 24)
        culling.cull(self.later(24))
        group = self.cast.posts["blue_group"]
        self.assertTrue(Post.objects.filter(pk=group.pk).exists())
        self.assertFalse(PostChild.objects.filter(post=group, child=self.cast.alva).exists())
        self.assertTrue(PostChild.objects.filter(post=group, child=self.cast.bertil).exists())
        self.assertFalse(Comment.objects.filter(pk=self.cast.comments["anna_on_group"].pk).exists())
        self.assertTrue(Comment.objects.filter(pk=self.cast.comments["cecilia_on_group"].pk).exists())
        self.assertTrue(Media.objects.filter(pk=self.group_photo.pk).exists())
        # A group post that named Alva alone has no one left: it goes.
        self.assertFalse(Post.objects.filter(pk=self.cast.posts["blue_group_without_bertil"].pk).exists())
        self.assertEqual(self.logged(), {"child_name": 2, "comment": 1, "post": 1})

    def test_group_posts_go_at_the_end_of_the_school_year_under_that_rule(self):
        self.rule(DocumentType.GROUP_POST, Event.SCHOOL_YEAR_END, 12)
        group_names = files_of([self.group_photo])
        culling.cull(today() + dt.timedelta(days=30))
        self.assertTrue(Post.objects.filter(pk=self.cast.posts["blue_group"].pk).exists())
        culling.cull(self.later(25))
        self.assertFalse(Post.objects.filter(kind="group", organisation=self.org).exists())
        self.assertTrue(Post.objects.filter(pk=self.cast.posts["olle_individual"].pk).exists())  # organisation B
        self.assertFalse(any(default_storage.exists(n) for n in group_names))

    def test_comments_media_agreements_and_talks_by_their_own_rules(self):
        self.rule(DocumentType.COMMENT, Event.CREATED, 12)
        self.rule(DocumentType.MEDIA, Event.CREATED, 12)
        self.rule(DocumentType.AGREEMENT, Event.CREATED, 12)
        Notice.objects.create(
            recipient=self.cast.anna, kind="talk_record_shared", context={"talk_uuid": str(self.talk.uuid)}
        )
        names = files_of([self.photo, self.group_photo])
        culling.cull(self.later(13))
        self.assertFalse(Comment.objects.filter(post__organisation=self.org).exists())
        self.assertFalse(Media.objects.exists())
        self.assertFalse(any(default_storage.exists(n) for n in names))
        self.assertTrue(
            Post.objects.filter(pk=self.cast.posts["alva_individual"].pk).exists()
        )  # media rule: files only
        self.assertFalse(Agreement.objects.exists())
        self.assertTrue(Talk.objects.filter(pk=self.talk.pk).exists())
        self.rule(DocumentType.TALK_RECORD, Event.CHILD_LEFT, 60)
        culling.cull(self.later(61))
        self.assertFalse(Talk.objects.filter(pk=self.talk.pk).exists())
        self.assertFalse(Notice.objects.filter(context__talk_uuid=str(self.talk.uuid)).exists())

    def test_audit_and_sign_in_records_follow_their_own_rules(self):
        with time_machine.travel(timezone.now() - dt.timedelta(days=800)):
            record_action(
                self.cast.viewer("teacher_blue", Role.STAFF),
                AuditAction.READ_POST,
                [self.cast.bertil.pk],
                school_unit=self.cast.solrosen,
            )
            SignInAttempt.objects.create(method="test", outcome="success")
        record_action(
            self.cast.viewer("teacher_blue", Role.STAFF),
            AuditAction.READ_POST,
            [self.cast.bertil.pk],
            school_unit=self.cast.solrosen,
        )
        SignInAttempt.objects.create(method="test", outcome="success")
        self.rule(DocumentType.AUDIT_RECORD, Event.CREATED, 24)
        culling.cull(today())
        self.assertEqual(AuditRecord.objects.filter(child=self.cast.bertil).count(), 1)
        self.assertEqual(SignInAttempt.objects.count(), 1)
        self.assertEqual(self.logged(), {"audit_record": 1, "signin_record": 1})
        # Everywhere else the log stays append-only.
        with self.assertRaises(PermissionError):
            AuditRecord.objects.all().delete()

    def test_a_rerun_removes_nothing_more(self):
        for kind, (event, months) in {**actions.DEFAULT_RULES}.items():
            self.rule(kind, event, months)
        culling.cull(self.later(73))
        first = CullingLogEntry.objects.count()
        self.assertGreater(first, 0)
        counts = (Post.objects.count(), Comment.objects.count(), Media.objects.count(), PostChild.objects.count())
        culling.cull(self.later(73))
        self.assertEqual(CullingLogEntry.objects.count(), first)
        self.assertEqual(
            counts, (Post.objects.count(), Comment.objects.count(), Media.objects.count(), PostChild.objects.count())
        )

    def test_a_crash_between_rows_and_files_leaves_the_files_to_the_next_run(self):
        self.rule(DocumentType.INDIVIDUAL_POST, Event.CHILD_LEFT, 24)
        names = files_of([self.photo])
        with (
            mock.patch.object(default_storage, "delete", side_effect=OSError("storage down")),
            self.assertRaises(OSError),
        ):
            culling.cull(self.later(24))
        self.assertFalse(Post.objects.filter(pk=self.cast.posts["alva_individual"].pk).exists())
        self.assertCountEqual(PendingFileDeletion.objects.values_list("name", flat=True), names)
        self.assertTrue(all(default_storage.exists(n) for n in names))
        culling.cull(self.later(24))
        self.assertFalse(any(default_storage.exists(n) for n in names))
        self.assertFalse(PendingFileDeletion.objects.exists())

    def test_a_crash_inside_a_batch_rolls_the_batch_back_and_the_next_run_finishes(self):
        self.rule(DocumentType.INDIVIDUAL_POST, Event.CREATED, 1)
        before = Post.objects.filter(organisation=self.org, kind="individual").count()
        calls = {"n": 0}
        real = culling._forget_cards

        def crash_on_second(ids: list[int]) -> None:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("worker killed")
            real(ids)

        with (
            mock.patch.object(culling, "BATCH", 1),
            mock.patch.object(culling, "_forget_cards", crash_on_second),
            self.assertRaises(RuntimeError),
        ):
            culling.cull(self.later(2))
        self.assertEqual(Post.objects.filter(organisation=self.org, kind="individual").count(), before - 1)
        self.assertFalse(PendingFileDeletion.objects.exists())  # the first batch's files went after its commit
        culling.cull(self.later(2))
        self.assertFalse(Post.objects.filter(organisation=self.org, kind="individual").exists())
        self.assertFalse(Media.objects.filter(pk=self.photo.pk).exists())

    def test_a_new_rule_culls_only_after_the_notice_period(self):
        actions.rule_set(
            actor=None, organisation=self.org, document_type=DocumentType.COMMENT, event=Event.CREATED, months=0
        )
        culling.cull(today())
        self.assertTrue(Comment.objects.filter(post__organisation=self.org).exists())
        culling.cull(today() + dt.timedelta(days=30))
        self.assertFalse(Comment.objects.filter(post__organisation=self.org).exists())

    def test_every_change_of_a_rule_is_logged(self):
        rule = actions.rule_set(
            actor=None, organisation=self.org, document_type=DocumentType.COMMENT, event=Event.CREATED, months=12
        )
        actions.rule_set(
            actor=None, organisation=self.org, document_type=DocumentType.COMMENT, event=Event.CREATED, months=12
        )
        actions.rule_set(
            actor=None, organisation=self.org, document_type=DocumentType.COMMENT, event=Event.CREATED, months=18
        )
        actions.rule_delete(actor=None, rule=RetentionRule.objects.get(pk=rule.pk))
        changes = list(RetentionRuleChange.objects.order_by("id").values_list("before", "after"))
        self.assertEqual(
            changes,
            [
                ({}, {"event": "created", "months": 12}),
                ({"event": "created", "months": 12}, {"event": "created", "months": 18}),
                ({"event": "created", "months": 18}, {}),
            ],
        )
        created = actions.rules_adopt_defaults(actor=None, organisation=self.org)
        self.assertEqual({r.document_type for r in created}, set(actions.DEFAULT_RULES))
        self.assertEqual(actions.rules_adopt_defaults(actor=None, organisation=self.org), [])


@override_settings(FOLJA_CARD_CACHE=True)
class CardCacheTests(TestCase):
    def test_culled_posts_leave_the_card_cache(self):
        from django.core.cache import cache

        cast = build_cast()
        post = cast.posts["alva_individual"]
        cache.set(f"card:sv:{post.pk}:0", ("digest", "<p>Inlägg</p>"))
        alva_leaves(cast, days_ago=10)
        rule = actions.rule_set(
            actor=None,
            organisation=cast.org_a,
            document_type=DocumentType.INDIVIDUAL_POST,
            event=Event.CHILD_LEFT,
            months=1,
        )
        RetentionRule.objects.filter(pk=rule.pk).update(effective_from=today())
        culling.cull(today() + relativedelta(months=2))
        self.assertIsNone(cache.get(f"card:sv:{post.pk}:0"))
