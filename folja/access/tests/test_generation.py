"""Staff connections held by the process under the relationship generation (access/generation.py).

These tests run outside a test transaction (`transaction=True`), as a request does: inside one
nothing is held, so the ordinary tests never see a held answer. Each change below is one way the
relationships change in production; the next lookup must see it at once (R1, R5).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.apps import apps as django_apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from folja.access import generation, policy
from folja.access.models import RelationshipGeneration
from folja.directory.models import Duty, DutyAssignment, GroupMembership, Organisation, Person, Placement
from folja.testing.cast import Cast, build_cast
from folja.transitions.models import TransitionConsent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cast() -> Cast:
    return build_cast()


def connections(cast: Cast, name: str = "teacher_blue") -> policy.StaffConnections:
    return policy.staff_connections(cast.persons[name])


def answer(c: policy.StaffConnections) -> tuple:
    """Everything a lookup answers, to compare a held answer with one computed afresh."""
    return (c.duties, c.placement_ids, c.child_ids, c.children_by_unit, c.r8_placement_ids, c.r8_child_ids, c.r8_dates)


def fresh(cast: Cast, name: str = "teacher_blue") -> policy.StaffConnections:
    """The connections computed afresh: inside a transaction nothing held is used."""
    with transaction.atomic():
        return connections(cast, name)


def yesterday(cast: Cast) -> dt.date:
    return cast.day - dt.timedelta(days=1)


def test_held_connections_are_reused_while_the_relationships_stay_the_same(cast: Cast) -> None:
    first = connections(cast)
    with CaptureQueriesContext(connection) as queries:
        second = connections(cast)
    assert second is first  # held, not rebuilt
    assert len(queries) == 1  # still asked: the statement compares generations
    assert answer(second) == answer(fresh(cast))
    assert cast.alva.pk in second.child_ids and cast.sigge.pk not in second.child_ids  # R1, R5


# One way each relationship table changes what a staff member is connected to: (who, the change,
# what must hold of the next lookup).
CHANGES: dict[str, tuple[str, Callable[[Cast], object], Callable[[Cast, policy.StaffConnections], bool]]] = {
    "the child's placement ends": (
        "teacher_blue",
        lambda cast: Placement.objects.filter(child=cast.alva).update(end_date=yesterday(cast)),
        lambda cast, c: cast.alva.pk not in c.child_ids,
    ),
    "the child is sealed (R5)": (
        "teacher_blue",
        lambda cast: Person.objects.filter(pk=cast.bertil.pk).update(sealed_at=timezone.now()),
        lambda cast, c: cast.bertil.pk not in c.child_ids,
    ),
    "the child leaves the group": (
        "teacher_blue",
        lambda cast: GroupMembership.objects.filter(person=cast.alva).update(end_date=yesterday(cast)),
        lambda cast, c: cast.alva.pk not in c.child_ids,
    ),
    "the staff member's group assignment ends": (
        "teacher_blue",
        lambda cast: DutyAssignment.objects.filter(duty__person=cast.teacher_blue).update(end_date=yesterday(cast)),
        lambda cast, c: c.child_ids == [],
    ),
    "the staff member's duty ends": (
        "teacher_blue",
        lambda cast: Duty.objects.filter(person=cast.teacher_blue).update(end_date=yesterday(cast)),
        lambda cast, c: c.duties == [] and c.child_ids == [],
    ),
    "the unit lets all staff see all children": (
        "teacher_blue",
        lambda cast: Organisation.objects.filter(pk=cast.solrosen.pk).update(all_staff_see_all_children=True),
        lambda cast, c: cast.cleo.pk in c.child_ids and cast.elin.pk in c.child_ids,
    ),
    "the group moves to another unit": (
        "teacher_blue",
        lambda cast: type(cast.blue).objects.filter(pk=cast.blue.pk).update(school_unit=cast.granen),
        lambda cast, c: c.child_ids == [],
    ),
    "a guardian consents to sharing at the transition (R7)": (
        "teacher_fklass",
        lambda cast: TransitionConsent.objects.create(
            child=cast.maja, guardian=cast.gustav, allowed=True, answered_at=timezone.now()
        ),
        lambda cast, c: cast.maja.pk in c.r8_child_ids,
    ),
    "a new child joins the group": (
        "teacher_blue",
        lambda cast: (
            Placement.objects.create(
                organisation=cast.org_a,
                child=cast.cleo,
                school_unit=cast.solrosen,
                group=cast.blue,
                school_type="FS",
                start_date=cast.day,
            ),
            GroupMembership.objects.create(
                organisation=cast.org_a, group=cast.blue, person=cast.cleo, start_date=cast.day
            ),
        ),
        lambda cast, c: cast.cleo.pk in c.child_ids,
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_of_relationships_is_seen_by_the_next_lookup(cast: Cast, change: str) -> None:
    who, apply, holds = CHANGES[change]
    before = connections(cast, who)
    assert connections(cast, who) is before  # held
    assert not holds(cast, before)
    apply(cast)
    after = connections(cast, who)
    assert after is not before
    assert holds(cast, after)
    assert answer(after) == answer(fresh(cast, who))
    assert connections(cast, who) is after  # held again, under the new generation


def test_nothing_is_held_or_reused_inside_a_transaction_and_a_rollback_leaves_no_trace(cast: Cast) -> None:
    held = connections(cast)
    with transaction.atomic():
        assert connections(cast) is not held
        Placement.objects.filter(child=cast.alva).update(end_date=yesterday(cast))
        inside = connections(cast)
        assert cast.alva.pk not in inside.child_ids  # the transaction's own write is seen
        assert connections(cast) is not inside  # and not held
        transaction.set_rollback(True)
    after = connections(cast)
    assert after is held  # the generation is the one before the transaction
    assert cast.alva.pk in after.child_ids


def test_without_a_generation_nothing_is_held(cast: Cast) -> None:
    RelationshipGeneration.objects.all().delete()  # as after a flush
    first = connections(cast)
    assert connections(cast) is not first
    Placement.objects.filter(child=cast.alva).update(end_date=yesterday(cast))  # a write makes one
    assert RelationshipGeneration.objects.filter(pk=1).exists()
    held = connections(cast)
    assert connections(cast) is held and cast.alva.pk not in held.child_ids


def test_the_relationship_statements_read_only_tables_whose_writes_change_the_generation() -> None:
    from folja.access import transitions

    def tables(sql: str) -> set[str]:
        return set(re.findall(r"\b([a-z]+_[a-z_]+)\b", sql)) & {
            model._meta.db_table for model in django_apps.get_models()
        }

    staff = tables(policy._staff_connections_sql())
    assert {"directory_duty", "directory_placement", "directory_person", "transitions_transitionconsent"} <= staff
    terms_column = policy._accepted_terms_sql(connection.vendor, 2)
    guardian = tables(policy._guardian_children_sql(terms_column))
    assert {"directory_guardianship", "directory_placement", "transitions_termsdecision"} <= guardian
    terms = tables(transitions._terms_sql())
    assert "transitions_termsofuse" in terms
    # Besides the relationship tables, only the generation itself.
    readable = {*generation.RELATIONSHIP_TABLES, RelationshipGeneration._meta.db_table}
    assert staff | guardian | terms <= readable, (staff | guardian | terms) - readable


def test_every_relationship_table_has_the_trigger() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname = 'folja_relationships_changed'"
            )
            assert {row[0] for row in cursor.fetchall()} == set(generation.RELATIONSHIP_TABLES)
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            found = {(table, name.rsplit("_", 1)[1]) for table, name in cursor.fetchall()}
            wanted = {(table, op) for table in generation.RELATIONSHIP_TABLES for op in ("insert", "update", "delete")}
            assert wanted <= found


def value() -> int | None:
    return RelationshipGeneration.objects.filter(pk=1).values_list("value", flat=True).first()


def test_each_write_to_a_relationship_table_gives_a_new_generation_and_other_writes_do_not(cast: Cast) -> None:
    from folja.access.audit import record_reads
    from folja.access.models import AuditAction

    start = value()
    Person.objects.filter(pk=cast.alva.pk).update(given_name="Alva")
    after_person = value()
    assert after_person not in (None, start)
    record_reads(cast.viewer("teacher_blue", "staff"), AuditAction.READ_TIMELINE, [cast.alva.pk])  # not a relationship
    assert value() == after_person
    Placement.objects.filter(child=cast.alva).delete()
    assert value() != after_person


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement-level triggers are PostgreSQL's")
def test_on_postgresql_a_transaction_changes_the_generation_once_and_a_rolled_back_savepoint_forgets_it(
    cast: Cast,
) -> None:
    start = value()
    with transaction.atomic():
        Person.objects.filter(pk=cast.alva.pk).update(given_name="Alva")
        first = value()
        Placement.objects.filter(child=cast.alva).update(end_date=yesterday(cast))
        assert value() == first != start  # one new value per transaction: one row lock, taken first
        with transaction.atomic():
            pass
    assert value() == first
    with transaction.atomic():
        try:
            with transaction.atomic():
                Person.objects.filter(pk=cast.alva.pk).update(given_name="Alva")
                raise RuntimeError
        except RuntimeError:
            pass
        assert value() == first  # the savepoint's write and its new value are gone
        Person.objects.filter(pk=cast.bertil.pk).update(given_name="Bertil")
        assert value() not in (first, None)  # the next write still gives a new value


# -- in requests: the generation read with the session's user ----------------------------------


def _statements(queries: CaptureQueriesContext, marker: str) -> int:
    return sum(marker in query["sql"] for query in queries)


STAFF_STATEMENT = "WITH d AS"  # policy.staff_connections
GUARDIAN_STATEMENT = "folja_accepted"  # policy._guardian_children


@pytest.mark.parametrize(
    ("who", "role", "marker"),
    [("teacher_blue", "staff", STAFF_STATEMENT), ("anna", "guardian", GUARDIAN_STATEMENT)],
)
def test_a_request_uses_the_generation_read_with_its_user_and_sees_a_change_at_once(
    cast: Cast, who: str, role: str, marker: str
) -> None:
    from django.urls import reverse

    from folja.testing.sessions import signed_in

    client = signed_in(cast.persons[who], role)
    url = reverse("learninglog:timeline", args=[cast.alva.uuid])
    assert client.get(url).status_code == 200  # computed, and held
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert _statements(queries, marker) == 0  # the same generation as the user's: nothing asked
    # Alva leaves the platform (R6) / the unit: the very next request must not show her.
    Placement.objects.filter(child=cast.alva).update(end_date=yesterday(cast))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # Not found for the teacher; for Anna, with no child left, the session ends (to the sign-in).
    assert response.status_code == (404 if role == "staff" else 302)
    assert _statements(queries, marker) == 1
    if role == "staff":
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 404  # and held again
        assert _statements(queries, marker) == 0


def test_a_guardians_sealed_child_disappears_from_the_next_request(cast: Cast) -> None:
    from django.urls import reverse

    from folja.testing.sessions import signed_in

    client = signed_in(cast.anna, "guardian")
    url = reverse("learninglog:timeline", args=[cast.alva.uuid])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    Person.objects.filter(pk=cast.alva.pk).update(sealed_at=timezone.now())  # R5
    response = client.get(url)
    assert response.status_code in (302, 404)  # no child left: the session ends or the page is gone
    assert cast.alva.given_name not in response.content.decode()


def test_current_terms_are_held_until_a_new_version_or_its_publication_time(cast: Cast) -> None:
    """R9 in requests: terms read once per generation, and a version published for later takes
    effect at its time without any write."""
    from unittest import mock

    from django.urls import reverse

    from folja.testing.sessions import signed_in
    from folja.transitions.models import TermsOfUse

    client = signed_in(cast.anna, "guardian")
    url = reverse("learninglog:timeline", args=[cast.alva.uuid])
    assert client.get(url).status_code == 200  # no terms anywhere: nothing to accept
    later = timezone.now() + dt.timedelta(hours=1)
    TermsOfUse.objects.create(organisation=None, version=1, title="Villkor", body="…", published_at=later)
    assert client.get(url).status_code == 200  # not yet current
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert _statements(queries, "transitions_termsofuse") == 0  # held: no query, no cache
    real_now = timezone.now
    with mock.patch("django.utils.timezone.now", lambda: real_now() + dt.timedelta(hours=2)):
        response = client.get(url)
    assert response.status_code != 200  # now current and not accepted: Alva's log is held back (R9)
    assert "alva_individual" not in response.content.decode()


def test_staff_pages_open_a_group_or_a_child_without_a_lookup_until_it_changes(cast: Cast) -> None:
    from django.urls import reverse

    from folja.directory.models import Group
    from folja.testing.sessions import signed_in

    client = signed_in(cast.teacher_blue, "staff")
    cases = [
        (
            reverse("learninglog:group_log", args=[cast.blue.uuid]),
            '"directory_group"."uuid" =',
            lambda: Group.objects.filter(pk=cast.blue.pk).update(display_name="Blåbären och Lingonen"),
            "Blåbären och Lingonen",
        ),
        (
            reverse("learninglog:timeline", args=[cast.alva.uuid]),
            '"directory_person"."uuid" =',
            lambda: Person.objects.filter(pk=cast.alva.pk).update(given_name="Alvina"),
            "Alvina",
        ),
    ]
    for url, lookup, rename, new_name in cases:
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert _statements(queries, lookup) == 0  # held: the same generation as the user's
        rename()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert _statements(queries, lookup) == 1
        assert new_name in response.content.decode()  # the next request shows the change
