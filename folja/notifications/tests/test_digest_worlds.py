"""Random worlds: the digest's chunk of recipients sees exactly what each recipient's own page sees.

The digest reads a chunk of guardians' notices in one query with the kinds' rules for many
guardians (`rules.visible_filter_for_guardians`, their children as `policy.guardian_child_pairs`
pairs); a page asks `rules.visible_notices(viewer)` for one person. Hypothesis builds worlds with
custody that ended (or was never custody: "Annan ansvarig"), sealed children, placements that
ended, terms of use not accepted (or accepted, then declined), deleted and draft posts, a child
taken off a post, hidden comments and family threads, a staff member with notices of their own
(the per-person path), notices read or already mailed, and notices about a child the recipient
never had. For every recipient, the chunk's notices must equal the per-request path's, and a
guardian's must also equal a plain reference predicate written over the world.

FOLJA_HYPOTHESIS_EXAMPLES sets the number of worlds (default 50 here: each world is a few hundred
rows and the whole suite runs on two cores; e.g. 1000 for a long run).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from folja.access import memo, policy
from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.directory.models import Duty, Group, Guardianship, Organisation, Person, Placement
from folja.learninglog.models import Comment, Post, PostChild, PostKind, PostStatus
from folja.notifications import digest, rules
from folja.notifications.models import Notice
from folja.transitions.models import TermsDecision, TermsOfUse

EXAMPLES = int(os.environ.get("FOLJA_HYPOTHESIS_EXAMPLES", "50"))
N_ADULTS = 4  # adults 0–3 may be guardians; adult 3 also works at unit 0 (staff notices)
# The talk kind has only a per-viewer rule (the digest asks it per person) and no talk here.
KINDS = ["post_published", "post_changed", "comment_new", "export_ready", "talk_record_shared"]


@dataclass
class Spec:
    children: list[bool]  # sealed
    placements: list[tuple[int, int, bool]]  # (child, unit, ended)
    guardianships: list[tuple[int, int, str]]  # (adult, child, relation)
    terms: list[bool]  # per unit: terms of use published there
    decisions: list[tuple[int, int, str]]  # (adult, unit, "yes" | "no" | "yes then no")
    posts: list[tuple[int, tuple[int, ...], str, bool]]  # (unit, named children, status, deleted)
    comments: list[tuple[int, int | None, bool]]  # (post, family child or None, hidden)
    taken_off: list[tuple[int, int]]  # (post, child) removed after the notices were made
    # (adult, role, kind, post or comment index, child or None, read, mailed)
    notices: list[tuple[int, str, str, int, int | None, bool, bool]]


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    n_children = draw(st.integers(1, 4))
    child = st.integers(0, n_children - 1)
    children = draw(st.lists(st.sampled_from([False, False, False, True]), min_size=n_children, max_size=n_children))
    placements = draw(st.lists(st.tuples(child, st.integers(0, 1), st.sampled_from([False, False, True])), max_size=6))
    guardianships = draw(
        st.lists(
            st.tuples(
                st.integers(0, N_ADULTS - 1),
                child,
                st.sampled_from(["Vårdnadshavare", "Vårdnadshavare", "Annan ansvarig"]),
            ),
            max_size=7,
            unique_by=lambda t: t,
        )
    )
    terms = draw(st.lists(st.booleans(), min_size=2, max_size=2))
    decisions = draw(
        st.lists(
            st.tuples(
                st.integers(0, N_ADULTS - 1), st.integers(0, 1), st.sampled_from(["yes", "yes", "no", "yes then no"])
            ),
            max_size=6,
            unique_by=lambda t: (t[0], t[1]),
        )
    )
    posts = draw(
        st.lists(
            st.tuples(
                st.integers(0, 1),
                st.lists(child, min_size=1, max_size=3, unique=True).map(tuple),
                st.sampled_from(["published", "published", "draft"]),
                st.sampled_from([False, False, False, True]),
            ),
            min_size=1,
            max_size=4,
        )
    )
    post = st.integers(0, len(posts) - 1)
    comments = draw(st.lists(st.tuples(post, st.one_of(st.none(), child), st.booleans()), max_size=4))
    taken_off = draw(st.lists(st.tuples(post, child), max_size=2))
    notices = draw(
        st.lists(
            st.tuples(
                st.integers(0, N_ADULTS - 1),
                st.sampled_from(["guardian", "guardian", "guardian", "staff"]),
                st.sampled_from(KINDS),
                st.integers(0, 7),
                st.one_of(st.none(), child, child),
                st.sampled_from([False, False, True]),
                st.sampled_from([False, False, False, True]),
            ),
            min_size=1,
            max_size=14,
        )
    )
    return Spec(children, placements, guardianships, terms, decisions, posts, comments, taken_off, notices)


class Reference:
    """What a guardian may see of their notices, written plainly over the spec (R1, R2, R5, R6, R9)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def visible_children(self, adult: int) -> set[int]:
        spec = self.spec
        own = {c for a, c, rel in spec.guardianships if a == adult and rel == "Vårdnadshavare"}  # R1
        seen = set()
        for c in own:
            units = {u for pc, u, ended in spec.placements if pc == c and not ended}  # R6
            if spec.children[c] or not units:  # R5
                continue
            if any(spec.terms[u] and self.decision(adult, u) != "yes" for u in units):  # R9
                continue
            seen.add(c)
        return seen

    def decision(self, adult: int, unit: int) -> str | None:
        return next((d for a, u, d in self.spec.decisions if a == adult and u == unit), None)

    def named(self, post: int) -> set[int]:
        return set(self.spec.posts[post][1]) - {c for p, c in self.spec.taken_off if p == post}

    def post_readable(self, adult: int, post: int) -> bool:
        _unit, _kids, status, deleted = self.spec.posts[post]
        return status == "published" and not deleted and bool(self.named(post) & self.visible_children(adult))

    def notice(self, adult: int, kind: str, index: int, child: int | None) -> bool:
        mine = self.visible_children(adult)
        if child is not None and child not in mine:
            return False
        if kind in ("post_published", "post_changed"):
            if index >= len(self.spec.posts):
                return False  # about no post of the world
            return self.post_readable(adult, index) and (child is None or child in self.named(index))
        if kind == "comment_new":
            if index >= len(self.spec.comments):
                return False
            post, family, hidden = self.spec.comments[index]
            return not hidden and (family is None or family in mine) and self.post_readable(adult, post)  # R2
        if kind == "export_ready":
            return child is not None  # the child visible (checked above)
        return False


