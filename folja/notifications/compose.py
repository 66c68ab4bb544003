"""Composing many mails fast: each template rendered once per language with marker values, then filled.

The nightly digest sends one mail to each of some 220,000 guardians, most of them alike but for a
name, the notices' texts and a link. Rendering the templates for every mail cost most of the time,
so `Composer` renders each template once per language (and per *shape*: which values are there)
with **marker values** in place of the values that change from mail to mail, splits the output at
the markers into a `Skeleton`, and fills the skeleton for each mail. The templates and the
catalogues stay the only source of the wording: nothing here says what a mail says.

How a template treats a value is read from the rendered output, not assumed: every marker carries
the characters each escaping changes (`<`, `&`, quotes, a line break), so where a marker went
through `{{ value }}` with autoescaping, through `|linebreaksbr`, or through nothing at all is
visible in the form it takes, and the same function (`conditional_escape`, the `linebreaksbr`
filter) is applied to the real value. A template that does anything else with a marker (another
filter, a test of its length) makes the shape unusable: the output of a second set of
markers, of other lengths, must split the same way, or any form not known here fails the split,
and such a shape is rendered per mail as before (and logged once). Values are filled only when
they are non-empty strings (a template may test whether a value is there); any other mail or
notice is rendered per mail. `tests/test_compose.py` compares the two for every kind, both
languages, plurals, HTML special characters and right-to-left names.

A template must not compare a filled value with a constant (`{% if unit == "x" %}`): that no
marker can reveal, so the kinds whose text is filled are listed in `FILLED` with the values their
text prints, and a kind not listed is rendered per notice.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.template.defaultfilters import linebreaksbr
from django.utils import translation
from django.utils.html import conditional_escape

from folja.notifications.emails import render_message_parts, render_notice_body

logger = logging.getLogger(__name__)

# The context values a kind's text (`notifications/<kind>.txt`) prints as they are, or tests for being
# there, or does not use (`path`): never compared, never filtered. Other kinds are rendered per notice.
FILLED: dict[str, frozenset[str]] = {
    "post_published": frozenset({"path", "child_given_name", "unit"}),
    "post_changed": frozenset({"path", "child_given_name", "unit"}),
    "comment_new": frozenset({"path", "child_given_name", "unit"}),
}

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: no template or value writes them
_REVEAL = "\n<&>'\""  # each escaping changes some of these: the marker's form in the output names it
_MARKER = re.compile(f"{_OPEN}[^{_OPEN}{_CLOSE}]*{_CLOSE}")

# What a template may do with a filled value, as the functions it uses would do it.
TRANSFORMS: dict[str, Callable[[str], str]] = {
    "as is": str,
    "escaped": conditional_escape,
    "linebreaksbr": lambda value: linebreaksbr(value, autoescape=True),
    "linebreaksbr unescaped": lambda value: linebreaksbr(value, autoescape=False),
}


def marker(name: str, variant: str = "") -> str:
    return f"{_OPEN}{name}{variant}{_REVEAL}{_CLOSE}"


@dataclass(frozen=True)
class Skeleton:
    """A rendered template split at its markers: literal text, and (value name, transform) to fill in."""

    pieces: tuple[str | tuple[str, str], ...]

    def fill(self, values: dict[str, str]) -> str:
        return "".join(
            piece if isinstance(piece, str) else TRANSFORMS[piece[1]](values[piece[0]]) for piece in self.pieces
        )


def split(rendered: str, names: Sequence[str], variant: str = "") -> Skeleton | None:
    """Split output rendered with `marker(name, variant)` values; None when a marker took an unknown form."""
    forms: dict[str, tuple[str, str]] = {}
    for name in names:
        for transform, function in TRANSFORMS.items():
            forms.setdefault(str(function(marker(name, variant))), (name, transform))
    pieces: list[str | tuple[str, str]] = []
    at = 0
    for found in _MARKER.finditer(rendered):
        if found.group() not in forms:
            return None
        pieces += [rendered[at : found.start()], forms[found.group()]]
        at = found.end()
    pieces.append(rendered[at:])
    if any(isinstance(p, str) and (_OPEN in p or _CLOSE in p) for p in pieces):
        return None  # a marker cut apart (a filter that truncates)
    return Skeleton(tuple(p for p in pieces if p != ""))


def split_checked(render: Callable[[str], str], names: Sequence[str]) -> Skeleton | None:
    """Render with two sets of markers (of different lengths) and split: both must split alike."""
    first = split(render(""), names)
    if first is None or first != split(render("··"), names, "··"):
        return None
    return first


class Composer:
    """Fills digest mails' texts from templates rendered once per language and shape (one per run)."""

    def __init__(self) -> None:
        self._bodies: dict[tuple, Skeleton | None] = {}
        self._messages: dict[tuple, tuple[LoopSkeleton, LoopSkeleton] | None] = {}
        self._once: dict[tuple, object] = {}
        # The multipart boundary of this run's mails (as `email.generator` makes one), checked absent
        # from each mail's parts (`emails.assemble_message`).
        self.boundary = "=" * 15 + f"{secrets.randbelow(10**19):019d}" + "=="

    def once(self, key: tuple, make: Callable[[], object]) -> object:
        """`make()`, made once per run for `key` (a subject's wording per language and count)."""
        if key not in self._once:
            self._once[key] = make()
        return self._once[key]

    # -- a notice's text ------------------------------------------------------------------------------

    def notice_body(self, kind: str, context: dict[str, object], language: str) -> str:
        """The text `emails.render_notice_body` renders, in `language`."""
        filled = FILLED.get(kind)
        if filled is None or not _fillable(context, filled):
            with translation.override(language):
                return render_notice_body(kind, context)
        key = (language, kind, frozenset(context))
        if key not in self._bodies:
            names = sorted(context)

            def render(variant: str) -> str:
                with translation.override(language):
                    return render_notice_body(kind, {name: marker(name, variant) for name in names})

            self._bodies[key] = split_checked(render, names)
            if self._bodies[key] is None:
                logger.warning("notice text rendered per notice", extra={"kind": kind, "language": language})
        skeleton = self._bodies[key]
        if skeleton is None:
            with translation.override(language):
                return render_notice_body(kind, context)
        return skeleton.fill(context).strip()  # type: ignore[arg-type]  as render_notice_body strips

    # -- a message's text and HTML parts ---------------------------------------------------------------

    def message_parts(self, language: str, context: dict[str, object]) -> tuple[str, str]:
        """The text and HTML parts `emails.render_message_parts` renders for `context`, in `language`."""
        sections = context["sections"]
        values = {k: v for k, v in context.items() if k in _MESSAGE_FILLED}
        if (
            values.keys() != _MESSAGE_FILLED
            or not _fillable(values, _MESSAGE_FILLED)
            or not all(
                isinstance(s, dict) and set(s) == {"text", "link"} and _fillable(s, {"text", "link"})
                for s in sections  # type: ignore[union-attr]
            )
        ):
            return render_message_parts(language, context)
        constant = tuple(sorted((k, v) for k, v in context.items() if k not in _MESSAGE_FILLED and k != "sections"))
        key = (language, constant)
        if key not in self._messages:
            self._messages[key] = (
                _loop_skeletons(language, dict(constant), part=0),
                _loop_skeletons(language, dict(constant), part=1),
            )
            if None in self._messages[key]:
                self._messages[key] = None
                logger.warning("digest mail rendered per mail", extra={"language": language})
        parts = self._messages[key]
        if parts is None:
            return render_message_parts(language, context)
        return tuple(part.fill(values, sections) for part in parts)  # type: ignore[return-value]


