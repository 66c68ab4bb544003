""" "Vem har läst" as a guardian meets it (issue 25, point 5): a teacher reads a child's timeline, a
post with its photos and the contact details; the guardian then sees, per day and staff member,
each thing read once (the post by its title, the photos folded into it), at 360 and 1280 px, in
Swedish and English, with axe-core at 0 violations."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests_browser.a11y import SCREENSHOT_DIR, WIDTHS
from tests_browser.journeys import sign_in_with_test_eid, sign_out

PHONE = {"width": 360, "height": 800}


def _child_uuid(folja, guardian: dict) -> str:  # noqa: ANN001
    """The uuid of the guardian's (first) child, looked up by the guardian's civic number."""
    with folja.db() as conn:
        row = conn.execute(
            "SELECT c.uuid FROM directory_guardianship g JOIN directory_person r ON r.id = g.responsible_id "
            "JOIN directory_person c ON c.id = g.child_id WHERE r.civic_number = ? AND g.relation_type = ? "
            "ORDER BY c.given_name LIMIT 1",
            [guardian["civic_number"], "Vårdnadshavare"],
        ).fetchone()
    assert row, "the guardian has no child in the demo world"
    return str(uuid.UUID(row[0]))


def test_a_guardian_sees_who_has_read_in_ten_seconds(folja, page, a11y):  # noqa: ANN001
    teacher = folja.personas["preschool_teacher"]  # Ingrid Lindgren, Blåbären at Solrosens förskola
    guardian = folja.personas["guardian_one_child"]  # Henrik Lindberg, Sam in Blåbären
    child_uuid = _child_uuid(folja, guardian)

    # The teacher reads the child's timeline, opens a post with photos (every thumbnail is a read
    # in the log), opens it again, and reads the contact details.
    sign_in_with_test_eid(page, "Personal", teacher["civic_number"])
    page.goto(f"/children/{child_uuid}/")
    with_photo = page.locator("article.post").filter(has=page.locator(".post__media img")).first
    title = with_photo.locator(".post__title").inner_text().strip()
    with_photo.locator(".post__title a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.reload()
    page.goto(f"/children/{child_uuid}/contact/")
    sign_out(page)

    # The guardian, on a phone.
    page.set_viewport_size(PHONE)
    sign_in_with_test_eid(page, "Vårdnadshavare", guardian["civic_number"])
    page.get_by_role("link", name="Inställningar och vem har läst").first.click()
    reads = page.locator("section#reads")
    expect(reads.get_by_role("heading", level=2)).to_have_text("Vem har läst")
    reader = reads.locator(".reads__reader").filter(has_text=teacher["name"]).first
    expect(reader).to_be_visible()
    lines = reader.locator(".reads__items li")
    texts = [" ".join(t.split()) for t in lines.all_inner_texts()]
    assert sum(1 for t in texts if t.endswith(f"Läste inlägget {title}")) == 1, texts  # photos fold in
    # The timeline's thumbnails of other posts: seen, not read, and said so.
    assert all(title not in t for t in texts if t.split(" ", 1)[1].startswith("Såg bilderna i inlägget")), texts
    assert any(t.endswith("Läste kontaktuppgifterna") for t in texts), texts
    assert any(t.endswith("Läste ditt barns lärlogg") for t in texts), texts
    expect(reader.get_by_role("link", name=title)).to_be_visible()
    # Nothing is cut at 360 px: the time and the text of each line fit the screen.
    for box in (lines.first.bounding_box(), reads.locator("h3").first.bounding_box()):
        assert box and box["x"] + box["width"] <= PHONE["width"], box
    a11y.visit(page, "who-read", "settings")

    # The same page in English, looked at in screenshots at both widths.
    a11y.switch_language(page, "en")
    expect(reads.get_by_role("heading", level=2)).to_have_text("Who has read")
    expect(reader.locator(".reads__items")).to_contain_text(f"Read the post {title}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800 if width < 600 else 900})
        page.screenshot(path=str(SCREENSHOT_DIR / f"who-read-settings-en-{width}.png"), full_page=True)
    a11y.switch_language(page, "sv")
    a11y.assert_clean()
