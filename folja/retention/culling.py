"""The nightly culling: delete what the retention rules make due, in short transactions.

Each batch (BATCH rows) is one transaction that deletes the rows and, in the same transaction,
records the names of their stored files (`PendingFileDeletion`); the files are deleted after the
commit. A crash leaves either a whole batch or none of it, and at worst files whose rows are
gone: the next run deletes those first. A re-run finds nothing more to do. Readers are never
waiting on more than one batch (bench/README.md, "culling").
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from folja.access.models import AuditRecord
from folja.accounts.models import SignInAttempt
from folja.core.dates import today
from folja.learninglog.models import Comment, Post, PostChild
from folja.media.models import Media, Rendition
from folja.notifications.models import Notice
from folja.retention.models import CullingLogEntry, CullingRun, DocumentType, PendingFileDeletion, RetentionRule
from folja.retention.rules import Due, due
from folja.talks.models import Agreement, Talk

logger = logging.getLogger(__name__)

BATCH = 200
FILE_BATCH = 500


def cull(day: dt.date | None = None) -> CullingRun:
    """Cull everything the rules make due on `day` (today) and log it; return the run."""
    day = day or today()
    delete_pending_files()  # what a crashed run left behind
    run = CullingRun.objects.create(started_at=timezone.now(), day=day)
    rules = RetentionRule.objects.filter(effective_from__lte=day)  # told ahead first (actions.rule_set)
    for rule in rules.select_related("organisation").order_by("organisation_id", "document_type"):
        counts = apply_rule(due(rule, day))
        _log(
            run,
            counts,
            organisation=rule.organisation,
            document_type=rule.document_type,
            event=rule.event,
            months=rule.months,
        )
    counts = cull_signin_records(day)
    _log(run, counts, organisation=None, document_type=DocumentType.SIGNIN_RECORD, event="created", months=None)
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    return run


def _log(run: CullingRun, counts: Counter, **rule: object) -> None:
    now = timezone.now()
    CullingLogEntry.objects.bulk_create(
        [CullingLogEntry(run=run, what=what, count=n, at=now, **rule) for what, n in sorted(counts.items()) if n]
    )


def apply_rule(work: Due) -> Counter:
    """Delete (or unname) everything one rule makes due, a batch per transaction; return counts."""
    counts: Counter = Counter()
    previous: list[int] = []
    while True:
        if work.unname is not None:
            batch = list(work.unname.order_by("pk").values_list("pk", "post_id", "child_id")[:BATCH])
            ids = [row[0] for row in batch]
        else:
            batch = []
            ids = list(work.delete.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return counts
        if ids == previous:
            raise RuntimeError("culling made no progress")  # never loop on rows that will not go
        previous = ids
        with transaction.atomic():
            if work.unname is not None:
                _unname(batch, counts)
            else:
                _delete(work.delete.model, ids, counts)
        delete_pending_files()


def _unname(pairs: list[tuple[int, int, int]], counts: Counter) -> None:
    """Remove children from group posts with their families' comments; delete posts left naming no one."""
    PostChild.objects.filter(pk__in=[pk for pk, _post, _child in pairs]).delete()
    counts["child_name"] += len(pairs)
    threads = reduce(or_, (Q(post_id=post, family_child_id=child) for _pk, post, child in pairs))
    counts["comment"] += Comment.objects.filter(threads).delete()[1].get("learninglog.Comment", 0)
    post_ids = {post for _pk, post, _child in pairs}
    emptied = list(
        Post.objects.filter(pk__in=post_ids)
        .exclude(Exists(PostChild.objects.filter(post=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    if emptied:
        _delete(Post, emptied, counts)


def _delete(model: type, ids: list[int], counts: Counter) -> None:
    """Delete rows of one model with what hangs on them; record their files for deletion."""
    if model is Post:
        _pend_files(Media.objects.filter(post_id__in=ids), Rendition.objects.filter(media__post_id__in=ids))
        counts["media"] += Media.objects.filter(post_id__in=ids).count()
        counts["comment"] += Comment.objects.filter(post_id__in=ids).count()
        _forget_cards(ids)
        Post.objects.filter(pk__in=ids).delete()
        counts["post"] += len(ids)
    elif model is Media:
        _pend_files(Media.objects.filter(pk__in=ids), Rendition.objects.filter(media_id__in=ids))
        Media.objects.filter(pk__in=ids).delete()
        counts["media"] += len(ids)
    elif model is Comment:
        Comment.objects.filter(pk__in=ids).delete()
        counts["comment"] += len(ids)
    elif model is Talk:
        uuids = [str(u) for u in Talk.objects.filter(pk__in=ids).values_list("uuid", flat=True)]
        counts["agreement"] += Agreement.objects.filter(talk_id__in=ids).count()
        Talk.objects.filter(pk__in=ids).delete()
        # The notices about these talks (bookings, shared records) go with them.
        counts["notice"] += Notice.objects.filter(context__talk_uuid__in=uuids).delete()[0]
        counts["talk"] += len(ids)
    elif model is Agreement:
        Agreement.objects.filter(pk__in=ids).delete()
        counts["agreement"] += len(ids)
    elif model is AuditRecord:
        _delete_audit_records(ids)
        counts["audit_record"] += len(ids)
    else:
        raise ValueError(f"cannot cull {model}")


def _pend_files(media, renditions) -> None:  # noqa: ANN001
    names = [n for n in media.values_list("file", flat=True) if n] + [
        n for n in renditions.values_list("file", flat=True) if n
    ]
    PendingFileDeletion.objects.bulk_create([PendingFileDeletion(name=n) for n in names])


def _forget_cards(post_ids: list[int]) -> None:
    """Drop the culled posts' cards from the shared cache (pages/listing.py keys them by post id)."""
    from folja.pages.listing import forget_cards_of_posts

    forget_cards_of_posts(post_ids)


def _delete_audit_records(ids: list[int]) -> None:
    """Delete audit records past their rule: the only path that may (the application's manager
    refuses; on PostgreSQL the trigger lets this transaction through, migration retention.0002)."""
    table = connection.ops.quote_name(AuditRecord._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL folja.culling = 'on'")
        placeholders = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({placeholders})", ids)  # noqa: S608


def cull_signin_records(day: dt.date) -> Counter:
    """Delete sign-in records older than FOLJA_SIGNIN_KEEP_DAYS (platform-wide: no organisation)."""
    counts: Counter = Counter()
    before = timezone.make_aware(dt.datetime.combine(day, dt.time.min)) - dt.timedelta(
        days=settings.FOLJA_SIGNIN_KEEP_DAYS
    )
    while ids := list(
        SignInAttempt.objects.filter(created_at__lt=before).order_by("pk").values_list("pk", flat=True)[:1000]
    ):
        with transaction.atomic():
            SignInAttempt.objects.filter(pk__in=ids).delete()
        counts["signin_record"] += len(ids)
    return counts


def delete_pending_files() -> int:
    """Delete the stored files whose rows are gone; return how many. Safe to repeat: a file that
    is already gone is simply forgotten."""
    deleted = 0
    while pending := list(PendingFileDeletion.objects.order_by("pk")[:FILE_BATCH]):
        for row in pending:
            default_storage.delete(row.name)  # no error when the file is missing (local and S3)
        # Forgotten once their files are gone: a crash before this line deletes them again, harmlessly.
        PendingFileDeletion.objects.filter(pk__in=[row.pk for row in pending]).delete()
        deleted += len(pending)
    return deleted
