"""A list's cards joined in one step: in order, each in a list item, nothing unescaped."""

from __future__ import annotations

from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from folja.learninglog.templatetags.post_list import cards


def test_cards_are_list_items_in_order_and_only_marked_safe_html_is_kept_as_is() -> None:
    posts = [SimpleNamespace(html=mark_safe("<article>A</article>")), SimpleNamespace(html="<b>B</b>")]
    assert cards(posts) == "<li><article>A</article></li><li>&lt;b&gt;B&lt;/b&gt;</li>"


def test_an_empty_list_says_so() -> None:
    html = render_to_string("learninglog/_post_list.html", {"posts": []})
    assert "Här finns inga inlägg ännu." in html and "<li>" not in html
