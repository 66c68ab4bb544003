"""Journeys in Arabic (right to left) and Ukrainian at 360 px (issue 32): sign-in, terms, timeline,
a post, booking a talk. axe-core on every page, screenshots, no horizontal overflow either way.

The checks do not depend on the catalogues' wording: the page's `lang` and `dir`, axe, overflow,
the header's language switch, names isolated with <bdi>. Where the Arabic or Ukrainian catalogue
already translates a heading, the page must show that translation (`expect_translated`): with the
catalogues still empty (their translators work on other branches) those checks have nothing to
compare and pass; once merged they hold the pages to the catalogue.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from folja.core.tests.test_translations import messages
from tests_browser.a11y import SCREENSHOT_DIR
from tests_browser.journeys import accept_terms_if_asked

PHONE = {"width": 360, "height": 800}
ROOT = Path(__file__).resolve().parent.parent
PERSONAS = {"ar": "guardian_arabic", "uk": "guardian_ukrainian"}

# Overflow to either side: in a right-to-left page content that does not fit spills to the left.
_OVERFLOW_BOTH_WAYS = """() => {
  const width = document.documentElement.clientWidth;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (!box.width || (box.right <= width + 1 && box.left >= -1)) continue;
    let inScroller = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') { inScroller = true; break; }
    }
    if (!inScroller && getComputedStyle(el).position !== 'absolute') {
      const where = Math.round(box.left) + '..' + Math.round(box.right);
      culprits.push(el.tagName.toLowerCase() + '.' + String(el.className) + ' ' + where);
    }
    if (culprits.length >= 5) break;
  }
  return {excess: document.documentElement.scrollWidth - width, culprits: culprits};
}"""


def translation_of(language: str, msgid: str) -> str:
    """Return the catalogue's translation of a Swedish string ("" while it is untranslated)."""
    po = ROOT / "folja" / "locale" / language / "LC_MESSAGES" / "django.po"
    for entry in messages(po):
        if entry.msgid == msgid and entry.msgid_plural is None and "fuzzy" not in entry.flags:
            return entry.msgstr.get(0, "")
    return ""


def expect_translated(page: object, language: str, locator: object, swedish: str) -> None:
    """The element shows the catalogue's translation of `swedish` once the catalogue has one."""
    translated = translation_of(language, swedish)
    if translated:
        expect(locator).to_contain_text(translated)
        assert swedish not in locator.inner_text()


def check_page(page: object, a11y: object, language: str, name: str) -> None:
    """lang and dir from the language, axe-core clean, no overflow at 360 px, a screenshot."""
    page.wait_for_load_state("load")
    rtl = language in ("ar", "fa")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl" if rtl else "ltr")
    label = f"languages-{language}/{name}"
    a11y.axe(page, label)
    page.set_viewport_size(PHONE)
    found = page.evaluate(_OVERFLOW_BOTH_WAYS)
    if found["excess"] > 0 or found["culprits"]:
        a11y.problems.append(f"{label}: wider than 360 px ({found['excess']} px): {found['culprits']}")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"languages-{language}-{name}-360.png"), full_page=True)
    if rtl:
        # The brand sits at the right edge and the header's controls to its left, as Arabic reads.
        brand = page.locator(".brand").bounding_box()
        assert brand and brand["x"] > PHONE["width"] / 2, f"{label}: the header is not mirrored"


def choose_language(page: object, language: str) -> None:
    """Choose the language in the header's switch (language-independent: by value)."""
    page.locator(".lang-form select[name='language']").select_option(language)
    with page.expect_navigation():
        page.locator(".lang-form button[type='submit']").click()


@pytest.mark.parametrize("language", ["ar", "uk"])
def test_a_guardian_reads_folja_in_her_own_language(folja, page, a11y, language):
    persona = folja.personas[PERSONAS[language]]
    page.set_viewport_size(PHONE)
    page.goto("/")
    choose_language(page, language)
    check_page(page, a11y, language, "welcome")
    expect_translated(page, language, page.get_by_role("heading", level=1), "Välkommen till Följa")

    # Sign-in: the role, then the test e-ID, by address (the links' words are the catalogue's).
    page.goto("/login/")
    check_page(page, a11y, language, "login")
    page.goto("/login/guardian/")
    check_page(page, a11y, language, "login-role")
    page.goto("/login/guardian/test-e-id/")
    check_page(page, a11y, language, "test-eid")
    page.locator("input[name='civic_number']").fill(persona["civic_number"])
    with page.expect_navigation():
        page.locator("main form button[type='submit']").first.click()
    if page.locator("form button[name='decision'][value='accept']").count():
        check_page(page, a11y, language, "terms")
    accept_terms_if_asked(page)

    # The start page: the person's language (set in the demo world) holds after signing in.
    check_page(page, a11y, language, "home")
    expect_translated(page, language, page.get_by_role("heading", level=1), "Dina barn")
    child = persona["children"][0]
    expect(page.locator("main bdi", has_text=child).first).to_be_visible()

    page.locator("main a[href^='/children/']").first.click()
    check_page(page, a11y, language, "timeline")
    post_link = page.locator("article.post .post__title a").first
    if post_link.count():
        post_link.click()
        check_page(page, a11y, language, "post")
        expect(page.locator(".post__body")).to_be_visible()  # the staff's text, as written
    a11y.assert_clean()


@pytest.mark.parametrize("language", ["ar", "uk"])
def test_a_guardian_books_a_talk_in_her_own_language(folja, page, a11y, language):
    civic_number, talk_uuid = _guardian_with_planned_talk(folja)
    page.set_viewport_size(PHONE)
    page.goto("/")
    choose_language(page, language)
    page.goto("/login/guardian/test-e-id/")
    page.locator("input[name='civic_number']").fill(civic_number)
    with page.expect_navigation():
        page.locator("main form button[type='submit']").first.click()
    accept_terms_if_asked(page)
    # The choice made before signing in is kept with the person (the header's switch stores it).
    choose_language(page, language)
    page.goto(f"/talks/{talk_uuid}/book/")
    check_page(page, a11y, language, "book")
    page.locator("input[name='slot']").first.check()
    with page.expect_navigation():
        page.locator("main form button[type='submit']").last.click()
    check_page(page, a11y, language, "booked")
    expect(page.locator(".messages")).to_be_visible()
    expect_translated(page, language, page.locator(".messages"), "Tiden är bokad.")
    a11y.assert_clean()


def _guardian_with_planned_talk(folja) -> tuple[str, str]:  # noqa: ANN001
    """Return a guardian's civic number and a planned talk about their child, not booked yet."""
    with folja.db() as conn:
        row = conn.execute(
            "SELECT r.civic_number, t.uuid FROM directory_guardianship g "
            "JOIN directory_person r ON r.id = g.responsible_id JOIN talks_talk t ON t.child_id = g.child_id "
            "WHERE r.civic_number IS NOT NULL AND r.sealed_at IS NULL AND t.status = 'planned' "
            "ORDER BY t.id DESC LIMIT 1"
        ).fetchone()
    assert row, "no guardian in the demo world has a child with a planned development talk"
    return row[0], str(uuid.UUID(hex=row[1]) if isinstance(row[1], str) and len(row[1]) == 32 else row[1])
