"""Staff: a file sent in parts that can be resumed, for films too big or networks too poor for one
request (tus 1.0.0: the core protocol with creation, termination and expiration; docs/api.md).

    POST   /uploads/resumable         Upload-Length, Upload-Metadata   → 201, Location
    HEAD   /uploads/resumable/{uuid}                                   → Upload-Offset, Upload-Length
    PATCH  /uploads/resumable/{uuid}  Upload-Offset, the part's bytes   → 204, the new Upload-Offset
    DELETE /uploads/resumable/{uuid}                                   → 204
    GET    /uploads/resumable/{uuid}                                   → the same as JSON

When the last part has come the file is checked and cleaned as `POST /uploads` does
(`media.actions.upload_stage`, through `media.resumable`) and becomes an upload of its sender's:
`Folja-Upload` (and `upload` in the JSON) names it for `POST /posts`. A session is its uploader's
alone (`media.access.own_upload_sessions`): to anyone else it is missing (404).
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid

import orjson
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from ninja import Router

from folja.access.roles import Role
from folja.api import schemas
from folja.api.auth import viewer_of
from folja.api.problems import ApiProblem
from folja.media import resumable
from folja.media.access import get_own_upload_session
from folja.media.models import UploadSession
from folja.media.processing import MediaRejected
from folja.oauth.ninja import scope_required

router = Router(tags=["staff"])

TUS_VERSION = "1.0.0"
PART_TYPE = "application/offset+octet-stream"
UPLOAD_HEADER = "Folja-Upload"  # the staged upload's uuid, once the last part has come
_NUMBER = re.compile(r"[0-9]{1,19}")


def _header(name: str, description: str, schema: dict, *, required: bool = False) -> dict:
    return {"in": "header", "name": name, "required": required, "description": description, "schema": schema}


_TUS_RESUMABLE = _header("Tus-Resumable", "The protocol's version, 1.0.0 (another is 412).", {"type": "string"})


def _answer_headers(*names: str) -> dict:
    """The response headers of the tus answers, as the document describes them."""
    described = {
        "Location": "The session to HEAD, PATCH and DELETE.",
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": "How many bytes have come: send the next part from here.",
        "Upload-Length": "The file's size in bytes.",
        "Upload-Expires": "When the unfinished session is deleted (an HTTP date); each part moves it.",
        UPLOAD_HEADER: "Once the last part has come and the file is accepted: the upload to attach (POST /posts).",
    }
    return {name: {"description": described[name], "schema": {"type": "string"}} for name in names}


_STATE = ("Tus-Resumable", "Upload-Offset", "Upload-Length", "Upload-Expires", UPLOAD_HEADER)
_PATH = "/uploads/resumable/{session_uuid}"


def _tus_version(request: HttpRequest) -> None:
    """Refuse another version of the protocol than 1.0.0 (412 with Tus-Version); none named is 1.0.0."""
    asked = request.headers.get("Tus-Resumable")
    if asked is not None and asked.strip() != TUS_VERSION:
        raise ApiProblem(
            412,
            "version-not-supported",
            _("Den här versionen av protokollet för uppladdning i delar stöds inte."),
            headers={"Tus-Version": TUS_VERSION, "Tus-Resumable": TUS_VERSION},
        )


def _bad_header(name: str) -> ApiProblem:
    # The header's name only, never the value that was sent.
    return ApiProblem(
        400,
        "upload-header",
        _("Uppladdningen saknar en uppgift eller har en felaktig uppgift."),
        name,
        headers={"Tus-Resumable": TUS_VERSION},
    )


def _number(request: HttpRequest, name: str) -> int:
    raw = (request.headers.get(name) or "").strip()
    if not _NUMBER.fullmatch(raw):
        raise _bad_header(name)
    return int(raw)


def _filename(metadata: str) -> str:
    """The `filename` of tus's Upload-Metadata ("key base64,key base64"); every pair must be well formed."""
    found = ""
    for pair in metadata.split(","):
        key, _space, value = pair.strip().partition(" ")
        if not pair.strip():
            continue
        if not key or " " in value.strip():
            raise _bad_header("Upload-Metadata")
        try:
            decoded = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise _bad_header("Upload-Metadata") from None
        if key == "filename":
            try:
                found = decoded.decode("utf-8")
            except UnicodeDecodeError:
                raise _bad_header("Upload-Metadata") from None
    return found


