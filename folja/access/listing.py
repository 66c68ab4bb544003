"""Lists of posts as a page shows them: one query per page, plain objects, rendered fragments cached.

A list page (feed, timeline, group log, transition preview) asks the policy which posts the
viewer may read, then `post_listing` fetches one page of them in a single query: the columns a
list shows, the comment count this viewer may read (R2), and the goals, media and the named
children this viewer may see named (R1/R8 for staff, R2/R3 for families) folded into JSON arrays.
No model objects are built. Each post's HTML is then cached under a digest of exactly the values
it is rendered from (and the language), so an edit, a new photo, a new comment or another
viewer's different view of the same post is simply another key: nothing needs invalidating and
no viewer can be served HTML built from data it may not see.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
import time
import uuid as uuid_module
from collections import OrderedDict
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import orjson
from django.core.cache import cache
from django.db.models import (
    CharField,
    DateField,
    Expression,
    IntegerField,
    Max,
    OrderBy,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import JSONArray, JSONObject
from django.db.models.sql.datastructures import BaseTable
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from folja.accounts.roles import Viewer
from folja.core.db import JSONList, RawJSONField
from folja.core.precompiled import precompiled_column, precompiled_rows
from folja.curriculum.models import Goal
from folja.learninglog.models import Post, PostChild, PostGoal, PostState
from folja.media.models import Media

FRAGMENT_TEMPLATE = "learninglog/_post.html"
FRAGMENT_TTL = 24 * 3600
_COLUMNS = ("id", "uuid", "title", "body_html", "status", "kind", "version", "activity_date", "school_unit_id")


class Person:
    """A person's name as a list shows it."""

    __slots__ = ("family_name", "given_name", "id")

    def __init__(self, id: int, given_name: str, family_name: str) -> None:
        self.id, self.given_name, self.family_name = id, given_name, family_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Named:
    """A named child on a post (the shape of a PostChild: `.child_id`, `.child.full_name`)."""

    __slots__ = ("child",)

    def __init__(self, child: Person) -> None:
        self.child = child

    @property
    def child_id(self) -> int:
        return self.child.id


class PostListing(PostState):
    """One post of a list: what `_post.html` shows and nothing else.

    Built from the list query's row as it came: what every page needs (the id, the uuid for the
    next page's cursor, the unit, the named children's ids for the audit log) at once, everything
    else only when the card is rendered. The card's cache key (`digest`) is taken from the row's
    own values, the JSON arrays as the database wrote them, so a card found in the cache costs no
    decoding at all.
    """

    def __init__(self, row: dict[str, Any]) -> None:
        self._row = row
        self.id: int = row["id"]
        self.uuid = row["uuid"] if isinstance(row["uuid"], uuid_module.UUID) else uuid_module.UUID(str(row["uuid"]))
        self.status: str = row["status"]
        self.version: int = row["version"]
        self.school_unit_id: int = row["school_unit_id"]
        self.shared_by_transition = False
        self.html = ""

    @cached_property
    def title(self) -> str:
        return self._row["title"]

    @cached_property
    def body_html(self) -> str:
        return self._row["body_html"]

    @cached_property
    def kind(self) -> str:
        return self._row["kind"]

    @cached_property
    def activity_date(self) -> dt.date:
        return self._row["activity_date"]

    @cached_property
    def school_unit(self) -> dict[str, str]:
        return {"display_name": self._row["unit_name"]}

    @cached_property
    def group(self) -> dict[str, str] | None:
        name = self._row["group_name"]
        return {"display_name": name} if name is not None else None

    @cached_property
    def author(self) -> Person:
        given, family = _decoded(self._row["author_name"]) or ("", "")
        return Person(0, given, family)

    @cached_property
    def visible_comment_count(self) -> int:
        return self._row["visible_comment_count"] or 0

    @cached_property
    def goals(self) -> list[dict[str, str]]:
        return goal_labels([g["id"] for g in _decoded(self._row["goals_json"]) or ()])

    @cached_property
    def media(self) -> list[dict[str, Any]]:
        media = sorted(_decoded(self._row["media_json"]) or (), key=lambda m: (m["seq"], m["id"]))
        return [{**m, "uuid": uuid_module.UUID(str(m["uuid"]))} for m in media]

    @cached_property
    def _named(self) -> list[dict[str, Any]]:
        return _decoded(self._row["named_json"]) or []

    @cached_property
    def visible_named(self) -> list[Named]:
        named = sorted(self._named, key=lambda n: (n["g"], n["f"], n["id"]))
        return [Named(Person(n["id"], n["g"], n["f"])) for n in named]

    @property
    def visible_named_ids(self) -> list[int]:
        """The ids of the children this viewer sees named on the post (for the audit log)."""
        return [n["id"] for n in self._named]

    def digest(self, prefix: str) -> str:
        """Return a key for the fragment: a hash of every value it is rendered from (after `prefix`).

        The row's values as they came from the database: the same values give the same key. Two
        keys for the same card (the database wrote an array in another order) only cost a render.
        """
        row = self._row
        parts = [
            prefix,
            str(self.uuid),
            row["title"],
            row["body_html"],
            row["status"],
            row["kind"],
            str(row["version"]),
            str(row["activity_date"]),
            row["unit_name"] or "",
            "\x00" if row["group_name"] is None else row["group_name"],
            _raw(row["author_name"]),
            str(row["visible_comment_count"] or 0),
            _raw(row["goals_json"]),
            _raw(row["media_json"]),
            _raw(row["named_json"]),
            str(self.shared_by_transition),
        ]
        return "post-fragment:" + hashlib.blake2b("\x1f".join(parts).encode(), digest_size=20).hexdigest()


