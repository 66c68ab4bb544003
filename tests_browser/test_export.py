"""A guardian takes the portfolio home (issue 27): asks for an export, watches its progress, downloads
the PDF and the ZIP; the ZIP's site opens in Chromium from a folder with the network cut, photos
and all. The export page at 360 and 1280 px, in Swedish and English, with axe-core at 0 violations.

The live server runs tasks inline, so the first export is built within its request. To watch a
build progress, the test then plays the worker: it writes a running export's progress into the
server's database and lets the page follow it to the end.
"""

from __future__ import annotations

import io
import sqlite3
import uuid
import zipfile
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from tests_browser.journeys import sign_in_with_test_eid


def _child(folja, guardian: dict) -> tuple[str, str, int]:  # noqa: ANN001
    """The guardian's first child: (uuid, full name), and the guardian's person id."""
    with folja.db() as conn:
        row = conn.execute(
            "SELECT c.uuid, c.given_name || ' ' || c.family_name, r.id FROM directory_guardianship g "
            "JOIN directory_person r ON r.id = g.responsible_id JOIN directory_person c ON c.id = g.child_id "
            "WHERE r.civic_number = ? AND g.relation_type = ? ORDER BY c.given_name LIMIT 1",
            [guardian["civic_number"], "Vårdnadshavare"],
        ).fetchone()
    assert row, "the guardian has no child in the demo world"
    return str(uuid.UUID(row[0])), row[1], row[2]


def test_a_guardian_exports_watches_the_progress_and_downloads_both_files(folja, page, a11y, tmp_path, browser):  # noqa: ANN001
    guardian = folja.personas["guardian_one_child"]
    child_uuid, child_name, guardian_id = _child(folja, guardian)
    sign_in_with_test_eid(page, "Vårdnadshavare", guardian["civic_number"])
    page.goto(f"/children/{child_uuid}/settings/")
    page.get_by_role("link", name="Exportera portfolion (PDF och ZIP)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(child_name)
    page.get_by_role("button", name="Skapa export").click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text("Exporten har startat")
    pdf_link = page.get_by_role("link", name="Ladda ned PDF")
    expect(pdf_link).to_be_visible()
    expect(page.get_by_role("button", name="Skapa export")).to_have_count(1)  # none running: ask again later

    with page.expect_download() as pdf_download:
        pdf_link.click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert child_name in text and "Sida 1 av" in text
    with page.expect_download() as zip_download:
        page.get_by_role("link", name="Ladda ned ZIP").click()
    site = tmp_path / "site"
    with zipfile.ZipFile(Path(zip_download.value.path())) as archive:
        archive.extractall(site)
        photos = [n for n in archive.namelist() if n.startswith("media/")]
    assert photos, "the demo child's portfolio has photos"
    a11y.visit(page, "export", "ready")

    # The ZIP's site, offline: no request leaves the folder.
    offline = browser.new_context(offline=True)
    try:
        leaked: list[str] = []
        offline.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith("file://")
                else (leaked.append(route.request.url), route.abort())
            ),
        )
        reader = offline.new_page()
        reader.goto((site / "index.html").as_uri())
        expect(reader.get_by_role("heading", level=1)).to_have_text(child_name)
        reader.locator("ul.years a").last.click()
        image = reader.locator("article img").first
        expect(image).to_be_visible()
        assert reader.evaluate("(img) => img.complete && img.naturalWidth > 0", image.element_handle())
        assert not leaked, leaked
    finally:
        offline.close()

    # Watching a build: the worker (played by the test) reports progress; the page follows it.
    with sqlite3.connect(folja.var_dir / "folja.sqlite3") as conn:
        ready = conn.execute(
            "SELECT child_id, pdf_file, zip_file FROM export_export WHERE requested_by_id = ? AND status = 'ready'",
            [guardian_id],
        ).fetchone()
        running = uuid.uuid4()
        conn.execute(
            "INSERT INTO export_export (uuid, requested_by_id, child_id, role, language, status, progress, pdf_file, "
            "zip_file, pdf_size, zip_size, post_count, media_count, failure, reason, created_at) "
            "VALUES (?, ?, ?, 'guardian', 'sv', 'running', 40, '', '', 0, 0, 0, 0, '', '', datetime('now'))",
            [running.hex, guardian_id, ready[0]],
        )
    page.reload()
    bar = page.locator("progress")
    expect(bar).to_have_attribute("value", "40")
    expect(page.get_by_role("button", name="Skapa export")).to_have_count(0)  # one at a time
    a11y.screenshots(page, "export", "running")
    with sqlite3.connect(folja.var_dir / "folja.sqlite3") as conn:
        conn.execute("UPDATE export_export SET progress = 75 WHERE uuid = ?", [running.hex])
    page.wait_for_function(
        "() => document.querySelector('progress') && document.querySelector('progress').value === 75"
    )
    with sqlite3.connect(folja.var_dir / "folja.sqlite3") as conn:
        conn.execute(
            "UPDATE export_export SET status = 'ready', progress = 100, pdf_file = ?, zip_file = ?, "
            "finished_at = datetime('now'), expires_at = datetime('now', '+3 days') WHERE uuid = ?",
            [ready[1], ready[2], running.hex],
        )
    expect(page.get_by_role("link", name="Ladda ned PDF")).to_have_count(2)  # the page reloaded by itself
    expect(page.locator("progress")).to_have_count(0)
    a11y.assert_clean()


def test_staff_see_what_their_unit_will_lose_to_culling(folja, page, a11y):  # noqa: ANN001
    """The demo municipality keeps individual posts 36 months; three about a child in Blåbären fall
    due within 30 days: the teacher finds them counted, no child named."""
    teacher = folja.personas["preschool_teacher"]
    sign_in_with_test_eid(page, "Personal", teacher["civic_number"])
    page.get_by_role("link", name="Gallring framöver").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gallring framöver")
    row = page.locator("tr").filter(has_text="Individuella inlägg").filter(has_text="inlägg")
    expect(row.first).to_be_visible()
    expect(row.first.locator("td").last).to_have_text("3")
    a11y.visit(page, "culling", "outlook")
    a11y.assert_clean()
