"""BankID on another device: the QR code changes every second; scanning it in the simulator signs in."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from folja.accounts.bankid.qr import qr_data, qr_svg
from tests_browser.journeys import accept_terms_if_asked

_MODULES = re.compile(r'<path class="qrline"[^>]*\sd="([^"]+)"')


def _shown_path(page: object) -> str:
    """Return the drawing of the QR code's dark modules as the browser shows it."""
    return page.locator("[data-bankid-qr] svg path.qrline").get_attribute("d")


def test_guardian_signs_in_by_scanning_the_animated_qr_code(folja, page, a11y):
    guardian = folja.personas["guardian_one_child"]  # Henrik Lindberg
    sim = folja.bankid
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/login/")
    page.get_by_role("link", name="Vårdnadshavare", exact=True).click()
    a11y.visit(page, "bankid", "login-method")
    page.get_by_role("button", name="BankID på annan enhet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("BankID på annan enhet")
    qr = page.get_by_role("img", name=re.compile("QR-kod för BankID"))
    expect(qr).to_be_visible()

    # signin.js swaps in a fresh code every second: three different codes in a little over two seconds.
    shown = [_shown_path(page)]
    deadline = time.monotonic() + 5
    while len(set(shown)) < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        shown.append(_shown_path(page))
    assert len(set(shown)) >= 3, "the QR code did not change every second"
    a11y.visit(page, "bankid", "qr", english=False)  # switching language would start a new page, not a new order

    # The simulated phone scans exactly what is on the screen: find which second's code that is.
    order = next(o for o in reversed(list(sim.orders.values())) if o.status == "pending")
    on_screen = _shown_path(page)
    candidates = [qr_data(order.qr_start_token, order.qr_start_secret, s) for s in range(0, 30)]
    scanned = next((d for d in candidates if _MODULES.search(qr_svg(d)).group(1) == on_screen), None)
    assert scanned is not None, "the QR code on the screen is not a valid code for this order"
    sim.scan(scanned, civic_number=guardian["civic_number"], given_name="Henrik", surname="Lindberg")

    # The page notices the completed order by itself (polling) and leaves the waiting page.
    page.wait_for_url(lambda url: "/login/bankid/" not in url, timeout=10_000)
    page.wait_for_load_state("load")
    accept_terms_if_asked(page, auditor=a11y, journey="bankid")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dina barn")
    expect(page.locator(".who__name")).to_have_text(guardian["name"])
    a11y.visit(page, "bankid", "home-after-qr")
    a11y.assert_clean()