class DigestChunkWorldTests(TestCase):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(spec=specs())
    def test_a_chunk_sees_what_each_recipients_page_sees(self, spec: Spec) -> None:
        day = today()
        # Two huvudmän, one unit each: the terms of use (R9) are each huvudman's own.
        orgs = [Organisation.objects.create(organisation_type="Huvudman", display_name=f"H{i}") for i in range(2)]
        units = [
            Organisation.objects.create(organisation=orgs[i], organisation_type="Skolenhet", display_name=f"U{i}")
            for i in range(2)
        ]
        org = orgs[0]
        groups = [
            Group.objects.create(
                organisation=orgs[i],
                school_unit=unit,
                display_name=f"G{i}",
                group_type="Avdelning",
                start_date=day - dt.timedelta(days=400),
                hidden_members=i == 1,
            )
            for i, unit in enumerate(units)
        ]
        children = [
            Person.objects.create(given_name=f"C{i}", family_name="X", sealed_at=timezone.now() if sealed else None)
            for i, sealed in enumerate(spec.children)
        ]
        adults = [Person.objects.create(given_name=f"A{i}", family_name="Y") for i in range(N_ADULTS)]
        Duty.objects.create(
            organisation=org,
            person=adults[3],
            school_unit=units[0],
            duty_role="Rektor",
            start_date=day - dt.timedelta(days=400),
        )
        Placement.objects.bulk_create(
            Placement(
                organisation=orgs[u],
                child=children[c],
                school_unit=units[u],
                school_type="FS",
                start_date=day - dt.timedelta(days=300),
                end_date=day - dt.timedelta(days=1) if ended else None,
            )
            for c, u, ended in spec.placements
        )
        Guardianship.objects.bulk_create(
            Guardianship(organisation=org, child=children[c], responsible=adults[a], relation_type=rel)
            for a, c, rel in spec.guardianships
        )
        terms = {
            u: TermsOfUse.objects.create(
                organisation=orgs[u], version=1, title="Villkor", body="…", published_at=timezone.now()
            )
            for u, published in enumerate(spec.terms)
            if published
        }
        earlier = timezone.now() - dt.timedelta(days=2)
        for a, u, decision in spec.decisions:
            if u in terms:
                TermsDecision.objects.create(
                    guardian=adults[a], terms=terms[u], accepted=decision != "no", decided_at=earlier
                )
                if decision == "yes then no":
                    TermsDecision.objects.create(
                        guardian=adults[a], terms=terms[u], accepted=False, decided_at=earlier + dt.timedelta(hours=1)
                    )
        posts = []
        for u, kids, status, deleted in spec.posts:
            post = Post.objects.create(
                organisation=orgs[u],
                school_unit=units[u],
                group=groups[u],
                kind=PostKind.GROUP,
                status=PostStatus.PUBLISHED if status == "published" else PostStatus.DRAFT,
                author=adults[3],
                title="Inlägg",
                body_html="<p>x</p>",
                activity_date=day,
                deleted_at=timezone.now() if deleted else None,
            )
            PostChild.objects.bulk_create(PostChild(post=post, child=children[c], activity_date=day) for c in kids)
            posts.append(post)
        comments = [
            Comment.objects.create(
                post=posts[p],
                author=adults[3],
                author_role="staff",
                family_child=children[family] if family is not None else None,
                body="Hej",
                hidden_at=timezone.now() if hidden else None,
            )
            for p, family, hidden in spec.comments
        ]

        def about(kind: str, index: int) -> uuid.UUID:
            objects = comments if kind == "comment_new" else posts
            return objects[index].uuid if kind != "export_ready" and index < len(objects) else uuid.uuid4()

        Notice.objects.bulk_create(
            Notice(
                recipient=adults[a],
                role=role,
                kind=kind,
                about_uuid=None if kind == "export_ready" else about(kind, index),
                child=children[c] if c is not None else None,
                context={"path": "/"},
                read_at=timezone.now() if read else None,
                mailed_at=timezone.now() if mailed else None,
            )
            for a, role, kind, index, c, read, mailed in spec.notices
        )
        for p, c in spec.taken_off:
            PostChild.objects.filter(post=posts[p], child=children[c]).delete()

        # The chunk: every recipient with pending notices, as the digest finds them.
        chunks = list(digest._recipient_chunks(0, 1))
        recipients = [entry for chunk in chunks for entry in chunk]
        with memo.request_scope():
            chunk_view = digest._visible_pending(recipients)
        reference = Reference(spec)
        pending = {
            (adults[a].pk, role) for a, role, _kind, _i, _c, read, mailed in spec.notices if not read and not mailed
        }
        assert {pk for pk, _roles in recipients} == {pk for pk, _role in pending}
        for adult in range(N_ADULTS):
            person = adults[adult]
            got = {n.pk for n in chunk_view.get(person.pk, [])}
            expected = set()
            for role in ("guardian", "staff"):
                viewer = Viewer(person, Role(role))
                with memo.request_scope():  # one request per person, as a page
                    expected |= set(
                        rules.visible_notices(viewer)
                        .filter(read_at__isnull=True, mailed_at__isnull=True)
                        .values_list("pk", flat=True)
                    )
            assert got == expected, (adult, spec)
            for notice, (a, role, kind, index, c, read, mailed) in zip(
                Notice.objects.filter(recipient__in=adults).order_by("pk"), spec.notices, strict=True
            ):
                if a != adult or role != "guardian" or read or mailed:
                    continue
                assert (notice.pk in got) == reference.notice(adult, kind, index, c), (adult, kind, index, c, spec)
        # The relationships the chunk looked up are those of each guardian's own request.
        with memo.request_scope():
            many = policy.guardian_children_many([a.pk for a in adults])
        for adult in adults:
            assert [own.child.pk for own in many[adult.pk]] == [
                own.child.pk for own in policy._guardian_children(adult)
            ]
