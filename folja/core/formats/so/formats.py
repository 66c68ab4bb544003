"""Somali date and time formats: digits only, "06/12/2026, 05:59".

Django ships no Somali catalogue, so a month or weekday name would come out in the fallback
language (Swedish); dates are written with digits, day first, as Somali writing does
(docs/languages.md). Somali is not in Django's own LANG_INFO either: config/settings.py adds it.
"""

DATE_FORMAT = "d/m/Y"  # 06/12/2026
DATETIME_FORMAT = "d/m/Y, H:i"  # 06/12/2026, 05:59
TIME_FORMAT = "H:i"  # 05:59
MONTH_DAY_FORMAT = "d/m"  # 06/12
YEAR_MONTH_FORMAT = "m/Y"  # 12/2026
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
# Följa's own names (folja/core/formats/__init__.py).
WEEKDAY_DATE_FORMAT = "d/m/Y"  # no weekday: its name would not be Somali
WEEKDAY_DATETIME_FORMAT = "d/m/Y, H:i"
SHORT_MONTH_FORMAT = "m"
SHORT_YEAR_MONTH_FORMAT = "m/Y"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
FIRST_DAY_OF_WEEK = 6  # Saturday
