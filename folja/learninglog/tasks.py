"""Background work for the learning log through the Django Tasks API."""

from __future__ import annotations

from django_tasks import task

from folja.learninglog import attention
from folja.learninglog.actions import autosaves_discard_stale


@task()
def discard_stale_autosaves() -> int:
    """Delete the compose page's autosaved text older than FOLJA_COMPOSE_KEEP_DAYS (run daily)."""
    return autosaves_discard_stale()


@task()
def tell_children_to_notice() -> int:
    """Tell staff, per group of theirs, how many children have not been documented lately (run weekly)."""
    return attention.tell_children_to_notice()
