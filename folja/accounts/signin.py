"""What every sign-in method shares: the verified identity, binding it on our side, audit and rate limits.

A method (test e-ID, BankID, OIDC broker, SAML) ends in one `VerifiedIdentity`. `complete_sign_in`
binds it to a person and the role chosen in step 1 with `may_sign_in_as` — never trusting the role
button alone — and either starts a session or shows whom to contact, with no session.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import salted_hmac

from folja.access.policy import may_sign_in_as, person_for_sign_in, staff_for_sso, staff_organisations
from folja.access.pupils import pupil_for_sso
from folja.access.roles import Role
from folja.accounts.models import SignInAttempt, SignInOutcome
from folja.accounts.session import NEXT_KEY, after_sign_in_url, end_session, start_session
from folja.directory import civic
from folja.directory.models import Organisation, Person

logger = logging.getLogger(__name__)

NOT_FOUND_ROLE_KEY = "folja_not_found_role"


@dataclass(frozen=True)
class VerifiedIdentity:
    """The identity an e-ID or SSO vouched for. The civic number is normalised to 12 digits."""

    civic_number: str
    given_name: str
    family_name: str
    method: str
    loa: str
    transaction_ref: str
    # Staff SSO matching on e-mail (eduPersonPrincipalName, upn) instead of a civic number; may be "".
    school_email: str = ""
    # What the organisation's IdP says the person is (eduPersonAffiliation: student, staff, …).
    affiliations: tuple[str, ...] = ()

    def __repr__(self) -> str:  # keeps the civic number out of tracebacks and debug logs
        return f"VerifiedIdentity(method={self.method!r}, loa={self.loa!r}, transaction_ref={self.transaction_ref!r})"


def civic_number_hash(civic_number: str) -> str:
    """Return a keyed hash of the civic number, for audit rows that must not hold it in clear."""
    return salted_hmac("folja.accounts.signin-audit", civic_number, algorithm="sha256").hexdigest()


def client_ip(request: HttpRequest) -> str:
    """Return the end user's IP address: the socket peer, or the address the trusted proxies saw.

    With FOLJA_PROXY_COUNT = n, the n-th address from the right of X-Forwarded-For is the one our
    own outermost proxy received the connection from; anything left of it is client-controlled.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "127.0.0.1"
    count = settings.FOLJA_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            remote = forwarded[-count]
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return "127.0.0.1"


def audit(
    request: HttpRequest,
    *,
    method: str,
    role: Role | str | None,
    outcome: SignInOutcome,
    transaction_ref: str = "",
    detail: str = "",
    civic_number: str = "",
    person: Person | None = None,
    loa: str = "",
) -> SignInAttempt:
    """Record one sign-in event (start, success, refusal, failure) without the civic number in clear."""
    return SignInAttempt.objects.create(
        method=method,
        role=str(role or ""),
        outcome=outcome,
        transaction_ref=transaction_ref[:128],
        detail=detail[:64],
        ip_address=client_ip(request),
        civic_number_hash=civic_number_hash(civic_number) if civic_number else "",
        person=person,
        loa=loa[:64],
    )


def counted_over(key: str, limit: int, *, window: int | None = None) -> int:
    """Count one hit on the fixed-window counter `key`; return 0, or the seconds left of the window
    when the count is now over the limit. The window is the sign-in's unless `window` (seconds) is
    given (the API's limit per person, folja/api/auth.py)."""
    window = window or settings.FOLJA_SIGNIN_RATE_WINDOW_SECONDS
    now = time.time()
    if cache.add(key, 0, timeout=window):
        cache.set(f"{key}:ends", now + window, timeout=window)  # when the window ends, for the 429 page
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        cache.set(f"{key}:ends", now + window, timeout=window)
        count = 1
    if count <= limit:
        return 0
    ends = cache.get(f"{key}:ends") or now + window
    return max(1, math.ceil(ends - now))


def rate_limited(
    request: HttpRequest,
    *,
    method: str,
    civic_number: str = "",
    username: str = "",
    identity: str = "",
    identity_limit: int | None = None,
) -> int:
    """Count one start of a sign-in; return 0 when it may go on, else the seconds until the window
    that refused it ends (when to try again: `rate_limited_response`).

    Two fixed windows in the cache (FOLJA_SIGNIN_RATE_WINDOW_SECONDS), cheap and good enough
    against scripted starts:

    - per identity attempted, when the start names one (the civic number typed in the test e-ID,
      the username at /admin/login/): FOLJA_SIGNIN_RATE_LIMIT, whatever the address, so one
      identity cannot be brute-forced. Its key is a keyed hash, never the identity in clear;
    - per client address: FOLJA_SIGNIN_ADDRESS_RATE_LIMIT, a budget a school or workplace behind
      one public address can live with. BankID, OIDC and SSO starts, whose identity is not known
      yet (each BankID start costs us an order at BankID), have only this one.

    A start refused for its identity does not count against the address, so a script hammering
    one identity from a shared address leaves the others there their sign-ins. Configure a shared
    cache (Redis) when several app servers run.
    """
    # `identity` names another kind of identity (a mobile number for SMS sign-in, with its own limit).
    identity = identity or civic_number or (f"username:{username.strip().casefold()}" if username.strip() else "")
    if identity:
        digest = salted_hmac("folja.accounts.signin-rate", identity, algorithm="sha256").hexdigest()
        limit = identity_limit or settings.FOLJA_SIGNIN_RATE_LIMIT
        wait = counted_over(f"folja:signin-rate:identity:{digest}", limit)
        if wait:
            audit(
                request,
                method=method,
                role=None,
                outcome=SignInOutcome.RATE_LIMITED,
                detail="identity",
                civic_number=civic_number,
            )
            return wait
    wait = counted_over(f"folja:signin-rate:address:{client_ip(request)}", settings.FOLJA_SIGNIN_ADDRESS_RATE_LIMIT)
    if wait:
        audit(request, method=method, role=None, outcome=SignInOutcome.RATE_LIMITED, detail="address")
    return wait


