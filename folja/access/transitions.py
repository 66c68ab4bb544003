"""Transitions in the access policy: consent (R7), what the receiving unit sees (R8), terms (R9).

Boundary dates (R8), defined once here and documented in docs/access.md:
- The receiving unit is a unit where the staff member is connected to the child now; its start
  is the start date of the child's *first* placement at that unit.
- Shared are posts and talks from other units whose activity date d satisfies
  `twelve_months_before(start) <= d < start`: the same day of the month one year earlier is the
  first day inside the window (for 29 February: 1 March of the year before), and the start day
  itself belongs to the new unit.
- Consent is read at request time: a withdrawal takes effect on the next request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import (
    DateField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from folja.access import memo
from folja.directory.models import Guardianship, Organisation, Person, Placement, RelationType
from folja.transitions.models import TermsDecision, TermsOfUse, TransitionConsent


def twelve_months_before(day: dt.date) -> dt.date:
    """Return the first day of the sharing window for a start date (R8)."""
    first_of_month = day.replace(day=1)
    return first_of_month.replace(year=first_of_month.year - 1) + dt.timedelta(days=day.day - 1)


# ---------------------------------------------------------------------------------------------
# R7: consent, from what each guardian of a child answered
# ---------------------------------------------------------------------------------------------


def _current_yes() -> QuerySet[TransitionConsent]:
    return TransitionConsent.objects.filter(is_current=True, allowed=True)


def some_yes(child: OuterRef) -> Exists:
    """For the row's child: someone's current answer is yes. Necessary for consent (R7), not
    sufficient: only guardians' answers count (`consent_answers`)."""
    return Exists(_current_yes().filter(child=child))


@dataclass(frozen=True)
class ConsentAnswers:
    """What a child's guardians answered to sharing at a transition (R7): whether one of them
    said yes, and whether every one of them did. No answer counts as no."""

    a_yes: bool
    every_yes: bool

    def holds(self, rule: str) -> bool:
        """R7, the organisation's rule: "any" needs one guardian's yes, "all" (the default) every
        guardian's."""
        return self.a_yes if rule == "any" else self.every_yes


def consent_answers(child_ids: list[int]) -> dict[int, ConsentAnswers]:
    """Return the guardians' answers for each of the children (R7), in one query: each
    Vårdnadshavare who is not sealed, and whether their current answer is yes."""
    yes = _current_yes().filter(child=OuterRef("child"), guardian=OuterRef("responsible"))
    answers: dict[int, list[bool]] = {child: [] for child in child_ids}
    for child, said_yes in (
        _guardians_of_children(child_ids).annotate(said_yes=Exists(yes)).values_list("child_id", "said_yes")
    ):
        answers[child].append(said_yes)
    return {child: ConsentAnswers(any(said), bool(said) and all(said)) for child, said in answers.items()}


def _guardians_of_children(child_ids: list[int]) -> QuerySet[Guardianship]:
    return Guardianship.objects.filter(
        child__in=child_ids, relation_type=RelationType.GUARDIAN, responsible__sealed_at__isnull=True
    )


def child_consent_given(child: Person, organisation: Organisation) -> bool:
    """Return whether consent holds for the child under the organisation's rule (R7)."""
    return consent_answers([child.pk])[child.pk].holds(organisation.transition_consent_rule)


# ---------------------------------------------------------------------------------------------
# R8: the receiving unit's window
# ---------------------------------------------------------------------------------------------


def first_start_at_unit() -> Subquery:
    """For a row with `child` and `school_unit` (a placement): the start of the child's first
    placement at that unit, the receiving unit's start (R8)."""
    return Subquery(
        Placement.objects.filter(child=OuterRef("child"), school_unit=OuterRef("school_unit"))
        .order_by("start_date")
        .values("start_date")[:1],
        output_field=DateField(),
    )


def consent_questions_due(on: dt.date | None = None) -> dict[tuple[int, int], list[int]]:
    """Return {(child, receiving unit): guardian ids} for the consent question of R7 at a coming
    transition: the child (not sealed) has a placement that starts after the day at a unit where
    it was never placed before, after a placement at another unit (a move, so there is
    documentation R8 could share); asked of each Vårdnadshavare (not sealed) who has not answered
    for the child yet. Two queries."""
    day = on or timezone.localdate()
    earlier_elsewhere = Placement.objects.filter(
        child=OuterRef("child"), start_date__lt=OuterRef("start_date")
    ).exclude(school_unit=OuterRef("school_unit"))
    coming = (
        Placement.objects.filter(start_date__gt=day, child__sealed_at__isnull=True)  # R5
        .annotate(first_start=first_start_at_unit())
        .filter(first_start=models.F("start_date"))  # the child's first placement at that unit
        .filter(Exists(earlier_elsewhere))
        .values_list("child_id", "school_unit_id")
    )
    moves = sorted(set(coming))
    if not moves:
        return {}
    answered = _current_answer_by(OuterRef("child"), OuterRef("responsible"))
    unanswered: dict[int, list[int]] = {}
    for child_id, guardian_id in (
        _guardians_of_children(sorted({child for child, _unit in moves}))
        .exclude(Exists(answered))
        .values_list("child_id", "responsible_id")
        .order_by("child_id", "responsible_id")
        .distinct()
    ):
        unanswered.setdefault(child_id, []).append(guardian_id)
    return {(child, unit): unanswered[child] for child, unit in moves if unanswered.get(child)}


