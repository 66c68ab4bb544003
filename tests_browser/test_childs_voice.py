"""The child's own voice (issue 29): a teacher makes a QR code for the demo's pupil, the pupil signs
in with it on another device and writes a reflection, the teacher approves it and the pupil's
guardian reads it; the pupil marks a group photo "don't show" and another family no longer sees it."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests_browser.csp import watch
from tests_browser.journeys import sign_in_with_test_eid


def _hex(value: str) -> str:
    return uuid.UUID(value).hex


def _teacher_of(folja, pupil_uuid: str) -> str:  # noqa: ANN001
    """The civic number of a teacher assigned to a group the pupil is a member of today."""
    with folja.db() as conn:
        row = conn.execute(
            "SELECT s.civic_number FROM directory_person c "
            "JOIN directory_groupmembership m ON m.person_id = c.id "
            "JOIN directory_dutyassignment a ON a.group_id = m.group_id "
            "JOIN directory_duty d ON d.id = a.duty_id JOIN directory_person s ON s.id = d.person_id "
            "WHERE c.uuid = ? AND s.civic_number IS NOT NULL AND m.start_date <= date('now') "
            "AND (m.end_date IS NULL OR m.end_date >= date('now')) ORDER BY s.id LIMIT 1",
            [_hex(pupil_uuid)],
        ).fetchone()
    assert row, "the demo's pupil has no teacher"
    return row[0]


def _post_about(folja, pupil_uuid: str) -> str:  # noqa: ANN001
    with folja.db() as conn:
        row = conn.execute(
            "SELECT p.uuid FROM learninglog_post p JOIN learninglog_postchild pc ON pc.post_id = p.id "
            "JOIN directory_person c ON c.id = pc.child_id WHERE c.uuid = ? AND p.status = 'published' "
            "AND p.deleted_at IS NULL AND p.reflects_on_id IS NULL ORDER BY p.activity_date DESC LIMIT 1",
            [_hex(pupil_uuid)],
        ).fetchone()
    assert row, "no published post names the demo's pupil"
    return str(uuid.UUID(row[0]))


def _unmarked_group_photo(folja, pupil_uuid: str) -> tuple[str, str, str]:  # noqa: ANN001
    """(post uuid, media uuid, civic number of a guardian of another named child) for a group photo
    naming the pupil that no child has marked yet."""
    with folja.db() as conn:
        row = conn.execute(
            "SELECT p.uuid, m.uuid, g.civic_number FROM media_media m JOIN learninglog_post p ON p.id = m.post_id "
            "JOIN learninglog_postchild mine ON mine.post_id = p.id "
            "JOIN directory_person me ON me.id = mine.child_id "
            "JOIN learninglog_postchild other ON other.post_id = p.id AND other.child_id != me.id "
            "JOIN directory_guardianship gs ON gs.child_id = other.child_id AND gs.relation_type = 'Vårdnadshavare' "
            "JOIN directory_person g ON g.id = gs.responsible_id "
            "WHERE me.uuid = ? AND p.kind = 'group' AND p.status = 'published' AND m.kind = 'image' "
            "AND g.civic_number IS NOT NULL AND g.civic_number_kind != 'temporary' "
            "AND NOT EXISTS (SELECT 1 FROM media_consentmarker k WHERE k.media_id = m.id) "
            "AND NOT EXISTS (SELECT 1 FROM directory_guardianship own JOIN directory_person mine_g "
            "ON mine_g.id = own.responsible_id WHERE own.child_id = me.id AND own.responsible_id = g.id) "
            "ORDER BY p.activity_date DESC LIMIT 1",
            [_hex(pupil_uuid)],
        ).fetchone()
    assert row, "no unmarked group photo names the demo's pupil and another family's child"
    return str(uuid.UUID(row[0])), str(uuid.UUID(row[1])), row[2]


def test_a_pupil_signs_in_with_a_qr_code_reflects_and_marks_a_photo(folja, context, page, browser, csp_violations):  # noqa: ANN001
    pupil = folja.personas["pupil"]
    pupil_uuid = pupil["person_uuid"]
    guardian = folja.personas["guardian_siblings"]
    about = _post_about(folja, pupil_uuid)
    photo_post, photo, other_guardian = _unmarked_group_photo(folja, pupil_uuid)

    # The teacher makes a QR code for the pupil.
    sign_in_with_test_eid(page, "Personal", _teacher_of(folja, pupil_uuid))
    page.goto(f"/children/{pupil_uuid}/pupil-codes/")
    page.get_by_role("button", name="Skapa en QR-kod").click()
    expect(page.locator(".qr svg")).to_be_visible()
    # The QR code holds FOLJA_BASE_URL's address; the test server listens elsewhere: its path.
    link = urlsplit(page.get_by_test_id("pupil-code-url").get_attribute("href")).path

    # The pupil's own device.
    device = browser.new_context(base_url=folja.url, locale="sv-SE", viewport={"width": 800, "height": 1000})
    watch(device, csp_violations)
    tablet = device.new_page()
    tablet.goto(link)
    expect(tablet.get_by_role("heading", level=1)).to_contain_text("Hej")
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Öppna min lärlogg").click()
    tablet.goto(f"/posts/{about}/")
    tablet.get_by_role("link", name="Skriv en reflektion").click()
    tablet.get_by_label("Vad vill du berätta?").fill("Jag räknade till hundra!")
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Skicka").click()
    expect(tablet.get_by_text("Väntar på godkännande – syns inte för vårdnadshavare")).to_be_visible()
    reflection = tablet.url

    # ... and marks a group photo "don't show".
    tablet.goto(f"/posts/{photo_post}/")
    tablet.locator(f"form[action='/media/{photo}/marker/'] button").click()
    expect(tablet.get_by_text("Tack! Bilden visas inte för andra familjer")).to_be_visible()
    device.close()

    # The teacher approves the reflection.
    page.goto("/posts/pending/")
    page.goto(reflection)
    with page.expect_navigation():
        page.get_by_role("button", name="Godkänn").click()
    expect(page.get_by_text("Inlägget är godkänt och syns för vårdnadshavarna.")).to_be_visible()
    page.goto(f"/posts/{photo_post}/")
    expect(page.get_by_text("vill inte att bilden visas.").first).to_be_visible()

    # The pupil's guardian reads it.
    family = browser.new_context(base_url=folja.url, locale="sv-SE")
    watch(family, csp_violations)
    home = family.new_page()
    sign_in_with_test_eid(home, "Vårdnadshavare", guardian["civic_number"])
    home.goto(reflection)
    expect(home.get_by_text("Jag räknade till hundra!")).to_be_visible()
    family.close()

    # Another family no longer sees the photo.
    other = browser.new_context(base_url=folja.url, locale="sv-SE")
    watch(other, csp_violations)
    them = other.new_page()
    sign_in_with_test_eid(them, "Vårdnadshavare", other_guardian)
    them.goto(f"/posts/{photo_post}/")
    expect(them.get_by_role("heading", level=1)).to_be_visible()
    assert photo not in them.content()
    assert them.goto(f"/media/{photo}/").status == 404
    other.close()