def _rejected(exc: MediaRejected) -> ApiProblem:
    """The problem for a file Följa will not take: too big 413, too many at once 409, else 422."""
    detail = " ".join(exc.messages)
    headers = {"Tus-Resumable": TUS_VERSION}
    if exc.code == "size":
        return ApiProblem(413, "too-large", _("Filen kunde inte tas emot."), detail, headers=headers)
    if exc.code == "sessions":
        return ApiProblem(409, "refused", _("Det gick inte."), detail, headers=headers)
    return ApiProblem(422, "file-rejected", _("Filen kunde inte tas emot."), detail, headers=headers)


def _described(session: UploadSession) -> dict:
    return {
        "uuid": str(session.uuid),
        "length": session.length,
        "offset": session.offset,
        "expires": session.expires_at.isoformat(),
        "upload": str(session.upload_uuid) if session.finished else None,
    }


def _with_state(response: HttpResponse, session: UploadSession) -> HttpResponse:
    """The tus headers of where the session is: offset, length, expiry, and the upload once staged."""
    response["Tus-Resumable"] = TUS_VERSION
    response["Upload-Offset"] = str(session.offset)
    response["Upload-Length"] = str(session.length)
    response["Cache-Control"] = "no-store"
    if session.finished:
        response[UPLOAD_HEADER] = str(session.upload_uuid)
    else:
        response["Upload-Expires"] = http_date(session.expires_at.timestamp())
    if session.filename:
        response["Upload-Metadata"] = "filename " + base64.b64encode(session.filename.encode()).decode("ascii")
    return response


def _json(session: UploadSession, status: int = 200) -> HttpResponse:
    response = HttpResponse(orjson.dumps(_described(session)), status=status, content_type="application/json")
    return _with_state(response, session)


@router.post(
    "/uploads/resumable",
    response={201: schemas.UploadSession},
    url_name="upload_session_create",
    summary="Begin a file sent in parts (tus)",
    openapi_extra={
        "parameters": [
            _header(
                "Upload-Length",
                "The file's size in bytes, at most the per-file limit (larger: 413).",
                {"type": "integer", "minimum": 1},
                required=True,
            ),
            _header(
                "Upload-Metadata",
                "tus metadata: `filename <base64>` (other keys are read and ignored).",
                {"type": "string"},
            ),
            _TUS_RESUMABLE,
        ],
        "responses": {201: {"headers": _answer_headers("Location", *_STATE)}},
    },
)
@scope_required("posts:write")
def upload_session_create(request: HttpRequest) -> HttpResponse:
    """Begin a file to be sent in parts: `Location` names the session to HEAD, PATCH and DELETE. It
    is the sender's alone and expires when no part comes for a day (`Upload-Expires`)."""
    viewer = viewer_of(request, Role.STAFF)
    _tus_version(request)
    length = _number(request, "Upload-Length")
    filename = _filename(request.headers.get("Upload-Metadata") or "")
    try:
        session = resumable.upload_session_create(actor=viewer.person, length=length, filename=filename)
    except MediaRejected as exc:
        raise _rejected(exc) from None
    response = _json(session, status=201)
    response["Location"] = reverse("api:upload_session", args=[session.uuid])
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = "creation,termination,expiration"
    response["Tus-Max-Size"] = str(settings.FOLJA_MEDIA_MAX_BYTES)
    return response


@router.get(_PATH, response=schemas.UploadSession, url_name="upload_session", summary="A file sent in parts")
@scope_required("posts:write")
def upload_session(request: HttpRequest, session_uuid: uuid.UUID) -> HttpResponse:
    """Where the session is, as JSON (the same as HEAD's headers); `upload` once the file is staged."""
    viewer = viewer_of(request, Role.STAFF)
    return _json(get_own_upload_session(viewer, session_uuid))


