"""English date and time formats, day before month: "6 December 2026, 05:59"."""

DATE_FORMAT = "j F Y"  # 6 December 2026
DATETIME_FORMAT = "j F Y, H:i"  # 6 December 2026, 05:59
TIME_FORMAT = "H:i"  # 05:59
MONTH_DAY_FORMAT = "j F"  # 6 December
YEAR_MONTH_FORMAT = "F Y"  # December 2026
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-12-06 (tables and exports)
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
# Följa's own names (django.utils.formats.get_format reads any name a format module sets).
WEEKDAY_DATE_FORMAT = "l j F Y"  # Sunday 6 December 2026
WEEKDAY_DATETIME_FORMAT = "l j F Y, H:i"  # Sunday 6 December 2026, 05:59
SHORT_MONTH_FORMAT = "M"  # Dec
SHORT_YEAR_MONTH_FORMAT = "M Y"  # Dec 2026
