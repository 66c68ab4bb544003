"""One date style per language: templates name their formats, the format modules define them.

Templates say what they show (`|date:"DATE_FORMAT"`, `|date:"DATETIME_FORMAT"`, `|time`), never
how (`|date:"j M H:i"`): the style lives in folja/core/formats/<language>/formats.py
(FORMAT_MODULE_PATH). The only literal formats allowed are the machine-readable ones in a
`datetime` attribute ("c", "Y-m-d").
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import formats, translation

TEMPLATES = Path(settings.BASE_DIR) / "folja" / "templates"
PYTHON = Path(settings.BASE_DIR) / "folja"
# |date:"X" or |time:'X', in a template.
FILTER = re.compile(r"\|(date|time)(?::(\"[^\"]*\"|'[^']*'|[\w.]+))?")
# date_format(value, "X") / time_format(value, "X") in Python.
PY_FORMAT = re.compile(r"(?:date|time)_format\([^,()]+,\s*(\"[^\"]*\"|'[^']*')")
NAMED = re.compile(r"^[A-Z_]+_FORMAT$")
MACHINE = {"c", "Y-m-d"}
MOMENT = dt.datetime(2026, 10, 21, 5, 59)  # a Wednesday
DAY = dt.date(2026, 12, 6)  # a Sunday


def _template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})


def _used_formats() -> list[tuple[str, str, str]]:
    """Every (file, format, text around it) a template or display code formats a date with."""
    used = []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for match in FILTER.finditer(text):
            if match.group(2):
                used.append((path.name, match.group(2).strip("\"'"), text[max(0, match.start() - 40) : match.end()]))
    for path in PYTHON.rglob("*.py"):
        if "/tests/" in str(path) or "/migrations/" in str(path):
            continue
        for match in PY_FORMAT.finditer(path.read_text(encoding="utf-8")):
            used.append((path.name, match.group(1).strip("\"'"), match.group(0)))
    return used


def test_the_scan_finds_the_formats_in_use() -> None:
    names = {fmt for _file, fmt, _text in _used_formats()}
    assert {"DATE_FORMAT", "DATETIME_FORMAT", "WEEKDAY_DATETIME_FORMAT"} <= names


def test_the_scan_catches_an_ad_hoc_format() -> None:
    text = '<td>{{ talk.booked_start|date:"j M H:i" }}</td>'
    (fmt,) = [m.group(2).strip('"') for m in FILTER.finditer(text)]
    assert not NAMED.match(fmt) and fmt not in MACHINE


def test_templates_use_named_formats_only() -> None:
    offenders = []
    for name, fmt, text in _used_formats():
        if NAMED.match(fmt):
            continue
        if fmt in MACHINE and re.search(r'datetime="\{\{[^}]*$', text):
            continue  # the machine-readable value of a <time> element
        offenders.append(f"{name}: {text!r}")
    assert offenders == [], "use a named format (folja/core/formats):\n" + "\n".join(offenders)


# In `{% blocktranslate with x=value %}`: a value that names a date (…date, …_at, …start, …end,
# …_from, …_to, …day) given without a filter would take the default format silently.
BLOCK_WITH = re.compile(r"\{% blocktranslate[^%]*? with ([^%]*)%\}")
BARE_DATE = re.compile(r"\w+=([\w.]*(?:date|_at|start|end|_from|_to|day))(?=\s|$)")


def test_dates_given_to_translated_text_name_their_format() -> None:
    offenders = []
    for path in _template_files():
        for block in BLOCK_WITH.finditer(path.read_text(encoding="utf-8")):
            offenders += [f"{path.name}: {m.group(0)}" for m in BARE_DATE.finditer(block.group(1))]
    assert offenders == [], 'give the date a named format (|date:"DATE_FORMAT"):\n' + "\n".join(offenders)


def test_the_blocktranslate_scan_catches_a_bare_date() -> None:
    text = "{% blocktranslate with start=heatmap.period.start end=x.end|date:'DATE_FORMAT' %}"
    (block,) = BLOCK_WITH.finditer(text)
    assert [m.group(1) for m in BARE_DATE.finditer(block.group(1))] == ["heatmap.period.start"]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_named_format_is_defined_for_every_language(language: str) -> None:
    module = importlib.import_module(f"folja.core.formats.{language}.formats")
    used = {fmt for _file, fmt, _text in _used_formats() if NAMED.match(fmt)}
    required = used | {"DATE_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT"}
    missing = sorted(name for name in required if not hasattr(module, name))
    assert missing == []


@pytest.mark.parametrize(
    ("language", "name", "value", "expected"),
    [
        ("sv", "DATE_FORMAT", DAY, "6 december 2026"),
        ("sv", "DATETIME_FORMAT", MOMENT, "21 oktober 2026 kl. 05.59"),
        ("sv", "TIME_FORMAT", MOMENT, "05.59"),
        ("sv", "WEEKDAY_DATE_FORMAT", DAY, "söndag 6 december 2026"),
        ("sv", "WEEKDAY_DATETIME_FORMAT", MOMENT, "onsdag 21 oktober 2026 kl. 05.59"),
        ("sv", "SHORT_MONTH_FORMAT", DAY, "dec"),
        ("en", "DATE_FORMAT", DAY, "6 December 2026"),
        ("en", "DATETIME_FORMAT", MOMENT, "21 October 2026, 05:59"),
        ("en", "TIME_FORMAT", MOMENT, "05:59"),
        ("en", "WEEKDAY_DATE_FORMAT", DAY, "Sunday 6 December 2026"),
        ("en", "WEEKDAY_DATETIME_FORMAT", MOMENT, "Wednesday 21 October 2026, 05:59"),
        ("en", "SHORT_MONTH_FORMAT", DAY, "Dec"),
    ],
)
def test_one_style_per_language(language: str, name: str, value: dt.date, expected: str) -> None:
    with translation.override(language):
        assert formats.date_format(value, name) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sv", "6 december 2026 · 21 oktober 2026 kl. 05.59 · 05.59"),
        ("en", "6 December 2026 · 21 October 2026, 05:59 · 05:59"),
    ],
)
def test_templates_render_the_language_style(language: str, expected: str) -> None:
    """The plain filters (no argument) and the named ones agree: one style per language."""
    template = Template('{{ day|date }} · {{ moment|date:"DATETIME_FORMAT" }} · {{ moment|time }}')
    with translation.override(language):
        assert template.render(Context({"day": DAY, "moment": MOMENT})) == expected


def test_swedish_pages_show_no_english_looking_month() -> None:
    """Swedish month names are lower case and written out: never "Okt", "Maj" or "Dec"."""
    template = Template('{% for d in days %}{{ d|date:"DATE_FORMAT" }} {{ d|date:"DATETIME_FORMAT" }} {% endfor %}')
    days = [dt.datetime(2026, month, 21, 10, 0) for month in range(1, 13)]
    with translation.override("sv"):
        text = template.render(Context({"days": days}))
    assert not re.search(r"\b(Jan|Feb|Mar|Apr|Maj|May|Jun|Jul|Aug|Sep|Okt|Oct|Nov|Dec)\b", text)
    assert "21 maj 2026" in text and "21 oktober 2026 kl. 10.00" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("sv", "måndag 7 december 2026 kl. 13.30"), ("en", "Monday 7 December 2026, 13:30")],
)
def test_a_notice_formats_its_stored_time_in_the_readers_language(language: str, expected: str) -> None:
    template = Template('{% load folja_dates %}{{ starts|stored_moment:"WEEKDAY_DATETIME_FORMAT" }}')
    with translation.override(language):
        assert template.render(Context({"starts": "2026-12-07 13:30"})) == expected
        assert template.render(Context({"starts": "not a time"})) == "not a time"
