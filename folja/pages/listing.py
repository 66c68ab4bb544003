"""Lists of posts as a page shows them: one query per page, plain rows, each card rendered.

A list page (feed, timeline, group log, transition preview) asks the policy which posts the
viewer may read, then `post_page` fetches one page of them in a single query: the columns a list
shows, the comment count this viewer may read (R2, R8), and the goals, media and the named
children this viewer may see named (R1/R8 per child for staff, R2/R3 for families) folded into
JSON arrays. No model objects are built. Each card is rendered from its row
(`render_fragments`); with a shared cache its markup, which holds no person's name and nothing
that depends on who reads it, is kept per post.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import time
import uuid as uuid_module
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    CharField,
    Expression,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import JSONArray, JSONObject
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, ngettext

from folja.access.roles import Role, Viewer
from folja.core.db import JSONList, RawJSONField
from folja.curriculum.models import Goal
from folja.learninglog import access as post_policy
from folja.learninglog.models import Post, PostChild, PostGoal, PostState
from folja.media import access as media_policy
from folja.media.models import Media

FRAGMENT_TEMPLATE = "learninglog/_post.html"
_COLUMNS = ("id", "uuid", "title", "body_html", "status", "kind", "version", "activity_date", "school_unit_id")


class Person:
    """A person's name as a list shows it."""

    __slots__ = ("family_name", "given_name", "id", "uuid")

    def __init__(self, id: int, given_name: str, family_name: str, uuid: str | None = None) -> None:
        self.id, self.given_name, self.family_name, self.uuid = id, given_name, family_name, uuid

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

    def __init__(self, row: dict[str, Any], *, staff: bool = False) -> None:
        self._row = row
        # Staff get each named child as a link to the child's timeline (filled in per request).
        self.staff = staff
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
    def author(self) -> Person | None:
        """The author's name, None when the author is sealed (R5)."""
        names = _decoded(self._row["author_name"])
        return Person(0, *names) if names else None

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
        return [
            Named(Person(n["id"], n["g"], n["f"], str(uuid_module.UUID(str(n["u"]))) if n.get("u") else None))
            for n in named
        ]

    @property
    def visible_named_ids(self) -> list[int]:
        """The ids of the children this viewer sees named on the post (for the audit log)."""
        return [n["id"] for n in self._named]


def _decoded(value: object) -> Any:
    """A JSON column of the list query: as the database wrote it (text), or already decoded."""
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return value


_goals: dict[int, tuple[int, int, str, str]] = {}
_goals_loaded_at = 0.0
GOALS_TTL = 300.0


def _load_goals() -> None:
    global _goals_loaded_at
    loaded = {g.pk: (g.area.seq, g.seq, g.area.code, g.text) for g in Goal.objects.select_related("area").order_by()}
    _goals.clear()
    _goals.update(loaded)
    _goals_loaded_at = time.monotonic()


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
    """Return the columns that are the same for every viewer: the unit, group and author names,
    and the goals as a JSON array (the media depend on the viewer: `_media_json`).

    The names are scalar subqueries rather than joins: PostgreSQL plans a join for every candidate
    row order and joins before sorting, while a subquery in the select list is looked up for the
    page's rows only (bench/README.md).
    """
    return {
        "unit_name": _name_of("organisation", "school_unit_id"),
        "group_name": _name_of("group", "group_id"),
        "author_name": _author_name(),
        "goals_json": _goals_json(),
    }


def _name_of(model_name: str, fk: str) -> Subquery:
    """The display name of the unit or group a post's `fk` column points at."""
    from folja.directory.models import Group, Organisation

    model = {"organisation": Organisation, "group": Group}[model_name]
    # No ordering: one row by primary key (the models' default ordering added a sort to every row).
    return Subquery(
        model.objects.filter(pk=OuterRef(fk)).order_by().values("display_name")[:1], output_field=CharField()
    )


def _author_name() -> Subquery:
    """The author's [given name, family name]: one lookup of the author's row, not one a name."""
    from folja.directory.models import Person

    # R5: a sealed author is named on no list (NULL: the card shows "(skyddad person)").
    names = (
        Person.objects.filter(pk=OuterRef("author_id"), sealed_at__isnull=True)
        .order_by()
        .values(v=JSONArray("given_name", "family_name"))
    )
    return Subquery(names[:1], output_field=RawJSONField())


def _goals_json() -> JSONList:
    return JSONList(PostGoal.objects.filter(post=OuterRef("pk")).values(v=JSONObject(id="goal_id")))


