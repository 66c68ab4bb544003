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

from django.db.models import (
    BigIntegerField,
    Case,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from folja.access import memo
from folja.directory.models import Guardianship, Organisation, Person, Placement, RelationType
from folja.transitions.models import TermsDecision, TermsOfUse, TransitionConsent


def twelve_months_before(day: dt.date) -> dt.date:
    """Return the first day of the sharing window for a start date (the reference for the SQL below)."""
    first_of_month = day.replace(day=1)
    return first_of_month.replace(year=first_of_month.year - 1) + dt.timedelta(days=day.day - 1)


class TwelveMonthsBefore(Func):
    """SQL twin of `twelve_months_before`, for SQLite and PostgreSQL alike."""

    output_field = DateField()
    arity = 1

    def _with_argument_twice(self, compiler, connection, template: str):  # noqa: ANN001, ANN202
        sql, params = compiler.compile(self.source_expressions[0])
        return template.format(x=sql), (*params, *params)

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        return self._with_argument_twice(
            compiler,
            connection,
            "date({x}, 'start of month', '-1 year', '+' || (CAST(strftime('%%d', {x}) AS INTEGER) - 1) || ' days')",
        )

    def as_postgresql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        return self._with_argument_twice(
            compiler,
            connection,
            "(date_trunc('month', {x}) - interval '1 year'"
            " + (extract(day from {x})::int - 1) * interval '1 day')::date",
        )


# ---------------------------------------------------------------------------------------------
# R7: consent, as a filter on rows that have a `child` column (PostChild, Talk)
# ---------------------------------------------------------------------------------------------


def _guardians_of(child_ref: OuterRef) -> QuerySet[Guardianship]:
    return Guardianship.objects.filter(
        child=child_ref, relation_type=RelationType.GUARDIAN, responsible__sealed_at__isnull=True
    )


def consent_given(child_field: str = "child", organisation_field: str = "post__organisation") -> Q:
    """Return a filter: the guardians' consent holds for the row's child under the organisation's rule.

    R7: no answer counts as no. Rule "any": one current yes from a guardian. Rule "all": the child
    has guardians and none of them lacks a current yes.
    """
    child = OuterRef(child_field)
    yes = TransitionConsent.objects.filter(is_current=True, allowed=True)
    any_yes = Exists(yes.filter(child=child, guardian__in=_guardians_of(child).values("responsible")))
    guardian_without_yes = _guardians_of(child).exclude(
        Exists(yes.filter(child=OuterRef("child"), guardian=OuterRef("responsible")))
    )
    all_yes = Exists(_guardians_of(child)) & ~Exists(guardian_without_yes)
    return (Q(**{f"{organisation_field}__transition_consent_rule": "any"}) & Q(any_yes)) | (
        Q(**{f"{organisation_field}__transition_consent_rule": "all"}) & Q(all_yes)
    )


def child_consent_given(child: Person, organisation: Organisation) -> bool:
    """Return whether consent holds for the child under the organisation's rule (the same SQL)."""
    rule = organisation.transition_consent_rule
    yes = TransitionConsent.objects.filter(child=child, is_current=True, allowed=True)
    guardians = Guardianship.objects.filter(
        child=child, relation_type=RelationType.GUARDIAN, responsible__sealed_at__isnull=True
    ).values_list("responsible_id", flat=True)
    guardian_ids = set(guardians)
    answered_yes = set(yes.values_list("guardian_id", flat=True)) & guardian_ids
    if rule == "any":
        return bool(answered_yes)
    return bool(guardian_ids) and answered_yes == guardian_ids


# ---------------------------------------------------------------------------------------------
# R8: the receiving unit's window
# ---------------------------------------------------------------------------------------------


def first_start_at_unit() -> Subquery:
    return Subquery(
        Placement.objects.filter(child=OuterRef("child"), school_unit=OuterRef("school_unit"))
        .order_by("start_date")
        .values("start_date")[:1],
        output_field=DateField(),
    )


def receiving_window_filter(connected: QuerySet[Placement], *, unit: OuterRef, day: OuterRef) -> Q:
    """Return a filter on a row with a `child`, given references to its unit and its date.

    True when one of the connected placements is at another unit than the row's, and the row's
    date falls in the 12 months before the child's first placement at that unit started (R8).
    For posts the row is PostChild (child, activity_date) under Post (school_unit); for talks
    the row is the talk itself.
    """
    receiving = (
        connected.filter(child=OuterRef("child"))
        .exclude(school_unit=unit)  # R8: documentation from *other* units
        .annotate(first_start=first_start_at_unit())
        .filter(first_start__gt=day)  # R8: before the first placement at the new unit started
        .annotate(window_start=TwelveMonthsBefore(F("first_start")))
        .filter(window_start__lte=day)  # R8: nothing older than 12 months
    )
    return Q(Exists(receiving))


def preview_window(child: Person, on: dt.date | None = None) -> tuple[Organisation | None, dt.date]:
    """Return the receiving unit and its start for a guardian's preview.

    The unit is the child's newest placement unit whose first placement started most recently
    (current or coming); without one, a move today is assumed.
    """
    day = on or timezone.localdate()
    placements = (
        Placement.objects.filter(child=child)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .annotate(first_start=first_start_at_unit())
        .select_related("school_unit")
        .order_by("-first_start")
    )
    newest = placements.first()
    if newest is None:
        return None, day
    return newest.school_unit, newest.first_start


# ---------------------------------------------------------------------------------------------
# R9: terms of use
# ---------------------------------------------------------------------------------------------


def current_terms_by_organisation() -> dict[int | None, int]:
    """Return {organisation id (None = platform default): id of its current terms}: the newest
    version published by now is current. Read once per request (access/memo.py), never kept
    longer: a new version is in force from the next request on."""
    return memo.memoised(("current_terms",), _read_current_terms)


def _read_current_terms() -> dict[int | None, int]:
    current: dict[int | None, int] = {}
    published = TermsOfUse.objects.filter(published_at__lte=timezone.now()).order_by("-published_at", "-version")
    for terms_id, organisation_id in published.values_list("id", "organisation_id"):
        current.setdefault(organisation_id, terms_id)
    return current


def forget_current_terms() -> None:
    memo.forget()


def forget_accepted_terms(guardian: Person) -> None:
    """Drop this request's memoised answers (called when the guardian decides)."""
    memo.forget()


def applicable_terms(current: dict[int | None, int]) -> Case | Value:
    """Return, for a row with an `organisation` column, the id of the terms that apply there: the
    organisation's own current terms, else the platform default; NULL where none apply (R9)."""
    default = Value(current.get(None), output_field=BigIntegerField())
    own = [When(organisation_id=org, then=Value(terms)) for org, terms in current.items() if org is not None]
    return Case(*own, default=default, output_field=BigIntegerField()) if own else default


def placements_with_terms_pending(placements: QuerySet[Placement], guardian: Person) -> QuerySet[Placement]:
    """Return those of `placements` whose organisation's current terms the guardian has not
    accepted: the latest decision wins, no decision is no (R9). Empty while no terms apply."""
    current = current_terms_by_organisation()
    if not current:
        return placements.none()
    latest = TermsDecision.objects.filter(guardian=guardian, terms=OuterRef("applicable_terms")).order_by(
        "-decided_at", "-id"
    )
    return (
        placements.annotate(applicable_terms=applicable_terms(current))
        .filter(applicable_terms__isnull=False)
        .annotate(accepted=Subquery(latest.values("accepted")[:1]))
        .filter(Q(accepted__isnull=True) | Q(accepted=False))
    )


def terms_pending_for(guardian: Person, children: QuerySet[Person]) -> list[TermsOfUse]:
    """Return the current terms the guardian must still accept for these children (newest first)."""
    current = current_terms_by_organisation()
    if not current:
        return []
    placements = Placement.objects.filter(child__in=children).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate())
    )
    pending = placements_with_terms_pending(placements, guardian).values("applicable_terms")
    return list(TermsOfUse.objects.filter(pk__in=pending).select_related("organisation").order_by("-published_at"))
