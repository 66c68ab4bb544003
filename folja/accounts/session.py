"""Binding a signed-in user to one role for the whole session."""

from __future__ import annotations

import time

from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from folja.access.roles import Role
from folja.accounts.models import User
from folja.directory.models import Person

ROLE_KEY = "folja_role"
METHOD_KEY = "folja_method"
LOA_KEY = "folja_loa"
# A staff session's organisation (access-rules.md, "The session's organisation").
ORGANISATION_KEY = "folja_organisation"
LAST_SEEN_KEY = "folja_last_seen"
STARTED_KEY = "folja_started"
# Where to go after signing in (e.g. an app's authorisation page): a path on this site only.
NEXT_KEY = "folja_next"


def start_session(
    request: HttpRequest, person: Person, role: Role, *, method: str, loa: str = "", organisation_id: int | None = None
) -> User:
    """Sign the person in acting as `role`; login() rotates the session key.

    A staff session needs `organisation_id`: the organisation whose sign-in vouched for it (its
    own SSO, or the one the person chose after a national e-ID). It holds only while the person has
    an active duty there, and connections count only there.
    """
    if role == Role.STAFF and organisation_id is None:
        raise ValueError("a staff session belongs to an organisation")
    user, _ = User.objects.get_or_create(person=person, defaults={"username": f"p-{person.uuid}"})
    login(request, user, backend="folja.accounts.backends.PersonModelBackend")
    request.session[ROLE_KEY] = str(role)
    request.session[METHOD_KEY] = method
    request.session[LOA_KEY] = loa
    if organisation_id is not None:
        request.session[ORGANISATION_KEY] = organisation_id
    now = int(time.time())
    request.session[LAST_SEEN_KEY] = now
    # The absolute lifetime counts from here; the cookie's max-age alone would trust the browser.
    request.session[STARTED_KEY] = now
    return user


def end_session(request: HttpRequest) -> None:
    """Sign out: flush the session data and rotate the key."""
    logout(request)


def remember_next(request: HttpRequest) -> None:
    """Keep the `next` of a sign-in page for after the sign-in: a path on this site, nothing else."""
    target = request.GET.get("next", "")
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        request.session[NEXT_KEY] = target


def after_sign_in_url(request: HttpRequest, target: str | None = None) -> str:
    """Return where a completed sign-in goes: the remembered `next` (read once) or the start page."""
    remembered = request.session.pop(NEXT_KEY, "")
    return target or remembered or reverse("core:home")
