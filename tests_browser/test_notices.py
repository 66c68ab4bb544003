"""Notices in the browser: a teacher publishes a group post, the named children's guardians see the
unread count and "Nytt", an unnamed family is told nothing; the app installs (manifest and service
worker pass Chromium's installability checks)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tests_browser.csp import watch as watch_csp
from tests_browser.journeys import sign_in_with_test_eid, sign_out

PHONE = {"width": 360, "height": 800}
# FOLJA_SCREENSHOTS=<dir> keeps screenshots of the notices pages at 360 and 1280 px wide.
SHOTS = os.environ.get("FOLJA_SCREENSHOTS", "")


def _shot(page, name: str) -> None:  # noqa: ANN001
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_teacher_publishes_and_the_named_families_see_new_and_the_unnamed_family_nothing(
    folja, browser, page, a11y, csp_violations
):
    teacher = folja.personas["preschool_teacher"]  # Blåbären at Solrosens förskola
    absent_guardian = folja.personas["guardian_one_child"]
    present_guardian = folja.personas["guardian_household_b"]
    absent_child = absent_guardian["children"][0]
    present_child = present_guardian["children"][0]
    title = "Vi sådde solrosfrön"

    sign_in_with_test_eid(page, "Personal", teacher["civic_number"])
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Nytt inlägg").click()
    if page.get_by_role("navigation", name="Välj grupp").count():
        page.get_by_role("navigation", name="Välj grupp").get_by_role("link", name="Blåbären").click()
    page.get_by_role("checkbox", name=absent_child).uncheck()
    page.get_by_label("Rubrik").fill(title)
    page.get_by_label("Text:", exact=True).fill("Varje barn sådde ett frö i en egen kruka och vattnade.")
    with page.expect_navigation():
        page.get_by_role("button", name="Publicera").click()
    consent = page.get_by_label(re.compile("vill publicera ändå"))
    if consent.count():
        consent.check()
        page.get_by_role("button", name="Publicera").click()
    expect(page.get_by_role("status")).to_contain_text("Inlägget är publicerat.")
    post_uuid = page.url.rstrip("/").rsplit("/", 1)[1]
    sign_out(page)

    with folja.db() as db:
        told = dict(
            db.execute(
                "SELECT p.id, count(n.id) FROM directory_person p LEFT JOIN notifications_notice n"
                " ON n.recipient_id = p.id AND replace(n.about_uuid, '-', '') = ? GROUP BY p.id",
                (post_uuid.replace("-", ""),),
            ).fetchall()
        )
        ids = {
            key: db.execute(
                "SELECT id FROM directory_person WHERE uuid = ?", (p["person_uuid"].replace("-", ""),)
            ).fetchone()[0]
            for key, p in (("present", present_guardian), ("absent", absent_guardian))
        }
    assert told[ids["present"]] == 1 and told[ids["absent"]] == 0

    context = browser.new_context(base_url=folja.url, locale="sv-SE", viewport=PHONE)
    watch_csp(context, csp_violations)
    try:
        guardian = context.new_page()
        sign_in_with_test_eid(guardian, "Vårdnadshavare", present_guardian["civic_number"])
        count = guardian.locator(".notices-link .count")
        expect(count).to_be_visible()
        unread = int(count.inner_text())
        assert unread >= 1
        card = guardian.locator(".card").filter(has_text=present_child.split()[0])
        expect(card.locator(".badge--new")).to_be_visible()
        a11y.visit(guardian, "notices", "home-with-new")
        _shot(guardian, "home-360")
        guardian.locator(".notices-link").click()
        expect(guardian.get_by_role("heading", level=1)).to_have_text("Aviseringar")
        given = present_child.split()[0]
        expect(guardian.locator(".notice--unread").filter(has_text=f"Nytt inlägg om {given}").first).to_be_visible()
        a11y.visit(guardian, "notices", "list")
        _shot(guardian, "notices-360")
        guardian.set_viewport_size({"width": 1280, "height": 900})
        _shot(guardian, "notices-1280")
        guardian.set_viewport_size(PHONE)
        guardian.goto("/")
        guardian.get_by_role("link", name="Lärlogg", exact=True).first.click()
        new_card = guardian.locator("article.post").filter(has_text=title)
        expect(new_card.locator(".badge--new")).to_have_text("Nytt")
        _shot(guardian, "timeline-360")
        new_card.get_by_role("link", name=title).click()
        expect(guardian.get_by_role("heading", level=1)).to_have_text(title)
        # Opening the post read its notice: one fewer in the header, no "Nytt" on its card.
        remaining = guardian.locator(".notices-link .count")
        if unread == 1:
            expect(remaining).to_have_count(0)
        else:
            expect(remaining).to_have_text(str(unread - 1))
        guardian.go_back()
        guardian.reload()
        expect(guardian.locator("article.post").filter(has_text=title).locator(".badge--new")).to_have_count(0)
        guardian.goto("/notices/settings/")
        a11y.visit(guardian, "notices", "settings")
        _shot(guardian, "settings-360")
        guardian.set_viewport_size({"width": 1280, "height": 900})
        _shot(guardian, "settings-1280")
    finally:
        context.close()
    a11y.assert_clean()


def test_the_app_installs_manifest_and_service_worker_pass_chromiums_checks(folja, page):
    page.goto("/")
    worker = page.evaluate(
        "async () => { const r = await navigator.serviceWorker.ready; return r.active ? r.active.scriptURL : null; }"
    )
    assert worker == f"{folja.url}/sw.js"
    session = page.context.new_cdp_session(page)
    manifest = session.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert manifest["url"].endswith("/manifest.webmanifest")
    errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # A Playwright context is an off-the-record profile; that is the only check allowed to fail here.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == [], errors
    # The shell is cached, the page itself is not.
    cached = page.evaluate(
        "async () => { const out = []; for (const key of await caches.keys()) {"
        " const cache = await caches.open(key);"
        " for (const r of await cache.keys()) out.push(new URL(r.url).pathname); }"
        " return out; }"
    )
    assert "/" not in cached and any(path.endswith(".css") for path in cached), cached
