"""Persian date and time formats: "6 دسامبر 2026، ساعت 5:59" (Gregorian months, as Swedish dates are).

Month and weekday names come from Django's Persian catalogue. The page is right to left; a date is
one isolated run in it (`<time>` is `unicode-bidi: isolate` in app.css). Digits stay 0-9.
"""

DATE_FORMAT = "j F Y"  # 6 دسامبر 2026
DATETIME_FORMAT = "j F Y، \\س\\ا\\ع\\ت G:i"  # 6 دسامبر 2026، ساعت 5:59
TIME_FORMAT = "G:i"  # 5:59
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
SHORT_DATE_FORMAT = "Y/n/j"  # 2026/12/6
SHORT_DATETIME_FORMAT = "Y/n/j G:i"
# Följa's own names (folja/core/formats/__init__.py).
WEEKDAY_DATE_FORMAT = "l j F Y"  # یکشنبه 6 دسامبر 2026
WEEKDAY_DATETIME_FORMAT = "l j F Y، \\س\\ا\\ع\\ت G:i"
SHORT_MONTH_FORMAT = "F"
SHORT_YEAR_MONTH_FORMAT = "F Y"
