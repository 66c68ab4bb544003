"""Demo reads: what staff read today, so that guardians' "Vem har läst" has something to show.

Called by `manage.py demo_world` after the learning log. Each read goes through the same code as
a real one: the access policy says which children the reader sees named, and the audit log's own
functions write the records (with today's time: the log is append-only and is never backdated).
The authors of the last week's posts read them again, open one picture of each, and read the
timeline and the contact details of one child the post names.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from folja.access.audit import record_post_reads, record_reads
from folja.access.models import AuditAction
from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.directory.models import Person
from folja.learninglog import access as post_policy
from folja.learninglog.models import Post, PostStatus

DAYS = 7


def recent_posts(world: object, days: int = DAYS) -> QuerySet[Post]:
    """Return the demo units' published posts of the last `days` days, oldest first."""
    since = today() - dt.timedelta(days=days)
    return (
        Post.objects.live()
        .filter(status=PostStatus.PUBLISHED, activity_date__gte=since, school_unit__in=world.units)
        .order_by("activity_date", "id")
    )


def build_demo_reads(world: object) -> int:
    """Record today's staff reads of the last DAYS days' published posts; return how many posts were read."""
    day = today()
    posts = recent_posts(world).select_related("author").prefetch_related("media")
    read = 0
    for post in posts:
        reader = Viewer(post.author, Role.STAFF, post.organisation_id)
        named = list(post_policy.named_child_ids_on_post(reader, post, day))
        if not named:
            continue  # the author is no longer connected to any child the post names
        record_post_reads(
            reader,
            AuditAction.READ_POST,
            named,
            post_unit_id=post.school_unit_id,
            object_type="post",
            object_uuid=post.uuid,
        )
        media = next(iter(post.media.all()), None)
        if media is not None:
            record_post_reads(
                reader,
                AuditAction.READ_MEDIA,
                named,
                post_unit_id=post.school_unit_id,
                object_type="media",
                object_uuid=media.uuid,
            )
        child = Person.objects.filter(pk__in=named).order_by("pk").first()
        record_reads(reader, AuditAction.READ_TIMELINE, [child.pk], object_type="child", object_uuid=child.uuid)
        record_reads(reader, AuditAction.READ_CONTACT, [child.pk], object_type="contact", object_uuid=child.uuid)
        read += 1
    return read
