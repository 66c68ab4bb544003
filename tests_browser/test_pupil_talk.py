"""The pupil's own part of the development talk (issue 29): the demo's pupil signs in with a QR code,
finds "Förbered mitt utvecklingssamtal" on the start page, goes on with the part they began, and hands it in;
the teacher and the pupil's guardian read it on the talk page, with axe-core at 0 violations."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests_browser.csp import watch
from tests_browser.journeys import sign_in_with_test_eid
from tests_browser.test_childs_voice import _teacher_of


def test_a_pupil_prepares_their_part_of_the_talk_and_hands_it_in(folja, page, browser, csp_violations, a11y):  # noqa: ANN001
    pupil_uuid = folja.personas["pupil"]["person_uuid"]
    guardian = folja.personas["guardian_siblings"]

    # The teacher makes a QR code for the pupil.
    sign_in_with_test_eid(page, "Personal", _teacher_of(folja, pupil_uuid))
    page.goto(f"/children/{pupil_uuid}/pupil-codes/")
    page.get_by_role("button", name="Skapa en QR-kod").click()
    link = urlsplit(page.get_by_test_id("pupil-code-url").get_attribute("href")).path

    # The pupil, on their own device: start page → Förbered mitt utvecklingssamtal → the part begun in the demo.
    device = browser.new_context(base_url=folja.url, locale="sv-SE", viewport={"width": 800, "height": 1000})
    watch(device, csp_violations)
    tablet = device.new_page()
    tablet.goto(link)
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Öppna min lärlogg").click()
    tablet.get_by_role("link", name="Förbered mitt utvecklingssamtal").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Mitt utvecklingssamtal")
    a11y.visit(tablet, "pupil-talk", "list")
    tablet.get_by_role("link", name="Fortsätt förbereda dig").first.click()
    expect(tablet.get_by_label("Det här vill jag prata om på samtalet")).to_have_value("Att läsa om rymden.")
    a11y.visit(tablet, "pupil-talk", "form")
    tablet.get_by_label("Det här har jag blivit bättre på").fill("Jag läser snabbare nu!")
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Lämna till läraren").click()
    expect(tablet.get_by_text("Bra jobbat! Din lärare kan nu läsa dina svar.")).to_be_visible()
    expect(tablet.get_by_text("Jag läser snabbare nu!")).to_be_visible()
    talk_path = urlsplit(tablet.url).path
    a11y.visit(tablet, "pupil-talk", "talk")
    device.close()

    # The teacher reads it on the talk page, under "Elevens egen förberedelse".
    page.goto(talk_path)
    section = page.locator("#pupil")
    expect(section).to_contain_text("Elevens egen förberedelse")
    expect(section).to_contain_text("Jag läser snabbare nu!")
    expect(section).to_contain_text("Lämnad till läraren")

    # The pupil's guardian reads it too.
    family = browser.new_context(base_url=folja.url, locale="sv-SE")
    watch(family, csp_violations)
    home = family.new_page()
    sign_in_with_test_eid(home, "Vårdnadshavare", guardian["civic_number"])
    home.goto(talk_path)
    expect(home.locator("#pupil")).to_contain_text("Jag läser snabbare nu!")
    family.close()
    a11y.assert_clean()
