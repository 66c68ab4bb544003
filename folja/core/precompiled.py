"""Filters and columns compiled to SQL once per shape, then reused with each request's values.

Building and compiling a Django queryset costs more than running it on the list pages: the
staff filter (R1 per unit, R8 with consent and windows) is a dozen nested subqueries, and the
list columns five more. Their SQL depends on the viewer only through *values* (child ids, unit
ids, dates) and the *shape* of those values (how many children per unit, whether R8 applies),
so this module compiles a builder's expression once per shape with stand-in values and then
fills in the real ones:

    precompiled(Post, "staff-posts", build, args)  # -> an expression for .filter() / .values()
    precompiled_rows("timeline-page", build, args)  # -> the rows of a whole .values() query

`build(args)` must be a pure function of `args`: its output may depend on the values only
through their shape (types, list lengths, None, strings and booleans, which are part of the
shape). Everything that varies goes in `args` as ints, dates, UUIDs or (nested) tuples of them.

Why it is safe:
- The builder is compiled twice with two different sets of stand-ins (odd and even, far apart).
  The SQL must come out the same, every stand-in must reappear only as a parameter and every
  parameter must be either one stand-in or the same constant both times; otherwise the
  builder's expression is used as it is (the ordinary path). This catches a value written into
  the SQL or shaping it in the usual ways; a builder that computed constants from its values
  could still slip through, which is why purity is the contract and builders stay plain.
- The compiled SQL refers to the model's table by its name. Used in a query whose first table
  is that name (a top-level query on the model), it goes in as it is: the same SQL Django would
  write. Anywhere else (inside a subquery, where Django renames tables) it is wrapped in its own
  scope (`pk IN (SELECT pk FROM table WHERE …)`, `(SELECT … FROM table WHERE pk = outer.pk)`),
  which means the same whatever the outer query calls its tables.
- Tests compare the SQL and parameters with the ordinary compilation for the policy's builders.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from threading import Lock
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import BooleanField, Expression, Q, QuerySet
from django.db.models.query import ValuesIterable

logger = logging.getLogger(__name__)

MAX_SHAPES = 2048
# Round 0 stand-ins are odd and round 1 even, far from any id; dates four centuries apart;
# UUIDs from two ranges no uuid4 falls in (version nibble 0).
_INT_STANDINS = (-(10**15) - 1, -(2 * 10**15))
_DATE_STANDINS = (dt.date(1001, 1, 1), dt.date(1401, 1, 1))
_UUID_STANDINS = (1 << 100, 1 << 101)


def padded(ids: tuple) -> tuple:
    """Return `ids` lengthened to one of a few sizes by repeating its last id (an `IN` list means
    the same with the repeat), so that lists of nearby lengths share one compiled shape and one
    prepared statement: 0-2 as they are, then powers of two up to 16 (3 → 4, 9 → 16), then 4
    sizes per doubling (20, 24, 28, 32, 40, …; 320 for 300), at most a quarter longer above 16.

    A page query holds several such lists (the children, each unit's, the transition's), and each
    combination of sizes is a statement of its own: 45 statements for the bench's staff pages
    with exact sizes below 16 and 8 sizes per doubling, which no longer fitted in a connection's
    prepared statements (PREPARED_MAX) and were planned again and again (bench/README.md).
    """
    count = len(ids)
    if count <= 2:
        return ids
    if count <= 16:
        size = 1 << (count - 1).bit_length()
    else:
        step = 1 << (count.bit_length() - 3)
        size = -(-count // step) * step
    return ids + (ids[-1],) * (size - count)


def _shape(args: Any) -> Any:
    """Return the shape of `args`: its structure with ints and dates replaced by their type."""
    if isinstance(args, bool) or args is None or isinstance(args, str):
        return ("=", args)
    if isinstance(args, int):
        return "i"
    if isinstance(args, dt.date) and not isinstance(args, dt.datetime):
        return "d"
    if isinstance(args, uuid.UUID):
        return "u"
    if isinstance(args, tuple | list):
        return tuple(_shape(a) for a in args)
    raise TypeError(
        f"precompiled arguments are ints, dates, UUIDs, str, bool, None and tuples, not {type(args).__name__}"
    )


def _leaves(args: Any, out: list) -> list:
    """Append the ints, dates and UUIDs of `args` to `out`, depth first, in the order `_standins` numbers them."""
    if isinstance(args, tuple | list):
        for a in args:
            _leaves(a, out)
    elif not (isinstance(args, bool) or args is None or isinstance(args, str)):
        out.append(args)
    return out


def _standins(shape: Any, round_: int, counter: list[int]) -> Any:
    """Return arguments of the given shape with distinct stand-in values (round 0 or 1)."""
    if isinstance(shape, tuple) and shape and shape[0] == "=":
        return shape[1]
    if shape == "i":
        counter[0] += 1
        return _INT_STANDINS[round_] - 2 * counter[0]
    if shape == "d":
        counter[0] += 1
        return _DATE_STANDINS[round_] + dt.timedelta(days=counter[0])
    if shape == "u":
        counter[0] += 1
        return uuid.UUID(int=_UUID_STANDINS[round_] + 2 * counter[0] + (1 - round_))
    return tuple(_standins(s, round_, counter) for s in shape)


class _Compiled:
    """SQL of one shape, and for each parameter either a constant or the index of a value.

    For a whole query (`precompiled_rows`) also the names of its columns and Django's converters
    of their values (dates on SQLite, JSON), taken from the compiler that wrote the SQL.
    """

    __slots__ = ("converters", "forms", "names", "slots", "sql", "vendor")

    def __init__(self, sql: str, slots: list[tuple[bool, Any]], forms: list[str], vendor: str) -> None:
        # forms: how each value is passed, as it is (""), as str() ("str") or a UUID's hex ("hex").
        self.sql, self.slots, self.forms, self.vendor = sql, slots, forms, vendor
        self.names: list[str] = []
        self.converters: list[tuple[int, list, Any]] = []

    def params(self, values: list) -> list:
        return [
            _FORMS[form](values[x]) if is_value else x
            for (is_value, x), form in zip(self.slots, self.forms, strict=True)
        ]


_FORMS: dict[str, Callable[[Any], Any]] = {"": lambda v: v, "str": str, "hex": lambda v: v.hex}


_cache: OrderedDict[tuple, _Compiled | None] = OrderedDict()
_lock = Lock()


def _compile_expression(model: type[models.Model], build: Callable[[Any], Any], as_filter: bool, alias: str):
    """Return a function of `args`: (sql, params, None) of the builder's expression on `model` as
    a top-level query writes it, or None."""

    def compile_once(args: Any) -> tuple[str, list, None] | None:
        if as_filter:
            query = model._base_manager.filter(build(args)).query
            node = query.where
        else:
            query = model._base_manager.annotate(_precompiled=build(args)).query
            node = query.annotations["_precompiled"]
        used = [alias_ for alias_ in query.alias_map if query.alias_refcount[alias_]]
        if used != [model._meta.db_table]:
            return None  # the expression joins other tables: they would be missing from the SQL
        compiler = query.get_compiler(using=alias)
        try:
            sql, params = compiler.compile(node)
        except (EmptyResultSet, FullResultSet):
            return None
        return sql, list(params), None

    return compile_once


def _compile_query(build: Callable[[Any], QuerySet], alias: str):
    """Return a function of `args`: (sql, params, compiler) of the builder's `.values()` queryset, or None."""

    def compile_once(args: Any) -> tuple[str, list, Any] | None:
        queryset = build(args)
        if queryset._iterable_class is not ValuesIterable:
            raise TypeError("precompiled_rows needs a .values() queryset")
        compiler = queryset.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet):
            return None
        return sql, list(params), compiler

    return compile_once


