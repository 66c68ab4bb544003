"""Retention in the demo world: Exempelby kommun's rules, and documentation falling due soon.

The municipality adopted the default rules long ago and decided that individual posts are kept
36 months after their date. The child of the persona "guardian_one_child" has three such posts
from just under three years ago: they fall due within the notice period, so the guardian's
notice (with the offer to export) and the staff's outlook ("Gallring framöver") show something.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from folja.core.dates import today
from folja.directory.models import Guardianship, Placement, RelationType
from folja.learninglog.models import Post, PostChild, PostKind, PostStatus
from folja.learninglog.text import text_to_html
from folja.retention import actions
from folja.retention.models import DocumentType, Event, RetentionRule

DUE_IN_DAYS = (5, 12, 20)
TITLES = ("Första dagen i {unit}", "{name} målar med vattenfärg", "{name} och snigeln")


def build_demo_retention(world: object) -> int:
    """Give the demo municipality its rules and old posts due soon; return how many children's
    guardians were told."""
    org = world.organisation
    actions.rules_adopt_defaults(actor=None, organisation=org)
    actions.rule_set(
        actor=None, organisation=org, document_type=DocumentType.INDIVIDUAL_POST, event=Event.CREATED, months=36
    )
    # Adopted long ago: the rules already cull (a new rule waits out the notice period).
    RetentionRule.objects.filter(organisation=org).update(effective_from=today() - dt.timedelta(days=365))
    guardian = world.personas.get("guardian_one_child")
    link = Guardianship.objects.filter(responsible=guardian, relation_type=RelationType.GUARDIAN).first()
    placement = Placement.objects.filter(child_id=link.child_id).select_related("school_unit").first() if link else None
    if placement is None:
        return 0
    child = link.child
    author_ids = world.group_staff.get(placement.group_id) or []
    if not author_ids:
        return 0
    for days, title in zip(DUE_IN_DAYS, TITLES, strict=True):
        day = today() - relativedelta(months=36) + dt.timedelta(days=days)
        post = Post.objects.create(
            organisation=org,
            school_unit=placement.school_unit,
            kind=PostKind.INDIVIDUAL,
            status=PostStatus.PUBLISHED,
            author_id=author_ids[0],
            title=title.format(name=child.given_name, unit=placement.school_unit.display_name),
            body_html=text_to_html(
                f"{child.given_name} var med från början. (Gallras snart enligt huvudmannens regler.)"
            ),
            activity_date=day,
            published_at=timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0))),
        )
        PostChild.objects.create(post=post, child=child, activity_date=day)
    return actions.guardians_tell_ahead()