def _media_json(scope: tuple) -> JSONList:
    """The row's post's media this viewer may see (R10 through the post; B5, a child's "don't
    show" marker: `media_policy.media_shown_filter`), as JSON."""
    fields = ("id", "uuid", "kind", "status", "alt_text", "original_name", "seq")
    shown = Media.objects.filter(post=OuterRef("pk")).filter(media_policy.media_shown_filter(scope))
    return JSONList(shown.values(v=JSONObject(**{f: f for f in fields})))


def _visible_named(scope: tuple) -> JSONList:
    """The row's post's named children this viewer sees named (post_policy.named_visible_filter), as JSON."""

    named = (
        PostChild.objects.filter(post=OuterRef("pk"))
        .filter(post_policy.named_visible_filter(scope))
        .values(v=JSONObject(id="child_id", g="child__given_name", f="child__family_name", u="child__uuid"))
    )
    return JSONList(named)


def listing_queryset(viewer: Viewer, posts: QuerySet[Post], on: dt.date | None = None) -> QuerySet:
    """Return `posts` (already access-filtered and ordered) as rows with everything a list shows."""

    scope = post_policy.naming_scope(viewer, on)
    return posts.values(
        *_COLUMNS,
        **_shared_columns(),
        visible_comment_count=post_policy.visible_comment_count(scope),
        named_json=_visible_named(scope),
        media_json=_media_json(scope),
    )


def post_listing(viewer: Viewer, posts: QuerySet[Post], *, limit: int, on: dt.date | None = None) -> list[PostListing]:
    """Return the first `limit` of `posts` (access-filtered, ordered) as `PostListing`s, in one query."""
    staff = viewer.role == Role.STAFF
    return [PostListing(row, staff=staff) for row in listing_queryset(viewer, posts, on)[:limit]]


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


def post_page(
    viewer: Viewer,
    posts: QuerySet[Post],
    *,
    filters: tuple[str | None, dt.date | None, dt.date | None],
    anchor: tuple[dt.date, int] | None,
    limit: int,
    on: dt.date | None = None,
) -> list[PostListing]:
    """Return one page of `posts` (the posts the viewer may read: post_policy.visible_posts and its
    kin) as `PostListing`s, narrowed by `filters` (goal key, from, to), newest first after `anchor`."""
    return post_listing(viewer, after(filtered(posts, *filters), anchor), limit=limit, on=on)


# ---------------------------------------------------------------------------------------------
# Cards: rendered per post, the people's names filled in per request
# ---------------------------------------------------------------------------------------------

CARD_TTL = 24 * 3600


def _slot_marker(name: str) -> str:
    """A marker for a per-request value in a card's markup: unguessable (from the secret key), so
    that no text a person typed can contain it, and the same in every app server process."""
    digest = hashlib.blake2b(f"card-slot:{name}".encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=8)
    return f"<!--slot-{name}-{digest.hexdigest()}-->"


@functools.cache
def _markers() -> dict[str, str]:
    return {name: _slot_marker(name) for name in ("author", "named", "comments", "new")}


@functools.cache
def _template_fingerprint() -> str:
    """The card template's own source, so that a deploy that changes it renders every card anew."""
    template = get_template(FRAGMENT_TEMPLATE)
    return hashlib.blake2b(template.template.source.encode(), digest_size=8).hexdigest()


def _card_key(post: PostListing, language: str) -> str:
    return f"card:{language}:{post.id}:{int(post.shared_by_transition)}"


def _card_digest(post: PostListing) -> str:
    """A digest of every value the cached markup shows (all but the slots)."""
    values = (
        _template_fingerprint(),
        str(post.uuid),
        post.title,
        post.body_html,
        post.status,
        post.version,
        post.kind,
        post.activity_date.isoformat(),
        post.school_unit,
        post.group,
        post.goals,
        [{**m, "uuid": str(m["uuid"])} for m in post.media],
    )
    return hashlib.blake2b(orjson.dumps(values), digest_size=16).hexdigest()


def _slots(post: PostListing) -> dict[str, str]:
    """The card's per-request values, escaped: the author's name, the named children this viewer
    sees (R1/R8 per child, R2/R3), the number of comments this viewer may read (R2, R8)."""
    named = ""
    if post.visible_named:
        lead = gettext("Gruppinlägg om") if post.kind == "group" else gettext("Om")
        names = ", ".join(_named_child(post, n.child) for n in post.visible_named)
        named = f'<p class="post__children">{escape(lead)} {names}</p>'
    n = post.visible_comment_count
    return {
        "author": escape(post.author.full_name if post.author else gettext("(skyddad person)")),
        "named": named,
        "comments": escape(ngettext("%(n)s kommentar", "%(n)s kommentarer", n) % {"n": n}),
        # Unread for this viewer (folja/pages/notices/marks.py sets it before rendering).
        "new": f'<span class="badge badge--new">{escape(gettext("Nytt"))}</span>'
        if getattr(post, "is_new", False)
        else "",
    }


