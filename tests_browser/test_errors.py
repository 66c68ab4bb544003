"""Error pages as people meet them, with DEBUG off: 404, 403, 405, CSRF, 413, 429 and 500.

The `folja` server runs with FOLJA_DEBUG=1, where Django shows its own debug pages instead. This
file starts, on the same database, the application as production runs it (gunicorn,
FOLJA_DEBUG off, collected static files served by WhiteNoise); FOLJA_TESTING keeps the test e-ID
and plain HTTP. A second one has a database that cannot be opened, for the 500 page.

Every page is checked by the a11y auditor (axe-core in Swedish and English, 360 and 1280 px
screenshots, reflow). Pages a language switch cannot bring back (it asks for the address again,
and a form's failure comes from sending it) are opened again with the language cookie set.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests_browser.conftest import ROOT, LiveServer, _free_port, _wait_for_port
from tests_browser.csp import watch as watch_csp
from tests_browser.journeys import sign_in_with_test_eid

JOURNEY = "errors"
RATE_LIMIT = 3


@dataclass
class Servers:
    production: str  # FOLJA_DEBUG off, the demo world's database
    database_down: str  # FOLJA_DEBUG off, a database that cannot be opened


def _env(folja: LiveServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLJA_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update(
        {
            "FOLJA_DEBUG": "0",
            "FOLJA_TESTING": "1",  # plain HTTP and the test e-ID; everything else as in production
            "FOLJA_VAR_DIR": str(folja.var_dir),
            "FOLJA_TEST_EID_ENABLED": "1",
            "FOLJA_SIGNIN_RATE_LIMIT": str(RATE_LIMIT),
            "FOLJA_SIGNIN_ADDRESS_RATE_LIMIT": "10000",
            "FOLJA_TASKS_BACKEND": "immediate",
            "FOLJA_LOG_LEVEL": "CRITICAL",  # the 500s below are on purpose
            "PYTHONDONTWRITEBYTECODE": "1",
            **extra,
        }
    )
    return env


@pytest.fixture(scope="module")
def servers(folja: LiveServer) -> Iterator[Servers]:
    collected = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=_env(folja), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert collected.returncode == 0, collected.stderr
    started = []
    urls = []
    for extra in ({}, {"DATABASE_URL": f"sqlite:///{folja.var_dir / 'no-such-folder' / 'folja.sqlite3'}"}):
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 - gunicorn serving our own WSGI application
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "--log-level", "warning"],
            cwd=ROOT, env=_env(folja, **extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(process)
        _wait_for_port(port, process)
        urls.append(f"http://127.0.0.1:{port}")
    try:
        yield Servers(production=urls[0], database_down=urls[1])
    finally:
        for process in started:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def browse(browser: object, servers: Servers, csp_violations: list[str]) -> Iterator[object]:
    """A page in a fresh context on the production-like server, Swedish, CSP violations watched."""
    context = browser.new_context(
        base_url=servers.production, locale="sv-SE", viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
    )
    context.set_default_timeout(15_000)
    watch_csp(context, csp_violations)
    yield context.new_page()
    context.close()
    assert not csp_violations, "Content-Security-Policy violations in Chromium:\n" + "\n".join(csp_violations)


def _language(page: object, code: str) -> None:
    """Set the language cookie, as the header's language switch does (cookies are per host, not port)."""
    page.context.add_cookies([{"name": "django_language", "value": code, "domain": "127.0.0.1", "path": "/"}])


def _in_both_languages(page: object, a11y: object, name: str, open_page: object, swedish: str, english: str) -> None:
    """Open the page (`open_page(page)` returns the response) in Swedish and in English and audit both."""
    for code, heading in (("sv", swedish), ("en", english)):
        _language(page, code)
        open_page(page)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        if code == "sv":
            a11y.visit(page, JOURNEY, name, english=False)
        else:
            a11y.axe(page, f"{JOURNEY}/{name} (en)")
            a11y.screenshots(page, JOURNEY, f"{name}-en")
    _language(page, "sv")


def _english_screenshots(page: object, a11y: object, name: str) -> None:
    """The page again in English (axe has checked it already in `visit`), for the screenshots."""
    _language(page, "en")
    page.reload()
    a11y.screenshots(page, JOURNEY, f"{name}-en")
    _language(page, "sv")
    page.reload()


def _main_text(page: object) -> str:
    return page.locator("main").inner_text()


def _no_trace(page: object, *secrets: str) -> None:
    content = page.content()
    for word in ("Traceback", "Exception", "OperationalError", "Http404", "PermissionDenied", *secrets):
        assert word not in content, word


