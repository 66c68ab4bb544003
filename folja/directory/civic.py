"""Swedish civic numbers (personnummer): normalise, validate, mask.

A civic number is sensitive: it is stored normalised as 12 digits, shown masked, and never
written to URLs, logs or error messages. Nothing here logs or raises with the value in it.
"""

from __future__ import annotations

import datetime as dt
import re

_SHAPE = re.compile(r"^(\d{2})?(\d{6})[-+]?(\d{4})$")


class InvalidCivicNumber(ValueError):
    """Raised for a value that is not a well-formed civic number (the value is not in the message)."""

    def __init__(self) -> None:
        super().__init__("not a valid civic number")


def luhn_digit(nine_digits: str) -> int:
    """Return the check digit for the nine digits YYMMDDNNN."""
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def normalise(value: str, *, today: dt.date | None = None) -> str:
    """Return the civic number as 12 digits, or raise InvalidCivicNumber.

    Accepts YYYYMMDD-NNNN, YYYYMMDDNNNN, YYMMDD-NNNN and YYMMDD+NNNN (100 years or older).
    Coordination numbers (day + 60) are accepted.
    """
    match = _SHAPE.match(value.strip().replace(" ", ""))
    if not match:
        raise InvalidCivicNumber()
    century, yymmdd, last4 = match.groups()
    if century is None:
        ref = today or dt.date.today()
        year = int(yymmdd[:2])
        full_year = (ref.year // 100) * 100 + year
        if full_year > ref.year:
            full_year -= 100
        if "+" in value:
            full_year -= 100
        century = str(full_year // 100)
    digits = century + yymmdd + last4
    day = int(digits[6:8])
    if day > 60:
        day -= 60
    try:
        dt.date(int(digits[:4]), int(digits[4:6]), day)
    except ValueError:
        raise InvalidCivicNumber() from None
    if luhn_digit(digits[2:11]) != int(digits[11]):
        raise InvalidCivicNumber()
    return digits


def is_valid(value: str) -> bool:
    try:
        normalise(value)
    except InvalidCivicNumber:
        return False
    return True


def mask(value: str | None) -> str:
    """Return the civic number as shown on screen: birth date, then four hidden digits."""
    if not value:
        return ""
    return f"{value[:8]}-••••"


def birth_date(value: str) -> dt.date:
    """Return the birth date encoded in a normalised civic number."""
    day = int(value[6:8])
    return dt.date(int(value[:4]), int(value[4:6]), day - 60 if day > 60 else day)
