"""Post lists: one query for a page, each card rendered from the request's own row."""

from __future__ import annotations

import datetime as dt
import uuid
from unittest.mock import patch

from django.conf import settings
from django.core.cache import cache
from django.test import TestCase, override_settings
from django.urls import reverse

from folja.access import memo, policy
from folja.access.roles import Role, Viewer
from folja.directory.actions import person_seal
from folja.learninglog import access as post_policy
from folja.learninglog.models import Comment, Post, PostChild, PostGoal, PostKind, PostStatus
from folja.learninglog.tests.test_pages import signed_in
from folja.pages import listing
from folja.testing.cast import build_cast


class ListingTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def group_post(self) -> Post:
        cast = self.cast
        post = Post.objects.create(
            organisation=cast.org_a,
            school_unit=cast.solrosen,
            group=cast.blue,
            kind=PostKind.GROUP,
            status=PostStatus.PUBLISHED,
            author=cast.teacher_blue,
            title="Skogsdag",
            body_html="<p>Vi gick till skogen.</p>",
            activity_date=cast.day - dt.timedelta(days=1),
        )
        for child in (cast.alva, cast.bertil):
            PostChild.objects.create(post=post, child=child, activity_date=post.activity_date)
        PostGoal.objects.create(post=post, goal=cast.goals[1])
        PostGoal.objects.create(post=post, goal=cast.goals[0])
        return post

    def test_a_page_is_one_query_with_goals_in_curriculum_order_and_only_visible_names(self) -> None:
        cast = self.cast
        post = self.group_post()
        viewer = Viewer(person=cast.anna, role=Role.GUARDIAN)
        listing.goal_labels([g.pk for g in cast.goals])  # the per-process goal table, loaded once
        with memo.request_scope():
            posts = post_policy.timeline_posts(viewer, cast.alva).order_by("-activity_date", "-id")  # relationships
            with self.assertNumQueries(1):
                rows = listing.post_listing(viewer, posts, limit=21)
        row = next(r for r in rows if r.uuid == post.uuid)
        assert [n.child.full_name for n in row.visible_named] == [cast.alva.full_name]  # R3: not Bertil
        assert (row.author.given_name, row.author.family_name) == (
            cast.teacher_blue.given_name,
            cast.teacher_blue.family_name,
        )
        assert row.author.full_name == cast.teacher_blue.full_name
        assert (row.school_unit["display_name"], row.group["display_name"]) == (
            cast.solrosen.display_name,
            cast.blue.display_name,
        )
        ordered = sorted(cast.goals[:2], key=lambda g: (g.area.seq, g.seq))
        assert [g["text"] for g in row.goals] == [g.text for g in ordered]
        staff = Viewer(person=cast.teacher_blue, role=Role.STAFF)
        staff_rows = listing.post_listing(staff, post_policy.visible_posts(staff).filter(pk=post.pk), limit=1)
        assert sorted(n.child_id for n in staff_rows[0].visible_named) == sorted([cast.alva.pk, cast.bertil.pk])

    def test_a_card_shows_what_its_row_says_and_a_sealed_childs_name_is_gone_at_once(self) -> None:
        # Cards are rendered from the request's own rows: nothing of them outlives the request (R5).
        cast = self.cast
        post = self.group_post()
        staff = Viewer(person=cast.teacher_blue, role=Role.STAFF)
        rows = listing.post_listing(staff, post_policy.visible_posts(staff).filter(pk=post.pk), limit=1)
        listing.render_fragments(rows)
        assert cast.bertil.full_name in rows[0].html and "Skogsdag" in rows[0].html
        cast.bertil.sealed_at = dt.datetime.now(dt.UTC)
        cast.bertil.save(update_fields=["sealed_at"])
        rows = listing.post_listing(staff, post_policy.visible_posts(staff).filter(pk=post.pk), limit=1)
        listing.render_fragments(rows)
        assert cast.bertil.given_name not in rows[0].html and cast.alva.full_name in rows[0].html

    def test_the_unfiltered_filter_box_is_kept_in_this_process(self) -> None:
        from django.core.cache import caches
        from django.core.cache.utils import make_template_fragment_key

        cache.clear()
        caches["template_fragments"].clear()
        anna = signed_in(self.cast, "anna", Role.GUARDIAN)
        anna.get(reverse("learninglog:timeline", args=[self.cast.alva.uuid]))
        key = make_template_fragment_key("folja_filter_box", ["sv"])
        assert caches["template_fragments"].get(key) and cache.get(key) is None


