"""Random worlds: the SQL access policy equals a plainly written reference predicate.

Hypothesis builds random units (in one organisation or two), groups, placements and memberships
over time, guardians, staff
with duties and group assignments, sealed children and posts; for every person in every role
and on several days, `visible_posts` must return exactly what the reference says, including
the receiving unit's view (R8) under generated consent answers and the organisation's rule (R7).

R8 is stated per child, at its own grain: in worlds where children move, consent is drawn per
child and group posts name moved and staying children together, and the reference says for each
viewer which posts, which *named children* on each post, which *comments*, which posts on each
child's timeline, which posts it may edit or moderate, and under which unit a staff member's
read of each named child is recorded. The policy's answers (querysets, the list pages' rows, the
actions) must equal it.

FOLJA_HYPOTHESIS_EXAMPLES sets the number of worlds (default 100; e.g. 2000 for a long run).
"""

from __future__ import annotations

import datetime as dt
import os

import time_machine
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from folja.access import memo, policy
from folja.access.roles import Role, Viewer
from folja.access.tests.random_worlds_reference import (
    DAY0,
    Reference,
    WorldSpec,
    reference_visible,
)
from folja.directory.models import (
    ContactConnection,
    Duty,
    DutyAssignment,
    Group,
    GroupMembership,
    Guardianship,
    NamedChildAccess,
    Organisation,
    Person,
    Placement,
)
from folja.learninglog import access as post_policy
from folja.learninglog import actions
from folja.learninglog.models import Comment, Post, PostChild
from folja.media import access as media_policy
from folja.media.models import ConsentMarker, Media
from folja.pages import listing
from folja.transitions.models import TransitionConsent

EXAMPLES = int(os.environ.get("FOLJA_HYPOTHESIS_EXAMPLES", "100"))
# Without shrinking a failing world is reported as found, at once (tools/r8_sabotage.py).
PHASES = (
    [Phase.explicit, Phase.reuse, Phase.generate]
    if os.environ.get("FOLJA_HYPOTHESIS_NO_SHRINK")
    else [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]
)
RELATIONS = ["Vårdnadshavare", "Vårdnadshavare", "Annan ansvarig"]
STAFF_ROLES = ["Förskollärare", "Barnskötare", "Rektor", "Speciallärare/specialpedagog"]


def dates() -> st.SearchStrategy[tuple[dt.date, dt.date | None]]:
    """Return (start, end) pairs around DAY0, end inclusive or open."""
    return st.tuples(st.integers(-400, 60), st.one_of(st.none(), st.integers(0, 500))).map(
        lambda t: (DAY0 + dt.timedelta(days=t[0]), None if t[1] is None else DAY0 + dt.timedelta(days=t[0] + t[1]))
    )


