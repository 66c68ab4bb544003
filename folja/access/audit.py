"""Recording reads of child data (R11). Only staff reads are recorded; one INSERT per read."""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable
from contextlib import nullcontext

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from folja.access.models import AuditAction, AuditRecord
from folja.access.policy import reading_units
from folja.access.roles import Role, Viewer
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
    `child_ids` must be the children the reader sees named (post_policy.named_children_visible_on_post)."""
    if viewer.role != Role.STAFF:
        return
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


_COLUMNS = ("at", "actor", "actor_role", "child", "action", "object_type", "object_uuid", "school_unit")


def _write(
    viewer: Viewer,
    action: AuditAction,
    child_ids: list[int | None],
    object_type: str,
    object_uuid: uuid_module.UUID | None,
    school_unit_id: int | None,
) -> None:
    """Write one record per child: one INSERT statement, atomic by itself, for up to BATCH children
    (a read is recorded whole or not at all), more statements in one transaction beyond that."""
    fields = [AuditRecord._meta.get_field(name) for name in _COLUMNS]
    common = [timezone.now(), viewer.person.pk, str(viewer.role)]
    rows = [[*common, child_id, str(action), object_type, object_uuid, school_unit_id] for child_id in child_ids]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(AuditRecord._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # noqa: S608
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with transaction.atomic() if len(rows) > BATCH else nullcontext(), connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            params = [field.get_db_prep_value(value, connection) for row in batch for field, value in zip(fields, row)]  # noqa: B905
            cursor.execute(head + ", ".join([one_row] * len(batch)), params)


BATCH = 500


def reads_of_child(child: Person) -> QuerySet[AuditRecord]:
    """Return the staff reads of a child's documentation, newest first ("Vem har läst")."""
    return (
        AuditRecord.objects.filter(child=child, actor_role=Role.STAFF)
        .filter(action__in=[a for a in AuditAction.values if a.startswith("read_")])
        .select_related("actor", "school_unit")
    )
