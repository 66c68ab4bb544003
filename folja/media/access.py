"""Who may open which media: media follow their post (R10), on the learning log's post rules."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from folja.access.roles import Role, Viewer
from folja.directory.models import Person
from folja.learninglog.access import Scope, named_visible_filter, naming_scope, visible_posts
from folja.learninglog.models import PostChild
from folja.media.models import ConsentMarker, MarkerDecision, Media, Rendition, Upload, UploadSession

# ---------------------------------------------------------------------------------------------
# Media (R10)
# ---------------------------------------------------------------------------------------------


def visible_media(viewer: Viewer, on: dt.date | None = None) -> QuerySet[Media]:
    """Return the media the viewer may open: media follow their post (R10), except those a named
    child asked not to be shown to others (B5, `media_shown_filter`)."""
    posts = visible_posts(viewer, on, include_drafts=_media_of_drafts(viewer))
    return Media.objects.filter(post__in=posts).filter(media_shown_filter(naming_scope(viewer, on)))  # R10, B5


def media_shown_filter(scope: Scope) -> Q:
    """B5, the child's "don't show" marker, a filter on Media for a viewer with this naming scope
    (`learninglog.access.naming_scope`), on top of R10 (the post's rules).

    A file a named child marked "Jag vill inte att den här bilden visas" is withheld, until staff
    decide to show it (and for good when they decide to keep it hidden), from everyone who does not
    see *that child* named on the post: the child, the child's own family and the staff who see the
    post through the child (R1 at the post's unit, R8 for a receiving unit: as the child's guardians
    see it) still see it; the families of the other named children, staff who see the post only
    through another child, and everyone else do not. Per child and per file: a marker on one photo
    leaves the post's other files alone. A marked child who is no longer named, or is sealed (R5),
    lets no one through: the file stays withheld.
    """
    through_child = PostChild.objects.filter(post=OuterRef(OuterRef("post")), child=OuterRef("child")).filter(
        named_visible_filter(scope)
    )
    blocking = ConsentMarker.objects.filter(media=OuterRef("pk")).exclude(decision=MarkerDecision.SHOW)
    return ~Q(Exists(blocking.filter(~Exists(through_child))))  # B5


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
# The child's "don't show" marker (B5): who may set it, see it and decide on it
# ---------------------------------------------------------------------------------------------

MARKABLE_KINDS = ("image", "video")


def markable_children(viewer: Viewer, media: Media, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the named children of the file's post on whose behalf the viewer may mark the file
    "don't show" (a photo or a film the viewer may open, `get_media_for`)."""
    if media.kind not in MARKABLE_KINDS:
        return Person.objects.none()
    return children_acting_on_post(viewer, media.post_id, on)


def children_acting_on_post(viewer: Viewer, post_id: int, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the named children of a post (that the viewer may read) for whom the viewer may act
    on it (mark a file, decide on a marker): a child for themselves; staff for a child they are
    connected to *at the post's unit* (R1: what R8 shares with a receiving unit is read-only)."""
    from folja.learninglog.access import staff_r1_named_filter

    named = PostChild.objects.filter(post=post_id, child__sealed_at__isnull=True)  # R5
    if viewer.role == Role.CHILD:
        return Person.objects.filter(pk__in=named.filter(child=viewer.person).values("child"))  # R1: self
    if viewer.role == Role.STAFF:
        return Person.objects.filter(pk__in=named.filter(staff_r1_named_filter(viewer, on)).values("child"))  # R1
    return Person.objects.none()  # R12


def visible_markers(viewer: Viewer, media_ids: list[int], on: dt.date | None = None) -> QuerySet[ConsentMarker]:
    """Return the markers on these files (already access-checked) that the viewer sees: a marker
    tells who is on the photo, so it is shown only to whoever sees that child named on the post
    (the child, its family, staff who see the post through it)."""
    seen = PostChild.objects.filter(post=OuterRef("media__post"), child=OuterRef("child")).filter(
        named_visible_filter(naming_scope(viewer, on))
    )
    return ConsentMarker.objects.filter(media_id__in=media_ids).filter(Exists(seen)).select_related("child")


def decidable_marker(viewer: Viewer, media: Media, marker_uuid: str, on: dt.date | None = None) -> ConsentMarker:
    """Return a marker on the file that the staff member may decide on (connected to the marked
    child at the post's unit, R1), else raise Http404."""
    if viewer.role != Role.STAFF:
        raise Http404
    try:
        return ConsentMarker.objects.select_related("child").get(
            uuid=marker_uuid, media=media, child__in=markable_children(viewer, media, on)
        )
    except (ConsentMarker.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Uploads not yet attached to a post: their uploader's alone
# ---------------------------------------------------------------------------------------------


def own_uploads(viewer: Viewer) -> QuerySet[Upload]:
    """Return the files the viewer uploaded on the compose page and has not attached yet (staff only)."""
    if viewer.role != Role.STAFF:
        return Upload.objects.none()
    return Upload.objects.filter(uploaded_by=viewer.person)


def own_upload_sessions(viewer: Viewer) -> QuerySet[UploadSession]:
    """Return the files the viewer is sending in parts through the API (staff only), unexpired:
    like uploads, their uploader's alone; another person's session is missing (404), not forbidden."""
    if viewer.role != Role.STAFF:
        return UploadSession.objects.none()
    return UploadSession.objects.filter(uploaded_by=viewer.person, expires_at__gt=timezone.now())


def get_own_upload_session(viewer: Viewer, session_uuid: uuid_module.UUID | str) -> UploadSession:
    """Return one of the viewer's own unexpired sessions of an upload in parts, else raise Http404."""
    try:
        return own_upload_sessions(viewer).get(uuid=session_uuid)
    except (UploadSession.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
