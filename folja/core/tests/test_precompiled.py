"""Expressions compiled once per shape (folja/core/precompiled.py): the same SQL and the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import BooleanField, IntegerField, Q, Value
from django.db.models.expressions import RawSQL
from django.test import TestCase

from folja.access import listing, policy
from folja.accounts.roles import Role, Viewer
from folja.core import precompiled
from folja.core.precompiled import Precompiled, precompiled_column, precompiled_filter
from folja.learninglog.models import Comment, Post
from folja.media.models import Media
from folja.testing.cast import build_cast

DAY = dt.date(2026, 3, 2)
STAFF_ARGS = [
    (None, (1,), ((10, (1,)),), None),
    (7, (1, 2, 3), ((10, (1, 2)), (11, (3,))), None),
    (7, (4, 5), ((12, (4, 5)),), ((3, 9), (4,), (DAY - dt.timedelta(days=400), DAY))),
    (None, (8, 9, 10, 11), ((10, (8,)), (11, (9, 10)), (13, (11,))), ((1,), (11,), (DAY, DAY))),
]


def sql_of(queryset) -> tuple[str, tuple]:  # noqa: ANN001
    return queryset.query.sql_with_params()


@pytest.fixture(autouse=True)
def _fresh_cache():
    precompiled.clear()
    yield
    precompiled.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("args", STAFF_ARGS)
def test_the_staff_filter_is_the_sql_django_writes_with_the_same_parameters(args: tuple) -> None:
    for _ in range(2):  # the first use compiles the shape, the second reuses it
        expression = precompiled_filter(Post, "staff-posts", policy._staff_posts, args)
        assert isinstance(expression, Precompiled)
        fast, fast_params = sql_of(Post.objects.filter(expression))
        plain, plain_params = sql_of(Post.objects.filter(policy._staff_posts(args)))
        # The same text inside one more pair of brackets (the filter is one condition).
        assert fast == plain.replace(" WHERE ", " WHERE (", 1) + ")"
        assert list(fast_params) == list(plain_params)


@pytest.mark.django_db
def test_another_shape_is_compiled_anew_and_the_same_shape_reuses_the_sql() -> None:
    one = precompiled_filter(Post, "family-posts", policy._family_posts, (1, 2))
    two = precompiled_filter(Post, "family-posts", policy._family_posts, (3, 4))
    three = precompiled_filter(Post, "family-posts", policy._family_posts, (5, 6, 7))
    assert one.compiled is two.compiled
    assert three.compiled is not one.compiled
    assert sql_of(Post.objects.filter(two))[1][-2:] == (3, 4)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.GUARDIAN, Role.STAFF])
def test_list_columns_are_the_sql_django_writes(role: Role) -> None:
    children = (5, 6, 7)
    if role == Role.STAFF:
        r8 = ((11, 12), (5, 6), (dt.date(2025, 3, 1), dt.date(2026, 3, 1)))
        scope = ("staff", (None, children, ((9, children), (10, (5,))), r8))
    else:
        scope = ("family", children)
    for build, args in ((policy.visible_comment_count, scope), (listing._visible_named, scope)):
        fast = Post.objects.values(x=precompiled_column(Post, f"t-{build.__name__}", build, args, IntegerField()))
        plain = Post.objects.values(x=build(args))
        assert sql_of(fast) == sql_of(plain)


@pytest.mark.django_db
def test_shapes_that_cannot_be_reused_fall_back_to_the_ordinary_expression() -> None:
    # A value that decides the SQL text (here its parity picks the operator).
    def by_value(args: tuple) -> Q:
        return Q(pk__gt=args[0]) if args[0] % 2 else Q(pk__lt=args[0])

    assert isinstance(precompiled_filter(Post, "by-value", by_value, (3,)), Q)
    # A value written into the SQL itself.
    assert not isinstance(precompiled_filter(Post, "inlined", _inlined_filter, (3,)), Precompiled)
    # A join to another table (the joined table would be missing from the SQL).
    assert isinstance(precompiled_filter(Post, "join", lambda a: Q(author__given_name="Anna"), ()), Q)
    # Nothing can match: Django's own handling of an empty list is kept.
    with pytest.raises(TypeError):
        precompiled_filter(Post, "bad", policy._family_posts, ({1, 2},))


def _inlined_filter(args: tuple) -> Q:
    sql = f'"learninglog_post"."id" <> {args[0]}'
    return Q(pk__gt=Value(0)) & Q(RawSQL(sql, [], output_field=BooleanField()))  # noqa: S611 - the test's point


@pytest.mark.django_db
def test_the_cache_of_shapes_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precompiled, "MAX_SHAPES", 3)
    for n in range(1, 6):
        precompiled_filter(Post, "family-posts", policy._family_posts, tuple(range(1, n + 1)))
    assert len(precompiled._cache) == 3


class SameRowsTests(TestCase):
    """Inside other queries (where Django renames tables) the expression keeps its meaning."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def setUp(self) -> None:
        precompiled.clear()

    def test_visible_posts_and_their_comments_and_media_match_the_ordinary_filter(self) -> None:
        cast = self.cast
        viewers = [
            Viewer(person=cast.anna, role=Role.GUARDIAN),
            Viewer(person=cast.teacher_blue, role=Role.STAFF),
        ]
        for viewer in viewers:
            with self.subTest(viewer=viewer.person.full_name):
                fast = policy.visible_posts(viewer, include_drafts=True)
                assert "learninglog_post" in str(fast.query)
                expected = self._plain_posts(viewer)
                assert set(fast.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))
                # Nested: Django renames the inner query's tables; the expression wraps itself.
                comments = Comment.objects.filter(post__in=fast)
                plain_comments = Comment.objects.filter(post__in=expected)
                assert set(comments.values_list("pk", flat=True)) == set(plain_comments.values_list("pk", flat=True))
                media = Media.objects.filter(post__in=fast).values_list("pk", flat=True)
                plain_media = Media.objects.filter(post__in=expected).values_list("pk", flat=True)
                assert set(media) == set(plain_media)
                # And as a filter on the same table inside a query on it.
                again = Post.objects.filter(pk__in=fast.values("pk")).values_list("pk", flat=True)
                assert set(again) == set(expected.values_list("pk", flat=True))

    def _plain_posts(self, viewer: Viewer):  # noqa: ANN202
        if viewer.role == Role.GUARDIAN:
            return Post.objects.filter(policy._family_posts(tuple(policy.visible_children_ref(viewer))))
        connections = policy.staff_connections(viewer.person)
        r8 = None
        if connections.r8_dates is not None:
            r8 = (tuple(connections.r8_placement_ids), tuple(connections.r8_child_ids), connections.r8_dates)
        by_unit = tuple((u, tuple(c)) for u, c in sorted(connections.children_by_unit.items()))
        return Post.objects.filter(policy._staff_posts((viewer.person.pk, tuple(connections.child_ids), by_unit, r8)))

    def test_no_children_means_no_posts(self) -> None:
        assert Post.objects.filter(status="published").exists()
        nothing = precompiled_filter(Post, "family-posts", policy._family_posts, ())
        assert list(Post.objects.filter(nothing)) == []
        assert list(Comment.objects.filter(post__in=Post.objects.filter(nothing))) == []

    def test_a_precompiled_filter_refuses_a_query_on_another_table(self) -> None:
        expression = precompiled_filter(Post, "family-posts", policy._family_posts, (self.cast.alva.pk,))
        with self.assertRaises(ValueError):
            list(Comment.objects.filter(expression))


