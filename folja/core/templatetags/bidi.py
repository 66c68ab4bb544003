"""Bidirectional text (issue 32, docs/languages.md): names inside translated sentences isolated.

A Swedish name inside an Arabic or Persian sentence ("… för Alva Lind") must not pull the
sentence's punctuation and numbers into its own direction. `{{ name|bdi }}`, and in a translated
sentence `{% blocktranslate with name=child.full_name|bdi %}`, wraps the value in `<bdi>`, which
isolates it (the value is escaped). Not for attributes or `<title>`: they hold no markup.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def bdi(value: object) -> SafeString | str:
    """Return the value escaped inside `<bdi>`; an empty value stays empty."""
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)
