"""Content-Security-Policy violations seen by Chromium: a journey that causes one fails (finding F8).

`watch(context, found)` collects, from every page of the browser context,

- the console messages Chromium writes for each blocked inline script or style, `eval`, form
  target or resource ("… violates the following Content Security Policy directive …");
- the `securitypolicyviolation` events the documents fire, written to the console by an init
  script (Playwright adds init scripts through the DevTools protocol, so the policy cannot block
  it), so a change in Chromium's wording does not silence the check.

The `context` fixture (conftest.py) fails the test at teardown when anything was found.
"""

from __future__ import annotations

MARKER = "Content Security Policy"

_REPORT_EVENTS = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('Content Security Policy violation (event): ' + e.effectiveDirective
                + ' blocked ' + (e.blockedURI || 'inline') + ' in ' + e.documentURI
                + (e.sourceFile ? ' at ' + e.sourceFile + ':' + e.lineNumber : ''));
}, true);
"""


def watch(context: object, found: list[str]) -> None:
    """Record every Content-Security-Policy violation reported in any page of the context."""

    def on_console(message: object) -> None:
        if MARKER in message.text:
            found.append(f"{message.type}: {message.text} ({message.location.get('url', '')})")

    def on_page_error(error: object) -> None:
        if MARKER in str(error):
            found.append(f"page error: {error}")

    context.add_init_script(_REPORT_EVENTS)
    context.on("console", on_console)
    context.on("weberror", lambda web_error: on_page_error(web_error.error))
