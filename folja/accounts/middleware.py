"""Attach the viewer (person + role of this session) to every request, or end a stale session."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from folja.access import assurance, memo
from folja.access.policy import may_sign_in_as
from folja.access.roles import Role, Viewer
from folja.accounts.language import activate_person_language
from folja.accounts.pupil import codes as pupil_codes
from folja.accounts.session import (
    LAST_SEEN_KEY,
    LOA_KEY,
    METHOD_KEY,
    ORGANISATION_KEY,
    ROLE_KEY,
    STARTED_KEY,
    end_session,
)

logger = logging.getLogger(__name__)


class ViewerMiddleware:
    """Set request.viewer; end the session when idle too long or when its relationship has ended."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The viewer's relationships are looked up once per request (access/memo.py).
        with memo.request_scope():
            return self._call(request)

    def _call(self, request: HttpRequest) -> HttpResponse:
        request.viewer = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "person_id", None):
            role_value = request.session.get(ROLE_KEY)
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            if role_value not in Role.values:
                end_session(request)
            elif now - request.session.get(STARTED_KEY, now) > settings.SESSION_COOKIE_AGE:
                logger.info("session ended after its absolute lifetime", extra={"user_id": user.pk})
                end_session(request)
            elif now - last_seen > settings.FOLJA_SESSION_IDLE_SECONDS:
                logger.info("session ended after idle timeout", extra={"user_id": user.pk})
                end_session(request)
            elif role_value == Role.STAFF and request.session.get(ORGANISATION_KEY) is None:
                # Every staff session belongs to the organisation whose sign-in vouched for it.
                logger.info("session ended: staff session without organisation", extra={"user_id": user.pk})
                end_session(request)
            elif not may_sign_in_as(
                user.person, Role(role_value), organisation_id=request.session.get(ORGANISATION_KEY)
            ):
                # The relationship that allowed the session (guardianship, duty, placement) has ended.
                logger.info("session ended: role no longer held", extra={"user_id": user.pk, "role": role_value})
                end_session(request)
            elif request.session.get(LOA_KEY) == assurance.LOWER and not (
                (
                    role_value == Role.GUARDIAN
                    and assurance.may_hold_lower_session(user.person, request.session.get(METHOD_KEY, ""))
                )
                or (
                    # A pupil's QR code session (issue 29): ends once the code is revoked or too old.
                    role_value == Role.CHILD
                    and request.session.get(METHOD_KEY) == assurance.PUPIL_CODE
                    and pupil_codes.session_holds(user.person, request.session.get(pupil_codes.SESSION_CODE_KEY))
                )
            ):
                # A session without e-ID holds while the child's organisation still enables its method.
                logger.info("session ended: lower-assurance method no longer enabled", extra={"user_id": user.pk})
                end_session(request)
            else:
                organisation_id = request.session.get(ORGANISATION_KEY) if role_value == Role.STAFF else None
                request.viewer = Viewer(
                    person=user.person,
                    role=Role(role_value),
                    organisation_id=organisation_id,
                    loa=request.session.get(LOA_KEY, ""),
                )
                activate_person_language(request, user.person)
                if now - last_seen > 60:  # avoid a session write on every request
                    request.session[LAST_SEEN_KEY] = now
        response = self.get_response(request)
        if request.viewer is not None:
            # Pages for a signed-in person are personal: never stored by a shared cache or the browser.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response
