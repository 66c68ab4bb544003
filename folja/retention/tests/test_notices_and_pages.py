"""Told ahead: guardians hear what will be culled (once), staff see what their unit will lose,
administrators try a rule before adopting it (nothing is deleted)."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.test import TestCase
from django.urls import reverse

from folja.access.roles import Role, Viewer
from folja.accounts.models import User
from folja.core.dates import today
from folja.learninglog.models import Post
from folja.notifications import rules
from folja.notifications.models import Notice
from folja.retention import actions
from folja.retention.models import CullingNotice, DocumentType, Event, RetentionRule
from folja.retention.tests.world import alva_leaves
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in


class NoticeAheadTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        # Alva left 23 months and 20 days ago: under "24 months after leaving" her posts go in 10 days.
        # She moved on to Lärkan (organisation B), so her family still sees her record there (R6).
        left = today() - relativedelta(months=24) + dt.timedelta(days=10)
        alva_leaves(cls.cast, days_ago=(today() - left).days, moves_to=cls.cast.larkan)
        actions.rule_set(
            actor=None,
            organisation=cls.cast.org_a,
            document_type=DocumentType.INDIVIDUAL_POST,
            event=Event.CHILD_LEFT,
            months=24,
        )

    def test_guardians_of_the_child_are_told_once_with_the_export_offered(self):
        told = actions.guardians_tell_ahead()
        self.assertEqual(told, 1)
        recipients = set(Notice.objects.filter(kind="culling_ahead").values_list("recipient__given_name", flat=True))
        self.assertEqual(recipients, {"Anna", "Johan"})  # both households; no other family
        notice = Notice.objects.filter(kind="culling_ahead").first()
        self.assertEqual(notice.child_id, self.cast.alva.pk)
        self.assertEqual(notice.context["path"], f"/export/children/{self.cast.alva.uuid}/")
        # Shown to the guardian while the child is one she may see (export/notices.py), urgent.
        anna = Viewer(person=self.cast.anna, role=Role.GUARDIAN)
        self.assertEqual([n.kind for n in rules.visible_notices(anna)], ["culling_ahead"])
        self.assertTrue(rules.is_urgent("culling_ahead"))
        self.assertEqual(actions.guardians_tell_ahead(), 0)  # once per notice period
        self.assertEqual(CullingNotice.objects.count(), 1)

    def test_a_sealed_child_s_guardians_are_told_nothing(self):
        from folja.directory.models import Placement

        alva_end = Placement.objects.filter(child=self.cast.alva, organisation=self.cast.org_a).first().end_date
        Placement.objects.filter(child=self.cast.sigge).update(
            start_date=alva_end - dt.timedelta(days=400), end_date=alva_end
        )
        actions.guardians_tell_ahead()
        self.assertFalse(Notice.objects.filter(recipient=self.cast.hanna).exists())

    def test_staff_see_what_their_unit_will_lose_and_nothing_else(self):
        response = signed_in(self.cast.teacher_blue, Role.STAFF).get(reverse("retention:outlook"))
        self.assertContains(response, "Solrosens förskola")
        self.assertContains(response, "<td>2</td>", html=False)  # Alva's post and her draft
        self.assertNotContains(response, "Alva")
        other = signed_in(self.cast.teacher_larkan, Role.STAFF).get(reverse("retention:outlook"))
        self.assertNotContains(other, "Solrosens förskola")
        self.assertEqual(signed_in(self.cast.anna, Role.GUARDIAN).get(reverse("retention:outlook")).status_code, 403)


class AdminTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.admin = User.objects.create_superuser(username="operator", password="x" * 20)

    def test_the_dry_run_shows_counts_and_deletes_nothing(self):
        self.client.force_login(self.admin)
        before = Post.objects.count()
        url = reverse("admin:retention_dry_run")
        response = self.client.get(
            url, {"organisation": self.cast.org_a.pk, "document_type": "group_post", "event": "created", "months": 0}
        )
        self.assertContains(response, "Skulle gallras i dag")
        self.assertContains(response, "<td>3</td>", html=False)  # the three group posts of organisation A
        self.assertNotContains(response, "Inlägg blue_group")
        self.assertEqual(Post.objects.count(), before)

    def test_adopting_the_defaults_and_changing_a_rule_in_the_admin_is_logged(self):
        self.client.force_login(self.admin)
        self.client.post(reverse("admin:retention_defaults"), {"organisation": self.cast.org_a.pk})
        self.assertEqual(RetentionRule.objects.filter(organisation=self.cast.org_a).count(), len(actions.DEFAULT_RULES))
        rule = RetentionRule.objects.get(organisation=self.cast.org_a, document_type="comment")
        response = self.client.post(
            reverse("admin:retention_retentionrule_change", args=[rule.pk]),
            {"organisation": self.cast.org_a.pk, "document_type": "comment", "event": "created", "months": 6},
        )
        self.assertEqual(response.status_code, 302)
        from folja.retention.models import RetentionRuleChange

        change = RetentionRuleChange.objects.filter(document_type="comment").order_by("-id").first()
        self.assertEqual(
            (change.before, change.after, change.changed_by),
            ({"event": "child_left", "months": 24}, {"event": "created", "months": 6}, self.admin),
        )
        self.assertEqual(self.client.get(reverse("admin:retention_cullinglogentry_changelist")).status_code, 200)