def _compile(compile_once: Callable[[Any], tuple[str, list, Any] | None], shape: Any, alias: str) -> _Compiled | None:
    counter_a, counter_b = [0], [0]
    args_a, args_b = _standins(shape, 0, counter_a), _standins(shape, 1, counter_b)
    first = compile_once(args_a)
    second = compile_once(args_b)
    if first is None or second is None or first[0] != second[0] or len(first[1]) != len(second[1]):
        return None
    sql = first[0]
    leaves_a, leaves_b = _leaves(args_a, []), _leaves(args_b, [])
    # Each stand-in as the driver may be given it: itself, as text, a UUID as hex (SQLite).
    index_a: dict[Any, tuple[int, str]] = {}
    for i, v in enumerate(leaves_a):
        index_a[v] = (i, "")
        index_a[str(v)] = (i, "str")
        if isinstance(v, uuid.UUID):
            index_a[v.hex] = (i, "hex")
    slots: list[tuple[bool, Any]] = []
    forms: list[str] = []
    for pa, pb in zip(first[1], second[1], strict=True):
        hit = index_a.get(pa) if isinstance(pa, int | str | dt.date | uuid.UUID) and not isinstance(pa, bool) else None
        if hit is not None and pb == _FORMS[hit[1]](leaves_b[hit[0]]) and type(pa) is type(pb):
            slots.append((True, hit[0]))
            forms.append(hit[1])
        elif pa == pb and type(pa) is type(pb):
            slots.append((False, pa))
            forms.append("")
        else:
            return None  # a value turned into something else: not safe to reuse
    for value in leaves_a:
        if str(value) in sql or (isinstance(value, uuid.UUID) and value.hex in sql):
            return None  # a value was written into the SQL text itself
    compiled = _Compiled(sql, slots, forms, connections[alias].vendor)
    compiler = first[2]
    if compiler is not None:
        query = compiler.query
        compiled.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        compiled.converters = [
            (position, functions, expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        ]
        if len(compiled.names) != compiler.col_count:
            return None
    return compiled


def _entry(
    model: type[models.Model] | None, key: str, build: Callable, shape: Any, as_filter: bool
) -> _Compiled | None:
    alias = DEFAULT_DB_ALIAS
    cache_key = (alias, connections[alias].vendor, model, key, as_filter, shape)
    with _lock:
        if cache_key in _cache:
            _cache.move_to_end(cache_key)
            return _cache[cache_key]
    if model is None:
        compiled = _compile(_compile_query(build, alias), shape, alias)
    else:
        compiled = _compile(_compile_expression(model, build, as_filter, alias), shape, alias)
    if compiled is None:
        logger.debug("precompiled %s: shape not reusable, compiled per use", key)
    with _lock:
        _cache[cache_key] = compiled
        while len(_cache) > MAX_SHAPES:
            _cache.popitem(last=False)
    return compiled


class Precompiled(Expression):
    """The SQL of a compiled shape with this use's values (see the module docstring)."""

    def __init__(self, model: type[models.Model], compiled: _Compiled, values: list, output_field: Any) -> None:
        super().__init__(output_field=output_field)
        self.model, self.compiled, self.values = model, compiled, values

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):  # noqa: ANN001, ANN201
        return self

    def get_group_by_cols(self):  # noqa: ANN201
        return []

    def as_sql(self, compiler, connection):  # noqa: ANN001, ANN201
        query = compiler.query
        if query.model is None or query.model._meta.concrete_model is not self.model._meta.concrete_model:
            raise ValueError(f"a precompiled expression on {self.model.__name__} used in a query on {query.model}")
        if connection.vendor != self.compiled.vendor:
            raise ValueError(f"SQL compiled for {self.compiled.vendor} used on {connection.vendor}")
        sql, params = self.compiled.sql, self.compiled.params(self.values)
        table = self.model._meta.db_table
        base = next(iter(query.alias_map), table)
        if base == table:
            return (f"({sql})" if self.conditional else sql), params
        # Inside another query Django renames tables: give the SQL its own scope under the real name.
        qn = compiler.quote_name_unless_alias
        pk = qn(self.model._meta.pk.column)
        own, outer = connection.ops.quote_name(table), qn(base)
        if self.conditional:
            return f"{outer}.{pk} IN (SELECT {own}.{pk} FROM {own} WHERE {sql})", params  # noqa: S608
        return f"(SELECT {sql} FROM {own} WHERE {own}.{pk} = {outer}.{pk})", params  # noqa: S608


