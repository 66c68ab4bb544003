"""A post's text as the teacher writes it and as it is stored.

The compose form's text box holds plain text: paragraphs separated by an empty line, line breaks
within a paragraph. It is stored as HTML (`<p>` and `<br>` only, every other character escaped),
which the sanitiser keeps unchanged, and turned back into the same plain text for the next edit:
`html_to_text(text_to_html(t)) == normalise_text(t)`, any number of times
(`learninglog/tests/test_text.py` checks it as a property).

Posts stored with richer HTML (lists, links, headings: written by older versions or imports) are
turned into the plain text closest to what they show; an edit then stores that text.
"""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser

_BLOCKS = {"p", "ul", "ol", "h3", "blockquote", "div"}


def normalise_text(text: str) -> str:
    """Return the text as the editor keeps it: Unix line breaks, no control characters, no
    trailing spaces on a line, paragraphs separated by exactly one empty line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        line = line.rstrip()
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join("\n".join(lines) for lines in paragraphs if lines)


def _escape(text: str) -> str:
    # Exactly what the sanitiser's serialiser writes, so that sanitising changes nothing.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\xa0", "&nbsp;")


def text_to_html(text: str) -> str:
    """Return the plain text of the text box as the stored HTML: one `<p>` per paragraph, `<br>`
    per line break; nothing the writer typed is read as markup ("<3" stays "<3")."""
    normal = normalise_text(text)
    if not normal:
        return ""
    return "".join(
        "<p>" + "<br>".join(_escape(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in normal.split("\n\n")
    )


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._href: list[str | None] = []
        self._link_text: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))
            self._link_text.append(len(self.parts))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self._href:
            href = self._href.pop()
            start = self._link_text.pop()
            shown = "".join(self.parts[start:]).strip()
            if href and href != shown:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Return the stored HTML as the plain text the text box shows for the next edit."""
    if not html:
        return ""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return normalise_text("".join(parser.parts))