_MESSAGE_FILLED = frozenset({"recipient_name", "unsubscribe_url"})


def _fillable(values: dict[str, object], names: frozenset[str] | set[str]) -> bool:
    """Every value is one of `names` and a non-empty string (a template may test whether a value is there)."""
    return all(name in names and isinstance(value, str) and value for name, value in values.items())


@dataclass(frozen=True)
class LoopSkeleton:
    """A message's part: what comes before the sections, one section (filled once per section), what comes after."""

    before: Skeleton
    section: Skeleton
    after: Skeleton

    def fill(self, values: dict[str, str], sections: list[dict[str, str]]) -> str:
        return "".join(
            [
                self.before.fill(values),
                *(self.section.fill({"text0": s["text"], "link0": s["link"]}) for s in sections),
                self.after.fill(values),
            ]
        )


def _loop_skeletons(language: str, constant: dict[str, object], *, part: int) -> LoopSkeleton | None:
    """Split one part of the message (0: text, 1: HTML) around its loop over the sections.

    Rendered with 0 and 1 marker sections, the output is before + after, and before + section +
    after; the split found is then checked against the output for 2 and 3 sections, and every
    piece against a second set of markers.
    """
    names = ["recipient_name", "unsubscribe_url"]

    def render(count: int, variant: str = "") -> str:
        context = {
            **constant,
            **{name: marker(name, variant) for name in names},
            "sections": [
                {"text": marker(f"text{i}", variant), "link": marker(f"link{i}", variant)} for i in range(count)
            ],
        }
        return render_message_parts(language, context)[part]

    def pieces(variant: str) -> tuple[str, str, str] | None:
        none, one = render(0, variant), render(1, variant)
        grown = len(one) - len(none)
        same_end = next((i for i in range(min(len(none), len(one))) if none[-1 - i] != one[-1 - i]), len(none))
        start = len(none) - min(same_end, len(none))  # the longest common end: where the sections begin
        if grown <= 0 or one[:start] != none[:start] or one[start + grown :] != none[start:]:
            return None
        before, section, after = none[:start], one[start : start + grown], none[start:]
        for count in (2, 3):
            sections = "".join(
                # The markers' own names, whatever escaping did to the rest of them.
                section.replace(f"{_OPEN}text0", f"{_OPEN}text{i}").replace(f"{_OPEN}link0", f"{_OPEN}link{i}")
                for i in range(count)
            )
            if render(count, variant) != before + sections + after:
                return None
        return before, section, after

    first, second = pieces(""), pieces("··")
    if first is None or second is None:
        return None
    split_first = [split(text, [*names, "text0", "link0"]) for text in first]
    split_second = [split(text, [*names, "text0", "link0"], "··") for text in second]
    if None in split_first or split_first != split_second:
        return None
    before, section, after = split_first
    return LoopSkeleton(before, section, after)  # type: ignore[arg-type]
