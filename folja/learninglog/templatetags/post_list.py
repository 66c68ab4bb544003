"""The cards of a list page joined in one step (`{{ posts|cards }}`).

Each post's card is HTML rendered from our own template and cached (`listing.render_fragments`);
a template loop that wraps twenty of them in list items cost as much as the rest of the list's
markup.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def cards(posts: Iterable[object]) -> SafeString:
    """Return `<li>card</li>` for every post: its rendered `html` (escaped if it is not marked safe)."""
    return mark_safe("".join(f"<li>{conditional_escape(post.html)}</li>" for post in posts))
