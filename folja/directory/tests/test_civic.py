"""Civic numbers: normalising the accepted shapes, the Luhn check digit, masking."""

from __future__ import annotations

import datetime as dt

import pytest

from folja.directory import civic

TODAY = dt.date(2025, 10, 1)


def with_check_digit(yymmdd: str, serial: str) -> str:
    """Return YYMMDDNNN plus its check digit (ten digits, no separator)."""
    nine = yymmdd + serial
    return f"{nine}{civic.luhn_digit(nine)}"


def test_luhn_digit_matches_the_skatteverket_worked_example():
    # Skatteverket's worked example: 640823-323 gets check digit 4.
    assert civic.luhn_digit("640823323") == 4


def test_twelve_digits_with_hyphen_are_normalised_to_twelve_digits():
    assert civic.normalise("19640823-3234") == "196408233234"


def test_twelve_digits_without_separator_are_accepted_as_they_are():
    assert civic.normalise("196408233234") == "196408233234"


def test_short_form_with_hyphen_gets_the_century_of_the_last_hundred_years():
    assert civic.normalise("640823-3234", today=TODAY) == "196408233234"
    recent = with_check_digit("200315", "123")
    assert civic.normalise(f"{recent[:6]}-{recent[6:]}", today=TODAY) == f"20{recent}"


def test_short_form_with_plus_means_a_hundred_years_or_older():
    number = with_check_digit("200315", "123")
    assert civic.normalise(f"{number[:6]}+{number[6:]}", today=TODAY) == f"19{number}"


def test_wrong_check_digit_is_rejected():
    with pytest.raises(civic.InvalidCivicNumber):
        civic.normalise("19640823-3235")
    assert not civic.is_valid("196408233235")


def test_impossible_date_is_rejected_even_with_a_valid_check_digit():
    number = with_check_digit("250230", "123")  # 30 February
    with pytest.raises(civic.InvalidCivicNumber):
        civic.normalise(f"20{number}")


def test_malformed_values_are_rejected():
    for value in ("", "abc", "1964082332", "19640823-32345", "19640823/3234"):
        assert not civic.is_valid(value), value


def test_coordination_number_with_day_plus_sixty_is_accepted():
    number = "19" + with_check_digit("640883", "323")  # born 23 August 1964
    assert civic.normalise(number) == number
    assert civic.birth_date(number) == dt.date(1964, 8, 23)


def test_coordination_day_above_ninety_one_is_rejected():
    number = "19" + with_check_digit("640892", "323")
    assert not civic.is_valid(number)


def test_error_message_never_contains_the_number():
    with pytest.raises(civic.InvalidCivicNumber) as caught:
        civic.normalise("19640823-3235")
    assert "3235" not in str(caught.value)
    assert "640823" not in str(caught.value)


def test_mask_shows_the_birth_date_and_never_the_last_four_digits():
    masked = civic.mask("196408233234")
    assert masked == "19640823-••••"
    assert sum(char.isdigit() for char in masked) == 8
    assert not masked.endswith("3234")


def test_mask_of_a_missing_number_is_empty():
    assert civic.mask(None) == ""
    assert civic.mask("") == ""


def test_birth_date_is_read_from_a_normalised_number():
    assert civic.birth_date("196408233234") == dt.date(1964, 8, 23)
