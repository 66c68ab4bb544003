"""The Content-Security-Policy in Chromium (finding F8): planted inline code is blocked and reported,
and the operators' admin works under the policy. The journeys in the other files are checked by the
`context` fixture: any violation on their pages fails them (tests_browser/csp.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from playwright.sync_api import expect

from tests_browser.conftest import ROOT


def test_chromium_blocks_and_reports_inline_script_and_style_planted_in_a_page(folja, page, csp_violations):
    response = page.goto("/")
    policy = response.header_value("content-security-policy") or ""
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, policy

    page.evaluate(
        """() => {
          document.querySelector('main').insertAdjacentHTML('beforeend', '<p id="planted" style="color: red">x</p>');
          const script = document.createElement('script');
          script.textContent = 'window.plantedScriptRan = true;';
          document.body.append(script);
        }"""
    )

    expect(page.locator("#planted")).to_have_count(1)
    assert page.evaluate("() => window.plantedScriptRan") is None, "the planted inline script ran"
    assert page.evaluate("() => document.getElementById('planted').style.color") == ""
    page.wait_for_timeout(300)  # let the console messages arrive
    reported = "\n".join(csp_violations)
    assert "style-src" in reported and "script-src" in reported, reported
    csp_violations.clear()  # planted on purpose: the fixture must not fail the test for them


def test_the_admin_works_under_the_policy(folja, page):
    """Sign in to /admin/ and open every model's list and add page: no violation, nothing blocked."""
    password = "admin-password-for-the-browser-test"  # noqa: S105 - a throw-away test database
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLJA_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update({"FOLJA_DEBUG": "1", "FOLJA_VAR_DIR": str(folja.var_dir), "DJANGO_SUPERUSER_PASSWORD": password})
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "createsuperuser", "--noinput", "--username", "csp-admin",
         "--email", "csp-admin@example.se"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0 or "already taken" in done.stderr, done.stderr

    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Användarnamn").fill("csp-admin")
    page.get_by_label("Lösenord").fill(password)
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()

    lists = page.locator("#content-main a[href$='/']:not(.addlink)").evaluate_all("els => els.map(e => e.href)")
    adds = page.locator("#content-main a.addlink").evaluate_all("els => els.map(e => e.href)")
    assert lists, "the admin index lists no models"
    for url in dict.fromkeys([*lists, *adds]):
        response = page.goto(url)
        assert response.ok, f"{url}: {response.status}"
        assert "script-src 'self'" in (response.header_value("content-security-policy") or ""), url
        expect(page.locator("#content")).to_be_visible()
    # The operator's own account: the change form with Django's user widgets and the person autocomplete.
    page.goto("/admin/accounts/user/")
    page.get_by_role("link", name="csp-admin").click()
    expect(page.locator("#user_form")).to_be_visible()
    page.locator(".select2-selection").first.click()
    expect(page.locator(".select2-search__field")).to_be_visible()
