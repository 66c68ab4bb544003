"""Swedish civic numbers in every form a SIS sends: normalise, classify, validate, mask.

Three forms, each with its own rules (`kind_of`, `parse`):

- **personnummer** (Skatteverket): YYYYMMDD + three-digit serial + Luhn check digit.
- **samordningsnummer** (coordination number, Skatteverket): as a personnummer, with 60 added
  to the day (born the 24th: day 84). Luhn check digit.
- **temporary**: the numbers a school register, SIS vendor or region issues to someone who has
  neither (SS 12000 `Person.civicNo.value`: "tillfälligt personnummer", whose positions after the
  date part may be letters, e.g. `20130101TF01`). Accepted shapes, all 12 characters once
  normalised: a real birth date YYYYMMDD followed by four letters or digits, at least one of them
  a letter (TF-numbers `…TF01`, `…T123`, Region Skåne's reserve numbers) — no check digit exists,
  so none is checked; and Region Stockholm's reserve numbers, twelve digits starting with 99,
  whose last digit is taken to be a Luhn check digit over the ten after the 99 (as a
  personnummer's). A temporary number is local to whoever issued it: it identifies a record in
  one register, never a person to an e-ID (`E_ID_KINDS`).

A civic number is sensitive: it is stored normalised (12 characters, letters upper case), shown
masked, and never written to URLs, logs or error messages. Nothing here logs or raises with the
value in it.
"""

from __future__ import annotations

import datetime as dt
import re

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"
TEMPORARY = "temporary"
KINDS = (PERSONNUMMER, SAMORDNINGSNUMMER, TEMPORARY)
# The forms an e-ID (BankID, Freja eID through the OIDC broker, SAML's personalIdentityNumber)
# can vouch for. A temporary number is never matched against an e-ID.
E_ID_KINDS = (PERSONNUMMER, SAMORDNINGSNUMMER)

_SHAPE = re.compile(r"^(\d{2})?(\d{6})[-+]?(\d{4})$")
# Any form: an optional century, six digits, a separator, then four digits or letters.
_ANY_SHAPE = re.compile(r"^(\d{2})?(\d{6})[-+]?([0-9A-Z]{4})$")
# A Region Stockholm reserve number: 99, then ten digits (the last a check digit).
_RESERVE_PREFIX = "99"


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


def _date_or_none(yyyymmdd: str, *, coordination: bool, today: dt.date) -> dt.date | None:
    """The date YYYYMMDD (day + 60 when `coordination`), or None when it is no date or in the future."""
    day = int(yyyymmdd[6:8])
    if coordination:
        day -= 60
    try:
        date = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), day)
    except ValueError:
        return None
    return date if date <= today else None


def _with_century(century: str | None, yymmdd: str, plus: bool, today: dt.date) -> str:
    if century is not None:
        return century
    year = int(yymmdd[:2])
    full_year = (today.year // 100) * 100 + year
    if full_year > today.year:
        full_year -= 100
    if plus:
        full_year -= 100
    return str(full_year // 100)


def parse(value: str, *, today: dt.date | None = None) -> tuple[str, str]:
    """Return (the normalised number, its kind) for any form a SIS sends, or raise InvalidCivicNumber.

    Accepts YYYYMMDD-XXXX, YYYYMMDDXXXX, YYMMDD-XXXX and YYMMDD+XXXX (100 years or older), spaces
    and lower-case letters; the result has 12 characters and upper-case letters.
    """
    if not isinstance(value, str):
        raise InvalidCivicNumber()
    cleaned = value.strip().replace(" ", "").upper()
    match = _ANY_SHAPE.match(cleaned)
    if not match:
        raise InvalidCivicNumber()
    century, yymmdd, last4 = match.groups()
    ref = today or dt.date.today()
    number = _with_century(century, yymmdd, "+" in cleaned, ref) + yymmdd + last4
    kind = _kind(number, ref)
    if kind is None:
        raise InvalidCivicNumber()
    return number, kind


def _kind(number: str, today: dt.date) -> str | None:
    """The kind of a 12-character upper-case number, or None when it fits no form."""
    if number.isdigit():
        if luhn_digit(number[2:11]) != int(number[11]):
            return None
        if number.startswith(_RESERVE_PREFIX):
            return TEMPORARY  # Region Stockholm: 99 + ten digits (no one is born in the year 99xx)
        if int(number[6:8]) > 60:
            return SAMORDNINGSNUMMER if _date_or_none(number[:8], coordination=True, today=today) else None
        return PERSONNUMMER if _date_or_none(number[:8], coordination=False, today=today) else None
    if not (number[:8].isdigit() and number[8:].isalnum() and number[8:].isascii()):
        return None
    return TEMPORARY if _date_or_none(number[:8], coordination=False, today=today) else None


def kind_of(number: str | None, *, today: dt.date | None = None) -> str:
    """Return the kind of a normalised number ("" for none); raise InvalidCivicNumber when it fits no form."""
    if not number:
        return ""
    if len(number) != 12 or number != number.upper():
        raise InvalidCivicNumber()
    kind = _kind(number, today or dt.date.today())
    if kind is None:
        raise InvalidCivicNumber()
    return kind


def normalise(value: str, *, today: dt.date | None = None) -> str:
    """Return a personnummer or samordningsnummer as 12 digits, or raise InvalidCivicNumber.

    The e-ID forms only (`E_ID_KINDS`): what BankID, Freja eID and SAML assertions carry, and
    what the test e-ID takes. A temporary number raises, as any other non-e-ID value does.
    Accepts YYYYMMDD-NNNN, YYYYMMDDNNNN, YYMMDD-NNNN and YYMMDD+NNNN (100 years or older).
    """
    if not isinstance(value, str) or not _SHAPE.match(value.strip().replace(" ", "")):
        raise InvalidCivicNumber()
    number, kind = parse(value, today=today)
    if kind not in E_ID_KINDS:
        raise InvalidCivicNumber()
    return number


def is_valid(value: str) -> bool:
    """Whether the value is a personnummer or samordningsnummer (the e-ID forms)."""
    try:
        normalise(value)
    except InvalidCivicNumber:
        return False
    return True


def mask(value: str | None) -> str:
    """Return the civic number as shown on screen, whatever its form: the first eight, then four hidden.

    The first eight are the birth date (day + 60 for a samordningsnummer, 99YYMMDD for a
    Stockholm reserve number); the four hidden are the serial and check digit, or a temporary
    number's letters.
    """
    if not value:
        return ""
    return f"{value[:8]}-••••"


def birth_date(value: str) -> dt.date | None:
    """Return the birth date encoded in a normalised civic number, None when it encodes none."""
    if value.startswith(_RESERVE_PREFIX):
        return None  # a Stockholm reserve number: 99 and a serial, no century
    day = int(value[6:8])
    try:
        return dt.date(int(value[:4]), int(value[4:6]), day - 60 if day > 60 else day)
    except ValueError:
        return None
