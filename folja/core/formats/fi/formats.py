"""Finnish date and time formats (Kielikello's rules): "6. joulukuuta 2026 klo 5.59"."""

DATE_FORMAT = "j. E Y"  # 6. joulukuuta 2026
DATETIME_FORMAT = r"j. E Y \k\l\o G.i"  # 6. joulukuuta 2026 klo 5.59
TIME_FORMAT = "G.i"  # 5.59
MONTH_DAY_FORMAT = "j. E"  # 6. joulukuuta
YEAR_MONTH_FORMAT = "F Y"  # joulukuu 2026
SHORT_DATE_FORMAT = "j.n.Y"  # 6.12.2026
SHORT_DATETIME_FORMAT = "j.n.Y G.i"
# Följa's own names (folja/core/formats/__init__.py).
WEEKDAY_DATE_FORMAT = "l j. E Y"  # sunnuntai 6. joulukuuta 2026
WEEKDAY_DATETIME_FORMAT = r"l j. E Y \k\l\o G.i"
SHORT_MONTH_FORMAT = "b"
SHORT_YEAR_MONTH_FORMAT = "b Y"
