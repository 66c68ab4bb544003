"""Arabic date and time formats: "6 ديسمبر 2026، 05:59" (month names from Django's Arabic catalogue).

The page is right to left; a date is one isolated run in it (`<time>` is `unicode-bidi: isolate` in
app.css), so its parts keep their order. Digits stay Western Arabic (0-9) as Django writes them,
which Arabic readers in Sweden meet everywhere else (docs/languages.md).
"""

DATE_FORMAT = "j F Y"  # 6 ديسمبر 2026
DATETIME_FORMAT = "j F Y، H:i"  # 6 ديسمبر 2026، 05:59
TIME_FORMAT = "H:i"  # 05:59 (24 hours, as the preschool's own times are given)
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
SHORT_DATE_FORMAT = "d/m/Y"  # 06/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
# Följa's own names (folja/core/formats/__init__.py).
WEEKDAY_DATE_FORMAT = "l j F Y"  # الأحد 6 ديسمبر 2026
WEEKDAY_DATETIME_FORMAT = "l j F Y، H:i"
SHORT_MONTH_FORMAT = "F"  # Arabic month names have no customary abbreviations
SHORT_YEAR_MONTH_FORMAT = "F Y"
