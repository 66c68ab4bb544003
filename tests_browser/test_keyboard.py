"""Keyboard only: sign in, read a post and comment with Tab, Enter and typing; focus always visible."""

from __future__ import annotations

import re

from playwright.sync_api import expect

# Mark every control a keyboard user should reach; return how many there are.
_MARK = """() => {
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), '
    + 'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
  let n = 0;
  for (const el of document.querySelectorAll(selector)) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    // Inside a closed disclosure (<details>), a control is reached after opening its <summary>.
    const closed = el.closest('details:not([open])');
    if (closed && !el.closest('summary')) continue;
    el.dataset.kb = String(n++);
  }
  return n;
}"""

# What has focus now, and whether a person can see where it is.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return {kb: el.dataset.kb ?? null, tag: el.tagName.toLowerCase(), outline: outline,
          shadow: style.boxShadow !== 'none', outlineColor: style.outlineColor,
          name: (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '').trim().slice(0, 60)};
}"""


def tab_through(page: object, label: str, max_steps: int = 400) -> list[dict]:
    """Tab from the top of the page to its end; assert every control is reached with a visible focus."""
    total = page.evaluate(_MARK)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached: list[dict] = []
    seen: set[str] = set()
    last = None
    for _ in range(max_steps):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is not None and focused["kb"] == last:
            continue  # a date field: Tab moves through its day, month and year parts
        if focused is None or focused["kb"] in seen:
            break
        last = focused["kb"]
        seen.add(focused["kb"])
        reached.append(focused)
    missing = total - len({r["kb"] for r in reached if r["kb"] is not None})
    assert missing == 0, f"{label}: {missing} of {total} controls not reachable with Tab"
    invisible = [r for r in reached if not (r["outline"] or r["shadow"])]
    assert not invisible, f"{label}: focus not visible on {invisible[:5]}"
    return reached


def tab_to(page: object, name: str | re.Pattern, max_steps: int = 400) -> dict:
    """Press Tab until the focused control's name matches; return what has focus."""
    for _ in range(max_steps):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused and (name.search(focused["name"]) if isinstance(name, re.Pattern) else focused["name"] == name):
            return focused
    raise AssertionError(f"no control named {name!r} reached with Tab on {page.url}")


def test_guardian_signs_in_reads_a_post_and_comments_with_the_keyboard_only(folja, page):
    guardian = folja.personas["guardian_household_b"]  # Mohammed Nyberg, Stella in Blåbären
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/")

    reached = tab_through(page, "welcome")
    assert reached[0]["name"] == "Hoppa till innehållet", "the skip link should be the first stop"
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main", "the skip link should move focus to main"

    tab_to(page, "Logga in")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    tab_through(page, "login role")
    tab_to(page, "Vårdnadshavare")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Logga in som")
    tab_through(page, "login method")
    tab_to(page, "Test-legitimation")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Test-legitimation")
    tab_through(page, "test e-ID")
    focused = tab_to(page, "civic_number")
    assert focused["tag"] == "input"
    page.keyboard.type(guardian["civic_number"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    while page.locator("form button[name='decision'][value='accept']").count():  # terms of use, not yet accepted
        tab_through(page, "terms")
        tab_to(page, "Jag godkänner")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dina barn")

    tab_through(page, "home")
    tab_to(page, "Lärlogg")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lärlogg för")
    tab_through(page, "timeline")
    first_title = page.locator("article.post .post__title a").first.inner_text().strip()
    tab_to(page, first_title)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(first_title)
    tab_through(page, "post")

    focused = tab_to(page, "body")  # the comment box: no text yet, so its name is the field name
    assert focused["tag"] == "textarea"
    comment = "Skrivet med bara tangentbordet."
    page.keyboard.type(comment)
    page.keyboard.press("Tab")
    assert page.evaluate(_FOCUSED)["name"] == "Skicka kommentar"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Din kommentar är sparad.")
    expect(page.locator("#comments")).to_contain_text(comment)

    # After the comment the page is at #comments: the next Tab continues there, not at the top of the page.
    page.keyboard.press("Tab")
    in_comments = page.evaluate(
        """() => { const c = document.getElementById('comments'), el = document.activeElement;
                   return c.contains(el) || !!(c.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING); }"""
    )
    assert in_comments, f"after commenting, Tab went to {page.evaluate(_FOCUSED)}"