class WholePageQueryTests(TestCase):
    """`precompiled_rows` and `listing.post_page`: one list page's whole query compiled once per shape."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def setUp(self) -> None:
        precompiled.clear()

    def _ordinary(self, viewer: Viewer, posts, filters: tuple, anchor, limit: int) -> list[dict]:  # noqa: ANN001
        ordered = listing.after(listing.filtered(posts, *filters), anchor)
        return list(listing.listing_queryset(viewer, ordered)[:limit])

    def test_a_page_is_the_rows_the_ordinary_query_gives_for_every_source_filter_and_anchor(self) -> None:
        cast = self.cast
        guardian = Viewer(person=cast.anna, role=Role.GUARDIAN)
        staff = Viewer(person=cast.teacher_blue, role=Role.STAFF)
        goal = Post.objects.filter(post_goals__isnull=False).values_list("post_goals__goal__key", flat=True).first()
        cases = [
            (guardian, policy.post_source(guardian, child=cast.alva), policy.timeline_posts(guardian, cast.alva)),
            (guardian, policy.post_source(guardian), policy.visible_posts(guardian)),
            (staff, policy.post_source(staff, include_drafts=True), policy.visible_posts(staff, include_drafts=True)),
            (staff, policy.post_source(staff, child=cast.alva), policy.timeline_posts(staff, cast.alva)),
            (staff, policy.post_source(staff, group=cast.blue), policy.group_posts(staff, cast.blue)),
            (guardian, policy.post_source(guardian, group=cast.blue), policy.group_posts(guardian, cast.blue)),
        ]
        some = Post.objects.order_by("-activity_date", "-id").values_list("activity_date", "id")
        anchors = [None, *some[1:3]]
        filter_sets = [(None, None, None), (goal, None, None), (None, DAY - dt.timedelta(days=3650), None)]
        for viewer, source, posts in cases:
            assert source is not None
            for filters in filter_sets:
                for anchor in anchors:
                    with self.subTest(viewer=viewer.person.given_name, source=source[0], f=filters, a=anchor):
                        rows = listing.post_page(viewer, source, filters=filters, anchor=anchor, limit=3)
                        expected = self._ordinary(viewer, posts, filters, anchor, 3)
                        assert [r.id for r in rows] == [r["id"] for r in expected]
                        assert [r.digest("x") for r in rows] == [listing.PostListing(r).digest("x") for r in expected]
        pages = [value for key, value in precompiled._cache.items() if key[3] == "post-page:3"]
        assert pages and all(isinstance(value, precompiled._Compiled) for value in pages)  # none fell back

    def test_the_same_shape_is_neither_built_nor_compiled_again(self) -> None:
        built = []

        def build(args: tuple):  # noqa: ANN202
            built.append(args)
            return Post.objects.filter(pk__in=args[0]).order_by("pk").values("pk", "activity_date")

        ids = sorted(Post.objects.values_list("pk", flat=True))
        first = precompiled.precompiled_rows("t", build, (tuple(ids[:2]),))
        assert len(built) == 2  # the two compilations with stand-ins
        second = precompiled.precompiled_rows("t", build, (tuple(ids[2:4]),))
        assert len(built) == 2
        assert [r["pk"] for r in first] == ids[:2] and [r["pk"] for r in second] == ids[2:4]
        assert all(isinstance(r["activity_date"], dt.date) for r in first + second)  # converters applied

    def test_a_query_that_cannot_be_reused_is_built_each_time(self) -> None:
        def build(args: tuple):  # noqa: ANN202 - a value decides the SQL
            return Post.objects.filter(pk__gt=args[0] if args[0] % 2 else 0).values("pk")

        assert precompiled._entry(None, "odd", build, precompiled._shape((3,)), as_filter=False) is None
        assert len(precompiled.precompiled_rows("odd", build, (0,))) == Post.objects.count()
        with pytest.raises(TypeError):
            precompiled.precompiled_rows("not-values", lambda args: Post.objects.all(), ())


@pytest.mark.django_db
def test_uuids_are_values_of_a_shape_on_every_database() -> None:
    import uuid

    built = []

    def build(args: tuple):  # noqa: ANN202
        built.append(args)
        return Post.objects.filter(uuid=args[0]).values("pk")

    assert precompiled._shape((uuid.uuid4(),)) == ("u",)
    assert precompiled.precompiled_rows("by-uuid", build, (uuid.uuid4(),)) == []
    assert len(built) == 2  # compiled with two stand-ins: a UUID is a parameter, not part of the SQL
    compiled = precompiled._entry(None, "by-uuid", build, ("u",), as_filter=False)
    assert isinstance(compiled, precompiled._Compiled)
    wanted = uuid.uuid4()
    # PostgreSQL takes the UUID itself; SQLite stores it as 32 hex digits.
    assert compiled.params([wanted]) == [wanted if connection.vendor == "postgresql" else wanted.hex]


def _posts_by_ids(args: tuple):  # noqa: ANN202
    return Post.objects.filter(pk__in=args[0]).order_by("pk").values("pk")


def _prepared_posts_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if "learninglog_post" in row[0]]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.django_db
def test_on_postgresql_a_shape_is_a_prepared_statement_logged_with_its_values(settings) -> None:
    from django.test.utils import CaptureQueriesContext

    build = _posts_by_ids
    before = len(_prepared_posts_statements())
    with CaptureQueriesContext(connection) as queries:
        assert precompiled.precompiled_rows("prepared", build, ((-3, -4),)) == []
    assert len(_prepared_posts_statements()) == before + 1  # the statement, with $1 and $2, is kept by the connection
    assert len(queries) == 1 and "-3" in queries[0]["sql"] and "%s" not in queries[0]["sql"]  # logged like any query
    assert precompiled.precompiled_rows("prepared", build, ((-5, -6),)) == []
    assert len(_prepared_posts_statements()) == before + 1  # the same shape reuses it

    settings.FOLJA_DB_PREPARED = False
    precompiled.precompiled_rows("prepared", build, ((-7, -8, -9),))
    assert len(_prepared_posts_statements()) == before + 1  # another shape, not prepared


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.django_db
def test_on_postgresql_prepared_shapes_run_their_generic_plan_and_long_id_lists_are_not_prepared(monkeypatch) -> None:
    monkeypatch.setattr(precompiled, "PREPARED_PARAMS_MAX", 3)
    before = len(_prepared_posts_statements())
    assert precompiled.precompiled_rows("long", _posts_by_ids, ((-1, -2, -3, -4),)) == []
    assert len(_prepared_posts_statements()) == before  # four values and more: planned with them, as Django's own
    assert precompiled.precompiled_rows("long", _posts_by_ids, ((-1, -2, -3),)) == []
    assert len(_prepared_posts_statements()) == before + 1
    with connection.cursor() as cursor:  # the application's connections: prepared means generic
        cursor.execute("SELECT current_setting('plan_cache_mode'), current_setting('jit')")
        assert cursor.fetchone() == ("force_generic_plan", "off")


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.django_db
def test_a_connection_keeps_a_bounded_number_of_prepared_statements() -> None:
    def build(args: tuple):  # noqa: ANN202
        return Post.objects.filter(pk__in=args[0]).values("pk")

    for size in range(1, precompiled.PREPARED_MAX + 10):  # one shape per number of ids
        precompiled.precompiled_rows("bounded", build, (tuple(range(-size, 0)),))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] <= precompiled.PREPARED_MAX


def test_padded_id_lists_share_a_few_lengths_and_mean_the_same() -> None:
    assert precompiled.padded(()) == ()
    assert precompiled.padded((5, 7)) == (5, 7)
    assert precompiled.padded((5, 7, 9)) == (5, 7, 9, 9)
    assert precompiled.padded(tuple(range(9))) == (*range(9), *(8,) * 7)
    assert precompiled.padded(tuple(range(17))) == (*range(17), 16, 16, 16)
    lengths = {len(precompiled.padded(tuple(range(n)))) for n in range(1, 301)}
    assert len(lengths) < 40  # not 300 shapes
    assert len({len(precompiled.padded(tuple(range(n)))) for n in range(1, 17)}) == 5  # 1, 2, 4, 8, 16
    assert precompiled._shape((precompiled.padded(tuple(range(290))),)) == precompiled._shape(
        (precompiled.padded(tuple(range(300))),)
    )
    for n in range(1, 1000):
        ids = tuple(range(n))
        grown = precompiled.padded(ids)
        assert set(grown) == set(ids) and grown[:n] == ids
        assert len(grown) <= 16 if n <= 16 else n < len(grown) + 1 <= n * 1.25 + 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.django_db
def test_ids_of_any_size_share_one_prepared_statement() -> None:
    """psycopg types an int by its size; the prepared cursor sends every int as bigint, so one
    shape is one statement whatever the ids (smallint, integer and bigint-sized ids here)."""
    before = len(_prepared_posts_statements())
    for ids in ((-1, -2), (-1, -40_000), (-3_000_000_000, -2), (-40_000, -3_000_000_000)):
        assert precompiled.precompiled_rows("sized", _posts_by_ids, (ids,)) == []
    assert len(_prepared_posts_statements()) == before + 1


def test_numbered_placeholders_are_read_as_psycopg_reads_them() -> None:
    assert precompiled.numbered("SELECT %s, %s FROM t WHERE a LIKE 'x%%' AND b = %s") == (
        "SELECT $1, $2 FROM t WHERE a LIKE 'x%' AND b = $3"
    )
    assert precompiled.numbered("SELECT 1") == "SELECT 1"
    for refused in ("SELECT %d", "SELECT 1 %", "SELECT %(name)s", "SELECT %b"):
        with pytest.raises(ValueError, match="only %s placeholders"):
            precompiled.numbered(refused)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.django_db
def test_the_prepared_cursor_reads_percent_signs_as_psycopg_does() -> None:
    with precompiled.prepared_cursor(connection) as cursor:
        cursor.execute("SELECT %s::text || '%%'", ["a"])  # with values: %s is a value, %% a percent sign
        assert cursor.fetchone()[0] == "a%"
        cursor.execute("SELECT '%%'")  # without: nothing is read
        assert cursor.fetchone()[0] == "%%"
