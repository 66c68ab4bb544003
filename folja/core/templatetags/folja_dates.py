"""Date filters for values stored as text (notices keep their values, rendered when sent)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def stored_moment(value: str, format_name: str = "DATETIME_FORMAT") -> str:
    """Format a local time stored as text ("2026-12-10 13:00") in the named format of the active
    language; a value that is not such a time is shown as it was stored."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return value
    return formats.date_format(moment, format_name)
