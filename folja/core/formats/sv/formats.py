"""Swedish date and time formats (Språkrådet, Svenska skrivregler): "6 december 2026 kl. 05.59"."""

DATE_FORMAT = "j F Y"  # 6 december 2026
DATETIME_FORMAT = r"j F Y \k\l. H.i"  # 6 december 2026 kl. 05.59
TIME_FORMAT = "H.i"  # 05.59
MONTH_DAY_FORMAT = "j F"  # 6 december
YEAR_MONTH_FORMAT = "F Y"  # december 2026
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-12-06 (tables and exports)
SHORT_DATETIME_FORMAT = "Y-m-d H.i"
# Följa's own names (django.utils.formats.get_format reads any name a format module sets).
WEEKDAY_DATE_FORMAT = "l j F Y"  # söndag 6 december 2026
WEEKDAY_DATETIME_FORMAT = r"l j F Y \k\l. H.i"  # söndag 6 december 2026 kl. 05.59
SHORT_MONTH_FORMAT = "b"  # dec (column labels where a whole name does not fit)
SHORT_YEAR_MONTH_FORMAT = "b Y"  # dec 2026
