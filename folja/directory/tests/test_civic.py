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


# -- every form a SIS sends: personnummer, samordningsnummer, temporary and reserve numbers ------


def coordination(yyyymmdd: str, serial: str) -> str:
    """Return a samordningsnummer for the birth date (day + 60) with its check digit."""
    shifted = f"{yyyymmdd[:6]}{int(yyyymmdd[6:]) + 60:02d}"
    return shifted[:2] + with_check_digit(shifted[2:], serial)


def test_parse_names_the_form_of_a_personnummer_and_a_samordningsnummer():
    assert civic.parse("19640823-3234", today=TODAY) == ("196408233234", civic.PERSONNUMMER)
    number = coordination("19640823", "323")
    assert number[6:8] == "83"
    assert civic.parse(number, today=TODAY) == (number, civic.SAMORDNINGSNUMMER)
    assert civic.parse(f"{number[2:8]}-{number[8:]}", today=TODAY) == (number, civic.SAMORDNINGSNUMMER)
    assert civic.kind_of(number) == civic.SAMORDNINGSNUMMER


def test_samordningsnummer_with_a_wrong_check_digit_or_no_date_is_rejected():
    number = coordination("19640823", "323")
    wrong = number[:11] + str((int(number[11]) + 1) % 10)
    assert_invalid(wrong)
    assert_invalid("19" + with_check_digit("640290", "323"))  # 30 February + 60


def test_temporary_numbers_from_the_spec_and_the_registers_are_understood():
    # SS 12000's own example, and the shapes school registers and regions issue.
    assert civic.parse("20130101TF01", today=TODAY) == ("20130101TF01", civic.TEMPORARY)
    assert civic.parse("20130101-TF01", today=TODAY) == ("20130101TF01", civic.TEMPORARY)
    assert civic.parse(" 130101-tf01 ", today=TODAY) == ("20130101TF01", civic.TEMPORARY)
    assert civic.parse("20130101-T123", today=TODAY) == ("20130101T123", civic.TEMPORARY)  # T and three digits
    assert civic.parse("20130101-1A23", today=TODAY) == ("201301011A23", civic.TEMPORARY)  # Skåne: one letter
    assert civic.kind_of("20130101TF01") == civic.TEMPORARY


def test_temporary_numbers_have_no_check_digit_so_any_final_characters_pass():
    # Every TF number of a date is accepted: there is no Luhn digit to check.
    for serial in ("TF00", "TF01", "TF09", "TF99", "TP17"):
        assert civic.parse(f"20130101{serial}", today=TODAY)[1] == civic.TEMPORARY


def test_temporary_numbers_need_a_real_birth_date_that_has_been():
    for value in ("20130230TF01", "20131301TF01", "20130100TF01", "20251002TF01", "20130161TF01"):
        assert_invalid(value)


def test_stockholm_reserve_numbers_are_temporary_with_a_luhn_check():
    nine = "130101123"
    number = f"99{nine}{civic.luhn_digit(nine)}"
    assert civic.parse(number, today=TODAY) == (number, civic.TEMPORARY)
    assert_invalid(f"99{nine}{(civic.luhn_digit(nine) + 1) % 10}")
    assert civic.birth_date(number) is None  # 99 and a serial: no century, no birth date


def test_values_that_fit_no_form_are_rejected():
    for value in ("20130101", "20130101TF0", "20130101TF012", "2013-01-01-TF01", "20130101ÅÄ01", "2013010ATF01"):
        assert_invalid(value)
    assert_invalid(None)  # type: ignore[arg-type]


def test_the_e_id_forms_exclude_temporary_numbers():
    assert civic.E_ID_KINDS == (civic.PERSONNUMMER, civic.SAMORDNINGSNUMMER)
    # normalise is what sign-in uses: a temporary or reserve number is no e-ID identity.
    for value in ("20130101TF01", "20130101-T123", "99" + with_check_digit("130101", "123")):
        with pytest.raises(civic.InvalidCivicNumber):
            civic.normalise(value, today=TODAY)
    assert civic.normalise(coordination("19640823", "323"), today=TODAY) == coordination("19640823", "323")


def test_mask_hides_the_last_four_of_every_form():
    assert civic.mask("20130101TF01") == "20130101-••••"
    assert civic.mask(coordination("19640823", "323")) == "19640883-••••"
    reserve = "99" + with_check_digit("130101", "123")
    assert civic.mask(reserve) == f"{reserve[:8]}-••••"
    for value in ("20130101TF01", reserve, coordination("19640823", "323")):
        assert value[8:] not in civic.mask(value)


def test_birth_date_of_a_temporary_number_is_its_date_part():
    assert civic.birth_date("20130101TF01") == dt.date(2013, 1, 1)


def test_an_error_never_names_a_temporary_number():
    with pytest.raises(civic.InvalidCivicNumber) as caught:
        civic.parse("20130230TF01", today=TODAY)
    assert "TF01" not in str(caught.value) and "0230" not in str(caught.value)


def test_kind_of_refuses_what_is_not_normalised():
    for value in ("20130101tf01", "19640823-3234", "196408233235"):
        with pytest.raises(civic.InvalidCivicNumber):
            civic.kind_of(value)
    assert civic.kind_of(None) == civic.kind_of("") == ""


def assert_invalid(value: str) -> None:
    with pytest.raises(civic.InvalidCivicNumber):
        civic.parse(value, today=TODAY)


@pytest.mark.django_db
def test_a_person_saved_with_a_number_gets_its_kind_and_the_database_refuses_a_mismatch():
    from django.db import IntegrityError, transaction

    from folja.directory.models import Person

    temporary = Person.objects.create(given_name="Nour", family_name="Haddad", civic_number="20130101TF01")
    assert temporary.civic_number_kind == civic.TEMPORARY
    coordinated = Person.objects.create(
        given_name="Sami", family_name="Haddad", civic_number=coordination("19850101", "115")
    )
    assert coordinated.civic_number_kind == civic.SAMORDNINGSNUMMER
    nobody = Person.objects.create(given_name="Ali", family_name="Haddad", civic_number="")
    assert nobody.civic_number is None and nobody.civic_number_kind == ""
    with pytest.raises(civic.InvalidCivicNumber):
        Person.objects.create(given_name="X", family_name="Y", civic_number="20130230TF01")
    for number, kind in (
        ("20130101TF02", civic.PERSONNUMMER),
        (None, civic.TEMPORARY),
        ("20130101tf03", civic.TEMPORARY),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Person.objects.bulk_create(
                [Person(given_name="X", family_name="Y", civic_number=number, civic_number_kind=kind)]
            )