def rate_limited_response(request: HttpRequest, seconds: int, *, back_url: str = "") -> HttpResponse:
    """Answer a refused sign-in start with 429: the page says in minutes and by the clock when to try
    again, and Retry-After says it in seconds."""
    seconds = max(1, int(seconds))
    context = {
        "back_url": back_url,
        "minutes": math.ceil(seconds / 60),
        "retry_at": timezone.localtime(timezone.now() + dt.timedelta(seconds=seconds)),
    }
    response = render(request, "accounts/rate_limited.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def complete_sign_in(
    request: HttpRequest, identity: VerifiedIdentity, role: Role, *, organisation: Organisation | None = None
) -> HttpResponse:
    """Bind the identity to a person in the role and start the session, or explain whom to contact.

    With `organisation` (an organisation's own SSO) only staff with an active duty there are found.
    """
    try:
        number = civic.normalise(identity.civic_number)
    except civic.InvalidCivicNumber:
        number = ""
    if organisation is not None and role == Role.CHILD:
        # Issue 29: a pupil through the school's IdP, only among the organisation's own pupils.
        person = pupil_for_sso(organisation, civic_number=number, school_email=identity.school_email)
    elif organisation is not None:
        person = (
            staff_for_sso(organisation, civic_number=number, school_email=identity.school_email)
            if role == Role.STAFF and (number or identity.school_email)
            else None
        )
    else:
        person = person_for_sign_in(civic_number=number) if number else None
    if person is None or not may_sign_in_as(
        person, role, organisation_id=organisation.pk if organisation is not None else None
    ):
        audit(
            request,
            method=identity.method,
            role=role,
            outcome=SignInOutcome.NOT_FOUND,
            transaction_ref=identity.transaction_ref,
            civic_number=number or identity.civic_number,
        )
        logger.info("sign-in refused: not found in role", extra={"method": identity.method, "role": str(role)})
        # Whoever was signed in before in this browser is signed out: the device changed hands.
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            end_session(request)
        request.session[NOT_FOUND_ROLE_KEY] = str(role)
        return redirect("accounts:not_found")
    if role == Role.STAFF and organisation is None:
        # A national e-ID vouches for the person, not for an organisation: with duties in more
        # than one, the person chooses which the session belongs to (access-rules.md).
        organisations = list(staff_organisations(person))
        if len(organisations) > 1:
            return ask_for_organisation(request, person, method=identity.method, loa=identity.loa)
        organisation = organisations[0]
    # Read before the session starts: login() empties the session when another person was signed in.
    target = request.session.get(NEXT_KEY, "")
    start_session(
        request,
        person,
        role,
        method=identity.method,
        loa=identity.loa,
        organisation_id=organisation.pk if role == Role.STAFF else None,
    )
    audit(
        request,
        method=identity.method,
        role=role,
        outcome=SignInOutcome.SUCCESS,
        transaction_ref=identity.transaction_ref,
        civic_number=number,
        person=person,
        loa=identity.loa,
    )
    logger.info("signed in", extra={"method": identity.method, "role": str(role)})
    return redirect(after_sign_in_url(request, target))


# A verified staff identity waiting for the person to choose an organisation: in the signed-out
# session, for a few minutes, never with the civic number.
PENDING_STAFF_KEY = "folja_pending_staff"
PENDING_SECONDS = 300


def ask_for_organisation(request: HttpRequest, person: Person, *, method: str, loa: str) -> HttpResponse:
    """Keep the verified identity in the signed-out session and ask which organisation to act in."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        end_session(request)  # whoever was signed in before in this browser is signed out
    request.session[PENDING_STAFF_KEY] = {"person": person.pk, "method": method, "loa": loa, "at": int(time.time())}
    return redirect("accounts:choose_organisation")


def pending_staff(request: HttpRequest) -> tuple[Person, dict] | None:
    """Return the person waiting to choose an organisation and the pending sign-in, or None."""
    pending = request.session.get(PENDING_STAFF_KEY)
    if not isinstance(pending, dict) or int(time.time()) - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_STAFF_KEY, None)
        return None
    person = person_for_sign_in(person_pk=pending["person"])
    if person is None:
        request.session.pop(PENDING_STAFF_KEY, None)
        return None
    return person, pending


def finish_with_organisation(request: HttpRequest, person: Person, pending: dict, organisation: Organisation) -> None:
    """Start the staff session in the chosen organisation (one the person has a duty in)."""
    request.session.pop(PENDING_STAFF_KEY, None)
    start_session(
        request, person, Role.STAFF, method=pending["method"], loa=pending["loa"], organisation_id=organisation.pk
    )
    audit(request, method=pending["method"], role=Role.STAFF, outcome=SignInOutcome.SUCCESS, person=person)
    logger.info("signed in", extra={"method": pending["method"], "role": str(Role.STAFF)})