def _decoded(value: object) -> Any:
    """A JSON column of the list query: as the database wrote it (text), or already decoded."""
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return value


def _raw(value: object) -> str:
    """A JSON column's value as text for a digest (as the database wrote it when it is text)."""
    if value is None:
        return "\x00"
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode()
    return orjson.dumps(value).decode()


_goals: dict[int, tuple[int, int, str, str]] = {}
_goals_loaded_at = 0.0
_goals_version = ""
GOALS_TTL = 300.0


def _load_goals() -> None:
    global _goals_loaded_at, _goals_version
    loaded = {g.pk: (g.area.seq, g.seq, g.area.code, g.text) for g in Goal.objects.select_related("area").order_by()}
    _goals.clear()
    _goals.update(loaded)
    _goals_loaded_at = time.monotonic()
    _goals_version = hashlib.blake2b(repr(sorted(loaded.items())).encode(), digest_size=8).hexdigest()


def goals_version() -> str:
    """Return a digest of the per-process goal table (reloaded when older than five minutes):
    part of every card's key, as the cards show the goals' texts from it."""
    if time.monotonic() - _goals_loaded_at > GOALS_TTL:
        _load_goals()
    return _goals_version


def goal_labels(ids: list[int]) -> list[dict[str, str]]:
    """Return the goals' area codes and texts in curriculum order, from a per-process table.

    Goals are curriculum data shared by every post (tens to a few thousand rows): joining them in
    the list query cost more planning time than the whole rest of it. The table is reloaded when
    it is older than five minutes or a goal is not in it.
    """
    if time.monotonic() - _goals_loaded_at > GOALS_TTL or any(i not in _goals for i in ids):
        _load_goals()
    rows = sorted((_goals[i], i) for i in ids if i in _goals)
    return [{"code": code, "text": text} for (_a, _s, code, text), _i in rows]


