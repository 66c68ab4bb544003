"""BankID sign-in against the simulator over real mutual TLS on 127.0.0.1."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from folja.accounts.bankid.client import BankIDClient, BankIDError, ssl_context
from folja.accounts.bankid.messages import RFA, message_for
from folja.accounts.bankid.qr import qr_data, qr_svg
from folja.accounts.bankid.simulator import ScanRejected
from folja.accounts.bankid.views import STATE_KEY
from folja.accounts.models import SignInAttempt, SignInOutcome
from folja.accounts.session import METHOD_KEY, ROLE_KEY

pytestmark = pytest.mark.django_db


def start(client, mode="qr", role="guardian", **extra):
    response = client.post(reverse("accounts:bankid_start", args=[role]), {"mode": mode}, **extra)
    assert response.status_code == 302, response.content[:500]
    return response


def order_of(sim, client):
    return sim.orders[client.session[STATE_KEY]["order_ref"]]


def status(client, *, collect_now=True):
    """Poll the JSON status as signin.js does; collect_now skips the 2 s wait between collects."""
    if collect_now:
        session = client.session
        state = session[STATE_KEY]
        state["last_collect"] = 0.0
        session[STATE_KEY] = state
        session.save()
    return json.loads(client.get(reverse("accounts:bankid_status")).content)


def shown_qr_data(sim, client, svg):
    """Return the QR content whose picture the page showed, among the last few seconds."""
    order = order_of(sim, client)
    for seconds in range(6):
        data = qr_data(order.qr_start_token, order.qr_start_secret, seconds)
        if qr_svg(data) == svg:
            return data
    raise AssertionError("the page does not show a valid QR code for this order")


def test_step_two_offers_both_bankid_methods_when_configured(client, bankid):
    page = client.get(reverse("accounts:login_role", args=["guardian"])).content.decode()
    assert "BankID på den här enheten" in page and "BankID på annan enhet" in page


def test_guardian_scans_the_animated_qr_and_is_signed_in(client, world, bankid):
    start(client)
    page = client.get(reverse("accounts:bankid_wait")).content.decode()
    assert "<svg" in page and 'http-equiv="refresh"' in page
    first = status(client, collect_now=False)
    assert first["status"] == "pending" and first["message"] == str(RFA["RFA1"])
    order = order_of(bankid, client)
    assert order.qr_start_secret not in page and order.qr_start_secret not in json.dumps(first)
    data = shown_qr_data(bankid, client, first["qr"])
    bankid.scan(data, civic_number=world.guardian.civic_number, given_name="Anna", surname="Ek")
    done = status(client)
    assert done["status"] == "complete" and done["next"] == reverse("core:home")
    assert client.session[ROLE_KEY] == "guardian" and client.session[METHOD_KEY] == "bankid"
    assert STATE_KEY not in client.session
    attempt = SignInAttempt.objects.get(outcome=SignInOutcome.SUCCESS)
    assert attempt.transaction_ref == order.order_ref and attempt.person == world.guardian


def test_qr_code_changes_every_second(client, world, bankid):
    start(client)
    session = client.session
    first = status(client, collect_now=False)["qr"]
    state = session[STATE_KEY]
    state["started"] -= 1  # one second later
    session[STATE_KEY] = state
    session.save()
    second = status(client, collect_now=False)["qr"]
    assert first != second
    order = order_of(bankid, client)
    assert second in {qr_svg(qr_data(order.qr_start_token, order.qr_start_secret, s)) for s in range(1, 6)}


def test_simulator_rejects_a_tampered_or_stale_qr_code(client, world, bankid):
    start(client)
    order = order_of(bankid, client)
    good = bankid.current_qr(order.order_ref)
    with pytest.raises(ScanRejected, match="HMAC"):
        bankid.scan(good[:-4] + "0000", civic_number=world.guardian.civic_number)
    order.started -= 30  # the order has been on screen for half a minute; a 0-second code is stale
    stale = qr_data(order.qr_start_token, order.qr_start_secret, 0)
    with pytest.raises(ScanRejected, match="too old"):
        bankid.scan(stale, civic_number=world.guardian.civic_number)


def test_collect_is_called_at_most_every_two_seconds(client, world, bankid):
    start(client)
    for _ in range(5):
        status(client, collect_now=False)
    assert order_of(bankid, client).collects == 1


def test_auth_request_carries_end_user_ip_risk_and_web_data(client, world, bankid):
    start(client, HTTP_USER_AGENT="Mozilla/5.0 test", REMOTE_ADDR="192.0.2.10")
    request = order_of(bankid, client).requests[0]
    assert request["endUserIp"] == "192.0.2.10" and request["returnRisk"] is True
    assert request["web"]["referringDomain"] == "testserver" and request["web"]["userAgent"] == "Mozilla/5.0 test"
    assert len(request["web"]["deviceIdentifier"]) == 64
    assert "personalNumber" not in request and "returnUrl" not in request


@pytest.mark.parametrize(
    ("hint", "rfa", "outcome"),
    [
        ("userCancel", "RFA6", SignInOutcome.CANCELLED),
        ("expiredTransaction", "RFA8", SignInOutcome.FAILED),
        ("startFailed", "RFA17B", SignInOutcome.FAILED),
        ("certificateErr", "RFA16", SignInOutcome.FAILED),
    ],
)
def test_failed_order_shows_bankids_message_and_no_session(client, world, bankid, hint, rfa, outcome):
    start(client)
    bankid.scan(bankid.current_qr(order_of(bankid, client).order_ref), fail=hint)
    result = status(client)
    assert result["status"] == "failed"
    assert result["next"] == reverse("accounts:login_role", args=["guardian"])
    page = client.get(result["next"]).content.decode()
    assert str(RFA[rfa]).split(".")[0] in page
    assert "_auth_user_id" not in client.session and STATE_KEY not in client.session
    assert SignInAttempt.objects.get(outcome=outcome).detail == hint


def test_high_risk_order_is_refused(client, world, bankid):
    start(client)
    bankid.scan(bankid.current_qr(order_of(bankid, client).order_ref), civic_number=world.guardian.civic_number,
                risk="high")  # fmt: skip
    result = status(client)
    assert result["status"] == "failed"
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.get(outcome=SignInOutcome.REFUSED).detail == "risk-high"


def test_unknown_person_with_bankid_gets_the_contact_page(client, world, bankid):
    start(client)
    bankid.scan(bankid.current_qr(order_of(bankid, client).order_ref), civic_number=world.stranger_civic)
    result = status(client)
    assert result["next"] == reverse("accounts:not_found")
    assert "_auth_user_id" not in client.session


def test_staff_member_signing_in_as_guardian_with_bankid_is_refused(client, world, bankid):
    start(client)
    bankid.scan(bankid.current_qr(order_of(bankid, client).order_ref), civic_number=world.staff.civic_number)
    assert status(client)["next"] == reverse("accounts:not_found")
    assert "_auth_user_id" not in client.session


def test_cancel_cancels_the_order_at_bankid(client, world, bankid):
    start(client)
    order = order_of(bankid, client)
    response = client.post(reverse("accounts:bankid_cancel"))
    assert response["Location"] == reverse("accounts:login_role", args=["guardian"])
    assert (order.status, order.hint_code) == ("failed", "cancelled")
    assert STATE_KEY not in client.session


def test_autostart_signs_in_only_after_the_app_returns_with_the_nonce(client, world, bankid):
    start(client, mode="autostart")
    page = client.get(reverse("accounts:bankid_wait")).content.decode()
    order = order_of(bankid, client)
    assert f"autostarttoken={order.auto_start_token}" in page
    assert status(client)["message"] == str(RFA["RFA13"])
    bankid.open_autostart(order.auto_start_token, civic_number=world.guardian.civic_number)
    # Completed at BankID, but the polling alone must not finish: the app has not come back here yet.
    assert status(client)["status"] == "pending"
    assert "_auth_user_id" not in client.session
    return_url = urlparse(order.return_url)
    assert return_url.path == reverse("accounts:bankid_return")
    response = client.get(return_url.path, {"nonce": parse_qs(return_url.query)["nonce"][0]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:home")
    assert client.session[ROLE_KEY] == "guardian"


def test_autostart_return_with_a_wrong_nonce_is_refused(client, world, bankid):
    start(client, mode="autostart")
    order = order_of(bankid, client)
    bankid.open_autostart(order.auto_start_token, civic_number=world.guardian.civic_number)
    response = client.get(reverse("accounts:bankid_return"), {"nonce": "guessed"})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session and STATE_KEY not in client.session
    assert SignInAttempt.objects.get(outcome=SignInOutcome.REFUSED).detail == "nonce"


def test_autostart_return_in_another_browser_does_not_sign_in(client, world, bankid, django_user_model):
    from django.test import Client

    start(client, mode="autostart")
    order = order_of(bankid, client)
    bankid.open_autostart(order.auto_start_token, civic_number=world.guardian.civic_number)
    other = Client()
    url = urlparse(order.return_url)
    response = other.get(url.path + "?" + url.query)
    assert response.status_code == 400 and "_auth_user_id" not in other.session


def test_bankid_error_answer_shows_the_recommended_message(client, world, bankid, settings):
    settings.FOLJA_BANKID_URL = bankid.url.replace("/rp/v6.0/", "/rp/v9/")  # unknown endpoint: 404 notFound
    response = client.post(reverse("accounts:bankid_start", args=["guardian"]), {"mode": "qr"}, follow=True)
    assert str(RFA["RFA22"]) in response.content.decode()
    assert SignInAttempt.objects.get(outcome=SignInOutcome.ERROR).detail == "notFound"


def test_simulator_refuses_a_client_without_a_trusted_certificate(bankid, pki):
    stranger = BankIDClient(
        bankid.url,
        context=ssl_context(ca=str(pki.ca_cert), cert=str(pki.other_client_cert), key=str(pki.other_client_key)),
    )
    with pytest.raises(BankIDError) as error:
        stranger.auth(end_user_ip="192.0.2.1")
    assert error.value.error_code == "transport"


def test_client_refuses_a_server_not_signed_by_the_configured_ca(bankid, pki, tmp_path):
    from folja.accounts.bankid import testpki

    other = testpki.generate(tmp_path / "other")
    client = BankIDClient(bankid.url, context=ssl_context(ca=str(other.ca_cert), cert=str(pki.client_cert),
                                                          key=str(pki.client_key)))  # fmt: skip
    with pytest.raises(BankIDError):
        client.auth(end_user_ip="192.0.2.1")


def test_bankid_is_not_offered_to_staff_unless_allowed(client, bankid, settings):
    page = client.get(reverse("accounts:login_role", args=["staff"])).content.decode()
    assert "BankID" not in page
    assert client.post(reverse("accounts:bankid_start", args=["staff"]), {"mode": "qr"}).status_code == 404
    settings.FOLJA_BANKID_FOR_STAFF = True
    assert "BankID" in client.get(reverse("accounts:login_role", args=["staff"])).content.decode()


@pytest.mark.parametrize(
    ("status_value", "hint", "mode", "rfa"),
    [
        ("pending", "outstandingTransaction", "qr", "RFA1"),
        ("pending", "outstandingTransaction", "autostart", "RFA13"),
        ("pending", "noClient", "qr", "RFA1"),
        ("pending", "started", "autostart", "RFA14B"),
        ("pending", "userSign", "qr", "RFA9"),
        ("pending", "userMrtd", "qr", "RFA23"),
        ("pending", "somethingNew", "qr", "RFA21"),
        ("failed", "cancelled", "qr", "RFA3"),
        ("failed", "startFailed", "autostart", "RFA17A"),
        ("failed", "somethingNew", "qr", "RFA22"),
    ],
)
def test_hint_codes_map_to_bankids_recommended_messages(status_value, hint, mode, rfa):
    assert message_for(status=status_value, hint_code=hint, mode=mode) == rfa


def test_error_codes_map_to_bankids_recommended_messages():
    assert message_for(status="", error_code="alreadyInProgress") == "RFA4"
    assert message_for(status="", error_code="maintenance") == "RFA5"
    assert message_for(status="", error_code="unauthorized") == "RFA22"
