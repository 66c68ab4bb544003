"""Följa's date and time formats per language (Django's FORMAT_MODULE_PATH, config/settings.py).

One style per language, named so that templates say what they show, never how:
`{{ day|date:"DATE_FORMAT" }}`, `{{ moment|date:"DATETIME_FORMAT" }}`, `{{ moment|time }}`.
Swedish follows Språkrådet's Svenska skrivregler: month names in lower case, no abbreviations in
running text ("6 december 2026"), the time of day with a full stop after "kl." ("kl. 05.59").
English uses day-month-year with the month written out ("6 December 2026, 05:59"), never the
ambiguous numeric American order. Formats a language does not set here fall back to Django's own
module for it (input formats, separators). `folja/core/tests/test_dates_format.py` checks that
every name a template uses is defined for every language.
"""
