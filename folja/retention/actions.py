"""All writes of retention: rules (each change logged), the notices ahead, and the effect of a rule.

The culling itself is in `culling.py`; what a rule makes due in `rules.py`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from folja.core.dates import today
from folja.directory.models import Organisation, Person
from folja.learninglog.models import Comment, Post, PostChild
from folja.media.models import Media
from folja.notifications.api import notify
from folja.retention import access as retention_policy
from folja.retention.models import CullingNotice, DocumentType, RetentionRule, RetentionRuleChange
from folja.retention.rules import DEFAULT_RULES, Due, due


def _state(rule: RetentionRule | None) -> dict:
    return {} if rule is None else {"event": rule.event, "months": rule.months}


def notice_days() -> int:
    return settings.FOLJA_CULL_NOTICE_DAYS


@transaction.atomic
def rule_set(
    *, actor: object, organisation: Organisation, document_type: str, event: str, months: int
) -> RetentionRule:
    """Create or change an organisation's rule for a document type, and log the change.

    `actor` is the admin user (or None for a command). A new or changed rule culls only after the
    notice period, so guardians hear of it first.
    """
    rule = (
        RetentionRule.objects.select_for_update().filter(organisation=organisation, document_type=document_type).first()
    )
    before = _state(rule)
    if rule is not None and before == {"event": event, "months": months}:
        return rule
    effective = today() + dt.timedelta(days=notice_days())
    if rule is None:
        rule = RetentionRule.objects.create(
            organisation=organisation, document_type=document_type, event=event, months=months, effective_from=effective
        )
    else:
        rule.event, rule.months, rule.effective_from = event, months, effective
        rule.save(update_fields=["event", "months", "effective_from", "updated_at"])
    _log_change(actor, organisation, document_type, before, _state(rule))
    return rule


@transaction.atomic
def rule_delete(*, actor: object, rule: RetentionRule) -> None:
    """Remove a rule (nothing of that type is culled any more), and log it."""
    _log_change(actor, rule.organisation, rule.document_type, _state(rule), {})
    rule.delete()


def rules_adopt_defaults(*, actor: object, organisation: Organisation) -> list[RetentionRule]:
    """Give the organisation the default rules for every type it has no rule for."""
    have = set(RetentionRule.objects.filter(organisation=organisation).values_list("document_type", flat=True))
    return [
        rule_set(actor=actor, organisation=organisation, document_type=kind, event=event, months=months)
        for kind, (event, months) in DEFAULT_RULES.items()
        if kind not in have
    ]


def _log_change(actor: object, organisation: Organisation, document_type: str, before: dict, after: dict) -> None:
    RetentionRuleChange.objects.create(
        organisation=organisation,
        document_type=document_type,
        before=before,
        after=after,
        changed_by=actor if getattr(actor, "pk", None) else None,
        changed_at=timezone.now(),
    )


# ---------------------------------------------------------------------------------------------
# The effect of a rule: for the dry run, the staff's "what we will lose" and the notices
# ---------------------------------------------------------------------------------------------


def effect(work: Due) -> Counter:
    """Return what culling under this work would remove, by kind (nothing is deleted)."""
    counts: Counter = Counter()
    if work.unname is not None:
        pairs = work.unname
        counts["child_name"] = pairs.count()
        others = PostChild.objects.filter(post=OuterRef("pk")).exclude(pk__in=pairs.values("pk"))
        emptied = Post.objects.filter(pk__in=pairs.values("post")).exclude(Exists(others))
        counts["post"] = emptied.count()
        counts["media"] = Media.objects.filter(post__in=emptied).count()
        return +counts
    rows = work.delete
    name = {Post: "post", Media: "media", Comment: "comment"}.get(rows.model, work.rule.document_type)
    counts[name] = rows.count()
    if rows.model is Post:
        counts["media"] = Media.objects.filter(post__in=rows).count()
        counts["comment"] = Comment.objects.filter(post__in=rows).count()
    return +counts


def narrowed(work: Due, unit: Organisation) -> Due:
    """Return the same work limited to what was documented at one school unit."""
    if work.unname is not None:
        return Due(work.rule, None, unname=work.unname.filter(post__school_unit=unit))
    path = {
        "Post": "school_unit",
        "Comment": "post__school_unit",
        "Media": "post__school_unit",
        "Talk": "school_unit",
        "Agreement": "talk__school_unit",
        "AuditRecord": "school_unit",
    }[work.delete.model.__name__]
    return Due(work.rule, work.delete.filter(**{path: unit}))


def unit_outlook(unit: Organisation, day: dt.date | None = None) -> list[tuple[RetentionRule, Counter]]:
    """Return, per rule of the unit's organisation, what culling will remove at the unit within the
    notice period (for the unit's staff; counts only)."""
    horizon = (day or today()) + dt.timedelta(days=notice_days())
    rules = RetentionRule.objects.filter(organisation_id=unit.organisation_id).exclude(
        document_type=DocumentType.AUDIT_RECORD
    )
    return [(rule, effect(narrowed(due(rule, horizon), unit))) for rule in rules.order_by("document_type")]


def _children_of(work: Due) -> QuerySet:
    """The ids of the children whose documentation the work removes."""
    if work.unname is not None:
        return work.unname.values_list("child_id", flat=True)
    model = work.delete.model.__name__
    if model == "Post":
        return PostChild.objects.filter(post__in=work.delete).values_list("child_id", flat=True)
    if model == "Media":
        return PostChild.objects.filter(post__media__in=work.delete).values_list("child_id", flat=True)
    if model == "Comment":
        return work.delete.values_list("family_child_id", flat=True)
    if model == "Talk":
        return work.delete.values_list("child_id", flat=True)
    if model == "Agreement":
        return work.delete.values_list("talk__child_id", flat=True)
    return PostChild.objects.none().values_list("child_id", flat=True)


def guardians_tell_ahead(day: dt.date | None = None) -> int:
    """Tell guardians what each organisation will cull about their child within the notice
    period, once per period per child and organisation; return how many children's guardians were told."""
    day = day or today()
    horizon = day + dt.timedelta(days=notice_days())
    told = 0
    recently = timezone.now() - dt.timedelta(days=notice_days())
    for organisation in Organisation.objects.filter(retention_rules__isnull=False).distinct():
        child_ids: set[int] = set()
        for rule in RetentionRule.objects.filter(organisation=organisation).exclude(
            document_type=DocumentType.AUDIT_RECORD
        ):
            child_ids.update(c for c in _children_of(due(rule, horizon)).distinct() if c is not None)
        noticed = set(
            CullingNotice.objects.filter(
                organisation=organisation, child_id__in=child_ids, created_at__gte=recently
            ).values_list("child_id", flat=True)
        )
        guardians = retention_policy.guardians_to_tell(sorted(child_ids - noticed))
        children = Person.objects.in_bulk(list(guardians))
        for child_id, people in guardians.items():
            child = children[child_id]
            with transaction.atomic():
                CullingNotice.objects.create(
                    organisation=organisation, child=child, due_by=horizon, created_at=timezone.now()
                )
                tell_guardians_of_culling(people, child, organisation, horizon)
            told += 1
    return told


def tell_guardians_of_culling(
    guardians: list[Person], child: Person, organisation: Organisation, due_by: dt.date
) -> None:
    """Tell a child's guardians that documentation will be culled and offer the export: a notice
    about the child, shown only while they may still see the child (export/notices.py)."""
    notify(
        recipients=guardians,
        kind="culling_ahead",
        child=child,
        context={
            "path": reverse("export:child", args=[child.uuid]),
            "child_given_name": child.given_name,
            "organisation": organisation.display_name,
            "due_by": due_by.isoformat(),
        },
    )
