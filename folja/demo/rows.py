"""How the demo world's rows are written (folja.demo.builder): in chunks, with COPY on
PostgreSQL, so that a municipality of 150,000 children builds in minutes."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, models

from folja.demo.plan import BATCH_SIZE
from folja.directory.models import (
    Address,
    Duty,
    DutyAssignment,
    Email,
    GroupMembership,
    Guardianship,
    Person,
    PersonSisId,
    Phone,
    Placement,
)


@dataclass
class _Chunk:
    """Rows waiting to be written, in foreign-key order."""

    persons: list[Person] = field(default_factory=list)
    sis_ids: list[PersonSisId] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    assignments: list[DutyAssignment] = field(default_factory=list)
    guardianships: list[Guardianship] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    memberships: list[GroupMembership] = field(default_factory=list)

    def flush(self) -> None:
        """Write all rows with bulk inserts; persons and duties first so their pks exist."""
        for rows in (
            self.persons,
            self.sis_ids,
            self.emails,
            self.phones,
            self.addresses,
            self.duties,
            self.assignments,
            self.guardianships,
            self.placements,
            self.memberships,
        ):
            _insert(rows)
            rows.clear()


def _insert(rows: list[models.Model]) -> None:
    """Insert the rows and set their primary keys: COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    model = type(rows[0])
    if connection.vendor == "postgresql":
        _copy(model, rows)
        return
    model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    if rows[0].pk is None:  # pragma: no cover - only on databases that cannot return ids
        raise RuntimeError("the database did not return primary keys from bulk_create")


def _copy(model: type[models.Model], rows: list[models.Model]) -> None:
    """Write rows with COPY (several times faster than INSERT at this volume).

    COPY returns no ids, so the ids are drawn from the table's sequence first, in one query.
    """
    meta = model._meta
    fields = meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for obj, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            obj.pk = pk
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        getters = [_copy_value(f) for f in fields]
        with cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in rows:
                copy.write_row([get(obj) for get in getters])
    for obj in rows:
        obj._state.adding = False
        obj._state.db = connection.alias


def _copy_value(field: models.Field):  # noqa: ANN202 - returns a getter
    """Return a function that reads the field's database value from an object about to be copied."""
    if field.is_relation:
        attname = field.attname

        def related(obj: models.Model) -> object:
            value = getattr(obj, attname)
            if value is None:
                # Assigned before the related row had its id (it has one now).
                target = field.get_cached_value(obj, None)
                value = target.pk if target is not None else None
                setattr(obj, attname, value)
            return value

        return related
    if isinstance(field, models.JSONField):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    return lambda obj: field.pre_save(obj, True)
