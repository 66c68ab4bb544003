"""A pupil's QR code: the teacher's page (create, print or show, revoke) and the pupil's sign-in
page the QR code opens (docs/childs-voice.md)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from folja.access import assurance, policy
from folja.access.roles import Role
from folja.accounts.bankid.qr import qr_svg
from folja.accounts.decorators import staff_required
from folja.accounts.models import SignInOutcome
from folja.accounts.pupil import codes
from folja.accounts.session import end_session, start_session
from folja.accounts.signin import audit, rate_limited, rate_limited_response

logger = logging.getLogger(__name__)


@never_cache
@staff_required
def pupil_codes(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """GET: the child's live codes. POST: create one (shown once, as a QR code to print or show)
    or revoke one (`revoke`). 404 unless `assurance.may_create_pupil_code`."""
    viewer = request.viewer
    child = policy.get_child_for(viewer, child_uuid)
    if not assurance.may_create_pupil_code(viewer, child):
        raise Http404
    if request.method == "POST":
        revoke = request.POST.get("revoke", "")
        if revoke:
            code = next((c for c in codes.codes_of(child) if str(c.uuid) == revoke), None)
            if code is None:
                raise Http404
            codes.revoke_pupil_code(actor=viewer, code=code)
            messages.success(request, _("Koden är spärrad. En inloggning med den avslutas direkt."))
            return redirect("pupilcode:codes", child.uuid)
        row, token = codes.create_pupil_code(actor=viewer, child=child)
        url = settings.FOLJA_BASE_URL.rstrip("/") + reverse("accounts:pupil_code_sign_in", args=[token])
        context = {"child": child, "url": url, "qr": qr_svg(url), "expires_at": row.expires_at}
        return render(request, "accounts/pupil_code_print.html", context)
    context = {
        "child": child,
        "codes": codes.codes_of(child),
        "minutes": settings.FOLJA_PUPIL_CODE_MINUTES,
        "session_minutes": settings.FOLJA_PUPIL_SESSION_MINUTES,
    }
    return render(request, "accounts/pupil_codes.html", context)


@never_cache
def pupil_code_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """The page a pupil's QR code opens. GET shows the child's given name and a button (a link
    preview or a scanner that only looks must not use the code up); POST uses the code up and
    starts the child's session on this device."""
    wait = rate_limited(request, method=assurance.PUPIL_CODE)
    if wait:
        return rate_limited_response(request, wait, back_url=reverse("accounts:login"))
    code = codes.live_code(token)
    if request.method == "POST" and code is not None:
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            end_session(request)
        used = codes.redeem_pupil_code(token)
        if used is not None and policy.may_sign_in_as(used.child, Role.CHILD):
            start_session(request, used.child, Role.CHILD, method=assurance.PUPIL_CODE, loa=assurance.LOWER)
            request.session[codes.SESSION_CODE_KEY] = str(used.uuid)
            audit(
                request,
                method=assurance.PUPIL_CODE,
                role=Role.CHILD,
                outcome=SignInOutcome.SUCCESS,
                person=used.child,
                loa=assurance.LOWER,
            )
            logger.info("signed in", extra={"method": assurance.PUPIL_CODE, "role": str(Role.CHILD)})
            return redirect("core:home")
        code = None
    if code is None:
        audit(request, method=assurance.PUPIL_CODE, role=Role.CHILD, outcome=SignInOutcome.FAILED, detail="code")
        return render(request, "accounts/pupil_code_sign_in.html", {"code": None}, status=404)
    return render(request, "accounts/pupil_code_sign_in.html", {"code": code})
