"""Recording reads of child data (R11). Only staff reads are recorded; one INSERT per request."""

from __future__ import annotations

import functools
import uuid as uuid_module
from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from folja.access.models import AuditAction, AuditRecord
from folja.accounts.roles import Role, Viewer
from folja.core.db import array_literal
from folja.core.precompiled import prepared_cursor
from folja.directory.models import Organisation, Person


def record_reads(
    viewer: Viewer,
    action: AuditAction,
    child_ids: Iterable[int],
    *,
    object_type: str = "",
    object_uuid: uuid_module.UUID | None = None,
    school_unit: Organisation | None = None,
) -> None:
    """Write one audit record per child for a staff member's read; guardians' reads are not recorded."""
    if viewer.role != Role.STAFF:
        return
    children = sorted(set(child_ids))
    if children:
        _write(viewer, action, children, object_type, object_uuid, _unit_id(school_unit))


def record_post_reads(
    viewer: Viewer,
    action: AuditAction,
    child_ids: Iterable[int],
    *,
    post_unit_id: int,
    object_type: str = "",
    object_uuid: uuid_module.UUID | None = None,
) -> None:
    """Record a staff member's read of a post (or its media) for each named child the reader sees
    there, each under the unit the reader is connected to that child at: the post's own unit
    (R1), or the receiving unit that R8 shares it with. So "Vem har läst" names the reader's unit.
    `child_ids` must be the children the reader sees named (policy.named_children_visible_on_post)."""
    if viewer.role != Role.STAFF:
        return
    from folja.access.policy import reading_units

    for unit_id, children in sorted(reading_units(viewer, child_ids, post_unit_id).items()):
        _write(viewer, action, sorted(children), object_type, object_uuid, unit_id)


def record_action(
    viewer: Viewer,
    action: AuditAction,
    child_ids: Iterable[int],
    *,
    object_type: str = "",
    object_uuid: uuid_module.UUID | None = None,
    school_unit: Organisation | None = None,
) -> None:
    """Write audit records for a write (publish, edit, delete, hide) by any role; one without a child if none."""
    children: list[int | None] = sorted(set(child_ids)) or [None]
    _write(viewer, action, children, object_type, object_uuid, _unit_id(school_unit))


def _unit_id(school_unit: Organisation | int | None) -> int | None:
    return school_unit.pk if isinstance(school_unit, Organisation) else school_unit


def _write(
    viewer: Viewer,
    action: AuditAction,
    child_ids: list[int | None],
    object_type: str,
    object_uuid: uuid_module.UUID | None,
    school_unit_id: int | None,
) -> None:
    """Write one record per child, in one INSERT: on PostgreSQL a prepared statement that takes
    the children as one array (making the records as model objects and compiling their INSERT
    cost 0.55 ms of CPU on a staff list page, about a tenth of the page's CPU under load)."""
    if connection.vendor != "postgresql":
        fields = {"actor": viewer.person, "actor_role": viewer.role, "action": action, "object_type": object_type}
        fields.update(object_uuid=object_uuid, school_unit_id=school_unit_id)
        _insert([AuditRecord(child_id=child_id, **fields) for child_id in child_ids])
        return
    params = [
        timezone.now(),  # as auto_now_add: the application's clock
        viewer.person.pk,
        str(viewer.role),
        # One array literal, cast by PostgreSQL (psycopg would adapt the list element by element).
        array_literal(child_ids) if None not in child_ids else child_ids,
        str(action),
        object_type,
        object_uuid,
        school_unit_id,
    ]
    with prepared_cursor(connection) as cursor:
        cursor.execute(_insert_sql(), params)


_COLUMNS = ("at", "actor", "actor_role", "child", "action", "object_type", "object_uuid", "school_unit")


@functools.cache
def _insert_sql() -> str:
    """The INSERT of `_write` on PostgreSQL (built once)."""
    columns = ", ".join(connection.ops.quote_name(AuditRecord._meta.get_field(name).column) for name in _COLUMNS)
    return (
        f"INSERT INTO {connection.ops.quote_name(AuditRecord._meta.db_table)} ({columns})"
        " SELECT %s::timestamptz, %s::bigint, %s::varchar, unnest(%s::bigint[]), %s::varchar, %s::varchar,"
        " %s::uuid, %s::bigint"
    )


def _insert(records: list[AuditRecord]) -> None:
    """Write the records in one INSERT where they fit in one (SQLite; see _write).

    `bulk_create` wraps even one statement in a transaction of its own: two more round trips to
    the database on each request. One statement is atomic by itself; more than one batch keeps
    the transaction, so a read is recorded whole or not at all.
    """
    fields = [field for field in AuditRecord._meta.concrete_fields if not field.primary_key]
    if len(records) <= connection.ops.bulk_batch_size(fields, records):
        AuditRecord.objects._insert(records, fields=fields)  # bulk_create's own step, without the transaction
    else:
        AuditRecord.objects.bulk_create(records)


def reads_of_child(child: Person) -> QuerySet[AuditRecord]:
    """Return the staff reads of a child's documentation, newest first ("Vem har läst")."""
    return (
        AuditRecord.objects.filter(child=child, actor_role=Role.STAFF)
        .filter(action__in=[a for a in AuditAction.values if a.startswith("read_")])
        .select_related("actor", "school_unit")
    )