def precompiled_filter(model: type[models.Model], key: str, build: Callable[[Any], Q], args: Any) -> Q | Expression:
    """Return `build(args)`, a filter on `model`, compiled once for the shape of `args` when possible."""
    shape = _shape(args)
    compiled = _entry(model, key, build, shape, as_filter=True)
    if compiled is None:
        return build(args)
    return Precompiled(model, compiled, _leaves(args, []), BooleanField())


def precompiled_column(
    model: type[models.Model], key: str, build: Callable[[Any], Expression], args: Any, output_field: Any
) -> Expression:
    """Return `build(args)`, a column expression on `model`, compiled once for the shape of `args` when possible."""
    shape = _shape(args)
    compiled = _entry(model, key, build, shape, as_filter=False)
    if compiled is None:
        return build(args)
    return Precompiled(model, compiled, _leaves(args, []), output_field)


def precompiled_rows(key: str, build: Callable[[Any], QuerySet], args: Any) -> list[dict[str, Any]]:
    """Return the rows of `build(args)`, a `.values()` queryset, as dicts: the whole query compiled
    once for the shape of `args` when possible (then neither built nor compiled again).

    The same contract as the expressions: `build` is a pure function of `args`. Anything else the
    query depends on (a page size, say) belongs in `key`. Rows come with Django's converters
    applied, as `.values()` gives them.
    """
    shape = _shape(args)
    compiled = _entry(None, key, build, shape, as_filter=False)
    if compiled is None:
        return list(build(args))
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != compiled.vendor:
        raise ValueError(f"SQL compiled for {compiled.vendor} used on {connection.vendor}")
    params = compiled.params(_leaves(args, []))
    # A long id list (a principal's thousands of children) is planned with its values each time:
    # see PREPARED_PARAMS_MAX.
    with prepared_cursor(connection) if len(params) <= PREPARED_PARAMS_MAX else connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    names, converters = compiled.names, compiled.converters
    if not converters:
        return [dict(zip(names, row, strict=True)) for row in rows]
    return [dict(zip(names, converted(row, converters, connection), strict=True)) for row in rows]


