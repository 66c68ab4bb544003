"""All writes of files sent in parts that can be resumed (tus 1.0.0 through the JSON API, docs/api.md).

A session is created with the file's length. Each part is read from the request in small chunks
into a temporary file (memory stays bounded whatever the part's size), stored under a fresh random
name and recorded by a compare-and-set on the session's offset: a retried or concurrent part
whose offset is no longer the session's is refused (`OffsetMismatch`) and its file deleted, so no
byte is written twice. When the last byte has come, the parts are put together in a temporary file
on disk and staged exactly like a file sent at once (`actions.upload_stage`: type by content,
metadata removed, a film's length checked); a file it refuses is deleted with every part, and
nothing else is touched. A session that gets no part for FOLJA_UPLOAD_SESSION_HOURS expires.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Person
from folja.media import processing
from folja.media.actions import STORAGE_FAILURES, delete_stored_files, store_new_file, upload_stage
from folja.media.models import UploadSession, new_storage_name
from folja.media.processing import MediaRejected

__all__ = [
    "OffsetMismatch",
    "PartTooLarge",
    "SessionGone",
    "upload_session_append",
    "upload_session_create",
    "upload_session_delete",
    "upload_sessions_discard_expired",
]

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
# Unfinished sessions a person may have at once: each may reserve FOLJA_MEDIA_MAX_BYTES of storage.
OPEN_SESSIONS_MAX = 10


class OffsetMismatch(Exception):
    """The part's offset is not where the session is: a part retried after it was stored, or sent
    twice at once. Nothing was written; `offset` is where the session is."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


class PartTooLarge(Exception):
    """The part has more bytes than the file has left (the length given when the session began)."""


class SessionGone(Exception):
    """The session was cancelled or expired while the part was being received."""


def _expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=settings.FOLJA_UPLOAD_SESSION_HOURS)


def _storage_refused() -> MediaRejected:
    return MediaRejected(
        _("Filen kunde inte sparas just nu. Ingenting är ändrat. Försök igen om en stund."), code="storage"
    )


def upload_session_create(*, actor: Person, length: int, filename: str = "") -> UploadSession:
    """Begin a file of `length` bytes to be sent in parts by the actor (staff).

    Raises MediaRejected: a file over FOLJA_MEDIA_MAX_BYTES (code "size") or empty ("empty"), or
    OPEN_SESSIONS_MAX unfinished sessions already ("sessions"). The actor's expired sessions are
    deleted on the way, with their parts.
    """
    upload_sessions_discard_expired(person=actor)
    if length > settings.FOLJA_MEDIA_MAX_BYTES:
        raise processing.reject_size(settings.FOLJA_MEDIA_MAX_BYTES)
    if length <= 0:
        raise MediaRejected(_("Filen är tom."), code="empty")
    open_sessions = UploadSession.objects.filter(
        uploaded_by=actor, upload_uuid__isnull=True, expires_at__gt=timezone.now()
    )
    if open_sessions.count() >= OPEN_SESSIONS_MAX:
        raise MediaRejected(
            _("Du har för många uppladdningar på gång. Skicka klart eller avbryt någon av dem först."),
            code="sessions",
        )
    printable = "".join(ch for ch in filename if ch.isprintable())[:255]  # no NUL into the database
    session = UploadSession.objects.create(uploaded_by=actor, length=length, filename=printable, expires_at=_expiry())
    logger.info("upload session created", extra={"upload_session_id": session.pk, "bytes": length})
    return session


def upload_session_append(
    *, actor: Person, session: UploadSession, offset: int, body: IO[bytes], size: int
) -> UploadSession:
    """Append the part of `size` bytes read from `body` at `offset`; return the session as it is now.

    The caller found the session among the actor's own (`media.access.own_upload_sessions`). When
    this part completes the file, the file is staged and the session names the new `Upload`
    (`upload_uuid`). A part cut short (the connection broke) keeps the bytes that came. An empty
    part at the end of a file whose staging could not be stored (a storage failure) tries again.

    Raises OffsetMismatch (nothing written), PartTooLarge, SessionGone (cancelled or expired
    meanwhile), or MediaRejected for the finished file: the session and its parts are deleted
    then, unless the storage failed ("storage"), when they are kept to try again.
    """
    if session.uploaded_by_id != actor.pk:
        raise PermissionDenied
    if offset != session.offset:
        raise OffsetMismatch(session.offset)
    if size > session.length - session.offset:
        raise PartTooLarge
    if size == 0:
        if session.offset == session.length and not session.finished and session.parts:
            return _finish(actor, session)
        return session
    name, received = _store_part(session, body, size)
    if name is None:
        return session
    # Compare-and-set: one UPDATE, so a part sent twice at once is recorded once.
    updated = UploadSession.objects.filter(pk=session.pk, offset=offset, expires_at__gt=timezone.now()).update(
        offset=offset + received, parts=[*session.parts, name], expires_at=_expiry()
    )
    if not updated:
        delete_stored_files([name])
        current = UploadSession.objects.filter(pk=session.pk, expires_at__gt=timezone.now()).values_list(
            "offset", flat=True
        )
        now_at = current.first()
        if now_at is None:
            raise SessionGone
        raise OffsetMismatch(now_at)
    session.offset, session.parts = offset + received, [*session.parts, name]
    session.expires_at = _expiry()
    logger.info("upload part stored", extra={"upload_session_id": session.pk, "bytes": received})
    if session.offset == session.length:
        return _finish(actor, session)
    return session