def _named_child(post: PostListing, child: Person) -> str:
    """A named child on a card, escaped: for staff a link to the child's timeline (one click from
    any list), for families plain text."""
    name = escape(child.full_name)
    if post.staff and child.uuid:
        return f'<a href="{escape(reverse("learninglog:timeline", args=[child.uuid]))}">{name}</a>'
    return name


def render_fragments(posts: Iterable[PostListing]) -> None:
    """Set `post.html` on each post: its card, rendered from its own row.

    The card's markup holds no person's name and no count: those are filled in per request from
    the row (`_slots`), so what this viewer may see never comes from a cache. With a shared cache
    (`FOLJA_CARD_CACHE`, on with FOLJA_CACHE_URL), the markup is kept per post, language and
    transition badge under a digest of every value it shows; it is rendered anew when any of them
    changes, and a sealed child's posts are dropped from it at once (`forget_cards_naming`, R5).
    Without one, each card is rendered per request: a per-process cache could not be emptied
    from the process that seals.
    """
    posts = list(posts)
    template = get_template(FRAGMENT_TEMPLATE)
    markers = _markers()
    slot_context = {name: mark_safe(marker) for name, marker in markers.items()}  # our own markers
    use_cache = settings.FOLJA_CARD_CACHE
    language = get_language() or settings.LANGUAGE_CODE
    keys = {post.id: _card_key(post, language) for post in posts}
    digests = {post.id: _card_digest(post) for post in posts} if use_cache else {}
    found = cache.get_many(list(keys.values())) if use_cache else {}
    rendered: dict[str, tuple[str, str]] = {}
    for post in posts:
        digest = digests.get(post.id)
        cached = found.get(keys[post.id])
        if cached is not None and cached[0] == digest:
            markup = cached[1]
        else:
            markup = template.render({"post": post, "slot": slot_context})
            if use_cache:
                rendered[keys[post.id]] = (digest, markup)
        for name, value in _slots(post).items():
            markup = markup.replace(markers[name], value)
        post.html = mark_safe(markup)  # our own template's output and escaped values
    if rendered:
        cache.set_many(rendered, CARD_TTL)


def forget_cards_naming(person_id: int) -> None:
    """Drop the cached cards of every post naming the person, in every language and both badge
    states (R5: a sealed child's documentation leaves every cache at once)."""
    if not settings.FOLJA_CARD_CACHE:
        return
    forget_cards_of_posts(PostChild.objects.filter(child_id=person_id).values_list("post_id", flat=True).iterator())


def forget_cards_of_posts(post_ids: Iterable[int]) -> None:
    """Drop the cached cards of these posts in every language and both badge states (culling)."""
    if not settings.FOLJA_CARD_CACHE:
        return
    keys = [
        f"card:{language}:{post_id}:{shared}"
        for post_id in post_ids
        for language, _name in settings.LANGUAGES
        for shared in (0, 1)
    ]
    for start in range(0, len(keys), 1000):
        cache.delete_many(keys[start : start + 1000])


def with_listing_data(viewer: Viewer, posts: QuerySet[Post], on: dt.date | None = None) -> QuerySet[Post]:
    """Return the posts with what a list shows, in a fixed number of queries whatever their number.

    Adds the visible comment count (R2), goals, media, the author, and `visible_named`: the named
    children this viewer may see on each post (R3: families see only their own child).
    """

    scope = post_policy.naming_scope(viewer, on)
    named = PostChild.objects.filter(post_policy.named_visible_filter(scope))
    return (
        posts.select_related("author", "group", "school_unit")
        .annotate(visible_comment_count=post_policy.visible_comment_count(scope))
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.select_related("area").order_by("area__seq", "seq")),
            Prefetch(
                "media",
                queryset=Media.objects.filter(media_policy.media_shown_filter(scope)).order_by("seq", "pk"),  # B5
            ),
            Prefetch(
                "post_children",
                queryset=named.select_related("child").order_by("child__given_name", "child__family_name"),
                to_attr="visible_named",
            ),
        )
    )
