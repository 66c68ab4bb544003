"""Regression tests for the R8 findings F1–F4 of the security review (issue: "one family's consent
opens classmates' preschool documentation to the new school").

The world is the cast with build_mixed_transition: a Solrosen group post from 100 days ago names
Tyra (moved to F-klass A, her guardian consented), Viggo (moved, no consent) and Alva (stayed).
The receiving teacher is teacher_fklass at Ekbacken. Each test fails on bd2659f.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from folja.access.audit import reads_of_child
from folja.access.roles import Role
from folja.learninglog import access as post_policy
from folja.learninglog import actions, coverage
from folja.media.models import Media, MediaKind, MediaStatus, Rendition
from folja.pages import listing
from folja.talks import access as talk_policy
from folja.talks.models import Talk
from folja.talks.templates import default_talk_template
from folja.testing.cast import build_cast, build_mixed_transition
from folja.testing.sessions import signed_in


class MixedTransitionTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        build_mixed_transition(cls.cast)
        cls.post = cls.cast.posts["mixed_group"]
        cls.receiving = cls.cast.viewer("teacher_fklass", Role.STAFF)

    def comments_seen(self, viewer) -> set[str]:  # noqa: ANN001
        return {c.body.removeprefix("Kommentar ") for c in post_policy.visible_comments(viewer, self.post)}


class F1ConsentOfOneChildSharesOnlyThatChild(MixedTransitionTestCase):
    def test_f1_the_post_reaches_the_receiving_teacher_through_the_consenting_child(self) -> None:
        assert post_policy.visible_posts(self.receiving).filter(pk=self.post.pk).exists()
        assert post_policy.timeline_posts(self.receiving, self.cast.tyra).filter(pk=self.post.pk).exists()

    def test_f1_the_child_without_consent_gets_no_shared_post_on_its_timeline(self) -> None:
        assert not post_policy.timeline_posts(self.receiving, self.cast.viggo).filter(pk=self.post.pk).exists()
        # The list page's own query (listing.post_page): the same answer.
        posts = post_policy.timeline_posts(self.receiving, self.cast.viggo)
        page = listing.post_page(self.receiving, posts, filters=(None, None, None), anchor=None, limit=50)
        assert self.post.pk not in {p.id for p in page}

    def test_f1_only_the_consenting_child_is_named_to_the_receiving_teacher(self) -> None:
        named = set(post_policy.named_children_visible_on_post(self.receiving, self.post))
        assert named == {self.cast.tyra}
        posts = post_policy.timeline_posts(self.receiving, self.cast.tyra)
        page = listing.post_page(self.receiving, posts, filters=(None, None, None), anchor=None, limit=50)
        (card,) = [p for p in page if p.id == self.post.pk]
        assert [n.child_id for n in card.visible_named] == [self.cast.tyra.pk]
        listed = listing.with_listing_data(
            self.receiving, post_policy.visible_posts(self.receiving).filter(pk=self.post.pk)
        )
        assert [pc.child_id for pc in listed.get().visible_named] == [self.cast.tyra.pk]

    def test_f1_the_receiving_teacher_reads_only_the_consenting_familys_comments_and_staff_comments_to_all(
        self,
    ) -> None:
        # Never Viggo's family's (R2: never to other families, and his family did not consent), never
        # Alva's, never a staff comment to Viggo's family, never a comment the preschool hid.
        assert self.comments_seen(self.receiving) == {"kerstin_on_mixed", "staff_to_all_on_mixed"}
        listed = listing.with_listing_data(
            self.receiving, post_policy.visible_posts(self.receiving).filter(pk=self.post.pk)
        )
        assert listed.get().visible_comment_count == 2

    def test_f1_the_post_page_shows_nothing_of_the_other_children(self) -> None:
        response = signed_in(self.cast.teacher_fklass, Role.STAFF).get(
            reverse("learninglog:post", args=[self.post.uuid])
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "Tyra Sol" in body and "Kommentar kerstin_on_mixed" in body
        for text in ("Viggo", "Alva", "lars_on_mixed", "anna_on_mixed", "staff_to_viggo", "kerstin_hidden"):
            assert text not in body, text

    def test_f1_coverage_of_the_child_without_consent_counts_nothing_from_the_preschool(self) -> None:
        assert not coverage.child_posts_scope(self.receiving, self.cast.viggo).filter(pk=self.post.pk).exists()
        response = signed_in(self.cast.teacher_fklass, Role.STAFF).get(
            reverse("curriculum:child_coverage", args=[self.cast.viggo.uuid]) + "?format=csv"
        )
        assert response.status_code == 200

    def test_f1_the_preschool_keeps_seeing_only_the_child_still_there(self) -> None:
        # R6: Tyra and Viggo left Solrosen; its staff see the post through Alva alone.
        teacher = self.cast.viewer("teacher_blue", Role.STAFF)
        assert set(post_policy.named_children_visible_on_post(teacher, self.post)) == {self.cast.alva}
        assert self.comments_seen(teacher) == {"anna_on_mixed", "staff_to_all_on_mixed"}

    def test_f1_withdrawing_consent_takes_the_post_away_at_once(self) -> None:
        from folja.pages.transitions.actions import consent_set

        consent_set(actor=self.cast.viewer("kerstin", Role.GUARDIAN), child=self.cast.tyra, allowed=False)
        assert not post_policy.visible_posts(self.receiving).filter(pk=self.post.pk).exists()
        assert not post_policy.named_children_visible_on_post(self.receiving, self.post).exists()


class F2SharedPostsAreReadOnly(MixedTransitionTestCase):
    def test_f2_receiving_staff_may_not_edit_or_delete_the_sending_units_post(self) -> None:
        assert not post_policy.may_edit_post(self.receiving, self.post)
        with pytest.raises(PermissionDenied):
            actions.post_delete(actor=self.receiving, post=self.post)
        client = signed_in(self.cast.teacher_fklass, Role.STAFF)
        assert client.get(reverse("learninglog:post_edit", args=[self.post.uuid])).status_code == 404
        assert client.post(reverse("learninglog:post_delete", args=[self.post.uuid])).status_code == 404
        assert client.get(reverse("learninglog:post_history", args=[self.post.uuid])).status_code == 404
        self.post.refresh_from_db()
        assert self.post.deleted_at is None

    def test_f2_staff_of_the_posts_own_unit_still_edit_it(self) -> None:
        assert post_policy.may_edit_post(self.cast.viewer("teacher_blue", Role.STAFF), self.post)

    def test_f2_a_talk_shared_with_the_receiving_unit_is_read_only_there(self) -> None:
        talk = Talk.objects.create(
            organisation=self.cast.org_a,
            school_unit=self.cast.solrosen,
            group=self.cast.blue,
            child=self.cast.tyra,
            template_version=default_talk_template(self.cast.org_a).current_version(),
            period_start=self.cast.day.replace(day=1) - dt.timedelta(days=130),
            activity_date=self.cast.day - dt.timedelta(days=100),
            created_by=self.cast.teacher_blue,
        )
        assert talk_policy.visible_talks(self.receiving).filter(pk=talk.pk).exists()
        assert not talk_policy.may_edit_talk(self.receiving, talk)
        # Posts the receiving teacher may link to Viggo's talks: never those seen through Tyra.
        viggo_talk = Talk.objects.create(
            organisation=self.cast.org_a,
            school_unit=self.cast.ekbacken,
            group=self.cast.fklass,
            child=self.cast.viggo,
            template_version=talk.template_version,
            period_start=self.cast.day,
            activity_date=self.cast.day,
            created_by=self.cast.teacher_fklass,
        )
        assert not talk_policy.linkable_posts(self.receiving, viggo_talk).filter(pk=self.post.pk).exists()


class F3NoModerationOrCommentsFromTheReceivingUnit(MixedTransitionTestCase):
    def test_f3_receiving_staff_cannot_hide_a_comment_on_the_shared_post(self) -> None:
        comment = self.cast.comments["kerstin_on_mixed"]
        with pytest.raises(PermissionDenied):
            actions.comment_hide(actor=self.receiving, comment=comment)
        client = signed_in(self.cast.teacher_fklass, Role.STAFF)
        assert client.post(reverse("learninglog:comment_hide", args=[comment.uuid])).status_code in (403, 404)
        comment.refresh_from_db()
        assert comment.hidden_at is None

    def test_f3_receiving_staff_cannot_comment_on_the_shared_post(self) -> None:
        with pytest.raises(PermissionDenied):
            actions.comment_create(actor=self.receiving, post=self.post, body="Hej från skolan")
        client = signed_in(self.cast.teacher_fklass, Role.STAFF)
        response = client.post(reverse("learninglog:comment_create", args=[self.post.uuid]), {"body": "Hej"})
        assert response.status_code in (403, 404)
        assert not self.post.comments.filter(body__contains="Hej").exists()

    def test_f3_the_shared_post_page_offers_neither_comment_form_nor_hide_button(self) -> None:
        body = (
            signed_in(self.cast.teacher_fklass, Role.STAFF)
            .get(reverse("learninglog:post", args=[self.post.uuid]))
            .content.decode()
        )
        assert 'id="comment-form"' not in body and "Dölj kommentaren" not in body

    def test_f3_staff_of_the_posts_unit_comment_only_to_families_they_see(self) -> None:
        teacher = self.cast.viewer("teacher_blue", Role.STAFF)
        with pytest.raises(PermissionDenied):
            actions.comment_create(actor=teacher, post=self.post, body="Hej", family_child=self.cast.viggo)
        assert actions.comment_create(actor=teacher, post=self.post, body="Hej", family_child=self.cast.alva)


class F4ReadsLandOnlyWithTheChildRead(MixedTransitionTestCase):
    def _photo(self) -> Media:
        buffer = io.BytesIO()
        Image.new("RGB", (20, 20), (10, 200, 30)).save(buffer, "JPEG")
        media = Media(
            post=self.post,
            kind=MediaKind.IMAGE,
            status=MediaStatus.READY,
            content_type="image/jpeg",
            uploaded_by=self.cast.teacher_blue,
            original_name="lek.jpg",
        )
        media.file.save("f4/original.jpg", ContentFile(buffer.getvalue()), save=False)
        media.save()
        rendition = Rendition(media=media, name="320", content_type="image/jpeg")
        rendition.file.save("f4/r320.jpg", ContentFile(buffer.getvalue()), save=False)
        rendition.save()
        return media

    def test_f4_the_receiving_teachers_reads_never_land_in_other_families_vem_har_last(self) -> None:
        media = self._photo()
        client = signed_in(self.cast.teacher_fklass, Role.STAFF)
        for url in (
            reverse("learninglog:post", args=[self.post.uuid]),
            reverse("learninglog:timeline", args=[self.cast.tyra.uuid]),
            reverse("learninglog:feed"),
            reverse("media:page", args=[media.uuid]),
            reverse("media:file", args=[media.uuid]),
            reverse("media:rendition", args=[media.uuid, "320"]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
        reader = self.cast.teacher_fklass
        for other in (self.cast.alva, self.cast.viggo):
            assert not reads_of_child(other).filter(actor=reader).exists(), other.given_name
        reads = reads_of_child(self.cast.tyra).filter(actor=reader)
        assert {r.action for r in reads} >= {"read_post", "read_media", "read_timeline"}
        # Each read names the reader's own unit, not the post's.
        assert {r.school_unit_id for r in reads if r.school_unit_id is not None} == {self.cast.ekbacken.pk}

    def test_f4_the_preschools_reads_name_the_preschool(self) -> None:
        signed_in(self.cast.teacher_blue, Role.STAFF).get(reverse("learninglog:post", args=[self.post.uuid]))
        reads = reads_of_child(self.cast.alva).filter(actor=self.cast.teacher_blue, action="read_post")
        assert {r.school_unit_id for r in reads} == {self.cast.solrosen.pk}
        assert not reads_of_child(self.cast.tyra).filter(actor=self.cast.teacher_blue).exists()