def _shared_columns() -> dict[str, Expression]:
    """Return the columns that are the same for every viewer (compiled once per process): the
    unit, group and author names, and the goals and media as JSON arrays.

    The names are scalar subqueries rather than joins: PostgreSQL plans a join for every candidate
    row order (0.6 ms of the guardian timeline's 0.85 ms of planning) and joins before sorting,
    while a subquery in the select list is looked up for the page's rows only (bench/README.md).
    """
    columns = {
        name: precompiled_column(Post, f"listing-{name}", _name_of, (model_name, fk, column), CharField())
        for name, model_name, fk, column in (
            ("unit_name", "organisation", "school_unit_id", "display_name"),
            ("group_name", "group", "group_id", "display_name"),
        )
    }
    columns["author_name"] = precompiled_column(Post, "listing-author", _author_name, (), RawJSONField())
    columns["goals_json"] = precompiled_column(Post, "listing-goals", _goals_json, (), RawJSONField())
    columns["media_json"] = precompiled_column(Post, "listing-media", _media_json, (), RawJSONField())
    return columns


def _name_of(args: tuple[str, str, str]) -> Subquery:
    from folja.directory.models import Group, Organisation, Person

    model_name, fk, column = args
    model = {"organisation": Organisation, "group": Group, "person": Person}[model_name]
    # No ordering: one row by primary key (the models' default ordering added a sort to every row).
    return Subquery(model.objects.filter(pk=OuterRef(fk)).order_by().values(column)[:1], output_field=CharField())


def _author_name(_args: tuple) -> Subquery:
    """The author's [given name, family name]: one lookup of the author's row, not one a name."""
    from folja.directory.models import Person

    names = Person.objects.filter(pk=OuterRef("author_id")).order_by().values(v=JSONArray("given_name", "family_name"))
    return Subquery(names[:1], output_field=RawJSONField())


def _goals_json(_args: tuple) -> JSONList:
    return JSONList(PostGoal.objects.filter(post=OuterRef("pk")).values(v=JSONObject(id="goal_id")))


def _media_json(_args: tuple) -> JSONList:
    fields = ("id", "uuid", "kind", "status", "alt_text", "original_name", "seq")
    return JSONList(Media.objects.filter(post=OuterRef("pk")).values(v=JSONObject(**{f: f for f in fields})))


def _visible_named(scope: tuple) -> JSONList:
    """The row's post's named children this viewer sees named (policy.named_visible_filter), as JSON."""
    from folja.access import policy

    named = (
        PostChild.objects.filter(post=OuterRef("pk"))
        .filter(policy.named_visible_filter(scope))
        .values(v=JSONObject(id="child_id", g="child__given_name", f="child__family_name"))
    )
    return JSONList(named)


def listing_queryset(viewer: Viewer, posts: QuerySet[Post], on: dt.date | None = None) -> QuerySet:
    """Return `posts` (already access-filtered and ordered) as rows with everything a list shows."""
    from folja.access import policy

    return _listing_values(posts, policy.naming_scope(viewer, on))


def _listing_values(posts: QuerySet[Post], scope: tuple) -> QuerySet:
    from folja.access import policy

    if isinstance(scope[1], tuple):
        # The viewer's part of the columns is compiled once per shape of its naming scope.
        comments = precompiled_column(Post, "listing-comments", policy.visible_comment_count, scope, IntegerField())
        named = precompiled_column(Post, "listing-named", _visible_named, scope, RawJSONField())
    else:
        comments, named = policy.visible_comment_count(scope), _visible_named(scope)
    return posts.values(*_COLUMNS, **_shared_columns(), visible_comment_count=comments, named_json=named)


def post_listing(viewer: Viewer, posts: QuerySet[Post], *, limit: int, on: dt.date | None = None) -> list[PostListing]:
    """Return the first `limit` of `posts` (access-filtered, ordered) as `PostListing`s, in one query."""
    return [PostListing(row) for row in listing_queryset(viewer, posts, on)[:limit]]


# -- one page of a list, the whole query compiled once per shape --------------------------------


def filtered(
    posts: QuerySet[Post], goal: str | None, date_from: dt.date | None, date_to: dt.date | None
) -> QuerySet[Post]:
    """Return `posts` narrowed by the list's filter box: a goal (by key), a period."""
    if goal:
        posts = posts.filter(post_goals__goal__key=goal)
    return _dated(posts, date_from, date_to, None)


