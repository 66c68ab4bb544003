"""Reset for the demo world: delete all directory data and every row that points at it."""

from __future__ import annotations

from django.apps import apps
from django.db import connection, models


def _dependent_models() -> list[type[models.Model]]:
    """Return the directory models and every model that points at them, directly or through others.

    Ordered so that a model comes before the models it points at. The user model is left out:
    accounts of demo persons are deleted through the ORM first, other accounts are kept.
    """
    user_model = apps.get_model("accounts", "User")
    all_models = [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy and m is not user_model]
    chosen = {m for m in all_models if m._meta.app_label == "directory"}
    changed = True
    while changed:
        changed = False
        for model in all_models:
            if model in chosen:
                continue
            if any(f.related_model in chosen for f in model._meta.concrete_fields if f.is_relation):
                chosen.add(model)
                changed = True
    ordered: list[type[models.Model]] = []
    pending = set(chosen)
    while pending:
        # A model is ready when no other pending model points at it.
        ready = sorted(
            (
                m
                for m in pending
                if not any(
                    f.related_model is m
                    for other in pending
                    if other is not m
                    for f in other._meta.concrete_fields
                    if f.is_relation
                )
            ),
            key=lambda m: m._meta.db_table,
        )
        if not ready:  # pragma: no cover - a cycle between apps; delete the rest in name order
            ready = sorted(pending, key=lambda m: m._meta.db_table)
        ordered.extend(ready)
        pending.difference_update(ready)
    return ordered


def reset_world() -> None:
    """Delete all directory data and everything that points at it (demo reset only; in a transaction).

    This is for the demo world only: it also empties the audit log, which the application never
    does otherwise.
    """
    user_model = apps.get_model("accounts", "User")
    user_model.objects.filter(person__isnull=False).delete()
    audit_table = apps.get_model("access", "AuditRecord")._meta.db_table
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for model in _dependent_models():
            if model._meta.db_table not in existing:
                continue  # an app whose migrations have not run here yet
            table = connection.ops.quote_name(model._meta.db_table)
            if model._meta.db_table == audit_table:
                if connection.vendor == "postgresql":
                    # The append-only trigger (R11) rejects DELETE; TRUNCATE is the operator's way
                    # round it, used here for the demo reset only.
                    # Fire pending deferred FK checks first: TRUNCATE refuses a table with pending events.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute(f"TRUNCATE {table}")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                else:
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table name from the model registry
                continue
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table name from the model registry
