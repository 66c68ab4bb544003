"""The staging functions' fast paths give the same answers as the general code."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from folja.directory import civic
from folja.sis.bulk import _random_uuids
from folja.sis.mapping import Warnings, normalise_civic, stage_person

TODAY = dt.date(2026, 1, 15)


def outcome(function, value):
    try:
        return function(value)
    except civic.InvalidCivicNumber:
        return "invalid"


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="0123456789", min_size=12, max_size=12),
        st.builds(
            lambda year, month, day, rest: f"{year}{month:02d}{day:02d}{rest}",
            st.integers(1890, 2026),
            st.integers(0, 13),
            st.integers(0, 92),
            st.text(alphabet="0123456789", min_size=4, max_size=4),
        ),
        st.text(alphabet="0123456789-+ ٣", min_size=10, max_size=13),
        # Temporary and reserve numbers: letters after the date, 99 and ten digits.
        st.text(alphabet="0123456789TFAtf-", min_size=10, max_size=13),
        st.builds(lambda rest: f"99{rest}", st.text(alphabet="0123456789", min_size=10, max_size=10)),
    )
)
def test_fast_civic_number_check_agrees_with_civic_normalise(value):
    assert outcome(lambda v: normalise_civic(v, TODAY), value) == outcome(lambda v: civic.parse(v, today=TODAY), value)


def test_a_valid_civic_number_passes_the_fast_path_unchanged():
    digits = "201501011234"[:11]
    value = digits + str(civic.luhn_digit(digits[2:11]))
    assert normalise_civic(value, TODAY) == civic.parse(value, today=TODAY) == (value, civic.PERSONNUMMER)


def test_person_staging_fails_closed_on_markings():
    base = {"id": "p1", "givenName": "Alva", "familyName": "Nilsson"}
    for marking in (None, "Sekretessmarkering", "Skyddad folkbokföring", "Skyddad", 7, "ingen"):
        item = dict(base) if marking is None else {**base, "securityMarking": marking}
        staged = stage_person(item, Warnings(), TODAY)
        assert staged.fields is None and staged.emails is None
    staged = stage_person({**base, "securityMarking": "Ingen"}, Warnings(), TODAY)
    assert staged.fields is not None and staged.fields[6] == "Ingen"


def test_bulk_uuids_are_random_version_4():
    stream = _random_uuids()
    values = [uuid.UUID(bytes=next(stream)) for _ in range(12000)]  # more than one batch
    assert all(value.version == 4 and value.variant == uuid.RFC_4122 for value in values)
    assert len(set(values)) == len(values)
