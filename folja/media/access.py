"""Who may open which media: media follow their post (R10), on the learning log's post rules."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from folja.access.roles import Role, Viewer
from folja.learninglog.access import visible_posts
from folja.media.models import Media, Rendition, Upload

# ---------------------------------------------------------------------------------------------
# Media (R10)
# ---------------------------------------------------------------------------------------------


def visible_media(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Media]:
    """Return the media the viewer may open: media follow their post (R10)."""
    return Media.objects.filter(post__in=visible_posts(viewer, on, include_drafts=_media_of_drafts(viewer)))


def _media_of_drafts(viewer: Viewer) -> bool:
    """Whether the viewer's media include those of drafts: staff see their own drafts' media (R10)."""
    return viewer.role == Role.STAFF


def get_media_for(viewer: Viewer, media_uuid: uuid_module.UUID | str, on: dt.date | None = None) -> Media:
    """Return the media if the viewer may open it, else raise Http404."""
    try:
        return visible_media(viewer, on).select_related("post").get(uuid=media_uuid)
    except (Media.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def post_of_audited_media() -> Subquery:
    """The uuid of the post a media file belongs to, for an audit record's `object_uuid`, so that
    "Vem har läst" counts a look at a picture as a read of its post. It names the post only: what
    the reader may learn of the post is decided by the post's own rules."""
    return Subquery(Media.objects.filter(uuid=OuterRef("object_uuid")).values("post__uuid")[:1])


def get_rendition_for(viewer: Viewer, media_uuid: uuid_module.UUID | str, name: str) -> Rendition:
    """Return a rendition of a media file the viewer may open (with its media and post), else raise Http404."""
    try:
        return (
            Rendition.objects.filter(media__in=visible_media(viewer))  # R10: media follow their post
            .select_related("media__post")
            .get(media__uuid=media_uuid, name=name)
        )
    except (Rendition.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Uploads not yet attached to a post: their uploader's alone
# ---------------------------------------------------------------------------------------------


def own_uploads(viewer: Viewer) -> QuerySet[Upload]:
    """Return the files the viewer uploaded on the compose page and has not attached yet (staff only)."""
    if viewer.role != Role.STAFF:
        return Upload.objects.none()
    return Upload.objects.filter(uploaded_by=viewer.person)
