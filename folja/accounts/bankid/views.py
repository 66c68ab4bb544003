"""BankID sign-in: start an order, show the animated QR or the autostart link, collect, cancel.

The order lives in the server-side session (orderRef, qrStartToken, qrStartSecret); the browser
only ever sees QR images computed here, a status and a message. Pages work without JavaScript
(a <noscript> refresh); folja/static/folja/signin.js polls the JSON status instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from folja.access.roles import Role
from folja.accounts.bankid.client import BankIDError, get_client
from folja.accounts.bankid.messages import RFA, message_for
from folja.accounts.bankid.qr import qr_data, qr_svg
from folja.accounts.methods import methods_for
from folja.accounts.models import SignInOutcome
from folja.accounts.signin import (
    VerifiedIdentity,
    audit,
    client_ip,
    complete_sign_in,
    rate_limited,
    rate_limited_response,
)

logger = logging.getLogger(__name__)

STATE_KEY = "folja_bankid"
DEVICE_COOKIE = "folja_device"
METHOD = "bankid"
COLLECT_INTERVAL = 2  # seconds between /collect calls, as BankID asks


def _role_or_404(role: str) -> Role:
    if role not in Role.values:
        raise Http404
    return Role(role)


@require_POST
def start(request: HttpRequest, role: str) -> HttpResponse:
    """Start an order for the role (mode qr or autostart) and go to the waiting page."""
    chosen = _role_or_404(role)
    mode = request.POST.get("mode", "")
    if mode not in {"qr", "autostart"} or not any(m.kind == "bankid" for m in methods_for(chosen)):
        raise Http404
    wait = rate_limited(request, method=METHOD)
    if wait:
        return rate_limited_response(request, wait)
    _cancel_pending(request)
    device = request.COOKIES.get(DEVICE_COOKIE) or secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(24)
    return_url = ""
    if mode == "autostart":
        # The app returns here; the one-time nonce proves it is the same browser session that started.
        return_url = request.build_absolute_uri(reverse("accounts:bankid_return")) + "?" + urlencode({"nonce": nonce})
    try:
        order = get_client().auth(
            end_user_ip=client_ip(request),
            return_url=return_url,
            referring_domain=request.get_host().split(":")[0],
            user_agent=request.headers.get("User-Agent", ""),
            device_identifier=hashlib.sha256(device.encode()).hexdigest(),
        )
    except BankIDError as exc:
        audit(request, method=METHOD, role=chosen, outcome=SignInOutcome.ERROR, detail=exc.error_code)
        messages.error(request, RFA[message_for(status="", error_code=exc.error_code, mode=mode)])
        return redirect("accounts:login_role", role=chosen.value)
    audit(request, method=METHOD, role=chosen, outcome=SignInOutcome.STARTED, transaction_ref=order.order_ref)
    request.session[STATE_KEY] = {
        "order_ref": order.order_ref,
        "auto_start_token": order.auto_start_token,
        "qr_start_token": order.qr_start_token,
        "qr_start_secret": order.qr_start_secret,
        "started": time.time(),
        "role": chosen.value,
        "mode": mode,
        "nonce": nonce if mode == "autostart" else "",
        "nonce_ok": mode == "qr",
        "last_collect": 0.0,
        "status": "pending",
        "hint_code": "outstandingTransaction",
    }
    response = redirect("accounts:bankid_wait")
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=not (settings.DEBUG or getattr(settings, "TESTING", False)),
    )
    return response


def _cancel_pending(request: HttpRequest) -> None:
    state = request.session.pop(STATE_KEY, None)
    if state and state.get("status") == "pending":
        with contextlib.suppress(BankIDError):  # already finished at BankID: nothing to cancel
            get_client().cancel(state["order_ref"])


def _advance(request: HttpRequest, state: dict[str, Any]) -> tuple[str, str, HttpResponse | None]:
    """Collect (at most every 2 s) and act on the answer; return status, RFA code and a final response."""
    now = time.time()
    mode = state["mode"]
    role = Role(state["role"])
    if state["status"] == "pending" and now - state["last_collect"] >= COLLECT_INTERVAL:
        state["last_collect"] = now
        try:
            answer = get_client().collect(state["order_ref"])
        except BankIDError as exc:
            request.session.pop(STATE_KEY, None)
            audit(request, method=METHOD, role=role, outcome=SignInOutcome.ERROR, detail=exc.error_code,
                  transaction_ref=state["order_ref"])  # fmt: skip
            code = message_for(status="", error_code=exc.error_code, mode=mode)
            messages.error(request, RFA[code])
            return "failed", code, redirect("accounts:login_role", role=role.value)
        state["status"] = answer.get("status", "pending")
        state["hint_code"] = answer.get("hintCode", "")
        if state["status"] == "complete":
            state["completion"] = answer.get("completionData") or {}
        request.session[STATE_KEY] = state
    if state["status"] == "failed":
        request.session.pop(STATE_KEY, None)
        hint = state["hint_code"]
        outcome = SignInOutcome.CANCELLED if hint in {"userCancel", "cancelled"} else SignInOutcome.FAILED
        audit(request, method=METHOD, role=role, outcome=outcome, detail=hint, transaction_ref=state["order_ref"])
        code = message_for(status="failed", hint_code=hint, mode=mode)
        messages.error(request, RFA[code])
        return "failed", code, redirect("accounts:login_role", role=role.value)
    if state["status"] == "complete":
        if not state["nonce_ok"]:
            # Autostart: only the browser the app returns to (with the nonce) may finish the sign-in.
            return "pending", "RFA21", None
        request.session.pop(STATE_KEY, None)
        data = state.get("completion") or {}
        user = data.get("user") or {}
        if data.get("risk") == "high":
            audit(request, method=METHOD, role=role, outcome=SignInOutcome.REFUSED, detail="risk-high",
                  transaction_ref=state["order_ref"], civic_number=str(user.get("personalNumber", "")))  # fmt: skip
            messages.error(request, RFA["RISK"])
            return "failed", "RISK", redirect("accounts:login_role", role=role.value)
        identity = VerifiedIdentity(
            civic_number=str(user.get("personalNumber", "")),
            given_name=str(user.get("givenName", "")),
            family_name=str(user.get("surname", "")),
            method=METHOD,
            loa="loa3",
            transaction_ref=state["order_ref"],
        )
        return "complete", "", complete_sign_in(request, identity, role)
    return "pending", message_for(status="pending", hint_code=state["hint_code"], mode=mode), None


def _current_qr(state: dict[str, Any]) -> str:
    seconds = int(time.time() - state["started"])
    return qr_svg(qr_data(state["qr_start_token"], state["qr_start_secret"], seconds))


def _autostart_url(state: dict[str, Any]) -> str:
    return f"{settings.FOLJA_BANKID_APP_URL}?{urlencode({'autostarttoken': state['auto_start_token']})}"


@require_GET
def wait(request: HttpRequest) -> HttpResponse:
    """Render the waiting page: QR code or "open BankID" link, the current message, and cancel."""
    state = request.session.get(STATE_KEY)
    if not state:
        return redirect("accounts:login")
    _status, code, final = _advance(request, state)
    if final is not None:
        return final
    context = {
        "mode": state["mode"],
        "role": state["role"],
        "message": RFA.get(code, ""),
        "qr": _current_qr(state) if state["mode"] == "qr" else "",
        "autostart_url": _autostart_url(state) if state["mode"] == "autostart" else "",
        "refresh_seconds": 1 if state["mode"] == "qr" else COLLECT_INTERVAL,
    }
    response = render(request, "accounts/bankid_wait.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@require_GET
def status(request: HttpRequest) -> JsonResponse:
    """Return the order's state for signin.js: status, message, a fresh QR code, or where to go next."""
    state = request.session.get(STATE_KEY)
    if not state:
        return JsonResponse({"status": "failed", "next": reverse("accounts:login")})
    status_value, code, final = _advance(request, state)
    payload: dict[str, Any] = {"status": status_value, "message": str(RFA.get(code, ""))}
    if final is not None:
        payload["next"] = final["Location"]
    elif state["mode"] == "qr":
        payload["qr"] = _current_qr(state)
    response = JsonResponse(payload)
    response.headers["Cache-Control"] = "no-store"
    return response


