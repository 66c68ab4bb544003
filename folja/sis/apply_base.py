"""What every step of the SIS apply shares (folja.sis.apply): the fields it compares, batch
sizes and the helpers that read stored rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from folja.directory.models import (
    Address,
    Email,
    Phone,
)
from folja.sis.bulk import CHUNK
from folja.sis.mapping import (
    PERSON_FIELDS,
)
from folja.sis.staging import PkSet

PERSON_QUERY_FIELDS = ("pk", *PERSON_FIELDS, "sealed_at", "sis_digest")
CONTACT_KINDS = (
    ("emails", Email, ("value", "type")),
    ("phones", Phone, ("value", "type", "mobile")),
    ("addresses", Address, ("type", "street_address", "postal_code", "locality", "country", "municipality_code")),
)
BATCH = 2000
GROUP_BATCH = 500
# bulk_update builds one CASE per field over the batch: small batches keep it from going quadratic.
UPDATE_BATCH = 200
PLACEMENT_FIELDS = ("child_id", "school_unit_id", "group_id", "school_type", "start_date", "end_date")
DUTY_FIELDS = ("person_id", "school_unit_id", "duty_role", "signature", "start_date", "end_date")
GROUP_FIELDS = ("display_name", "group_type", "school_type", "start_date", "end_date")

# A membership or an assignment as the apply compares it: (group, person, start) and (duty, group, role, start).
MembershipKey = tuple[int, int, dt.date]


def _stored(row: tuple) -> tuple:
    """What a person page compares of a stored person (a PERSON_QUERY_FIELDS row).

    (civic number, sealed_at, hash of PERSON_FIELDS, stored digest). A hash instead of the
    values: a 64-bit collision (never seen) would skip one update.
    """
    return (row[4], row[-2], hash(row[1:-2]), row[-1])


def _plain_rows(qs: QuerySet) -> list[tuple]:
    """The rows of a `values_list` of text and integer columns, straight from the cursor.

    Skips Django's per-row conversion, which such columns do not need (a date or a JSON column
    would: never use this for them); a page of 5,000 SIS ids is read in about half the time.
    """
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _unseen(qs: QuerySet, seen: PkSet) -> Iterator[int]:
    """The pks of the rows of `qs` that are not in `seen` (a full run: what the SIS no longer returns)."""
    return (pk for pk in qs.values_list("pk", flat=True).iterator(chunk_size=CHUNK) if pk not in seen)


def _stored_for(qs: QuerySet, page: list[Any], fields: tuple[str, ...]) -> dict[str, tuple]:
    """The rows stored for a page of staged entities: SIS id -> the values of `fields`."""
    rows = qs.filter(sis_id__any=[staged.sis_id for staged in page]).values_list("sis_id", *fields)
    return {row[0]: row[1:] for row in rows}
