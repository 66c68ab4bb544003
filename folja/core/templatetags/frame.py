"""`{% samefor a b … %}…{% endsamefor %}`: a part of the page frame rendered once per process for
each combination of the values named, then copied.

For the parts of `base.html` that hold no personal data and change only with the language, the
viewer's role and the current page (the main menu, the footer, the static links): rendering them
again on every request cost about a third of a list page's template time (URL reversing and
translation tags; bench/README.md). What a part shows must depend on nothing but the values it
names; the tests render each part both ways and compare.
"""

from __future__ import annotations

import threading

from django import template
from django.template.base import UNKNOWN_SOURCE, FilterExpression, Parser, Token
from django.template.context import Context
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Bounded: a few languages × roles × pages. Cleared whole when full (never reached in practice).
MAX_PARTS = 1024
ENABLED = True  # False renders every part afresh (tests compare the two)
_parts: dict[tuple, SafeString] = {}
_lock = threading.Lock()


class SameForNode(template.Node):
    def __init__(self, nodelist: template.NodeList, values: list[FilterExpression], origin: object) -> None:
        self.nodelist = nodelist
        self.values = values
        self.origin_key = origin

    def render(self, context: Context) -> str:
        if self.origin_key is None or not ENABLED:  # from a string, not a file: nothing to key it by
            return self.nodelist.render(context)
        key = (self.origin_key, *(value.resolve(context) for value in self.values))
        html = _parts.get(key)
        if html is None:
            html = mark_safe(self.nodelist.render(context))
            with _lock:
                if len(_parts) >= MAX_PARTS:
                    _parts.clear()
                _parts[key] = html
        return html


@register.tag
def samefor(parser: Parser, token: Token) -> SameForNode:
    """`{% samefor LANGUAGE_CODE viewer.role %}…{% endsamefor %}` (see the module's docstring)."""
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endsamefor",))
    parser.delete_first_token()
    # Each occurrence of the tag in a template file is its own part: keyed by the file and the
    # tag's number in it (counted as the file is parsed: Token.position is only kept when
    # templates are debugged).
    number = getattr(parser, "_samefor_parts", 0)
    parser._samefor_parts = number + 1
    name = getattr(parser.origin, "name", None)
    origin = None if name in (None, UNKNOWN_SOURCE) else (name, number)
    return SameForNode(nodelist, values, origin)


def clear(**_kwargs: object) -> None:
    """Forget every rendered part (tests, and the development server when a file changes; a
    deploy restarts the processes anyway)."""
    with _lock:
        _parts.clear()


# The development server reloads templates without restarting when one changes: forget the parts
# then too (returns None, so it has no say in whether the server restarts).
file_changed.connect(clear, dispatch_uid="folja.core.templatetags.frame")
