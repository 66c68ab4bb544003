"""Recording reads of child data (R11). Only staff reads are recorded; one INSERT per read."""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable
from contextlib import nullcontext

from django.db import connection, transaction
from django.db.models import Case, Expression, F, Max, QuerySet, UUIDField, Value, When
from django.db.models.functions import TruncDate
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


def read_summary(child: Person, *, post_of_media: Expression) -> QuerySet:
    """Summarise the staff reads of a child's documentation for its guardians ("Vem har läst"):
    one row per local day, staff member, the unit they read at and item read, newest first.

    An item is what the staff member opened: a post (a media file counts as the post it belongs
    to: `post_of_media` gives the post's uuid for the record's media uuid), a talk, the contact
    details, the timeline. Every read of the same item that day counts once (`last_at` is the
    latest). The log itself stays complete; this only groups it. Rows are dicts: day, kind
    (an AuditAction value), item (uuid or None), actor, actor_given_name, actor_family_name,
    actor_sealed_at, unit_name, last_at, and opened (1 when the post itself was opened that day,
    0 when only its pictures were seen, on a list page for instance)."""
    kind = Case(When(action=AuditAction.READ_MEDIA, then=Value(str(AuditAction.READ_POST))), default=F("action"))
    item = Case(
        When(action=AuditAction.READ_MEDIA, then=post_of_media), default=F("object_uuid"), output_field=UUIDField()
    )
    return (
        reads_of_child(child)
        .select_related(None)
        .order_by()
        .annotate(
            day=TruncDate("at"),
            kind=kind,
            item=item,
            actor_given_name=F("actor__given_name"),
            actor_family_name=F("actor__family_name"),
            actor_sealed_at=F("actor__sealed_at"),
            unit_name=F("school_unit__display_name"),
        )
        .values("day", "actor", "actor_given_name", "actor_family_name", "actor_sealed_at", "unit_name", "kind", "item")
        .annotate(last_at=Max("at"), opened=Max(Case(When(action=AuditAction.READ_POST, then=1), default=0)))
        .order_by("-day", "-last_at", "actor", "kind")
    )