@st.composite
def worlds(draw: st.DrawFn) -> WorldSpec:
    n_units = draw(st.integers(1, 3))
    units = draw(st.lists(st.booleans(), min_size=n_units, max_size=n_units))
    groups = draw(st.lists(st.tuples(st.integers(0, n_units - 1), st.booleans()), min_size=1, max_size=4))
    n_children = draw(st.integers(1, 5))
    children = draw(st.lists(st.sampled_from([False, False, False, True]), min_size=n_children, max_size=n_children))
    n_adults = 5
    child_i = st.integers(0, n_children - 1)
    placements = draw(st.lists(st.tuples(child_i, st.integers(0, n_units - 1), dates()), max_size=7))
    memberships = draw(st.lists(st.tuples(child_i, st.integers(0, len(groups) - 1), dates()), max_size=7))
    guardianships = draw(
        st.lists(
            st.tuples(st.integers(0, n_adults - 1), child_i, st.sampled_from(RELATIONS)),
            max_size=6,
            unique_by=lambda t: (t[0], t[1], t[2]),
        )
    )
    duties = draw(
        st.lists(
            st.tuples(st.integers(0, n_adults - 1), st.integers(0, n_units - 1), st.sampled_from(STAFF_ROLES), dates()),
            max_size=6,
        )
    )
    assignments = (
        draw(st.lists(st.tuples(st.integers(0, len(duties) - 1), st.integers(0, len(groups) - 1), dates()), max_size=6))
        if duties
        else []
    )
    posts = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_units - 1),
                st.lists(child_i, min_size=1, max_size=3, unique=True).map(tuple),
                st.sampled_from(["published", "published", "draft", "pending"]),
                st.sampled_from([False, False, False, True]),
                st.integers(-300, 10),
                st.integers(0, n_adults - 1),
            ),
            min_size=1,
            max_size=6,
        )
    )
    moved = n_units >= 2 and draw(st.sampled_from([True, True, True, False]))
    mixed_from = len(posts) + 100  # no post of a move
    if moved:
        # A coherent move, so that R8's positive cases are reached often: child 0 left unit 0 and
        # started at unit 1, a unit-wide duty there, a guardian who (maybe) said yes, posts around
        # the 12-month window. Everything else in the world stays random around it.
        moved_on = DAY0 - dt.timedelta(days=draw(st.integers(-20, 120)))
        children[0] = draw(st.sampled_from([False, False, False, True]))
        placements.append((0, 0, (moved_on - dt.timedelta(days=700), moved_on - dt.timedelta(days=1))))
        placements.append((0, 1, (moved_on, None)))
        duties.append((4, 1, "Rektor", (DAY0 - dt.timedelta(days=900), None)))
        if (0, 0, "Vårdnadshavare") not in guardianships:
            guardianships.append((0, 0, "Vårdnadshavare"))
        for offset in draw(st.lists(st.integers(-420, -1), min_size=1, max_size=3)):
            day = (moved_on - DAY0).days + offset
            posts.append((0, (0,), "published", False, day, 1))
        mixed_from = len(posts)
        if n_children >= 2:
            # A classmate who moved with child 0 (to the same unit, or stayed behind), and group
            # posts at the old unit naming the movers and the others together (R8 per child).
            if draw(st.sampled_from([True, True, True, False])):
                children[1] = draw(st.sampled_from([False, False, False, True]))
                started = moved_on + dt.timedelta(days=draw(st.sampled_from([0, 0, 0, 10, 40])))
                placements.append((1, 0, (moved_on - dt.timedelta(days=500), moved_on - dt.timedelta(days=1))))
                placements.append((1, 1, (started, None)))
            else:
                placements.append((1, 0, (moved_on - dt.timedelta(days=500), None)))
            for offset in draw(st.lists(st.integers(-420, -1), min_size=1, max_size=3)):
                day = (moved_on - DAY0).days + offset
                named = draw(st.lists(child_i, min_size=1, max_size=3, unique=True))
                kids = tuple(sorted({0, 1, *named}))
                posts.append(
                    (0, kids, draw(st.sampled_from(["published", "published", "draft", "pending"])), False, day, 1)
                )
    rule = draw(st.sampled_from(["all", "any"]))
    # Half the worlds have two organisations: units, and so duties, placements and posts, in
    # either; a staff member with duties in both acts in one per session (access-rules.md).
    two_organisations = n_units >= 2 and draw(st.booleans())
    unit_orgs = (
        tuple(draw(st.lists(st.integers(0, 1), min_size=n_units, max_size=n_units)))
        if two_organisations
        else (0,) * n_units
    )
    if two_organisations:
        for unit in (unit_orgs.index(0) if 0 in unit_orgs else None, unit_orgs.index(1) if 1 in unit_orgs else None):
            if unit is not None:  # adult 3 works in both (when both have a unit)
                duties.append((3, unit, draw(st.sampled_from(STAFF_ROLES)), (DAY0 - dt.timedelta(days=900), None)))
    rule_b = draw(st.sampled_from(["all", "any"]))
    consents = draw(
        st.lists(
            st.tuples(st.integers(0, n_adults - 1), child_i, st.booleans()),
            max_size=6,
            unique_by=lambda t: (t[0], t[1]),
        )
    )
    if moved and draw(st.sampled_from([True, True, True, False])):
        # Every guardian of the moved child says yes (the other half of worlds keeps random answers).
        guardians_of_0 = {a for a, c, rel in guardianships if c == 0 and rel == "Vårdnadshavare"}
        consents = [t for t in consents if not (t[1] == 0 and t[0] in guardians_of_0)]
        consents += [(a, 0, True) for a in sorted(guardians_of_0)]
    if moved and n_children >= 2:
        # The classmate's family answers for itself: yes, no, or not at all (R7 per child).
        if (1, 1, "Vårdnadshavare") not in guardianships:
            guardianships.append((1, 1, "Vårdnadshavare"))
        answer = draw(st.sampled_from([True, False, None]))
        consents = [t for t in consents if not (t[0] == 1 and t[1] == 1)]
        if answer is not None:
            consents.append((1, 1, answer))

    # Grants about a child at a unit where it is placed (most of the time), to staff with a duty
    # there (most of the time), mostly for every day the test asks about, so that the grant's own
    # dates and its early end decide: issue 28 bites often.
    def grant(contact: bool) -> tuple[int, int, int, tuple, bool]:
        ended = draw(st.booleans())
        wide = (DAY0 - dt.timedelta(days=500), None)
        dates_ = wide if draw(st.booleans()) else draw(dates())
        if not contact and draw(st.sampled_from([True, True, True, False])):
            # A staff member with a duty at the unit that is not unit-wide (a grant matters there).
            adult, unit = draw(st.integers(0, n_adults - 1)), draw(st.integers(0, n_units - 1))
            duties.append((adult, unit, "Barnskötare", wide))
            here = [p for p in placements if p[1] == unit]
            if here and draw(st.booleans()):
                return (adult, draw(st.sampled_from(here))[0], unit, dates_, ended)
            child = draw(child_i)
            placements.append((child, unit, wide))
            return (adult, child, unit, dates_, ended)
        if placements and draw(st.sampled_from([True, True, True, False])):
            c, u, _d = draw(st.sampled_from(placements))
            return (draw(st.integers(0, n_adults - 1)), c, u, dates_, ended)
        return (draw(st.integers(0, n_adults - 1)), draw(child_i), draw(st.integers(0, n_units - 1)), dates_, ended)

    contacts = [grant(True) for _ in range(draw(st.integers(0, 3)))]
    named_grants = [grant(False) for _ in range(draw(st.integers(0, 3)))]
    comments = []
    for i, (_unit, kids, _status, _deleted, _offset, author) in enumerate(posts):
        # The group posts around a move always carry some: families' threads are where R8 per child bites.
        at_least = 2 if i >= mixed_from else 0
        for family, hidden in draw(
            st.lists(
                st.tuples(st.one_of(st.none(), st.sampled_from(kids)), st.booleans()), min_size=at_least, max_size=3
            )
        ):
            if family is None:
                comments.append((i, author, None, hidden))  # staff to everyone
            else:
                writer = draw(st.integers(0, n_adults - 1))  # a guardian, or staff to that family
                comments.append((i, writer, family, hidden))
    media = []
    for i, (_unit, kids, *_rest) in enumerate(posts):
        for _ in range(draw(st.integers(0, 2))):
            marked = draw(st.lists(st.sampled_from(kids), max_size=2, unique=True))
            decisions = [draw(st.sampled_from(["pending", "hidden", "shown"])) for _c in marked]
            media.append((i, tuple(zip(marked, decisions, strict=True))))
    return WorldSpec(
        units,
        groups,
        children,
        placements,
        memberships,
        guardianships,
        duties,
        assignments,
        posts,
        rule,
        consents,
        comments,
        unit_orgs,
        rule_b,
        contacts,
        named_grants,
        media,
    )


