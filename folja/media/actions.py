"""All writes of media: attaching an upload to a post and making its renditions.

Files are written to storage before the database row, under random names; when the row cannot
be written the new files are deleted again, and files a retry replaces are deleted only after the
replacement is committed, so bad input or a crash never loses what was already stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from folja.access.audit import record_action
from folja.access.models import AuditAction
from folja.access.roles import Viewer
from folja.directory.models import Person
from folja.learninglog.models import Post
from folja.media import processing
from folja.media.models import (
    ConsentMarker,
    MarkerDecision,
    Media,
    MediaKind,
    MediaStatus,
    Rendition,
    Upload,
    new_storage_name,
)
from folja.media.processing import MediaRejected

__all__ = [
    "MediaRejected",
    "marker_decide",
    "marker_set",
    "media_attach",
    "media_make_renditions",
    "media_resume_renditions",
    "upload_attach",
    "upload_stage",
    "uploads_discard_stale",
]

logger = logging.getLogger(__name__)

ALT_TEXT_MAX = Media._meta.get_field("alt_text").max_length
# A media still `processing` this long after its upload lost its rendition task (a killed worker).
RESUME_AFTER = dt.timedelta(minutes=15)


# What a storage raises when it cannot take a file: a full or read-only disk (OSError), an object
# storage that does not answer or refuses (botocore's errors, when S3 is installed).
try:
    from botocore.exceptions import BotoCoreError, ClientError

    STORAGE_FAILURES: tuple[type[BaseException], ...] = (OSError, BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - botocore comes with django-storages[s3]
    STORAGE_FAILURES = (OSError,)


def store_new_file(name: str, content: File) -> str:
    """Save new content under a fresh random name; a storage that cannot take it (full, read-only,
    unreachable) is a MediaRejected with a message for the uploader, and whatever part of the file
    it wrote is removed, so nothing half-written stays behind."""
    try:
        return default_storage.save(name, content)
    except STORAGE_FAILURES:
        logger.warning("media storage refused a file", exc_info=True)
        try:
            default_storage.delete(name)  # the name is ours and new: only this attempt wrote there
        except STORAGE_FAILURES:
            logger.warning("could not remove a partly written media file", exc_info=True)
        raise MediaRejected(
            _("Filen kunde inte sparas just nu. Ingenting är ändrat. Försök igen om en stund."), code="storage"
        ) from None


def _clean_and_store(upload: UploadedFile) -> tuple[str, dict[str, object]]:
    """Check an upload by its content, strip its metadata and store it under a random name.

    Return the stored name and the columns of its Media row. Raises MediaRejected (a
    ValidationError with a Swedish message for the uploader) for a file that is too big, too
    long, not an allowed type or unreadable; nothing is stored then.
    """
    size = upload.size or 0
    if size > settings.FOLJA_MEDIA_MAX_BYTES:
        raise processing.reject_size(settings.FOLJA_MEDIA_MAX_BYTES)
    if size == 0:
        raise MediaRejected(_("Filen är tom."), code="empty")
    upload.seek(0)
    family = processing.sniff(upload.read(processing.SNIFF_BYTES))
    upload.seek(0)
    if family is None:
        raise processing.reject_type()

    if family == "image":
        image = processing.clean_image(upload, max_pixels=settings.FOLJA_IMAGE_MAX_PIXELS)
        stored = store_new_file(new_storage_name("originals", image.extension), ContentFile(image.data))
        return stored, {
            "kind": MediaKind.IMAGE,
            "status": MediaStatus.PROCESSING,
            "content_type": image.content_type,
            "byte_size": len(image.data),
            "width": image.width,
            "height": image.height,
            "original_name": processing.safe_download_name(upload.name or "", image.extension, "bild"),
        }
    if family == "pdf":
        stored = store_new_file(new_storage_name("originals", ".pdf"), upload)
        return stored, {
            "kind": MediaKind.FILE,
            "status": MediaStatus.READY,
            "content_type": "application/pdf",
            "byte_size": size,
            "original_name": processing.safe_download_name(upload.name or "", ".pdf"),
        }
    clean = processing.clean_av(upload, family, max_seconds=settings.FOLJA_VIDEO_MAX_SECONDS)
    try:
        with clean.path.open("rb") as fh:
            stored = store_new_file(new_storage_name("originals", clean.extension), File(fh))
        byte_size = clean.path.stat().st_size
    finally:
        clean.discard()
    is_video = clean.kind == "video"
    return stored, {
        "kind": MediaKind.VIDEO if is_video else MediaKind.AUDIO,
        # A film waits for its poster frame; a sound has nothing more to make.
        "status": MediaStatus.PROCESSING if is_video else MediaStatus.READY,
        "content_type": clean.content_type,
        "byte_size": byte_size,
        "width": clean.width,
        "height": clean.height,
        "duration_seconds": clean.duration_seconds,
        "original_name": processing.safe_download_name(
            upload.name or "", clean.extension, "film" if is_video else "ljud"
        ),
    }


def _create_media(
    *, actor: Person, post: Post, stored: str, fields: dict[str, object], alt_text: str, seq: int
) -> Media:
    """Write the Media row for a stored file (in the caller's transaction) and queue its renditions."""
    media = Media.objects.create(
        post=post,
        file=stored,
        alt_text=(alt_text or "").strip()[:ALT_TEXT_MAX],
        seq=seq,
        uploaded_by=actor,
        **fields,
    )
    if media.status == MediaStatus.PROCESSING:
        from folja.media.tasks import make_renditions

        # After commit: a worker must find the row, and a rolled-back post makes no renditions.
        transaction.on_commit(partial(make_renditions.enqueue, media_id=media.pk))
    return media


def media_attach(*, actor: Person, post: Post, upload: UploadedFile, alt_text: str = "", seq: int = 0) -> Media:
    """Check an upload by its content, strip its metadata, store it and attach it to the post.

    The caller has checked that the actor may edit the post. Raises MediaRejected (a
    ValidationError with a Swedish message for the uploader) for a file that is too big, too
    long, not an allowed type or unreadable; nothing is stored then. Images and films are saved
    as `processing` and their renditions made by a background task after commit; audio and PDF
    files are `ready` at once.
    """
    stored, fields = _clean_and_store(upload)
    try:
        with transaction.atomic():
            media = _create_media(actor=actor, post=post, stored=stored, fields=fields, alt_text=alt_text, seq=seq)
    except BaseException:
        default_storage.delete(stored)
        raise
    logger.info("media attached", extra={"media_id": media.pk, "kind": media.kind, "bytes": media.byte_size})
    return media


def upload_stage(*, actor: Person, upload: UploadedFile) -> Upload:
    """Check, clean and store a file for the actor before the post it belongs to is saved.

    Raises MediaRejected like `media_attach`; nothing is stored then. The actor's uploads older
    than FOLJA_COMPOSE_KEEP_DAYS (never attached) are deleted on the way.
    """
    _discard_stale_uploads(actor)
    stored, fields = _clean_and_store(upload)
    try:
        staged = Upload.objects.create(uploaded_by=actor, file=stored, media_fields=fields)
    except BaseException:
        default_storage.delete(stored)
        raise
    logger.info("upload staged", extra={"upload_id": staged.pk, "kind": fields["kind"], "bytes": fields["byte_size"]})
    return staged


def upload_attach(*, actor: Person, post: Post, staged: Upload, seq: int = 0) -> Media:
    """Attach the actor's staged upload to the post: its stored file becomes the post's media.

    The caller has checked that the actor may edit the post and found the upload among the
    actor's own (`media.access.own_uploads`).
    """
    if staged.uploaded_by_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        media = _create_media(
            actor=actor, post=post, stored=staged.file.name, fields=dict(staged.media_fields), alt_text="", seq=seq
        )
        Upload.objects.filter(pk=staged.pk).delete()
    logger.info("upload attached", extra={"media_id": media.pk, "kind": media.kind, "bytes": media.byte_size})
    return media


def _discard_stale_uploads(actor: Person) -> None:
    uploads_discard_stale(person=actor)


def uploads_discard_stale(*, person: Person | None = None) -> int:
    """Delete the uploads (of one person, or everyone's) older than FOLJA_COMPOSE_KEEP_DAYS that
    no post was saved with, and their files; return how many. Idempotent."""
    cutoff = timezone.now() - dt.timedelta(days=settings.FOLJA_COMPOSE_KEEP_DAYS)
    stale = Upload.objects.filter(created_at__lt=cutoff)
    if person is not None:
        stale = stale.filter(uploaded_by=person)
    rows = list(stale.only("pk", "file"))
    if rows:
        Upload.objects.filter(pk__in=[u.pk for u in rows]).delete()
        delete_stored_files(u.file.name for u in rows)
    return len(rows)


def rendition_fields(rendition: processing.ImageRendition, stored_name: str) -> dict[str, object]:
    """Return the columns of a Rendition row for a rendition stored under `stored_name`."""
    return {
        "file": stored_name,
        "content_type": "image/jpeg",
        "width": rendition.width,
        "height": rendition.height,
        "byte_size": len(rendition.data),
    }


def media_make_renditions(*, actor: Person | None, media_id: int) -> Media | None:
    """Make (or remake) the media's renditions and mark it ready, or failed when it cannot be read.

    `actor` is None when the system runs it (the rendition task). Idempotent: a retry replaces
    each rendition (unique per media and name) and deletes the files it replaced. Returns None
    when the media no longer exists.
    """
    media = Media.objects.filter(pk=media_id).first()
    if media is None:
        return None
    try:
        renditions = _render(media)
    except Exception:
        # Context for operators: ids and kinds only, never names or anything about the child.
        logger.exception("renditions failed", extra={"media_id": media.pk, "kind": media.kind})
        Media.objects.filter(pk=media.pk).update(status=MediaStatus.FAILED)
        media.status = MediaStatus.FAILED
        raise

    new_files: list[tuple[processing.ImageRendition, str]] = []
    try:
        for rendition in renditions:
            name = new_storage_name("renditions", ".jpg")
            try:
                new_files.append((rendition, default_storage.save(name, ContentFile(rendition.data))))
            except BaseException:
                delete_stored_files([name])  # whatever part of it a full disk took
                raise
    except BaseException:
        # The media stays `processing`: the sweep (media_resume_renditions) tries again later.
        delete_stored_files(name for _, name in new_files)
        raise
    replaced: list[str] = []
    try:
        with transaction.atomic():
            # Lock the row so two workers running the same task cannot interleave their replacements.
            locked = Media.objects.select_for_update().filter(pk=media_id).first()
            if locked is None:
                raise _MediaGone
            existing = {r.name: r for r in Rendition.objects.filter(media=locked)}
            for rendition, name in new_files:
                fields = rendition_fields(rendition, name)
                row = existing.get(rendition.name)
                if row is None:
                    Rendition.objects.create(media=locked, name=rendition.name, **fields)
                    continue
                replaced.append(row.file.name)
                for field, value in fields.items():
                    setattr(row, field, value)
                row.save(update_fields=list(fields))
            locked.status = MediaStatus.READY
            update_fields = ["status"]
            poster = next((r for r in renditions if r.name == "poster"), None)
            # A phone film's size is the coded size; the poster shows how it is displayed.
            if (
                poster is not None
                and locked.width
                and locked.height
                and (poster.width > poster.height) != (locked.width > locked.height)
            ):
                locked.width, locked.height = locked.height, locked.width
                update_fields += ["width", "height"]
            locked.save(update_fields=update_fields)
            transaction.on_commit(partial(delete_stored_files, replaced))
    except _MediaGone:
        delete_stored_files(name for _, name in new_files)
        return None
    except BaseException:
        delete_stored_files(name for _, name in new_files)
        raise
    logger.info("renditions made", extra={"media_id": media_id, "count": len(new_files)})
    return locked


def media_resume_renditions(*, older_than: dt.timedelta = RESUME_AFTER) -> int:
    """Queue the renditions again of every media still `processing` after `older_than`: its task
    died with a killed worker, or the storage failed it. Return how many; idempotent (the task
    replaces what a retry finds, and a media that cannot be read ends `failed`, not here again)."""
    from folja.media.tasks import make_renditions

    stuck = Media.objects.filter(status=MediaStatus.PROCESSING, created_at__lt=timezone.now() - older_than)
    ids = list(stuck.values_list("pk", flat=True))
    for media_id in ids:
        make_renditions.enqueue(media_id=media_id)
    if ids:
        logger.info("renditions queued again", extra={"count": len(ids)})
    return len(ids)


class _MediaGone(Exception):
    """The media was deleted while its renditions were being made."""


def _render(media: Media) -> list[processing.ImageRendition]:
    """Return the renditions a media file needs: sizes of a photo, or a film's poster frame."""
    max_pixels = settings.FOLJA_IMAGE_MAX_PIXELS
    if media.kind == MediaKind.IMAGE:
        with default_storage.open(media.file.name, "rb") as fp:
            return processing.make_image_renditions(fp, max_pixels=max_pixels)
    if media.kind == MediaKind.VIDEO:
        try:
            source: object = default_storage.path(media.file.name)  # FFmpeg reads a local file fastest
        except NotImplementedError:
            source = None
        if source is not None:
            frame = processing.video_poster(source)
        else:
            with default_storage.open(media.file.name, "rb") as fp:
                frame = processing.video_poster(fp)
        return processing.make_image_renditions(frame, max_pixels=max_pixels, sizes=(("poster", 1280), ("320", 320)))
    return []


def delete_stored_files(names: Iterable[str]) -> None:
    """Delete stored files by name, logging (not raising) one that cannot be deleted: what was
    replaced or is no longer wanted must not make the action that replaced it fail."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete a replaced media file", exc_info=True)


# ---------------------------------------------------------------------------------------------
# The child's "don't show" marker (B5)
# ---------------------------------------------------------------------------------------------


def marker_set(*, actor: Viewer, media: Media, child: Person) -> ConsentMarker:
    """Mark the file "Jag vill inte att den här bilden visas" for the child (by the child, or by
    staff on the child's behalf): from now on it is withheld from the other families until staff
    decide (`media.access.media_shown_filter`). Marking again after a decision asks staff again.

    The caller has asked `media.access.markable_children` for this viewer. Audited under the child.
    """
    with transaction.atomic():
        marker, created = ConsentMarker.objects.select_for_update().get_or_create(
            media=media, child=child, defaults={"marked_by": actor.person}
        )
        if not created:
            marker.marked_by = actor.person
            marker.marked_at = timezone.now()
            marker.decision = MarkerDecision.PENDING
            marker.decided_by = None
            marker.decided_at = None
            marker.save(update_fields=["marked_by", "marked_at", "decision", "decided_by", "decided_at"])
        record_action(
            actor,
            AuditAction.MARK_MEDIA,
            [child.pk],
            object_type="media",
            object_uuid=media.uuid,
            school_unit=media.post.school_unit,
        )
    logger.info("media marked by a child's wish", extra={"media": str(media.uuid), "marker": str(marker.uuid)})
    return marker


def marker_decide(*, actor: Viewer, marker: ConsentMarker, decision: str) -> ConsentMarker:
    """Record staff's decision on a marker: keep the file hidden from the other families, or show
    it (after talking with the child). Who and when are kept; audited under the child.

    The caller has asked `media.access.decidable_marker` for this viewer."""
    if decision not in (MarkerDecision.KEEP_HIDDEN, MarkerDecision.SHOW):
        raise ValueError("unknown decision")
    with transaction.atomic():
        marker.decision = decision
        marker.decided_by = actor.person
        marker.decided_at = timezone.now()
        marker.save(update_fields=["decision", "decided_by", "decided_at"])
        record_action(
            actor,
            AuditAction.DECIDE_MARKER,
            [marker.child_id],
            object_type="media",
            object_uuid=marker.media.uuid,
            school_unit=marker.media.post.school_unit,
        )
    return marker
