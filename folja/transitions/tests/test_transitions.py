"""Transitions over time (R6–R8) and terms of use (R9), asked of the access policy on chosen days.

A child's path: preschool A (Exempelby kommun, rule "all") → preschool B (Lärkan AB, rule "any")
→ förskoleklass S (Exempelby kommun). Joint custody: two guardians.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from folja.access import policy
from folja.access.roles import Role, Viewer
from folja.access.transitions import preview_window, twelve_months_before
from folja.directory.models import (
    Duty,
    DutyAssignment,
    Group,
    GroupMembership,
    Guardianship,
    Organisation,
    Person,
    Placement,
)
from folja.learninglog import access as post_policy
from folja.learninglog.models import Post, PostChild
from folja.pages import listing
from folja.pages.transitions import actions
from folja.talks.access import transition_preview_talks
from folja.testing.sessions import signed_in
from folja.transitions.models import TermsOfUse

A_START, A_END = dt.date(2024, 1, 10), dt.date(2025, 6, 30)
B_START, B_END = dt.date(2025, 8, 15), dt.date(2026, 6, 30)
S_START = dt.date(2026, 8, 17)


def make_unit(org: Organisation, name: str) -> tuple[Organisation, Group]:
    unit = Organisation.objects.create(organisation=org, organisation_type="Skolenhet", display_name=name)
    group = Group.objects.create(
        organisation=org,
        school_unit=unit,
        display_name=f"{name} grupp",
        group_type="Avdelning",
        start_date=dt.date(2020, 1, 1),
    )
    return unit, group


class PathTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.org_a = Organisation.objects.create(organisation_type="Huvudman", display_name="Exempelby kommun")
        cls.org_b = Organisation.objects.create(
            organisation_type="Huvudman", display_name="Lärkan AB", transition_consent_rule="any"
        )
        cls.unit_a, cls.group_a = make_unit(cls.org_a, "Förskolan A")
        cls.unit_b, cls.group_b = make_unit(cls.org_b, "Förskolan B")
        cls.unit_s, cls.group_s = make_unit(cls.org_a, "Skolan S")
        cls.child = Person.objects.create(given_name="Kim", family_name="Ek")
        cls.g1 = Person.objects.create(given_name="Gun", family_name="Ek")
        cls.g2 = Person.objects.create(given_name="Gert", family_name="Ek")
        for guardian in (cls.g1, cls.g2):
            Guardianship.objects.create(
                organisation=cls.org_a, child=cls.child, responsible=guardian, relation_type="Vårdnadshavare"
            )
        for unit, group, start, end in (
            (cls.unit_a, cls.group_a, A_START, A_END),
            (cls.unit_b, cls.group_b, B_START, B_END),
            (cls.unit_s, cls.group_s, S_START, None),
        ):
            Placement.objects.create(
                organisation=unit.organisation,
                child=cls.child,
                school_unit=unit,
                group=group,
                school_type="FS",
                start_date=start,
                end_date=end,
            )
            GroupMembership.objects.create(
                organisation=unit.organisation, group=group, person=cls.child, start_date=start, end_date=end
            )
        cls.staff = {}
        for key, unit, group in (
            ("a", cls.unit_a, cls.group_a),
            ("b", cls.unit_b, cls.group_b),
            ("s", cls.unit_s, cls.group_s),
        ):
            person = Person.objects.create(given_name=f"Lärare {key}", family_name="X")
            duty = Duty.objects.create(
                organisation=unit.organisation,
                person=person,
                school_unit=unit,
                duty_role="Förskollärare",
                start_date=dt.date(2020, 1, 1),
            )
            DutyAssignment.objects.create(
                duty=duty, group=group, assignment_role_type="Förskollärare", start_date=dt.date(2020, 1, 1)
            )
            cls.staff[key] = person
        cls.posts = {}
        for key, unit, day in (
            ("a_too_old", cls.unit_a, dt.date(2024, 8, 14)),
            ("a_first_day_in_window", cls.unit_a, dt.date(2024, 8, 15)),
            ("a_last_day", cls.unit_a, A_END),
            ("b_too_old_for_s", cls.unit_b, dt.date(2026, 8, 16) - dt.timedelta(days=365)),
            ("b_first_day_in_window_for_s", cls.unit_b, dt.date(2025, 8, 17)),
            ("b_spring", cls.unit_b, dt.date(2026, 3, 1)),
            ("s_own", cls.unit_s, dt.date(2026, 9, 1)),
        ):
            post = Post.objects.create(
                organisation=unit.organisation,
                school_unit=unit,
                kind="individual",
                status="published",
                author=cls.g1,
                title=key,
                activity_date=day,
            )
            PostChild.objects.create(post=post, child=cls.child, activity_date=day)
            cls.posts[key] = post

    def seen_by(self, key: str, on: dt.date) -> set[str]:
        """Return what a unit's staff see of other units' documentation (their own is always theirs: R1)."""
        viewer = Viewer(person=self.staff[key], role=Role.STAFF)
        return {p.title for p in post_policy.visible_posts(viewer, on) if not p.title.startswith(f"{key}_")}

    def answer(self, guardian: Person, allowed: bool) -> None:
        actions.consent_set(actor=Viewer(person=guardian, role=Role.GUARDIAN), child=self.child, allowed=allowed)

    def test_the_boundary_function_takes_the_same_day_a_year_earlier(self) -> None:
        assert twelve_months_before(B_START) == dt.date(2024, 8, 15)
        assert twelve_months_before(dt.date(2024, 2, 29)) == dt.date(2023, 3, 1)
        assert twelve_months_before(dt.date(2026, 1, 31)) == dt.date(2025, 1, 31)

    def test_unit_staff_see_own_documentation_until_the_last_day_of_the_placement(self) -> None:
        viewer = Viewer(person=self.staff["a"], role=Role.STAFF)
        assert {p.title for p in post_policy.visible_posts(viewer, A_END)} == {
            "a_too_old",
            "a_first_day_in_window",
            "a_last_day",
        }

    def test_unit_staff_lose_access_the_day_after_the_placement_ends(self) -> None:
        viewer = Viewer(person=self.staff["a"], role=Role.STAFF)
        assert not post_policy.visible_posts(viewer, A_END + dt.timedelta(days=1)).exists()

    def test_receiving_unit_sees_nothing_from_before_without_consent(self) -> None:
        assert self.seen_by("b", dt.date(2025, 9, 1)) == set()

    def test_rule_all_needs_every_guardian(self) -> None:
        self.answer(self.g1, True)
        assert self.seen_by("b", dt.date(2025, 9, 1)) == set()  # A's rule: all guardians
        self.answer(self.g2, True)
        assert self.seen_by("b", dt.date(2025, 9, 1)) == {"a_first_day_in_window", "a_last_day"}

    def test_twelve_month_boundary_on_both_sides(self) -> None:
        self.answer(self.g1, True)
        self.answer(self.g2, True)
        seen = self.seen_by("b", dt.date(2025, 9, 1))
        assert "a_first_day_in_window" in seen and "a_too_old" not in seen

    def test_withdrawal_takes_effect_at_once_and_consent_can_be_given_again(self) -> None:
        self.answer(self.g1, True)
        self.answer(self.g2, True)
        self.answer(self.g2, False)
        assert self.seen_by("b", dt.date(2025, 9, 1)) == set()
        self.answer(self.g2, True)
        assert self.seen_by("b", dt.date(2025, 9, 1)) == {"a_first_day_in_window", "a_last_day"}

    def test_rule_any_of_the_sending_organisation_is_enough_with_one_yes(self) -> None:
        self.answer(self.g1, True)
        self.answer(self.g2, False)
        # The school receives B's posts (B: one yes is enough) but none of A's (A: all must say yes).
        assert self.seen_by("s", dt.date(2026, 9, 2)) == {"b_first_day_in_window_for_s", "b_spring"}

    def test_receiving_school_window_excludes_the_day_before_the_first_day_a_year_earlier(self) -> None:
        self.answer(self.g1, True)
        seen = self.seen_by("s", dt.date(2026, 9, 2))
        assert "b_too_old_for_s" not in seen

    def test_former_preschool_b_loses_access_after_the_child_left(self) -> None:
        self.answer(self.g1, True)
        self.answer(self.g2, True)
        assert self.seen_by("b", B_END + dt.timedelta(days=1)) == set()

    def test_guardians_keep_everything_while_the_child_is_placed_anywhere(self) -> None:
        viewer = Viewer(person=self.g2, role=Role.GUARDIAN)
        assert {p.title for p in post_policy.visible_posts(viewer, dt.date(2026, 9, 2))} == set(self.posts)

    def test_talks_follow_the_same_window_and_consent(self) -> None:
        from folja.talks.access import visible_talks
        from folja.talks.models import Talk
        from folja.talks.templates import default_talk_template

        version = default_talk_template(self.org_a).current_version()

        def talk(day: dt.date) -> Talk:
            return Talk.objects.create(
                organisation=self.org_a,
                school_unit=self.unit_a,
                group=self.group_a,
                child=self.child,
                template_version=version,
                period_start=day,
                activity_date=day,
                created_by=self.staff["a"],
            )

        inside, too_old = talk(dt.date(2025, 5, 20)), talk(dt.date(2024, 8, 14))
        viewer = Viewer(person=self.staff["b"], role=Role.STAFF)
        on = dt.date(2025, 9, 1)
        assert not visible_talks(viewer, on).exists()
        self.answer(self.g1, True)
        self.answer(self.g2, True)
        assert set(visible_talks(viewer, on)) == {inside}
        assert too_old not in visible_talks(viewer, on)

    def test_the_preview_shows_exactly_what_the_receiving_school_sees_with_consent(self) -> None:
        viewer = Viewer(person=self.g1, role=Role.GUARDIAN)
        on = dt.date(2026, 9, 2)
        preview = {p.title for p in post_policy.transition_preview_posts(viewer, self.child, on)}
        self.answer(self.g1, True)
        self.answer(self.g2, True)
        received = self.seen_by("s", on)
        assert preview == received == {"b_first_day_in_window_for_s", "b_spring"}

    # The guardians' preview over time (R8: "before and after they answer", and before the move:
    # what the receiving unit would see if the child started there on the planned start date).

    def preview(self, on: dt.date) -> set[str]:
        viewer = Viewer(person=self.g1, role=Role.GUARDIAN)
        return {p.title for p in post_policy.transition_preview_posts(viewer, self.child, on)}

    def assert_preview_is_what_s_sees_on_its_first_day(self, on: dt.date) -> None:
        assert preview_window(self.child, on) == (self.unit_s, S_START)
        preview = self.preview(on)  # before the guardians answer
        self.answer(self.g1, True)
        self.answer(self.g2, True)
        assert preview == self.preview(on) == self.seen_by("s", S_START)
        assert preview == {"b_first_day_in_window_for_s", "b_spring"}

    def test_preview_before_the_move_shows_the_planned_school(self) -> None:
        # At preschool B, the school placement from the SIS still ahead.
        self.assert_preview_is_what_s_sees_on_its_first_day(dt.date(2026, 5, 4))

    def test_preview_on_the_first_day_at_the_school(self) -> None:
        self.assert_preview_is_what_s_sees_on_its_first_day(S_START)

    def test_preview_after_the_move_shows_what_the_school_still_sees(self) -> None:
        self.assert_preview_is_what_s_sees_on_its_first_day(dt.date(2026, 11, 3))
        assert self.seen_by("s", dt.date(2026, 11, 3)) == self.preview(dt.date(2026, 11, 3))

    def test_preview_at_the_first_preschool_shows_the_next_move_not_the_current_unit(self) -> None:
        # At A, with B planned: what B would see on its first day; never A's own window.
        on = dt.date(2025, 3, 3)
        assert preview_window(self.child, on) == (self.unit_b, B_START)
        self.answer(self.g1, True)
        self.answer(self.g2, True)
        assert self.preview(on) == self.seen_by("b", B_START) == {"a_first_day_in_window", "a_last_day"}

    def test_preview_without_a_known_move_is_a_move_today(self) -> None:
        child = Person.objects.create(given_name="Mio", family_name="Ek")
        Guardianship.objects.create(
            organisation=self.org_a, child=child, responsible=self.g1, relation_type="Vårdnadshavare"
        )
        for unit, group, start in ((self.unit_a, self.group_a, dt.date(2023, 8, 1)),):
            Placement.objects.create(
                organisation=self.org_a, child=child, school_unit=unit, group=group, school_type="FS", start_date=start
            )
            GroupMembership.objects.create(organisation=self.org_a, group=group, person=child, start_date=start)
        for title, day in (
            ("older", dt.date(2024, 5, 5)),
            ("first_day", dt.date(2024, 5, 6)),
            ("recent", dt.date(2025, 4, 1)),
        ):
            post = Post.objects.create(
                organisation=self.org_a,
                school_unit=self.unit_a,
                kind="individual",
                status="published",
                author=self.staff["a"],
                title=title,
                activity_date=day,
            )
            PostChild.objects.create(post=post, child=child, activity_date=day)
        on = dt.date(2025, 5, 6)
        viewer = Viewer(person=self.g1, role=Role.GUARDIAN)
        assert preview_window(child, on) == (None, on)
        preview = {p.title for p in post_policy.transition_preview_posts(viewer, child, on)}
        assert preview == {"first_day", "recent"}  # the last 12 months, nothing older, own unit included
        # A new unit where the child starts that very day sees exactly this with consent.
        Placement.objects.create(
            organisation=self.org_a,
            child=child,
            school_unit=self.unit_s,
            group=self.group_s,
            school_type="FS",
            start_date=on,
        )
        GroupMembership.objects.create(organisation=self.org_a, group=self.group_s, person=child, start_date=on)
        actions.consent_set(actor=viewer, child=child, allowed=True)
        staff_s = Viewer(person=self.staff["s"], role=Role.STAFF)
        assert {p.title for p in post_policy.timeline_posts(staff_s, child, on)} == preview
        assert preview_window(child, on) == (self.unit_s, on)

    def test_preview_never_shows_what_the_guardian_could_not_see(self) -> None:
        # A draft in the window is no one's preview.
        draft = Post.objects.create(
            organisation=self.org_b,
            school_unit=self.unit_b,
            kind="individual",
            status="draft",
            author=self.staff["b"],
            title="draft",
            activity_date=dt.date(2026, 2, 2),
        )
        PostChild.objects.create(post=draft, child=self.child, activity_date=draft.activity_date)
        assert "draft" not in self.preview(dt.date(2026, 5, 4))

    def test_preview_page_names_the_planned_school_and_lists_talks_in_the_window(self) -> None:
        from folja.talks.models import Talk
        from folja.talks.templates import default_talk_template

        version = default_talk_template(self.org_b).current_version()
        for day in (dt.date(2026, 4, 20), dt.date(2025, 5, 20)):
            Talk.objects.create(
                organisation=self.org_b,
                school_unit=self.unit_b,
                group=self.group_b,
                child=self.child,
                template_version=version,
                period_start=day,
                activity_date=day,
                created_by=self.staff["b"],
            )
        viewer = Viewer(person=self.g1, role=Role.GUARDIAN)
        on = dt.date(2026, 5, 4)
        assert [t.activity_date for t in transition_preview_talks(viewer, self.child, on)] == [dt.date(2026, 4, 20)]
        with time_machine.travel(dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC), tick=False):
            response = signed_in(self.g1, Role.GUARDIAN).get(reverse("transitions:preview", args=[self.child.uuid]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "<bdi>Skolan S</bdi> den 17 augusti 2026" in html
        assert "17 augusti 2025 till och med 16 augusti 2026" in html
        assert "b_spring" in html and "a_last_day" not in html and "s_own" not in html
        talks = Talk.objects.filter(child=self.child).order_by("-activity_date")
        assert reverse("talks:talk", args=[talks[0].uuid]) in html
        assert reverse("talks:talk", args=[talks[1].uuid]) not in html


class TermsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        from folja.testing.cast import build_cast

        cls.cast = build_cast()

    def setUp(self) -> None:
        self.terms = actions.terms_publish(organisation=None, title="Villkor", body="Text")

    def test_guardian_without_accepted_terms_sees_no_documentation(self) -> None:
        viewer = self.cast.viewer("cecilia", Role.GUARDIAN)
        assert not post_policy.visible_posts(viewer).exists()
        response = signed_in(self.cast.cecilia, Role.GUARDIAN).get(
            reverse("learninglog:timeline", args=[self.cast.bertil.uuid])
        )
        assert response.status_code == 302 and response["Location"] == reverse("transitions:terms")

    def test_accepting_opens_the_documentation_and_is_recorded(self) -> None:
        client = signed_in(self.cast.cecilia, Role.GUARDIAN)
        client.post(reverse("transitions:terms_decide", args=[self.terms.uuid]), {"decision": "accept"})
        assert post_policy.visible_posts(self.cast.viewer("cecilia", Role.GUARDIAN)).exists()
        assert self.terms.decisions.get().accepted

    def test_declining_shows_how_to_get_the_information_from_the_preschool(self) -> None:
        client = signed_in(self.cast.cecilia, Role.GUARDIAN)
        response = client.post(
            reverse("transitions:terms_decide", args=[self.terms.uuid]), {"decision": "decline"}, follow=True
        )
        assert "Solrosens förskola" in response.content.decode()
        assert not post_policy.visible_posts(self.cast.viewer("cecilia", Role.GUARDIAN)).exists()

    def test_a_new_version_must_be_accepted_again(self) -> None:
        viewer = self.cast.viewer("cecilia", Role.GUARDIAN)
        actions.terms_decide(actor=viewer, terms=self.terms, accepted=True)
        actions.terms_publish(organisation=None, title="Villkor", body="Ny text")
        assert not post_policy.visible_posts(viewer).exists()

    def test_organisation_terms_apply_to_its_children_only(self) -> None:
        viewer = self.cast.viewer("pia", Role.GUARDIAN)  # Olle is in organisation B
        actions.terms_decide(actor=viewer, terms=self.terms, accepted=True)
        assert post_policy.visible_posts(viewer).exists()
        own = actions.terms_publish(organisation=self.cast.org_b, title="Lärkans villkor", body="Text")
        assert not post_policy.visible_posts(viewer).exists()
        actions.terms_decide(actor=viewer, terms=own, accepted=True)
        assert post_policy.visible_posts(viewer).exists()

    def test_staff_list_the_guardians_who_have_not_accepted(self) -> None:
        actions.terms_decide(actor=self.cast.viewer("anna", Role.GUARDIAN), terms=self.terms, accepted=True)
        response = signed_in(self.cast.teacher_blue, Role.STAFF).get(
            reverse("transitions:terms_status", args=[self.cast.blue.uuid])
        )
        content = response.content.decode()
        assert "Cecilia Ek" in content and "Johan Lind" in content and "Anna Lind" not in content

    def test_the_latest_decision_counts(self) -> None:
        viewer = self.cast.viewer("cecilia", Role.GUARDIAN)
        actions.terms_decide(actor=viewer, terms=self.terms, accepted=True)
        assert policy.visible_children(viewer).filter(pk=self.cast.bertil.pk).exists()
        actions.terms_decide(actor=viewer, terms=self.terms, accepted=False)
        assert not policy.visible_children(viewer).exists() and not post_policy.visible_posts(viewer).exists()
        actions.terms_decide(actor=viewer, terms=self.terms, accepted=True)
        assert post_policy.visible_posts(viewer).exists()

    def test_an_organisations_own_terms_replace_the_default_there(self) -> None:
        viewer = self.cast.viewer("pia", Role.GUARDIAN)  # Olle is in organisation B only
        own = actions.terms_publish(organisation=self.cast.org_b, title="Lärkans villkor", body="Text")
        actions.terms_decide(actor=viewer, terms=own, accepted=True)  # the default stays undecided
        assert list(policy.visible_children(viewer)) == [self.cast.olle]
        assert post_policy.visible_posts(viewer).exists()

    def test_a_child_placed_in_two_organisations_needs_the_terms_of_both(self) -> None:
        cast = self.cast
        Placement.objects.create(
            organisation=cast.org_a,
            child=cast.olle,
            school_unit=cast.solrosen,
            group=cast.blue,
            school_type="FS",
            start_date=timezone.localdate() + dt.timedelta(days=30),  # a coming placement counts (R6)
        )
        viewer = cast.viewer("pia", Role.GUARDIAN)
        own = actions.terms_publish(organisation=cast.org_b, title="Lärkans villkor", body="Text")
        actions.terms_decide(actor=viewer, terms=own, accepted=True)
        assert not policy.visible_children(viewer).exists()  # the default applies at organisation A
        actions.terms_decide(actor=viewer, terms=self.terms, accepted=True)
        assert list(policy.visible_children(viewer)) == [cast.olle]

    def test_terms_do_not_stop_staff_or_children(self) -> None:
        assert post_policy.visible_posts(self.cast.viewer("teacher_blue", Role.STAFF)).exists()
        assert post_policy.visible_posts(self.cast.viewer("alva", Role.CHILD)).exists()

    def test_without_published_terms_nothing_is_gated(self) -> None:
        TermsOfUse.objects.all().update(published_at=timezone.now() + dt.timedelta(days=1))
        from folja.access.transitions import forget_current_terms

        forget_current_terms()
        assert post_policy.visible_posts(self.cast.viewer("cecilia", Role.GUARDIAN)).exists()


class SharedGroupPostTests(TestCase):
    """A preschool group post that reaches the school (R8) shows the school only its own child."""

    @classmethod
    def setUpTestData(cls) -> None:
        from folja.learninglog.models import Comment
        from folja.testing.cast import build_cast

        cls.cast = cast = build_cast()
        other = Person.objects.create(given_name="Otto", family_name="Gran")
        day = cast.day - dt.timedelta(days=100)
        cls.post = Post.objects.create(
            organisation=cast.org_a,
            school_unit=cast.granen,
            group=cast.myran,
            kind="group",
            status="published",
            author=cast.teacher_granen,
            title="Myrans skogsdag",
            activity_date=day,
        )
        PostChild.objects.bulk_create(
            [PostChild(post=cls.post, child=c, activity_date=day) for c in (cast.maja, other)]
        )
        Comment.objects.create(
            post=cls.post, author=cast.gustav, author_role="guardian", family_child=cast.maja, body="Majas familj"
        )
        Comment.objects.create(
            post=cls.post, author=cast.gustav, author_role="guardian", family_child=other, body="Ottos familj"
        )
        actions.consent_set(actor=cast.viewer("gustav", Role.GUARDIAN), child=cast.maja, allowed=True)

    def test_receiving_teacher_sees_the_post_with_only_the_child_it_is_connected_to(self) -> None:
        viewer = self.cast.viewer("teacher_fklass", Role.STAFF)
        post = listing.with_listing_data(viewer, post_policy.visible_posts(viewer)).get(pk=self.post.pk)
        assert [pc.child.given_name for pc in post.visible_named] == ["Maja"]
        assert [p.given_name for p in post_policy.named_children_visible_on_post(viewer, self.post)] == ["Maja"]

    def test_receiving_teacher_reads_only_that_child_s_family_comments(self) -> None:
        viewer = self.cast.viewer("teacher_fklass", Role.STAFF)
        assert [c.body for c in post_policy.visible_comments(viewer, self.post)] == ["Majas familj"]

    def test_the_page_names_no_other_child(self) -> None:
        response = signed_in(self.cast.teacher_fklass, Role.STAFF).get(
            reverse("learninglog:post", args=[self.post.uuid])
        )
        content = response.content.decode()
        assert response.status_code == 200 and "Maja Holm" in content
        assert "Otto" not in content
