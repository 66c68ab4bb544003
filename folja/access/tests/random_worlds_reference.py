"""The plainly written reference of the random worlds (test_random_worlds.py): what
access-rules.md allows one viewer on one day, computed over a world's spec without the policy's
code. Kept apart so that a reviewer reads the rules here, and the generator and the comparisons
there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from folja.access.roles import Role
from folja.access.transitions import twelve_months_before

DAY0 = dt.date(2026, 1, 15)
UNIT_WIDE_ROLES = {"Rektor", "Speciallärare/specialpedagog"}


@dataclass
class WorldSpec:
    units: list[bool]  # all_staff_see_all_children per unit
    groups: list[tuple[int, bool]]  # (unit index, hidden)
    children: list[bool]  # sealed
    placements: list[tuple[int, int, tuple]]  # (child, unit, dates)
    memberships: list[tuple[int, int, tuple]]  # (child, group, dates)
    guardianships: list[tuple[int, int, str]]  # (adult, child, relation)
    duties: list[tuple[int, int, str, tuple]]  # (adult, unit, role, dates)
    assignments: list[tuple[int, int, tuple]]  # (duty, group, dates)
    # (unit, children, status, deleted, day offset, author)
    posts: list[tuple[int, tuple[int, ...], str, bool, int, int]]
    rule: str = "all"  # the organisation's transition consent rule (R7)
    consents: list[tuple[int, int, bool]] = ()  # (adult, child, yes?): current answers
    # (post, author adult, family child or None for a staff comment to everyone, hidden?)
    comments: list[tuple[int, int, int | None, bool]] = ()
    # Two organisations (huvudmän): the organisation of each unit, and the second one's rule.
    unit_orgs: tuple[int, ...] = ()
    rule_b: str = "all"
    # Issue 28: contact persons (adult, child, unit, dates, ended early?) and named-child access
    # of staff (adult, child, unit, dates, ended early?).
    contacts: list[tuple[int, int, int, tuple, bool]] = ()
    named_grants: list[tuple[int, int, int, tuple, bool]] = ()
    # Issue 29, B5: files on posts (post, ((marked child, decision), ...)): a named child's
    # "don't show" marker, pending, kept hidden or shown by staff's decision.
    media: list[tuple[int, tuple[tuple[int, str], ...]]] = ()


def active(dates_: tuple, on: dt.date) -> bool:
    start, end = dates_
    return start <= on and (end is None or end >= on)


class Reference:
    """What access-rules.md allows one viewer on one day, written plainly over the world's spec.

    Staff (R1, R5, R6, R8 per child): a staff member sees a post *through* a named child when
    connected to that child at the post's unit now (R1), or when the child is connected to them at
    another unit, consent holds for that child (R7) and the post's date falls in the 12 months
    before the child's first placement there (R8). A post is visible when some named child lets
    it through; only those children are named; their families' comments, and staff comments to
    everyone, are read (hidden ones only through R1: a receiving unit sees what the child's
    guardians see); only R1 lets a staff member edit, delete or moderate. Families (R1, R2, R3,
    R5, R6): their own visible children only, never hidden comments.
    """

    def __init__(
        self,
        spec: WorldSpec,
        adult: int | None,
        child_self: int | None,
        role: Role,
        on: dt.date,
        org: int | None = None,
    ) -> None:
        self.spec, self.adult, self.role, self.on = spec, adult, role, on
        self.org = org  # a staff session's organisation (None: all, as outside a session)
        if role == Role.GUARDIAN:
            mine = {c for a, c, rel in spec.guardianships if a == adult and rel == "Vårdnadshavare"}
            # Issue 28: a contact person's connection that holds, while the child is placed (a
            # placement that has not ended) at the connection's unit.
            mine |= {
                c
                for a, c, u, d, ended in spec.contacts
                if a == adult and active(d, on) and not ended and self.placed_at(c, u)
            }
        elif role == Role.CHILD:
            mine = {child_self}
        else:
            mine = set()
        self.mine = {c for c in mine if not spec.children[c] and self.on_platform(c)}  # R5, R6

    def placed_at(self, c: int, unit: int) -> bool:  # a placement at the unit that has not ended
        return any(pc == c and pu == unit and (d[1] is None or d[1] >= self.on) for pc, pu, d in self.spec.placements)

    def on_platform(self, c: int) -> bool:  # R6: a placement that has not ended
        return any(pc == c and (d[1] is None or d[1] >= self.on) for pc, _u, d in self.spec.placements)

    def connected_at(self, c: int, unit: int) -> bool:
        spec, on, adult = self.spec, self.on, self.adult
        if self.role != Role.STAFF or spec.children[c]:
            return False  # R5
        for pc, pu, pd in spec.placements:
            if pc != c or pu != unit or not active(pd, on):
                continue
            my_duties = [
                (i, d)
                for i, d in enumerate(spec.duties)
                if d[0] == adult and active(d[3], on) and (self.org is None or spec.unit_orgs[d[1]] == self.org)
            ]
            if not any(d[1] == unit for _i, d in my_duties):
                continue
            if any(d[1] == unit and (d[2] in UNIT_WIDE_ROLES or spec.units[unit]) for _i, d in my_duties):
                return True
            # Issue 28: access to this child by name at this unit, granted for dates that hold.
            if any(
                a == adult and gc == c and gu == unit and active(gd, on) and not ended
                for a, gc, gu, gd, ended in spec.named_grants
            ):
                return True
            my_duty_ids = {i for i, _d in my_duties}
            for duty_i, g, ad in spec.assignments:
                if duty_i not in my_duty_ids or not active(ad, on) or spec.groups[g][0] != unit:
                    continue
                if any(mc == c and mg == g and active(md, on) for mc, mg, md in spec.memberships):
                    return True
        return False

    def connected_units(self, c: int) -> set[int]:
        return {u for u in range(len(self.spec.units)) if self.connected_at(c, u)}

    def consent_ok(self, c: int, post_unit: int) -> bool:  # R7, under the sending organisation's rule
        spec = self.spec
        guardians = {a for a, cc, rel in spec.guardianships if cc == c and rel == "Vårdnadshavare"}
        yes = {a for a, cc, ok in spec.consents if cc == c and ok} & guardians
        rule = spec.rule if spec.unit_orgs[post_unit] == 0 else spec.rule_b
        return bool(yes) if rule == "any" else bool(guardians) and yes == guardians

    def received(self, c: int, post_unit: int, day: dt.date) -> bool:  # R8, for this child
        spec = self.spec
        if spec.children[c] or not self.consent_ok(c, post_unit):
            return False
        for unit in {u for pc, u, _d in spec.placements if pc == c and u != post_unit}:
            if not self.connected_at(c, unit):
                continue
            first_start = min(d[0] for pc, u, d in spec.placements if pc == c and u == unit)
            if twelve_months_before(first_start) <= day < first_start:
                return True
        return False

    def post(self, i: int) -> tuple:
        return self.spec.posts[i]

    def day_of(self, i: int) -> dt.date:
        return DAY0 + dt.timedelta(days=self.post(i)[4])

    def state_ok(self, i: int, include_drafts: bool) -> bool:
        _unit, _kids, status, deleted, _offset, author = self.post(i)
        if deleted:
            return False
        if status == "published":
            return True
        return status == "draft" and self.role == Role.STAFF and include_drafts and author == self.adult

    def r1(self, i: int, c: int) -> bool:
        return self.connected_at(c, self.post(i)[0])

    def r8(self, i: int, c: int) -> bool:
        return self.received(c, self.post(i)[0], self.day_of(i))

    def named(self, i: int) -> set[int]:
        """The named children this viewer sees on post i (whether or not it may read the post)."""
        kids = self.post(i)[1]
        if self.role == Role.STAFF:
            return {c for c in kids if self.r1(i, c) or self.r8(i, c)}
        return {c for c in kids if c in self.mine}

    def pending_ok(self, i: int, c: int | None = None) -> bool:
        """Issue 29: a child's post waiting for approval is read by staff connected at the post's
        unit to a child it names (R1; on a timeline, to that child), never a receiving unit."""
        _unit, kids, status, deleted, _offset, _author = self.post(i)
        if status != "pending" or deleted or self.role != Role.STAFF:
            return False
        return any(self.r1(i, k) for k in kids if c is None or k == c)

    def posts(self, include_drafts: bool = False) -> set[int]:
        return {
            i
            for i in range(len(self.spec.posts))
            if (self.state_ok(i, include_drafts) and self.named(i)) or self.pending_ok(i)
        }

    def timeline(self, c: int) -> set[int]:
        return {
            i for i in self.posts() if c in self.named(i) and (self.post(i)[2] != "pending" or self.pending_ok(i, c))
        }

    def children(self) -> set[int]:
        if self.role == Role.STAFF:
            return {c for c in range(len(self.spec.children)) if self.connected_units(c)}
        return set(self.mine)

    def may_edit(self, i: int) -> bool:
        return self.state_ok(i, True) and any(self.r1(i, c) for c in self.post(i)[1])

    def comment_visible(self, k: int) -> bool:
        i, _author, family, hidden = self.spec.comments[k]
        kids = self.post(i)[1]
        if self.role != Role.STAFF:
            return not hidden and (family is None or family in self.mine)  # R2
        if family is None:
            return any(self.r1(i, c) for c in kids) or (not hidden and any(self.r8(i, c) for c in kids))
        if family not in kids:
            return False
        return self.r1(i, family) or (not hidden and self.r8(i, family))

    def media_shown(self, m: int) -> bool:
        """B5: a file of a post the viewer reads (staff: their own drafts' too), unless a named
        child marked it and staff have not decided to show it, and the viewer does not see that
        child named on the post (the child, its family, staff who read the post through it)."""
        i, markers = self.spec.media[m]
        if i not in self.posts(include_drafts=self.role == Role.STAFF):
            return False
        return all(decision == "shown" or c in self.named(i) for c, decision in markers)

    def media_on(self, i: int) -> set[int]:
        return {m for m, (post, _markers) in enumerate(self.spec.media) if post == i and self.media_shown(m)}

    def comments_on(self, i: int) -> set[int]:
        return {k for k, comment in enumerate(self.spec.comments) if comment[0] == i and self.comment_visible(k)}


def reference_visible(
    spec: WorldSpec, adult: int | None, child_self: int | None, role: Role, on: dt.date, include_drafts: bool
) -> set[int]:
    """Return the indices of posts the access rules allow (see Reference)."""
    return Reference(spec, adult, child_self, role, on).posts(include_drafts)