def _store_part(session: UploadSession, body: IO[bytes], size: int) -> tuple[str | None, int]:
    """Read up to `size` bytes of the body into a temporary file and store them as a new part;
    return its storage name and how many bytes came (None and 0 when none did).

    The first part of a file must start like a file Följa accepts (`processing.sniff`), so a file
    of the wrong type is refused before the rest of it is sent: MediaRejected, the session deleted.
    """
    with tempfile.SpooledTemporaryFile(
        max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
    ) as spool:
        received = 0
        try:
            while received < size:
                chunk = body.read(min(CHUNK, size - received))
                if not chunk:
                    break
                spool.write(chunk)
                received += len(chunk)
        except OSError:
            # The connection broke (UnreadablePostError is an OSError): keep what came.
            logger.info("upload part cut short", extra={"upload_session_id": session.pk, "bytes": received})
        if not received:
            return None, 0
        spool.seek(0)
        if session.offset == 0 and received >= min(processing.SNIFF_BYTES, session.length):
            if processing.sniff(spool.read(processing.SNIFF_BYTES)) is None:
                _discard([session])
                raise processing.reject_type()
            spool.seek(0)
        return store_new_file(new_storage_name("parts", ".part"), File(spool, name="part")), received


def _finish(actor: Person, session: UploadSession) -> UploadSession:
    """Put the parts together and stage the file as if it had been sent at once; name the upload."""
    try:
        with _assembled(session) as whole:
            staged = upload_stage(actor=actor, upload=whole)
    except MediaRejected as exc:
        if exc.code != "storage":
            _discard([session])
        logger.info("upload session refused", extra={"upload_session_id": session.pk, "code": exc.code})
        raise
    UploadSession.objects.filter(pk=session.pk).update(upload_uuid=staged.uuid, parts=[])
    delete_stored_files(session.parts)
    session.upload_uuid, session.parts = staged.uuid, []
    logger.info("upload session staged", extra={"upload_session_id": session.pk, "upload_id": staged.pk})
    return session


@contextmanager
def _assembled(session: UploadSession) -> Iterator[TemporaryUploadedFile]:
    """The parts, in order, in one temporary file on disk (removed afterwards), as a file sent at once."""
    whole = TemporaryUploadedFile("upload", "application/octet-stream", session.length, None)
    whole.name = session.filename or "upload"  # what staging cleans into the download name
    try:
        try:
            for name in session.parts:
                with default_storage.open(name, "rb") as part:
                    while chunk := part.read(CHUNK):
                        whole.write(chunk)
        except STORAGE_FAILURES:
            logger.warning("could not read the parts of an upload", exc_info=True)
            raise _storage_refused() from None
        whole.flush()
        if whole.tell() != session.length:  # parts missing or repeated: nothing to keep
            logger.warning("upload parts do not add up", extra={"upload_session_id": session.pk})
            raise processing.reject_unreadable()
        whole.seek(0)
        yield whole
    finally:
        whole.close()


def upload_session_delete(*, actor: Person, session: UploadSession) -> None:
    """Cancel the actor's session: delete it and its parts (tus termination). A file already staged
    stays an `Upload` of the actor's, attached or discarded as any other."""
    if session.uploaded_by_id != actor.pk:
        raise PermissionDenied
    _discard([session])
    logger.info("upload session cancelled", extra={"upload_session_id": session.pk})


def _discard(sessions: list[UploadSession]) -> None:
    UploadSession.objects.filter(pk__in=[s.pk for s in sessions]).delete()
    delete_stored_files(name for s in sessions for name in s.parts)


def upload_sessions_discard_expired(*, person: Person | None = None) -> int:
    """Delete the sessions (of one person, or everyone's) that have expired, and their parts; return
    how many. Idempotent. A finished session's upload is left alone (it has its own keeping time)."""
    expired = UploadSession.objects.filter(expires_at__lte=timezone.now())
    if person is not None:
        expired = expired.filter(uploaded_by=person)
    rows = list(expired.only("pk", "parts"))
    if rows:
        _discard(rows)
    return len(rows)
