"""The civic-number forms SS 12000 itself describes (Person.civicNo.value), read from the spec.

The spec is SIS copyright and never copied here: it is read from SS12000_SPEC or from the shared
folder next to the repository when present, and these tests are skipped otherwise.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from folja.directory import civic

CANDIDATES = [os.environ.get("SS12000_SPEC", ""), "/work/shared/ss12000/ss12000v2.1.0.yaml"]
SPEC = next((Path(p) for p in CANDIDATES if p and Path(p).is_file()), None)
pytestmark = pytest.mark.skipif(SPEC is None, reason="the SS 12000 v2.1 OpenAPI file is not on this machine")


def civic_no_description() -> str:
    import yaml  # test-only dependency

    schemas = yaml.safe_load(SPEC.read_text())["components"]["schemas"]
    return schemas["Person_civicNo"]["properties"]["value"]["description"]


def examples() -> list[str]:
    return re.findall(r"_Exempel: (\w+)_", civic_no_description())


def with_valid_check_digit(number: str) -> str:
    return number[:11] + str(civic.luhn_digit(number[2:11]))


def test_the_spec_describes_three_forms_and_each_is_understood():
    personnummer, samordningsnummer, temporary = examples()
    assert "tillfälligt personnummer" in civic_no_description()
    # The temporary form, letters after the date part, exactly as the spec gives it.
    assert civic.parse(temporary) == (temporary, civic.TEMPORARY)
    # The spec's numeric examples show the shape only: their last digit is no valid check digit.
    # With one, each is the form the spec says it is.
    assert civic.parse(with_valid_check_digit(personnummer))[1] == civic.PERSONNUMMER
    assert civic.parse(with_valid_check_digit(samordningsnummer))[1] == civic.SAMORDNINGSNUMMER
    assert int(samordningsnummer[6:8]) == int(personnummer[6:8]) + 60


def test_the_spec_s_numeric_examples_as_given_fit_no_form_and_would_be_reported():
    personnummer, samordningsnummer, _temporary = examples()
    for value in (personnummer, samordningsnummer):
        if civic.luhn_digit(value[2:11]) != int(value[11]):
            with pytest.raises(civic.InvalidCivicNumber):
                civic.parse(value)
        else:  # a later edition with valid digits
            assert civic.parse(value)[1] in civic.E_ID_KINDS