# The most values a whole-query shape is prepared with. PostgreSQL runs prepared statements with
# their generic plan (plan_cache_mode force_generic_plan, config/settings.py), planned once per
# connection without the values: the staff pages took half the time (bench/README.md). For a
# principal's feed, thousands of children (6,916 values), the generic plan took 26 s against
# 0.12 s planned with the values; measured with a principal's children cut to 8-1,024 (70-3,668
# values), the generic plan was as fast or faster. Beyond this many values a query is sent
# unprepared and planned with its values, as Django's own queries are.
PREPARED_PARAMS_MAX = 1200

# Prepared statements a connection keeps (psycopg forgets the least recently used beyond them).
# PostgreSQL holds about 0.6 MB per statement of a staff page's shape (its plans included,
# measured with pg_backend_memory_contexts): at most about 40 MB per connection. The bench's 100
# staff members and 100 guardians use 39 statements (27 page shapes); with room for 32, the
# staff pages' statements pushed each other out and were planned again on most requests
# (PostgreSQL's CPU for a staff feed request: 3.0 ms with room for 32, 1.7 ms with room for all;
# bench/README.md).
PREPARED_MAX = 64


def prepared_cursor(connection: Any) -> Any:
    """Return a cursor whose statements PostgreSQL prepares once per connection and shape.

    A whole-query shape is the same SQL for every request of its shape, so PostgreSQL parses it
    once per connection and plans it once, without its values (plan_cache_mode
    force_generic_plan, set for the application's connections): the staff feed's page query took
    1.9 ms to plan against 1.2 ms to run (bench/README.md). Shapes with many values are not
    prepared (PREPARED_PARAMS_MAX). Also for the policy's hand-written queries that every request runs
    (a guardian's children, a staff member's duties and placements), which take longer to plan
    than to run. Server-side binding, as prepared statements need, on this cursor
    only; the cursor is Django's own wrapper, so the query is logged and counted like any other.
    Elsewhere (SQLite, FOLJA_DB_PREPARED off) an ordinary cursor.
    """
    if connection.vendor != "postgresql" or not settings.FOLJA_DB_PREPARED:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepared_max != PREPARED_MAX:
        raw.prepared_max = PREPARED_MAX
    with connection.wrap_database_errors:
        cursor = _prepared_cursor_class()(raw)
    connection.validate_thread_sharing()
    return _PreparedDebugCursor(cursor, connection) if connection.queries_logged else connection.make_cursor(cursor)


