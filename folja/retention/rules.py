"""What each retention rule makes due on a day: the querysets culling deletes and notices count.

One function per document type and event, all filtered in SQL. A rule `months` after an event
makes a document due on day D when the event happened on or before D minus `months`:

- `created`: the document's own date (a post's or talk's activity date, a comment's, an
  agreement's, a media file's or an audit record's creation);
- `school_year_end`: the end of the school year (30 June) the document's date falls in;
- `child_left`: the day the child's last placement at the organisation ended (the child has no
  placement there that is open, ends later or starts later). For a group post the rule removes
  that child's name and that family's comments; the post stays for the others until none is left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, Q, QuerySet

from folja.access.models import AuditRecord
from folja.directory.models import Organisation, Person, Placement
from folja.learninglog.models import Comment, Post, PostChild, PostKind
from folja.media.models import Media
from folja.retention.models import DocumentType, Event, RetentionRule
from folja.talks.models import Agreement, Talk

# The default set an organisation adopts (and may change): the examples of Swedish
# municipalities' gallringsbeslut. Audit records outlive everything they describe.
DEFAULT_RULES: dict[str, tuple[str, int]] = {
    DocumentType.INDIVIDUAL_POST: (Event.CHILD_LEFT, 24),
    DocumentType.GROUP_POST: (Event.SCHOOL_YEAR_END, 12),
    DocumentType.COMMENT: (Event.CHILD_LEFT, 24),
    DocumentType.MEDIA: (Event.CHILD_LEFT, 24),
    DocumentType.TALK_RECORD: (Event.CHILD_LEFT, 60),
    DocumentType.AGREEMENT: (Event.CHILD_LEFT, 60),
    DocumentType.AUDIT_RECORD: (Event.CHILD_LEFT, 72),
}


def cutoff(day: dt.date, event: str, months: int) -> dt.date:
    """Return the last event day that makes a document due on `day`."""
    last = day - relativedelta(months=months)
    if event == Event.SCHOOL_YEAR_END:
        # A date's school year ends on the first 30 June on or after it; that end is on or before
        # `last` exactly when the date is on or before the last 30 June on or before `last`.
        june = dt.date(last.year, 6, 30)
        return june if june <= last else dt.date(last.year - 1, 6, 30)
    return last


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after `day` in the organisation's time zone, for datetime columns."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def children_left(organisation: Organisation, last_day: dt.date) -> QuerySet[Person]:
    """Return the children who had placements at the organisation and whose last one ended on or
    before `last_day`."""
    at_org = Placement.objects.filter(child=OuterRef("pk"), organisation=organisation)
    still_there = at_org.filter(Q(end_date__isnull=True) | Q(end_date__gt=last_day))
    return Person.objects.filter(Exists(at_org)).exclude(Exists(still_there))


def _posts_all_named_left(left: QuerySet[Person]) -> Q:
    """A filter on Post: every child it names has left (a post naming no one any more counts)."""
    return ~Q(Exists(PostChild.objects.filter(post=OuterRef("pk")).exclude(child__in=left)))


@dataclass
class Due:
    """What one rule makes due: rows to delete, and for group posts the names to remove."""

    rule: RetentionRule
    delete: QuerySet | None  # Post, Comment, Media, Talk, Agreement or AuditRecord rows
    unname: QuerySet[PostChild] | None = None  # group posts: (post, child) pairs to remove


def due(rule: RetentionRule, day: dt.date) -> Due:
    """Return what the rule makes due on `day` in its organisation."""
    org = rule.organisation
    last = cutoff(day, rule.event, rule.months)
    kind = rule.document_type
    if rule.event == Event.CHILD_LEFT:
        left = children_left(org, last)
        if kind == DocumentType.INDIVIDUAL_POST:
            return Due(
                rule,
                Post.objects.filter(organisation=org, kind=PostKind.INDIVIDUAL).filter(_posts_all_named_left(left)),
            )
        if kind == DocumentType.GROUP_POST:
            pairs = PostChild.objects.filter(post__organisation=org, post__kind=PostKind.GROUP, child__in=left)
            return Due(rule, None, unname=pairs)
        if kind == DocumentType.COMMENT:
            of_family = Q(family_child__in=left)
            to_all_on_left_post = Q(
                family_child__isnull=True, post__in=Post.objects.filter(_posts_all_named_left(left))
            )
            return Due(rule, Comment.objects.filter(post__organisation=org).filter(of_family | to_all_on_left_post))
        if kind == DocumentType.MEDIA:
            posts = Post.objects.filter(organisation=org).filter(_posts_all_named_left(left))
            return Due(rule, Media.objects.filter(post__in=posts))
        if kind == DocumentType.TALK_RECORD:
            return Due(rule, Talk.objects.filter(organisation=org, child__in=left))
        if kind == DocumentType.AGREEMENT:
            return Due(rule, Agreement.objects.filter(talk__organisation=org, talk__child__in=left))
        if kind == DocumentType.AUDIT_RECORD:
            return Due(rule, AuditRecord.objects.filter(school_unit__organisation=org, child__in=left))
    else:
        before = _end_of(last)
        if kind == DocumentType.INDIVIDUAL_POST:
            return Due(rule, Post.objects.filter(organisation=org, kind=PostKind.INDIVIDUAL, activity_date__lte=last))
        if kind == DocumentType.GROUP_POST:
            return Due(rule, Post.objects.filter(organisation=org, kind=PostKind.GROUP, activity_date__lte=last))
        if kind == DocumentType.COMMENT:
            return Due(rule, Comment.objects.filter(post__organisation=org, created_at__lt=before))
        if kind == DocumentType.MEDIA:
            return Due(rule, Media.objects.filter(post__organisation=org, created_at__lt=before))
        if kind == DocumentType.TALK_RECORD:
            return Due(rule, Talk.objects.filter(organisation=org, activity_date__lte=last))
        if kind == DocumentType.AGREEMENT:
            return Due(rule, Agreement.objects.filter(talk__organisation=org, created_at__lt=before))
        if kind == DocumentType.AUDIT_RECORD:
            return Due(rule, AuditRecord.objects.filter(school_unit__organisation=org, at__lt=before))
    raise ValueError(f"no culling for {kind} after {rule.event}")