def after(posts: QuerySet[Post], anchor: tuple[dt.date, int] | None) -> QuerySet[Post]:
    """Return `posts` newest first (keyset order), after the anchor post (activity date, id) if any."""
    return _dated(posts.order_by("-activity_date", "-id"), None, None, anchor)


def _dated(
    rows: QuerySet,
    date_from: dt.date | None,
    date_to: dt.date | None,
    anchor: tuple[dt.date, int] | None,
    post_id: str = "id",
) -> QuerySet:
    """Return `rows` (posts, or PostChild links by their copy of the date and `post_id`) within the
    filter box's period and after the keyset anchor (activity date, post id)."""
    if date_from:
        rows = rows.filter(activity_date__gte=date_from)
    if date_to:
        rows = rows.filter(activity_date__lte=date_to)
    if anchor is not None:
        day, pk = anchor
        rows = rows.filter(activity_date__lte=day).exclude(**{"activity_date": day, f"{post_id}__gte": pk})
    return rows


class _DrivenBy(BaseTable):
    """The post table of a page query, joined to the ids of the posts that can be on the page,
    newest first: `FROM (candidates) AS "page_candidates" JOIN "learninglog_post" ON id = post`.

    Without it PostgreSQL tests the access filters on every post of the viewer's children (340 for
    a group of 22) and then sorts; starting from the candidates in page order, it tests posts
    until the page is full and stops (bench/README.md: the staff feed's main query 3.3 → 1.1 ms).
    The candidates only narrow: every filter of the query still applies.
    """

    ALIAS = "page_candidates"

    def __init__(self, table_name: str, alias: str, candidates: QuerySet) -> None:
        super().__init__(table_name, alias)
        self.candidates = candidates

    def as_sql(self, compiler, connection):  # noqa: ANN001, ANN201
        table, params = super().as_sql(compiler, connection)
        sql, candidate_params = self.candidates.query.get_compiler(connection=connection).as_sql()
        qn = connection.ops.quote_name
        name, driving = compiler.quote_name_unless_alias(self.table_alias), qn(self.ALIAS)
        join = f"({sql}) {driving} INNER JOIN {table} ON ({name}.{qn('id')} = {driving}.{qn('post')})"
        return join, [*candidate_params, *params]

    def relabeled_clone(self, change_map):  # noqa: ANN001, ANN201
        return self.__class__(self.table_name, change_map.get(self.table_alias, self.table_alias), self.candidates)

    @property
    def identity(self):  # noqa: ANN201
        return self.__class__, self.table_name, self.table_alias, id(self.candidates)


def driven_by_children(
    posts: QuerySet[Post],
    children: tuple[int, ...],
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    anchor: tuple[dt.date, int] | None = None,
) -> QuerySet[Post]:
    """Return `posts` (a top-level query, not a subquery) newest first, read from the posts naming
    one of `children` in page order (see _DrivenBy). Only for posts that must name one of them:
    the candidates are the posts a page can hold, never more.

    The order is PostChild's copy of the activity date (the same as the post's: actions keep them
    equal), then the post id: the list's keyset order.
    """
    links = _dated(PostChild.objects.filter(child__in=children), date_from, date_to, anchor, "post_id")
    candidates = links.values("post").annotate(day=Max("activity_date")).order_by("-day", "-post")
    posts = posts.all()
    query = posts.query
    alias = query.get_initial_alias()
    query.alias_map[alias] = _DrivenBy(query.alias_map[alias].table_name, alias, candidates)
    return posts.order_by(
        OrderBy(_DrivingColumn("day", DateField()), descending=True),
        OrderBy(_DrivingColumn("post", IntegerField()), descending=True),
    )


