"""Ukrainian date and time formats: "6 грудня 2026 р., 05:59" (the month in the genitive, "E")."""

DATE_FORMAT = "j E Y р."  # 6 грудня 2026 р.
DATETIME_FORMAT = "j E Y р., H:i"  # 6 грудня 2026 р., 05:59
TIME_FORMAT = "H:i"  # 05:59
MONTH_DAY_FORMAT = "j E"  # 6 грудня
YEAR_MONTH_FORMAT = "F Y"  # грудень 2026
SHORT_DATE_FORMAT = "d.m.Y"  # 06.12.2026
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
# Följa's own names (folja/core/formats/__init__.py).
WEEKDAY_DATE_FORMAT = "l, j E Y р."  # неділя, 6 грудня 2026 р.
WEEKDAY_DATETIME_FORMAT = "l, j E Y р., H:i"
SHORT_MONTH_FORMAT = "b"  # гру
SHORT_YEAR_MONTH_FORMAT = "b Y"