@override_settings(FOLJA_CARD_CACHE=True)
class CardCacheTests(TestCase):
    """With a shared cache, a card's markup is kept per post; names and counts never are."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def setUp(self) -> None:
        cache.clear()

    def cards(self, viewer: Viewer, post: Post) -> str:
        with memo.request_scope():
            rows = listing.post_listing(viewer, post_policy.visible_posts(viewer).filter(pk=post.pk), limit=1)
            listing.render_fragments(rows)
        assert len(rows) == 1
        return rows[0].html

    def cached_markup(self, post: Post) -> list[str]:
        keys = [f"card:{lang}:{post.pk}:{shared}" for lang, _ in settings.LANGUAGES for shared in (0, 1)]
        return [markup for _digest, markup in cache.get_many(keys).values()]

    def test_the_cache_holds_no_name_and_each_family_sees_only_its_own_child_and_threads(self) -> None:
        cast = self.cast
        post = ListingTests.group_post(self)
        Comment.objects.create(
            post=post, author=cast.anna, author_role="guardian", family_child=cast.alva, body="Roligt!"
        )
        anna, bertils = Viewer(cast.anna, Role.GUARDIAN), Viewer(cast.cecilia, Role.GUARDIAN)
        template = listing.get_template(listing.FRAGMENT_TEMPLATE)
        with (
            patch.object(listing, "get_template", return_value=template),
            patch.object(template, "render", wraps=template.render) as render,
        ):
            first = self.cards(anna, post)
            assert render.call_count == 1
            [markup] = self.cached_markup(post)
            second = self.cards(bertils, post)
            assert render.call_count == 1  # the second family's card came from the cache
        for person in (cast.alva, cast.bertil, cast.teacher_blue):
            assert person.given_name not in markup, person  # R5: no name outlives sealing in a cache
        assert "Skogsdag" in first and "Skogsdag" in second
        assert cast.alva.full_name in first and cast.bertil.full_name not in first  # R3
        assert cast.bertil.full_name in second and cast.alva.full_name not in second  # R3, from the cache
        assert cast.teacher_blue.full_name in second
        assert "1 kommentar" in first and "0 kommentarer" in second  # R2: Alva's family's thread

    def test_staff_get_each_named_child_as_a_link_to_the_timeline_families_plain_text(self) -> None:
        # Issue 25, point 13: one click from a card to the child's timeline, for staff only; the
        # cached markup stays the same for every viewer (no name, no link).
        cast = self.cast
        post = ListingTests.group_post(self)
        staff = self.cards(Viewer(cast.teacher_blue, Role.STAFF), post)
        family = self.cards(Viewer(cast.anna, Role.GUARDIAN), post)
        [markup] = self.cached_markup(post)
        for child in (cast.alva, cast.bertil):
            link = f'<a href="{reverse("learninglog:timeline", args=[child.uuid])}">{child.full_name}</a>'
            assert link in staff
            assert str(child.uuid) not in markup
        assert cast.alva.full_name in family and "/children/" not in family.split("post__children")[1].split("</p>")[0]

    def test_a_change_to_what_the_card_shows_renders_it_anew(self) -> None:
        cast = self.cast
        post = ListingTests.group_post(self)
        anna = Viewer(cast.anna, Role.GUARDIAN)
        self.cards(anna, post)
        Post.objects.filter(pk=post.pk).update(title="Skogsdag i regnet", version=2)
        html = self.cards(anna, post)
        assert "Skogsdag i regnet" in html and "ändrad" in html
        cast.solrosen.display_name = "Solrosens förskola"
        cast.solrosen.save(update_fields=["display_name"])
        assert "Solrosens förskola" in self.cards(anna, post)

    def test_sealing_a_child_drops_the_cards_of_their_posts_from_the_cache(self) -> None:
        cast = self.cast
        post = ListingTests.group_post(self)
        self.cards(Viewer(cast.anna, Role.GUARDIAN), post)
        assert self.cached_markup(post)
        with self.captureOnCommitCallbacks(execute=True):
            person_seal(person=cast.bertil, reason="test", source="test")
        assert self.cached_markup(post) == []  # R5: Bertil's posts leave the cache at once

    def test_without_a_shared_cache_nothing_is_kept(self) -> None:
        cast = self.cast
        post = ListingTests.group_post(self)
        with override_settings(FOLJA_CARD_CACHE=False):
            html = self.cards(Viewer(cast.anna, Role.GUARDIAN), post)
        assert "Skogsdag" in html and cast.alva.full_name in html
        assert self.cached_markup(post) == []

    def test_a_sealed_author_is_named_on_no_card_and_no_post_page(self) -> None:
        cast = self.cast
        post = ListingTests.group_post(self)
        person_seal(person=cast.teacher_blue, reason="test", source="test")
        html = self.cards(Viewer(cast.anna, Role.GUARDIAN), post)
        assert cast.teacher_blue.family_name not in html and "(skyddad person)" in html  # R5
        page = signed_in(cast, "anna", Role.GUARDIAN).get(reverse("learninglog:post", args=[post.uuid]))
        assert page.status_code == 200 and "Skogsdag" in page.content.decode()
        assert cast.teacher_blue.family_name not in page.content.decode()

    def test_typed_text_cannot_fill_a_slot(self) -> None:
        cast = self.cast
        post = ListingTests.group_post(self)
        Post.objects.filter(pk=post.pk).update(body_html="<p>&lt;!--slot-named--&gt;</p>")
        html = self.cards(Viewer(cast.anna, Role.GUARDIAN), post)
        assert html.count(cast.alva.full_name) == 1
        assert "<!--slot-" not in html


class MemoTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def test_outside_a_request_every_question_sees_the_current_state(self) -> None:
        cast = self.cast
        viewer = Viewer(person=cast.anna, role=Role.GUARDIAN)
        assert cast.alva.pk in policy.visible_children_ref(viewer)
        cast.alva.placements.all().delete()
        assert cast.alva.pk not in policy.visible_children_ref(viewer)

    def test_a_guardians_children_are_whole_person_objects_as_the_orm_loads_them(self) -> None:

        from folja.directory.models import Person

        cast = self.cast
        children = policy._guardian_children(cast.anna)
        assert children and not any(own.terms_pending for own in children)  # no terms published in the cast
        for child in (own.child for own in children):
            expected = Person.objects.get(pk=child.pk)
            for field in Person._meta.concrete_fields:
                assert getattr(child, field.attname) == getattr(expected, field.attname), field.name
            assert isinstance(child.uuid, uuid.UUID) and not child._state.adding

    def test_inside_a_request_the_answer_is_looked_up_once_and_forget_drops_it(self) -> None:
        cast = self.cast
        viewer = Viewer(person=cast.anna, role=Role.GUARDIAN)
        with memo.request_scope():
            first = policy.visible_children_ref(viewer)
            with self.assertNumQueries(0):
                assert policy.visible_children_ref(viewer) == first
                assert policy.get_child_for(viewer, cast.alva.uuid) == cast.alva
            memo.forget()
            with self.assertNumQueries(2):  # the current terms of use, and the children
                policy.visible_children_ref(viewer)
