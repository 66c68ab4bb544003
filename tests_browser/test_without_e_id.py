"""A guardian without Swedish e-ID (issue 28): the newly arrived guardian of the demo world signs in
with a code sent by SMS (read from the fake gateway's inbox), sees the child, and is refused the
export and the consent pages with an explanation of how to get full access."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests_browser.journeys import accept_terms_if_asked

MOBILE = "070-174 06 99"  # folja/demo/families.py NEWCOMER_MOBILE
E164 = "+46701740699"


def _child(folja, guardian: dict) -> tuple[str, str]:  # noqa: ANN001
    with folja.db() as conn:
        row = conn.execute(
            "SELECT c.uuid, c.given_name || ' ' || c.family_name FROM directory_guardianship g "
            "JOIN directory_person r ON r.id = g.responsible_id JOIN directory_person c ON c.id = g.child_id "
            "WHERE r.uuid = ? AND g.relation_type = ? ORDER BY c.given_name LIMIT 1",
            [uuid.UUID(guardian["person_uuid"]).hex, "Vårdnadshavare"],
        ).fetchone()
    assert row, "the newcomer has no child in the demo world"
    return str(uuid.UUID(row[0])), row[1]


def test_a_guardian_without_e_id_signs_in_by_sms_and_is_refused_export_and_consent(folja, page, a11y):  # noqa: ANN001
    guardian = folja.personas["guardian_without_e_id"]
    child_uuid, child_name = _child(folja, guardian)
    journey = "without-e-id"
    page.goto("/")
    page.get_by_role("link", name="Logga in").first.click()
    page.get_by_role("link", name="Vårdnadshavare", exact=True).click()
    page.get_by_role("link", name="Kod med sms (utan svensk e-legitimation)").click()
    a11y.visit(page, journey, "sms-start")
    page.get_by_label("Mobilnummer").fill(MOBILE)
    page.get_by_role("button", name="Skicka kod").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skriv koden från sms:et")
    a11y.visit(page, journey, "sms-code")
    code = folja.sms.last_code(E164)
    page.get_by_label("Kod").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    accept_terms_if_asked(page)
    # The child is there.
    page.goto(f"/children/{child_uuid}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(child_name)
    # Export and consent: refused, with how to get full access.
    for path in (f"/export/children/{child_uuid}/", f"/children/{child_uuid}/transition/"):
        response = page.goto(path)
        assert response.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("Kräver e-legitimation")
        expect(page.get_by_role("heading", name="Så får du full tillgång")).to_be_visible()
    a11y.visit(page, journey, "refused")