@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    """Cancel the pending order at BankID and return to the methods of the role."""
    state = request.session.get(STATE_KEY)
    if not state:
        return redirect("accounts:login")
    _cancel_pending(request)
    audit(request, method=METHOD, role=state["role"], outcome=SignInOutcome.CANCELLED, detail="rp-cancel",
          transaction_ref=state["order_ref"])  # fmt: skip
    messages.info(request, RFA["RFA6"])
    return redirect("accounts:login_role", role=state["role"])


@require_GET
def returned(request: HttpRequest) -> HttpResponse:
    """Receive the BankID app's return (autostart); the one-time nonce must match this session."""
    state = request.session.get(STATE_KEY)
    nonce = request.GET.get("nonce", "")
    if not state or not state.get("nonce") or not secrets.compare_digest(state["nonce"], nonce):
        # Another browser than the one that started (or a replayed link): never finish the sign-in here.
        if state:
            _cancel_pending(request)
            audit(request, method=METHOD, role=state["role"], outcome=SignInOutcome.REFUSED, detail="nonce",
                  transaction_ref=state["order_ref"])  # fmt: skip
        return render(request, "accounts/bankid_wrong_browser.html", status=400)
    state["nonce"] = ""  # one-time
    state["nonce_ok"] = True
    state["last_collect"] = 0.0  # collect at once: the user has just confirmed in the app
    request.session[STATE_KEY] = state
    return redirect("accounts:bankid_wait")