class RandomWorldTests(TestCase):
    @settings(
        max_examples=EXAMPLES,
        phases=PHASES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(spec=worlds(), day_offset=st.sampled_from([-200, -30, 0, 45]))
    def test_visible_posts_equals_the_reference_predicate(self, spec: WorldSpec, day_offset: int) -> None:
        on = DAY0 + dt.timedelta(days=day_offset)
        orgs = [
            Organisation.objects.create(
                organisation_type="Huvudman", display_name=f"Huvudman {name}", transition_consent_rule=rule
            )
            for name, rule in (("A", spec.rule), ("B", spec.rule_b))
        ]
        units = [
            Organisation.objects.create(
                organisation=orgs[spec.unit_orgs[i]],
                organisation_type="Skolenhet",
                display_name=f"U{i}",
                all_staff_see_all_children=flag,
            )
            for i, flag in enumerate(spec.units)
        ]
        org = orgs[0]
        self.unit_index = {u.pk: i for i, u in enumerate(units)}
        groups = [
            Group.objects.create(
                organisation=units[u].organisation,
                school_unit=units[u],
                display_name=f"G{i}",
                group_type="Avdelning",
                start_date=DAY0 - dt.timedelta(days=1000),
                hidden_members=hidden,
            )
            for i, (u, hidden) in enumerate(spec.groups)
        ]
        children = [
            Person.objects.create(
                given_name=f"C{i}",
                family_name="X",
                sealed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) if sealed else None,
            )
            for i, sealed in enumerate(spec.children)
        ]
        adults = [Person.objects.create(given_name=f"A{i}", family_name="Y") for i in range(5)]
        Placement.objects.bulk_create(
            Placement(
                organisation=units[u].organisation,
                child=children[c],
                school_unit=units[u],
                school_type="FS",
                start_date=d[0],
                end_date=d[1],
            )
            for c, u, d in spec.placements
        )
        GroupMembership.objects.bulk_create(
            GroupMembership(
                organisation=groups[g].organisation, group=groups[g], person=children[c], start_date=d[0], end_date=d[1]
            )
            for c, g, d in spec.memberships
        )
        Guardianship.objects.bulk_create(
            Guardianship(organisation=org, child=children[c], responsible=adults[a], relation_type=rel)
            for a, c, rel in spec.guardianships
        )
        duties = [
            Duty.objects.create(
                organisation=units[u].organisation,
                person=adults[a],
                school_unit=units[u],
                duty_role=role,
                start_date=d[0],
                end_date=d[1],
            )
            for a, u, role, d in spec.duties
        ]
        DutyAssignment.objects.bulk_create(
            DutyAssignment(
                duty=duties[di], group=groups[g], assignment_role_type="Förskollärare", start_date=d[0], end_date=d[1]
            )
            for di, g, d in spec.assignments
        )
        ended_at = dt.datetime(2026, 1, 4, tzinfo=dt.UTC)
        ContactConnection.objects.bulk_create(
            ContactConnection(
                organisation=units[u].organisation,
                school_unit=units[u],
                child=children[c],
                contact=adults[a],
                relation="Familjehemsförälder",
                start_date=d[0],
                end_date=d[1],
                reason="r",
                granted_by=adults[4],
                ended_at=ended_at if ended else None,
            )
            for a, c, u, d, ended in spec.contacts
        )
        NamedChildAccess.objects.bulk_create(
            NamedChildAccess(
                organisation=units[u].organisation,
                school_unit=units[u],
                child=children[c],
                staff=adults[a],
                role="Specialpedagog",
                start_date=d[0],
                end_date=d[1],
                reason="r",
                granted_by=adults[4],
                ended_at=ended_at if ended else None,
            )
            for a, c, u, d, ended in spec.named_grants
        )
        TransitionConsent.objects.bulk_create(
            TransitionConsent(child=children[c], guardian=adults[a], allowed=ok, answered_at=timezone.now())
            for a, c, ok in spec.consents
        )
        posts = []
        for unit, kids, status, deleted, offset, author in spec.posts:
            post = Post.objects.create(
                organisation=units[unit].organisation,
                school_unit=units[unit],
                kind="individual" if len(kids) == 1 else "group",
                group=groups[0] if len(kids) > 1 else None,
                status=status,
                author=adults[author],
                title="t",
                activity_date=DAY0 + dt.timedelta(days=offset),
                deleted_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC) if deleted else None,
            )
            PostChild.objects.bulk_create(
                PostChild(post=post, child=children[c], activity_date=post.activity_date) for c in kids
            )
            posts.append(post)
        index = {p.pk: i for i, p in enumerate(posts)}
        comments = [
            Comment.objects.create(
                post=posts[i],
                author=adults[author],
                author_role="staff" if family is None else "guardian",
                family_child=None if family is None else children[family],
                body=f"K{k}",
                hidden_at=dt.datetime(2026, 1, 3, tzinfo=dt.UTC) if hidden else None,
            )
            for k, (i, author, family, hidden) in enumerate(spec.comments)
        ]
        comment_index = {c.pk: k for k, c in enumerate(comments)}
        child_index = {c.pk: i for i, c in enumerate(children)}
        files = [
            Media.objects.create(post=posts[i], kind="image", content_type="image/jpeg", uploaded_by=adults[0], seq=m)
            for m, (i, _markers) in enumerate(spec.media)
        ]
        ConsentMarker.objects.bulk_create(
            ConsentMarker(media=files[m], child=children[c], marked_by=adults[0], decision=decision)
            for m, (_i, markers) in enumerate(spec.media)
            for c, decision in markers
        )
        self.media_index = {f.pk: m for m, f in enumerate(files)}

        # Staff sessions: in a world of two organisations one per organisation (a session belongs
        # to one); otherwise as outside a session (all of the person's organisations, which is one).
        two = len(set(spec.unit_orgs)) > 1
        sessions = [(Role.GUARDIAN, None)] + ([(Role.STAFF, 0), (Role.STAFF, 1)] if two else [(Role.STAFF, None)])
        for a, adult in enumerate(adults):
            for role, org in sessions:
                viewer = Viewer(adult, role, None if org is None else orgs[org].pk)
                ref = Reference(spec, a, None, role, on, org)
                label = f"{role} A{a} on {on}" + ("" if org is None else f" in organisation {'AB'[org]}")
                # One request's worth of questions: relationships looked up once (access/memo.py).
                with memo.request_scope():
                    for include_drafts in (False, True):
                        got = {
                            index[p.pk] for p in post_policy.visible_posts(viewer, on, include_drafts=include_drafts)
                        }
                        want = ref.posts(include_drafts)
                        assert got == want, f"{label} drafts={include_drafts}: got {got}, want {want}"
                        # A list page of the feed holds the same posts, newest first, each with the
                        # named children and the comment count this viewer may see.
                        posts_qs = post_policy.visible_posts(viewer, on, include_drafts=include_drafts)
                        self.assert_page(viewer, posts_qs, on, want, ref, index, child_index, f"page of {label}")
                    self.assert_named_and_comments(viewer, on, ref, posts, index, child_index, comment_index, label)
                    # Each visible child's timeline: the posts seen *through that child* (R8 per child).
                    got_children = {child_index[c.pk] for c in policy.visible_children(viewer, on)}
                    assert got_children == ref.children(), f"{label}: children {got_children} != {ref.children()}"
                    for c in sorted(got_children):
                        want = ref.timeline(c)
                        got = {index[p.pk] for p in post_policy.timeline_posts(viewer, children[c], on)}
                        assert got == want, f"{label}: timeline of C{c}: got {got}, want {want}"
                        timeline = post_policy.timeline_posts(viewer, children[c], on)
                        self.assert_page(viewer, timeline, on, want, ref, index, child_index, f"{label} timeline C{c}")
                    if role == Role.STAFF:
                        self.assert_staff_writes(viewer, on, ref, posts, comments, children, label)
                    self.assert_media(viewer, on, ref, label)
        for c, child in enumerate(children):
            got = {index[p.pk] for p in post_policy.visible_posts(Viewer(child, Role.CHILD), on)}
            assert got == reference_visible(spec, None, c, Role.CHILD, on, False), f"child C{c} on {on}"
            self.assert_media(Viewer(child, Role.CHILD), on, Reference(spec, None, c, Role.CHILD, on), f"child C{c}")

    def assert_media(self, viewer, on, ref, label) -> None:  # noqa: ANN001
        """R10 and B5 per file: visible_media equals the reference (markers per child)."""
        got = {self.media_index[m.pk] for m in media_policy.visible_media(viewer, on)}
        want = {m for m in range(len(ref.spec.media)) if ref.media_shown(m)}
        assert got == want, f"{label}: media {got}, want {want}"

    def assert_page(self, viewer, posts, on, want, ref, index, child_index, label) -> None:  # noqa: ANN001
        page = listing.post_page(viewer, posts, filters=(None, None, None), anchor=None, limit=len(index) + 1, on=on)
        assert {index[p.id] for p in page} == want, label
        order = [(p.activity_date, p.id) for p in page]
        assert order == sorted(order, reverse=True), label
        for card in page:
            i = index[card.id]
            named = {child_index[c] for c in card.visible_named_ids}
            assert named == ref.named(i), f"{label}: P{i} names {named}, want {ref.named(i)}"
            count = len(ref.comments_on(i))
            assert card.visible_comment_count == count, f"{label}: P{i} counts {card.visible_comment_count} != {count}"
            files = {self.media_index[m["id"]] for m in card.media}
            assert files == ref.media_on(i), f"{label}: P{i} shows files {files}, want {ref.media_on(i)}"  # B5

    def assert_named_and_comments(self, viewer, on, ref, posts, index, child_index, comment_index, label) -> None:  # noqa: ANN001
        readable = ref.posts(include_drafts=True)
        for i in sorted(readable):
            post = posts[i]
            named = {child_index[c.pk] for c in post_policy.named_children_visible_on_post(viewer, post, on)}
            assert named == ref.named(i), f"{label}: P{i} names {named}, want {ref.named(i)}"
            got = {comment_index[c.pk] for c in post_policy.visible_comments(viewer, post, on)}
            assert got == ref.comments_on(i), f"{label}: P{i} comments {got}, want {ref.comments_on(i)}"
            if viewer.role == Role.STAFF:
                # What an audit record of the read names (R11): the children shown, each under a
                # unit where the reader is connected to it, the post's own where R1 holds there.
                ids = {child_index[c] for c in post_policy.named_child_ids_on_post(viewer, post, on)}
                assert ids == ref.named(i), f"{label}: P{i} audit names {ids}, want {ref.named(i)}"
                for unit_id, child_ids in policy.reading_units(
                    viewer, post_policy.named_child_ids_on_post(viewer, post, on), post.school_unit_id, on
                ).items():
                    for child_id in child_ids:
                        c = child_index[child_id]
                        unit = self.unit_index[unit_id]
                        assert unit in ref.connected_units(c), f"{label}: P{i} read of C{c} under U{unit}"
                        if ref.r1(i, c):
                            assert unit == ref.post(i)[0], f"{label}: P{i} read of C{c} not under the post's unit"
        # Every comment the viewer may open by its uuid (get_comment_for's query).
        got = {
            comment_index[c.pk]
            for c in Comment.objects.filter(post__in=post_policy.visible_posts(viewer, on)).filter(
                post_policy.comment_filter(viewer, on)
            )
        }
        want = {
            k for k in range(len(comment_index)) if ref.spec.comments[k][0] in ref.posts() and ref.comment_visible(k)
        }
        assert got == want, f"{label}: comments {got}, want {want}"

    def assert_staff_writes(self, viewer, on, ref, posts, comments, children, label) -> None:  # noqa: ANN001
        """R8 is read-only: only R1 edits, deletes, moderates and comments (through the actions)."""
        noon = dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC)
        with time_machine.travel(noon, tick=False):
            for i, post in enumerate(posts):
                assert post_policy.may_edit_post(viewer, post, on) == ref.may_edit(i), f"{label}: may edit P{i}"
                if i not in ref.posts():
                    continue
                allowed = ref.may_edit(i)
                try:
                    with transaction.atomic():
                        actions.comment_create(actor=viewer, post=post, body="Hej")
                        raise _Rollback
                except PermissionDenied:
                    assert not allowed, f"{label}: may not comment on P{i}"
                except _Rollback:
                    assert allowed, f"{label}: commented on P{i}"
            for k, comment in enumerate(comments):
                i = ref.spec.comments[k][0]
                if i not in ref.posts() or not ref.comment_visible(k):
                    continue
                try:
                    with transaction.atomic():
                        actions.comment_hide(actor=viewer, comment=comment)
                        raise _Rollback
                except PermissionDenied:
                    assert not ref.may_edit(i), f"{label}: may not hide K{k} on P{i}"
                except _Rollback:
                    assert ref.may_edit(i), f"{label}: hid K{k} on P{i}"


class _Rollback(Exception):
    pass
