"""Dates in the organisation's time zone (Europe/Stockholm): never compare naive dates."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    """Return today's date in Europe/Stockholm (the project's TIME_ZONE)."""
    return timezone.localdate()


def term_start(day: dt.date) -> dt.date:
    """Return the first day of the term that `day` falls in (spring: 1 Jan, autumn: 1 Jul)."""
    return dt.date(day.year, 1, 1) if day.month < 7 else dt.date(day.year, 7, 1)
