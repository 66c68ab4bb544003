"""Sending media bytes after the access check, in the way the deployment serves files.

Three ways, chosen by settings, always after folja.access.policy has allowed the request:

- local (default): Django streams the file (`FileResponse`), with single byte ranges so that
  Safari and iOS can play films;
- `FOLJA_MEDIA_ACCEL_REDIRECT="/_protected/"`: an empty response whose `X-Accel-Redirect` header
  makes nginx send the file from an `internal` location, so no Python worker is tied up::

      location /_protected/ {
          internal;
          alias /var/lib/folja/media/;   # FOLJA_MEDIA_ROOT
      }

  nginx keeps Content-Type, Content-Disposition and Cache-Control from this response;
- `FOLJA_MEDIA_STORAGE=s3`: a redirect to a presigned URL of the private bucket that expires
  after `FOLJA_S3_URL_SECONDS` (60 s by default); the bucket itself is never publicly readable.

Every answer says `Cache-Control: private, no-store`, so neither a shared cache nor the browser
keeps a copy of a child's photo, and forbids MIME sniffing and embedding by other sites.

The R10 notice ("may not be spread …") is shown to people, not hidden in the file: it stands on
the media page directly above the download link, which points at it with aria-describedby so a
screen reader reads it with the link. A response header would be seen by no one, writing it into
the file would be metadata again, and a prefixed file name would be cut off or ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from folja.access.audit import record_post_reads
from folja.access.models import AuditAction
from folja.access.roles import Role, Viewer
from folja.learninglog.access import named_child_ids_on_post
from folja.media.models import Media

# R10: shown next to every download link and on every media page.
SPREADING_NOTICE = _(
    "Bilder och filmer från förskolan får inte spridas eller användas någon annanstans, till exempel i sociala medier."
)

CACHE_CONTROL = "private, no-store"
# The response is a file, never a document that runs code, even if a browser were to render it so.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def record_media_read(viewer: Viewer, media: Media) -> None:
    """Record a staff member's read of a media file for each child the reader sees named on its
    post, under the reader's unit for that child (R11, R8 per child)."""
    # Ids only, for the audit record; the media itself came through the access policy.
    if viewer.role != Role.STAFF:
        return  # only staff reads are recorded: no query for families
    record_post_reads(
        viewer,
        AuditAction.READ_MEDIA,
        named_child_ids_on_post(viewer, media.post),
        post_unit_id=media.post.school_unit_id,
        object_type="media",
        object_uuid=media.uuid,
    )


def send_file(
    request: HttpRequest, *, name: str, content_type: str, download_name: str, as_attachment: bool
) -> HttpResponse:
    """Return a response that delivers the stored file `name` to an already authorised viewer."""
    disposition = content_disposition_header(as_attachment, download_name)
    if settings.FOLJA_MEDIA_STORAGE == "s3":
        url = default_storage.url(
            name,
            parameters={
                # S3 answers with these headers, so the file behaves as if served by us.
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
                "ResponseCacheControl": CACHE_CONTROL,
            },
        )
        response: HttpResponse = HttpResponseRedirect(url)
    elif settings.FOLJA_MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.FOLJA_MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + quote(name)
        response["Content-Disposition"] = disposition
    else:
        response = _local_response(request, name=name, content_type=content_type, disposition=disposition)
    return protect(response)


def protect(response: HttpResponse) -> HttpResponse:
    """Set the headers every media answer carries (not stored, not sniffed, not embeddable elsewhere)."""
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["Referrer-Policy"] = "no-referrer"
    return response


def _local_response(request: HttpRequest, *, name: str, content_type: str, disposition: str) -> HttpResponse:
    size = default_storage.size(name)
    byte_range = _parse_range(request.headers.get("Range", ""), size) if request.method == "GET" else None
    if byte_range == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    fp = default_storage.open(name, "rb")
    if byte_range is None:
        response = FileResponse(fp, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = byte_range
        fp.seek(start)
        response = StreamingHttpResponse(_read_slice(fp, end - start + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = disposition
    return response


def _parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """Return (first, last) byte of a single range, "unsatisfiable", or None to send everything."""
    match = _RANGE.match(header.strip())
    if not match or size == 0:
        return None  # absent, multi-range or malformed: a full 200 answer is always allowed
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # "bytes=-500": the last 500 bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return "unsatisfiable"
    return start, end


def _read_slice(fp: IO[bytes], length: int) -> Iterator[bytes]:
    try:
        while length > 0:
            chunk = fp.read(min(_CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        fp.close()