def test_a_guardian_meets_the_404_403_and_405_pages_and_finds_the_way_back(folja, servers, browse, a11y):
    page = browse
    response = page.goto("/finns-inte/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Sidan hittades inte")
    a11y.visit(page, JOURNEY, "404")
    _english_screenshots(page, a11y, "404")
    page.get_by_role("link", name="Till startsidan").click()
    expect(page).to_have_url(f"{servers.production}/")

    guardian = folja.personas["guardian_one_child"]
    sign_in_with_test_eid(page, "Vårdnadshavare", guardian["civic_number"])
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    other_family = folja.personas["guardian_siblings"]
    with folja.db() as conn:
        (hex_uuid,) = conn.execute(
            "SELECT c.uuid FROM directory_guardianship g JOIN directory_person c ON c.id = g.child_id "
            "JOIN directory_person r ON r.id = g.responsible_id WHERE r.uuid = ? LIMIT 1",
            [uuid.UUID(other_family["person_uuid"]).hex],
        ).fetchone()
    forbidden_child = uuid.UUID(hex_uuid)

    # Another family's child and a child that does not exist: the same page, nothing about either.
    assert page.goto(f"/children/{forbidden_child}/").status == 404
    forbidden = _main_text(page)
    a11y.visit(page, JOURNEY, "404-signed-in")
    assert page.goto(f"/children/{uuid.uuid4()}/").status == 404
    assert _main_text(page) == forbidden
    for name in other_family["children"]:
        assert name.split()[0] not in page.content()
    _no_trace(page, guardian["civic_number"])
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()  # still her own header

    assert page.goto("/feed/").status == 403  # a staff page
    expect(page.get_by_role("heading", level=1)).to_have_text("Du kan inte göra det här")
    a11y.visit(page, JOURNEY, "403")
    _english_screenshots(page, a11y, "403")

    page.goto("/logout/", referer=f"{servers.production}/")  # an address for forms only, from the start page
    expect(page.get_by_role("heading", level=1)).to_have_text("Det gick inte att öppna sidan så här")
    expect(page.get_by_role("link", name="Tillbaka till förra sidan")).to_have_attribute(
        "href", f"{servers.production}/"
    )
    a11y.visit(page, JOURNEY, "405")
    _english_screenshots(page, a11y, "405")
    page.get_by_role("link", name="Till startsidan").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Det gick inte att öppna sidan så här")
    a11y.assert_clean()


def test_a_stale_form_and_a_too_large_request_get_their_pages(folja, browse, a11y):
    page = browse
    page.set_viewport_size({"width": 360, "height": 800})

    def stale_form(page: object) -> None:
        page.goto("/login/guardian/test-e-id/")
        page.locator("input[name=civic_number]").fill("19800101-0000")
        page.locator("main input[name=csrfmiddlewaretoken]").evaluate("input => { input.value = 'x'.repeat(64); }")
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("Logga in som|Sign in as")).click()

    _in_both_languages(page, a11y, "csrf", stale_form, "Formuläret kunde inte skickas", "The form could not be sent")

    def too_large(page: object) -> None:
        page.goto("/login/guardian/test-e-id/")
        page.locator("input[name=civic_number]").evaluate(
            "input => { const big = document.createElement('textarea'); big.name = 'text'; big.hidden = true;"
            " big.value = 'x'.repeat(11 * 1024 * 1024); input.form.append(big); }"
        )  # more than DATA_UPLOAD_MAX_MEMORY_SIZE (10 MB) of form fields
        with page.expect_navigation():
            page.locator("input[name=civic_number]").evaluate("input => input.form.submit()")

    _in_both_languages(page, a11y, "413", too_large, "Det du skickade var för stort", "What you sent was too large")
    a11y.assert_clean()


def test_too_many_sign_ins_say_when_to_try_again(folja, browse, a11y):
    page = browse
    number = folja.personas["guardian_siblings"]["civic_number"]

    def attempt(page: object) -> None:
        page.goto("/login/guardian/test-e-id/")
        page.locator("input[name=civic_number]").fill(number)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        page.context.clear_cookies()  # signed in or not: only the limit per civic number counts

    for _ in range(RATE_LIMIT):
        attempt(page)
    _in_both_languages(page, a11y, "429", attempt, "För många inloggningsförsök", "Too many sign-in attempts")
    _language(page, "sv")
    attempt(page)
    assert re.search(r"Försök igen om [1-5] minut(er)?, klockan \d", _main_text(page)), _main_text(page)
    _no_trace(page, number, number[:8])
    a11y.assert_clean()


def test_the_500_page_works_with_the_database_down(folja, servers, browse, a11y):
    page = browse
    guardian = folja.personas["guardian_one_child"]
    sign_in_with_test_eid(page, "Vårdnadshavare", guardian["civic_number"])  # a session cookie for 127.0.0.1

    def broken(page: object) -> None:
        response = page.goto(f"{servers.database_down}/")  # reading the session needs the database
        assert response.status == 500

    _in_both_languages(page, a11y, "500", broken, "Något gick fel i Följa", "Something went wrong in Följa")
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    assert page.evaluate("() => getComputedStyle(document.querySelector('.card')).borderStyle") != "none"
    _no_trace(page, guardian["civic_number"], guardian["name"])
    a11y.assert_clean()