def _current_answer_by(child: OuterRef, guardian: OuterRef) -> QuerySet[TransitionConsent]:
    return TransitionConsent.objects.filter(is_current=True, child=child, guardian=guardian)


CONSENT_RULES = ("all", "any")


@dataclass(frozen=True)
class ReceivingWindow:
    """Where R8 can share a child's documentation with a staff member: the child is connected
    to them at `unit` now and was first placed there on `start`; `consent` is what the child's
    guardians answered (R7)."""

    child: int
    unit: int
    start: dt.date
    consent: ConsentAnswers


def shared_with_receiving_unit(windows: list[ReceivingWindow], *, child: str, unit: str, day: str, rule: str) -> Q:
    """R7 and R8 for a staff member, a filter on rows about one child (a post's named child, a
    talk): the row's child has a receiving window (`windows`, from the request's connections) at
    a unit other than the row's, the row's day lies in the 12 months before the child's first
    start there, and consent holds under the rule of the organisation that wrote the row.

    `child`, `unit`, `day` and `rule` name the row's fields (for PostChild: "child",
    "post__school_unit", "activity_date", "post__organisation__transition_consent_rule"). The
    windows are plain values, grouped so that children who started on the same day at the same
    unit under the same answers share one condition.
    """
    children: dict[tuple[int, dt.date, tuple[str, ...]], list[int]] = {}
    for window in windows:
        rules = tuple(r for r in CONSENT_RULES if window.consent.holds(r))  # R7
        if rules:
            children.setdefault((window.unit, window.start, rules), []).append(window.child)
    shared = Q(pk__in=[])
    for (receiving_unit, start, rules), ids in sorted(children.items()):
        in_window = Q(**{f"{child}__in": sorted(ids), f"{day}__gte": twelve_months_before(start), f"{day}__lt": start})
        from_elsewhere = ~Q(**{unit: receiving_unit})  # R8: documentation from *other* units
        under_a_rule_that_holds = Q(**{f"{rule}__in": rules})  # R7, the writing organisation's rule
        shared |= in_window & from_elsewhere & under_a_rule_that_holds
    return shared


def preview_window(child: Person, on: dt.date | None = None) -> tuple[Organisation | None, dt.date]:
    """Return the receiving unit and its start for a guardians' preview (R8): what a receiving
    unit would see if the child started there on the planned start date, or today.

    - A move is planned (before it and on its first day): the unit of the child's next first
      placement, one that starts on or after the day (a future placement from the SIS), and that
      start.
    - The child has moved (after the move): the unit the child moved to most recently, one where
      the child is placed on the day and whose first start came after a placement at another
      unit, and that start; its staff still see that window, and consent still governs it.
    - Otherwise (the child is still at its first unit, no move known): a move today to a new unit
      (None), which would see the 12 months before today from every unit the child has been at.
    """
    day = on or timezone.localdate()
    placements = list(
        Placement.objects.filter(child=child)
        .annotate(first_start=first_start_at_unit())
        .select_related("school_unit")
        .order_by("first_start", "start_date", "id")
    )
    planned = [p for p in placements if p.first_start >= day]
    if planned:
        return planned[0].school_unit, planned[0].first_start
    earliest = placements[0].first_start if placements else None
    moved_to = [
        p
        for p in placements
        if p.start_date <= day and (p.end_date is None or p.end_date >= day) and p.first_start > earliest
    ]
    if moved_to:
        newest = moved_to[-1]
        return newest.school_unit, newest.first_start
    return None, day


# ---------------------------------------------------------------------------------------------
# R9: terms of use
# ---------------------------------------------------------------------------------------------


def forget_current_terms() -> None:
    memo.forget()


def forget_accepted_terms(guardian: Person) -> None:
    """Drop this request's memoised answers (called when the guardian decides)."""
    memo.forget()


def terms_that_apply() -> Coalesce:
    """For a row with an `organisation` (a placement): the id of the current terms that apply
    there (R9), the organisation's own newest published version, else the platform default's
    (terms without an organisation); NULL while none is published. Read with the row, so a new
    version is in force from the next request on."""
    now = timezone.now()

    def newest(**where: object) -> Subquery:
        published = TermsOfUse.objects.filter(published_at__lte=now, **where).order_by("-published_at", "-version")
        return Subquery(published.values("id")[:1])

    return Coalesce(newest(organisation=OuterRef("organisation")), newest(organisation__isnull=True))


def accepted_terms(guardian_ids: Iterable[int], terms_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Return the (guardian, terms) pairs the guardian has accepted (R9): their latest decision on
    those terms is yes; a later decline takes it back, and no decision is no. One query."""
    latest: dict[tuple[int, int], bool] = {}
    decisions = TermsDecision.objects.filter(guardian__in=list(guardian_ids), terms__in=list(terms_ids))
    for guardian_id, terms_id, accepted in decisions.order_by("decided_at", "id").values_list(
        "guardian_id", "terms_id", "accepted"
    ):
        latest[(guardian_id, terms_id)] = accepted
    return {pair for pair, accepted in latest.items() if accepted}


def terms_pending(guardian_id: int, applying: set[int], accepted: set[tuple[int, int]]) -> frozenset[int]:
    """R9, the rule: of the terms that apply where a child is placed, those the guardian has not
    accepted. A guardian sees the child's documentation only when none are pending."""
    return frozenset(terms for terms in applying if (guardian_id, terms) not in accepted)
