"""Errors as RFC 9457 problem details (`application/problem+json`), in the reader's language.

Missing and forbidden are one answer, 404 (access-rules.md, R12): the policy's getters raise
`Http404` for both, and a wrong role is answered the same way. Nothing in a problem names a
person, a civic number or what the request asked for.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import BaseModel

from folja.access import assurance

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"


class Problem(BaseModel):
    """An RFC 9457 problem: `type` names the kind (a relative URI), `title` says it in words."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: list[dict[str, Any]] = []


class ApiProblem(Exception):
    """Raised by an endpoint to answer with a problem of a kind of its own."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str = "",
        *,
        errors: list | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(kind)
        self.status, self.kind, self.title, self.detail, self.errors = status, kind, title, detail, errors or []
        self.headers = headers or {}  # e.g. where an upload in parts is (Upload-Offset) with its 409


def problem(
    status: int, kind: str, title: str, detail: str = "", *, errors: list | None = None, retry_after: int | None = None
) -> HttpResponse:
    """Return a problem details answer."""
    body: dict[str, Any] = {"type": TYPE_BASE + kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = HttpResponse(orjson.dumps(body), status=status, content_type=MEDIA_TYPE)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def not_found() -> HttpResponse:
    return problem(404, "not-found", _("Det finns inget här, eller så har du inte behörighet att se det."))


def _validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Only where and what kind: pydantic's own message may repeat the value that was sent.
    return [{"loc": [str(part) for part in e.get("loc", ())], "type": str(e.get("type", ""))} for e in errors]


def install(api: NinjaAPI) -> None:
    """Answer every error of the API as a problem."""

    @api.exception_handler(Http404)
    def _404(request: HttpRequest, exc: Exception) -> HttpResponse:
        return not_found()

    @api.exception_handler(PermissionDenied)
    def _403(request: HttpRequest, exc: Exception) -> HttpResponse:
        return not_found()

    @api.exception_handler(ApiProblem)
    def _own(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        response = problem(exc.status, exc.kind, exc.title, exc.detail, errors=exc.errors)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    @api.exception_handler(assurance.LowerAssuranceRefused)
    def _assurance(request: HttpRequest, exc: assurance.LowerAssuranceRefused) -> HttpResponse:
        return problem(
            403,
            "full-assurance-required",
            _("Det här kräver inloggning med e-legitimation."),
            str(assurance.REFUSAL_TEXT.get(exc.act, "")),
        )

    @api.exception_handler(ValidationError)
    def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(
            422,
            "invalid",
            _("Uppgifterna kunde inte tas emot. Rätta det som är markerat och försök igen."),
            errors=_validation_errors(exc.errors),
        )

    @api.exception_handler(DjangoValidationError)
    def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # An action's own refusal (a slot taken, a deadline passed): its message is written for people.
        return problem(409, "refused", _("Det gick inte."), " ".join(exc.messages))

    @api.exception_handler(MultiPartParserError)
    def _unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A body that says it is multipart and is not (found by Schemathesis).
        return problem(400, "unreadable", _("Innehållet kunde inte läsas. Skicka det som JSON eller som ett formulär."))

    @api.exception_handler(AuthenticationError)
    def _401(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = problem(401, "sign-in-required", _("Logga in för att fortsätta."))
        response["WWW-Authenticate"] = 'Cookie realm="folja"'
        return response

    @api.exception_handler(Throttled)
    def _429(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = max(1, int(exc.wait or 1))
        return problem(
            429, "too-many-requests", _("För många anrop. Vänta en stund och försök igen."), retry_after=wait
        )

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 403:  # ninja's CSRF refusal
            return problem(403, "csrf", _("Sidan var för gammal. Ladda om den och försök igen."))
        return problem(exc.status_code, "error", _("Det gick inte."))

    @api.exception_handler(Exception)
    def _500(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error", extra={"path": request.path, "method": request.method})
        return problem(500, "server-error", _("Något gick fel hos oss. Försök igen om en stund."))
