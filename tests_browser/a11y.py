"""Accessibility checks for every page a journey visits: axe-core, reflow, screenshots, both languages.

`Auditor.visit(page, journey, name)` is called once the page shows what the journey came for. It

1. runs axe-core (node_modules/axe-core, installed by `npm ci`) with the WCAG 2.1 A/AA rules;
2. writes full-page screenshots at 360 px and 1280 px to var/screenshots/<journey>-<name>-<width>.png;
3. checks reflow (WCAG 1.4.10): no horizontal scrolling at 320 CSS px, nor at 1280 px with the
   text at 200 % (WCAG 1.4.4);
4. switches to English with the header's language button, runs axe again, and switches back.

Problems are collected, not raised, so one run lists them all; each test ends with
`auditor.assert_clean()`. A JSON report of every page goes to var/screenshots/axe-report.json.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = Path(os.environ.get("FOLJA_SCREENSHOT_DIR", str(ROOT / "var" / "screenshots")))
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (360, 1280)

_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), html: n.html.slice(0, 240),
                                           summary: (n.failureSummary || '').slice(0, 400)})),
  }));
}"""

# Elements that stick out to the right of the viewport: the cause of a horizontal scrollbar.
_OVERFLOW = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const excess = root.scrollWidth - width;
  if (excess <= 0) return null;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const spills = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible';
    if (box.width && (box.right > width + 1 || (spills && box.left + el.scrollWidth > width + 1))) {
      let inScroller = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { inScroller = true; break; }
      }
      if (!inScroller) culprits.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' right=' + Math.round(box.right));
    }
    if (culprits.length >= 5) break;
  }
  return {excess: excess, culprits: culprits};
}"""


def _inject(page: object, source: str) -> None:
    """Run a script in the page's main world through the DevTools protocol, as its console would.

    The pages' Content-Security-Policy allows no inline script, and `page.add_script_tag()` adds one:
    Chromium would block it and report a violation (tests_browser/csp.py). What axe-core itself does
    in the page stays under the policy, so a violation it caused would still be reported.
    """
    session = page.context.new_cdp_session(page)
    try:
        result = session.send("Runtime.evaluate", {"expression": source, "returnByValue": False})
    finally:
        session.detach()
    if "exceptionDetails" in result:
        raise RuntimeError(f"axe-core did not load: {result['exceptionDetails'].get('text', '')}")


@dataclass
class Auditor:
    problems: list[str] = field(default_factory=list)
    pages: list[dict] = field(default_factory=list)

    # --- the checks ----------------------------------------------------------------------------

    def axe(self, page: object, label: str) -> list[dict]:
        """Run axe-core on the page as it is now; record and return the violations."""
        if not AXE_JS.exists():
            raise RuntimeError(f"{AXE_JS} is missing: run `npm ci` (make js-deps)")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            _inject(page, AXE_JS.read_text(encoding="utf-8"))
        violations = page.evaluate(_AXE_RUN, WCAG_TAGS)
        for v in violations:
            nodes = "; ".join(
                f"{n['target']} ({n['summary'].splitlines()[-1] if n['summary'] else ''})" for n in v["nodes"]
            )
            self.problems.append(f"axe {label}: {v['id']} [{v['impact']}] {v['help']} — {nodes}")
        self.pages.append({"page": label, "url": page.url, "violations": violations})
        return violations

    def reflow(self, page: object, label: str) -> None:
        """Record horizontal scrolling at 320 CSS px and at 1280 px with 200 % text."""
        original = page.viewport_size
        try:
            page.set_viewport_size({"width": 320, "height": 800})
            found = page.evaluate(_OVERFLOW)
            if found:
                self.problems.append(f"reflow {label} at 320 px: {found['excess']} px too wide — {found['culprits']}")
            page.set_viewport_size({"width": 1280, "height": 900})
            page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
            found = page.evaluate(_OVERFLOW)
            if found:
                self.problems.append(
                    f"text 200 % {label} at 1280 px: {found['excess']} px too wide — {found['culprits']}"
                )
        finally:
            page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
            page.set_viewport_size(original)

    def screenshots(self, page: object, journey: str, name: str) -> None:
        """Write full-page screenshots at the phone and laptop widths."""
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size
        try:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800 if width < 600 else 900})
                page.screenshot(path=str(SCREENSHOT_DIR / f"{journey}-{name}-{width}.png"), full_page=True)
        finally:
            page.set_viewport_size(original)

    def switch_language(self, page: object, code: str) -> None:
        """Choose `code` in the header's language switch and wait for the page in that language."""
        page.locator(".lang-form select[name='language']").select_option(code)
        page.locator(".lang-form button[type='submit']").click()
        page.wait_for_function("(code) => document.documentElement.lang === code", arg=code)
        page.wait_for_load_state("load")

    def visit(self, page: object, journey: str, name: str, *, english: bool = True) -> None:
        """Run every check on the page the journey has reached; come back to it in Swedish."""
        page.wait_for_load_state("load")
        label = f"{journey}/{name}"
        if not page.locator("footer a[href$='/accessibility/']").count():
            self.problems.append(f"{label}: no link to the accessibility statement in the footer")
        self.axe(page, f"{label} (sv)")
        self.screenshots(page, journey, name)
        self.reflow(page, label)
        if english:
            self.switch_language(page, "en")
            self.axe(page, f"{label} (en)")
            self.switch_language(page, "sv")

    # --- results -------------------------------------------------------------------------------

    def assert_clean(self) -> None:
        assert not self.problems, "Accessibility problems:\n" + "\n".join(self.problems)

    def write_report(self) -> None:
        if not self.pages:
            return
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        report = SCREENSHOT_DIR / "axe-report.json"
        existing = json.loads(report.read_text()) if report.exists() else {}
        for entry in self.pages:
            existing[entry["page"]] = entry
        report.write_text(json.dumps(existing, indent=2, ensure_ascii=False))