class _PreparedDebugCursor(CursorDebugWrapper):
    """Logs a prepared statement with its values written in, as Django logs its own queries (its
    own way reads the text psycopg sent, which for a prepared statement is not kept)."""

    def execute(self, sql, params=None):  # noqa: ANN001, ANN201
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


@functools.cache
def _prepared_cursor_class() -> type:
    """A psycopg 3 cursor with server-side binding that prepares every statement (made on first
    use: psycopg is imported only where PostgreSQL is used).

    psycopg's raw cursor, given each statement with its placeholders already numbered
    (`numbered`): psycopg rewrites `%s` into `$1, $2, …` itself, but caches the rewriting only
    for statements up to 4 KB, and a list page's query is longer (its rewriting cost about 0.5 ms
    of CPU on every staff page, measured with cProfile). Django's wrapper around this cursor
    still sees, logs and counts the statement with `%s`.
    """
    import psycopg
    from psycopg.types.numeric import Int8Dumper

    class PreparedCursor(psycopg.RawCursor):
        def __init__(self, connection, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
            super().__init__(connection, *args, **kwargs)
            # Every Python int as bigint: psycopg would type each by its size (smallint, integer,
            # bigint), and PostgreSQL keeps one prepared statement per text and parameter types,
            # so a page's ids of different sizes made as many statements (152 for 45 shapes of the
            # bench's staff pages, each planned again and pushing the others out).
            self.adapters.register_dumper(int, Int8Dumper)

        def execute(self, query, params=None, *, prepare=True, binary=None):  # noqa: ANN001, ANN201
            # Without values psycopg reads no placeholders (nor `%%`) at all, and neither does this.
            query = numbered(query) if params is not None else query
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparedCursor


_PLACEHOLDER = re.compile(r"%(.|$)", re.DOTALL)


@functools.lru_cache(maxsize=256)
def numbered(sql: str) -> str:
    """Return `sql` with its `%s` placeholders as `$1, $2, …` and `%%` as `%`, as psycopg reads
    them; any other `%` sequence is refused, as psycopg refuses it. Once per statement text."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%"
        if match.group(1) != "s":
            raise ValueError(f"only %s placeholders are supported, not {match.group(0)!r}")
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(replace, sql)


def converted(row: Sequence[Any], converters: list[tuple[int, list, Any]], connection: Any) -> list[Any]:
    """Return a row's values with Django's converters applied: (position, functions, expression)
    each, as `compiler.get_converters` gives them (UUIDs and dates on SQLite, JSON)."""
    values = list(row)
    for position, functions, expression in converters:
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return values


@functools.cache
def field_names(model: type[models.Model]) -> tuple[str, ...]:
    """Return the model's concrete fields' attribute names, in the order `Model.from_db` takes them."""
    return tuple(field.attname for field in model._meta.concrete_fields)


def instance(model: type[models.Model], row: dict[str, Any], prefix: str = "") -> models.Model:
    """Return a `model` object made from a row of `precompiled_rows` that holds all its fields
    (selected as `f"{prefix}{name}"` for each of `field_names(model)`)."""
    names = field_names(model)
    return model.from_db(DEFAULT_DB_ALIAS, names, [row[prefix + name] for name in names])


def clear() -> None:
    """Forget every compiled shape (tests; a schema change within a process)."""
    with _lock:
        _cache.clear()
