"""Small database expressions shared by the apps (portable between SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.db.models import Field, ForeignObject, Lookup, QuerySet, Subquery, TextField


class RawJSONField(TextField):
    """A JSON value read as the text the database wrote (no decoding): for values that are often
    only compared or hashed, and decoded by their reader when needed (`orjson.loads`)."""


class JSONList(Subquery):
    """A correlated subquery folded into one JSON array per outer row: `[]` when it has no rows,
    read as the array's text (decode it with `orjson.loads` where the elements are needed).

    The inner queryset must select exactly one column, named `v`, holding a JSON object:
    `.values(v=JSONObject(...))`.
    Lists shown on a page (a post's goals, photos, named children) then arrive with the post in
    one query instead of one prefetch query each. The order of the elements is not defined: sort
    them in Python by a key the objects carry.
    """

    output_field = RawJSONField()

    def __init__(self, queryset: QuerySet, **extra: Any) -> None:
        super().__init__(queryset.order_by(), output_field=RawJSONField(), **extra)

    def as_sql(self, compiler, connection, template=None, **extra_context):  # noqa: ANN001, ANN201
        inner, params = self.query.as_sql(compiler, connection)
        if connection.vendor == "postgresql":
            sql = f"(SELECT COALESCE(JSONB_AGG(_j.\"v\"), '[]'::jsonb) FROM ({inner}) _j)"  # noqa: S608 - compiled SQL
        else:
            sql = f"(SELECT COALESCE(JSON_GROUP_ARRAY(JSON(_j.\"v\")), '[]') FROM ({inner}) _j)"  # noqa: S608
        return sql, params

    def get_group_by_cols(self):  # noqa: ANN201
        return []


def array_literal(values: list[Any]) -> Any:
    """Return a list of strings or of integers as one PostgreSQL array literal, else the list itself.

    psycopg adapts a list element by element in Python (about 2 µs each: 10 ms for the 5,000 SIS
    ids of a page); the literal is one string joined in C, cast by PostgreSQL. Strings holding a
    double quote or a backslash (never in an SIS id seen so far) keep the list.
    """
    if all(type(value) is int for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    try:
        joined = '","'.join(values)
    except TypeError:
        return values
    if joined.count('"') != 2 * (len(values) - 1) or "\\" in joined:  # a value holds a quote or a backslash
        return values
    return '{"' + joined + '"}'


class AnyOf(Lookup):
    """`field__any=values`: the field is one of the values, like `__in`, for long lists.

    On PostgreSQL the list goes as one array parameter, `= ANY(%s)`, instead of a placeholder
    per value: a list of 5,000 SIS ids is bound, parsed and planned in a fraction of the time
    (the SIS import looks persons up a page at a time). The values are given as the database
    stores them (strings, integers): they are not converted one by one. Elsewhere it is `IN`.
    """

    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return list(self.rhs)

    def as_sql(self, compiler, connection):  # noqa: ANN001, ANN201
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = self.rhs
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            # Cast to the column's own type: psycopg types a list of small integers as smallint[],
            # and `bigint = ANY(smallint[])` keeps PostgreSQL from using the column's index.
            db_type = self.lhs.output_field.db_type(connection)
            return f"{lhs} = ANY(%s::{db_type}[])", [*lhs_params, array_literal(values)]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # foreign keys take only the lookups registered on them


@contextmanager
def index_lookups(using: str = "default") -> Iterator[None]:
    """Plan the block's queries without sequential scans where an index can answer (PostgreSQL).

    For looking up a bounded batch of keys through their index (the SIS import reads a page of
    5,000 SIS ids at a time): PostgreSQL's default cost model prefers reading the whole table once
    a batch has a few thousand keys, which measured five to seven times slower than the index
    (43–56 ms against 8.5 ms for 5,000 ids among 414,000 links) and grows with the table. A table
    without a usable index is still read whole. JIT compilation is turned off with it: the planner
    prices a disabled scan at 10^10, far above `jit_above_cost`, so every lookup of the block
    would be compiled first (20-90 ms each, measured, for a 5-50 ms lookup). Inside a transaction
    only (the settings are local to it), restored when the block ends; elsewhere the block runs
    unchanged.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('jit'),"
            " set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)"
        )
        previous = cursor.fetchone()[:2]
    try:
        yield
    except BaseException:
        # When the block failed in the database, the transaction is aborted and the settings go with
        # its rollback; a restoring statement would only raise again and hide the first error.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true), set_config('jit', %s, true)", list(previous))
        raise
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_seqscan', %s, true), set_config('jit', %s, true)", list(previous))