@router.api_operation(
    ["HEAD"],
    _PATH,
    response={200: None},
    url_name="upload_session_head",
    summary="Where a file sent in parts is (tus)",
    openapi_extra={"parameters": [_TUS_RESUMABLE], "responses": {200: {"headers": _answer_headers(*_STATE)}}},
)
@scope_required("posts:write")
def upload_session_head(request: HttpRequest, session_uuid: uuid.UUID) -> HttpResponse:
    """`Upload-Offset` (send the next part from there) and `Upload-Length`; `Folja-Upload` once staged."""
    viewer = viewer_of(request, Role.STAFF)
    session = get_own_upload_session(viewer, session_uuid)
    _tus_version(request)
    return _with_state(HttpResponse(status=200), session)


@router.patch(
    _PATH,
    response={204: None},
    url_name="upload_session_append",
    summary="Send a part of a file (tus)",
    openapi_extra={
        "parameters": [
            _header(
                "Upload-Offset",
                "Where this part starts: the session's offset (another is 409).",
                {"type": "integer", "minimum": 0},
                required=True,
            ),
            _TUS_RESUMABLE,
        ],
        "requestBody": {
            "required": True,
            "content": {PART_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        "responses": {204: {"headers": _answer_headers(*_STATE)}},
    },
)
@scope_required("posts:write")
def upload_session_append(request: HttpRequest, session_uuid: uuid.UUID) -> HttpResponse:
    """Append the body at `Upload-Offset`; 204 with the new offset. The part that completes the
    file has it checked and cleaned as `POST /uploads` does: `Folja-Upload` names the upload, or
    a 422 says why the file was refused (its parts are deleted then)."""
    viewer = viewer_of(request, Role.STAFF)
    session = get_own_upload_session(viewer, session_uuid)
    _tus_version(request)
    if request.content_type != PART_TYPE:
        raise ApiProblem(
            415,
            "unsupported-media-type",
            _("Skicka delen som application/offset+octet-stream."),
            headers={"Tus-Resumable": TUS_VERSION},
        )
    offset = _number(request, "Upload-Offset")
    size = (request.META.get("CONTENT_LENGTH") or "").strip()
    if not _NUMBER.fullmatch(size):
        raise ApiProblem(
            411,
            "length-required",
            _("Ange delens storlek i byte (Content-Length)."),
            headers={"Tus-Resumable": TUS_VERSION},
        )
    try:
        session = resumable.upload_session_append(
            actor=viewer.person, session=session, offset=offset, body=request, size=int(size)
        )
    except resumable.OffsetMismatch as exc:
        raise ApiProblem(
            409,
            "offset-mismatch",
            _("Uppladdningen är inte där delen börjar. Fråga var den är och fortsätt därifrån."),
            headers={"Tus-Resumable": TUS_VERSION, "Upload-Offset": str(exc.offset)},
        ) from None
    except resumable.PartTooLarge:
        raise ApiProblem(
            413, "too-large", _("Delen är större än det som återstår av filen."), headers={"Tus-Resumable": TUS_VERSION}
        ) from None
    except resumable.SessionGone:
        raise Http404 from None  # cancelled or expired meanwhile
    except MediaRejected as exc:
        raise _rejected(exc) from None
    return _with_state(HttpResponse(status=204), session)


@router.delete(
    _PATH,
    response={204: None},
    url_name="upload_session_delete",
    summary="Cancel a file sent in parts (tus)",
    openapi_extra={"parameters": [_TUS_RESUMABLE]},
)
@scope_required("posts:write")
def upload_session_delete(request: HttpRequest, session_uuid: uuid.UUID) -> HttpResponse:
    """Delete the session and its parts. A file already staged stays an upload until a post
    attaches it or it is discarded with the other uploads."""
    viewer = viewer_of(request, Role.STAFF)
    session = get_own_upload_session(viewer, session_uuid)
    _tus_version(request)
    resumable.upload_session_delete(actor=viewer.person, session=session)
    response = HttpResponse(status=204)
    response["Tus-Resumable"] = TUS_VERSION
    return response
