"""Background work for media through the Django Tasks API: renditions after upload, the renditions
a killed worker left unmade, and the sweep of uploads no post was saved with and of expired
uploads in parts."""

from __future__ import annotations

from django_tasks import task

from folja.media.actions import media_make_renditions, media_resume_renditions, uploads_discard_stale
from folja.media.resumable import upload_sessions_discard_expired


@task()
def make_renditions(media_id: int) -> str:
    """Make the renditions of one media file; safe to retry (see media_make_renditions).

    Returns the resulting status, or "gone" when the media was deleted before the task ran.
    """
    media = media_make_renditions(actor=None, media_id=media_id)
    return "gone" if media is None else str(media.status)


@task()
def discard_stale_uploads() -> int:
    """Delete the compose page's uploads older than FOLJA_COMPOSE_KEEP_DAYS, and the API's uploads in
    parts that expired (FOLJA_UPLOAD_SESSION_HOURS) with their parts (run daily); idempotent. Returns
    how many of both."""
    return uploads_discard_stale() + upload_sessions_discard_expired()


@task()
def resume_renditions() -> int:
    """Queue again the renditions of media left `processing` by a killed worker (run hourly)."""
    return media_resume_renditions()