class _DrivingColumn(Expression):
    """A column of the candidates a page query is driven by (_DrivenBy), for its ORDER BY."""

    def __init__(self, name: str, output_field: Any) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):  # noqa: ANN001, ANN201
        return f"{connection.ops.quote_name(_DrivenBy.ALIAS)}.{connection.ops.quote_name(self.name)}", []

    def get_group_by_cols(self):  # noqa: ANN201
        return []


def _page_query(limit: int, args: tuple) -> QuerySet:
    """The query of one list page from plain values (see post_page): pure, compiled once per shape."""
    from folja.access.policy import driven_source, source_posts

    source, values, scope, (goal, date_from, date_to), anchor = args
    driven = driven_source((source, values))
    posts = source_posts((source, values)) if driven is None else driven[0]
    posts = after(filtered(posts, goal, date_from, date_to), anchor)
    if driven is not None:
        posts = driven_by_children(posts, driven[1], date_from, date_to, anchor)
    return _listing_values(posts, scope)[:limit]


@functools.cache
def _page_builder(limit: int) -> functools.partial:
    return functools.partial(_page_query, limit)  # one builder (and so one compiled shape) per limit


def post_page(
    viewer: Viewer,
    source: tuple[str, tuple],
    *,
    filters: tuple[str | None, dt.date | None, dt.date | None],
    anchor: tuple[dt.date, int] | None,
    limit: int,
    on: dt.date | None = None,
) -> list[PostListing]:
    """Return one page of the posts of `source` (policy.post_source: the posts the viewer may read)
    as `PostListing`s, narrowed by `filters` (goal key, from, to), after `anchor`.

    The same rows as `post_listing(viewer, after(filtered(posts, *filters), anchor), limit=limit)`,
    from one query that is built and compiled once per shape of its values and then only executed
    (building and compiling it cost three times as much as running it in PostgreSQL).
    """
    from folja.access import policy

    # Guardians' and staff's: plain values, never a query; id lists padded to a few lengths (precompiled.padded).
    name, values = source
    args = (name, values, policy.naming_scope(viewer, on), filters, anchor)
    rows = precompiled_rows(f"post-page:{limit}", _page_builder(limit), args)
    return [PostListing(row) for row in rows]


@functools.cache
def _template_version() -> str:
    """Return a digest of the fragment template, so a deployed change never meets old fragments."""
    return hashlib.blake2b(get_template(FRAGMENT_TEMPLATE).template.source.encode(), digest_size=8).hexdigest()


# The fragments this process used last: a key names exactly the values its HTML was rendered
# from, so a copy in memory can never be stale. Spares the shared cache's round trip for the
# cards a worker shows again and again (the newest posts). About 2 KB a card.
LOCAL_FRAGMENTS = 4096
_local: OrderedDict[str, str] = OrderedDict()
_local_lock = threading.Lock()


def render_fragments(posts: Iterable[PostListing]) -> None:
    """Set `post.html` on each post, from this process's memory or the shared cache where the same
    values were rendered before, else by rendering it.

    The template sees the post and nothing else, so the digest covers everything it shows."""
    posts = list(posts)
    if not posts:
        return
    prefix = f"{_template_version()}:{goals_version()}:{get_language() or ''}"
    keys = {post.digest(prefix): post for post in posts}
    found: dict[str, str] = {}
    with _local_lock:
        for key in keys:
            html = _local.get(key)
            if html is not None:
                _local.move_to_end(key)
                found[key] = html
    wanted = [key for key in keys if key not in found]
    shared = cache.get_many(wanted) if wanted else {}
    missing = {}
    template = None
    for key, post in keys.items():
        html = found.get(key) or shared.get(key)
        if html is None:
            template = template or get_template(FRAGMENT_TEMPLATE)
            html = missing[key] = template.render({"post": post})
        post.html = mark_safe(html)  # our own template's output, escaped when rendered
    if missing:
        cache.set_many(missing, FRAGMENT_TTL)
    if wanted:
        with _local_lock:
            for key in wanted:
                _local[key] = keys[key].html
            while len(_local) > LOCAL_FRAGMENTS:
                _local.popitem(last=False)
