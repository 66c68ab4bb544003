"""Small database expressions shared by the apps (portable between SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import JSONField, QuerySet, Subquery


class JSONList(Subquery):
    """A correlated subquery folded into one JSON array per outer row: `[]` when it has no rows.

    The inner queryset must select exactly one column, named `v`, holding a JSON object:
    `.values(v=JSONObject(...))`.
    Lists shown on a page (a post's goals, photos, named children) then arrive with the post in
    one query instead of one prefetch query each. The order of the elements is not defined: sort
    them in Python by a key the objects carry.
    """

    output_field = JSONField()

    def __init__(self, queryset: QuerySet, **extra: Any) -> None:
        super().__init__(queryset.order_by(), output_field=JSONField(), **extra)

    def as_sql(self, compiler, connection, template=None, **extra_context):  # noqa: ANN001, ANN201
        inner, params = self.query.as_sql(compiler, connection)
        if connection.vendor == "postgresql":
            sql = f"(SELECT COALESCE(JSONB_AGG(_j.\"v\"), '[]'::jsonb) FROM ({inner}) _j)"  # noqa: S608 - compiled SQL
        else:
            sql = f"(SELECT COALESCE(JSON_GROUP_ARRAY(JSON(_j.\"v\")), '[]') FROM ({inner}) _j)"  # noqa: S608
        return sql, params

    def get_group_by_cols(self):  # noqa: ANN201
        return []


def json_list(value: object) -> list[dict[str, Any]]:
    """Return the elements of a `JSONList` value as plain dicts, whatever the driver returned."""
    if value is None:
        return []
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return value
