"""Dates and times in the guardians' own languages (issue 32): each language's style, from its module
in folja/core/formats/ and Django's month and weekday names."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, translation

DAY = dt.date(2026, 12, 6)
MOMENT = dt.datetime(2026, 10, 21, 5, 59, tzinfo=ZoneInfo("Europe/Stockholm"))


@pytest.mark.parametrize(
    ("language", "date", "moment"),
    [
        ("ar", "6 ديسمبر 2026", "21 أكتوبر 2026، 05:59"),
        ("fa", "6 دسامبر 2026", "21 اکتبر 2026، ساعت 5:59"),
        ("so", "06/12/2026", "21/10/2026, 05:59"),
        ("uk", "6 грудня 2026 р.", "21 жовтня 2026 р., 05:59"),
        ("fi", "6. joulukuuta 2026", "21. lokakuuta 2026 klo 5.59"),
    ],
)
def test_each_language_writes_dates_its_own_way(language: str, date: str, moment: str) -> None:
    with translation.override(language):
        assert formats.date_format(DAY, "DATE_FORMAT") == date
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == moment


def test_somali_dates_name_no_month_in_another_language() -> None:
    with translation.override("so"):
        shown = formats.date_format(MOMENT, "WEEKDAY_DATETIME_FORMAT")
    assert shown == "21/10/2026, 05:59"
