"""Post lists: one query for a page, and cached fragments that can never show another view of a post."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from folja.access import listing, memo, policy
from folja.accounts.roles import Role, Viewer
from folja.learninglog.models import Comment, Post, PostChild, PostGoal, PostKind, PostStatus
from folja.learninglog.tests.test_pages import signed_in
from folja.media.models import Media
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
            posts = policy.timeline_posts(viewer, cast.alva).order_by("-activity_date", "-id")  # relationships
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
        staff_rows = listing.post_listing(staff, policy.visible_posts(staff).filter(pk=post.pk), limit=1)
        assert sorted(n.child_id for n in staff_rows[0].visible_named) == sorted([cast.alva.pk, cast.bertil.pk])

    def test_fragments_are_keyed_by_what_they_show(self) -> None:
        cast = self.cast
        post = self.group_post()
        cache.clear()
        anna = signed_in(cast, "anna", Role.GUARDIAN)
        cecilia = signed_in(cast, "cecilia", Role.GUARDIAN)
        alva_url = reverse("learninglog:timeline", args=[cast.alva.uuid])
        bertil_url = reverse("learninglog:timeline", args=[cast.bertil.uuid])
        assert b"1 kommentar" not in anna.get(alva_url).content
        # Bertil's guardian sees the same post with Bertil's name, never Alva's from a cached fragment.
        page = cecilia.get(bertil_url).content.decode()
        assert "Skogsdag" in page and cast.bertil.given_name in page and cast.alva.given_name not in page
        # A comment in Alva's family thread changes Anna's count and not Cecilia's (R2).
        Comment.objects.create(post=post, author=cast.anna, author_role="guardian", family_child=cast.alva, body="Hej")
        assert "1 kommentar" in anna.get(alva_url).content.decode()
        assert "1 kommentar" not in cecilia.get(bertil_url).content.decode()
        # An edit is a new version: the new title shows at once.
        Post.objects.filter(pk=post.pk).update(title="Skogsdag i regnet", version=2)
        page = anna.get(alva_url).content.decode()
        assert "Skogsdag i regnet" in page and "ändrad" in page
        # The other language is another fragment.
        english = anna.get(alva_url, headers={"accept-language": "en"}).content.decode()
        assert "1 comment" in english

    def test_any_value_that_changes_a_card_changes_its_key(self) -> None:
        """The key is taken from the row's raw values: every change the card shows is a new key."""
        import orjson
        from django.template.loader import get_template

        cast = self.cast
        post = self.group_post()
        Comment.objects.create(post=post, author=cast.anna, author_role="guardian", family_child=cast.alva, body="Hej")
        Media.objects.create(
            post=post, kind="image", status="ready", content_type="image/jpeg", alt_text="Stubbe", uploaded_by=cast.anna
        )
        staff = Viewer(person=cast.teacher_blue, role=Role.STAFF)
        with memo.request_scope():
            row = listing.listing_queryset(staff, policy.visible_posts(staff).filter(pk=post.pk))[0]
        template = get_template(listing.FRAGMENT_TEMPLATE)

        def card(values: dict, shared: bool = False) -> tuple[str, str]:
            listed = listing.PostListing(dict(values))
            listed.shared_by_transition = shared
            return template.render({"post": listed}), listed.digest("k")

        def changed(value: object) -> object:
            if isinstance(value, bool):
                return not value
            if isinstance(value, int):
                return value + 1
            if isinstance(value, dt.date):
                return value - dt.timedelta(days=1)
            if isinstance(value, dict):
                return {k: str(uuid.uuid4()) if k == "uuid" else changed(v) for k, v in value.items()}
            if isinstance(value, list):
                return [changed(value[0]), *value[1:]] if value else value
            if isinstance(value, str) and value[:1] in ("[", "{"):
                return orjson.dumps(changed(orjson.loads(value))).decode()
            return None if value is None else value + "x"

        html, key = card(row)
        assert sorted(listing.PostListing(dict(row)).visible_named_ids) == sorted([cast.alva.pk, cast.bertil.pk])
        shown = 0
        for column, value in row.items():
            if column == "uuid":
                value_changed = uuid.uuid4()
            elif column == "goals_json":  # another goal of the curriculum
                value_changed = orjson.dumps([{"id": cast.goals[2].pk}]).decode()
            else:
                value_changed = changed(value)
            other_html, other_key = card({**row, column: value_changed})
            if other_html != html:
                shown += 1
                assert other_key != key, f"{column} changes the card but not its key"
        assert shown >= 12  # title, body, names, counts, goals, photos, dates... are on the card
        other_html, other_key = card(row, shared=True)
        assert other_html != html and other_key != key

    def test_cards_shown_before_come_from_this_process_without_the_shared_cache(self) -> None:
        from unittest import mock

        cast = self.cast
        self.group_post()
        viewer = Viewer(person=cast.anna, role=Role.GUARDIAN)
        with memo.request_scope():
            posts = policy.timeline_posts(viewer, cast.alva).order_by("-activity_date", "-id")
            first = listing.post_listing(viewer, posts, limit=21)
            listing.render_fragments(first)
            again = listing.post_listing(viewer, posts, limit=21)
        with mock.patch.object(listing.cache, "get_many", side_effect=AssertionError("shared cache read")):
            listing.render_fragments(again)
        assert [p.html for p in again] == [p.html for p in first] and all(p.html for p in again)
        # Bounded: the oldest cards leave first.
        with mock.patch.object(listing, "LOCAL_FRAGMENTS", 1):
            listing._local.clear()
            listing.render_fragments(again)
            assert len(listing._local) == 1

    def test_the_unfiltered_filter_box_is_kept_in_this_process(self) -> None:
        from django.core.cache import caches
        from django.core.cache.utils import make_template_fragment_key

        cache.clear()
        caches["template_fragments"].clear()
        anna = signed_in(self.cast, "anna", Role.GUARDIAN)
        anna.get(reverse("learninglog:timeline", args=[self.cast.alva.uuid]))
        key = make_template_fragment_key("folja_filter_box", ["sv"])
        assert caches["template_fragments"].get(key) and cache.get(key) is None


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
        import uuid

        from folja.directory.models import Person

        cast = self.cast
        children = policy._guardian_children(cast.anna)
        assert children and all(ok for _child, ok in children)  # no terms published in the cast
        for child, _ok in children:
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
