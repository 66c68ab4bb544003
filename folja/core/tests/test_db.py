"""The `__any` lookup (the same rows as `__in`, one array parameter on PostgreSQL) and `index_lookups`."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from folja.core.db import array_literal, index_lookups
from folja.directory.models import Guardianship, Organisation, OrganisationType, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    org = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Kommunen")
    people = [Person.objects.create(given_name=f"P{i}", family_name="Test") for i in range(6)]
    for child, guardian in ((people[0], people[1]), (people[0], people[2]), (people[3], people[4])):
        Guardianship.objects.create(organisation=org, child=child, responsible=guardian, relation_type="Vårdnadshavare")
    return org, people


def test_any_finds_the_same_rows_as_in_for_plain_and_foreign_key_fields(family):
    org, people = family
    names = ["P1", "P3", "nobody"]
    assert set(Person.objects.filter(given_name__any=names)) == set(Person.objects.filter(given_name__in=names))
    children = [people[0].pk, people[5].pk]
    assert sorted(Guardianship.objects.filter(child_id__any=children).values_list("pk", flat=True)) == sorted(
        Guardianship.objects.filter(child_id__in=children).values_list("pk", flat=True)
    )
    assert Guardianship.objects.filter(organisation=org, child__any=children).count() == 2


def test_any_of_nothing_is_no_rows_without_a_query(family):
    with CaptureQueriesContext(connection) as queries:
        assert list(Person.objects.filter(given_name__any=[])) == []
    assert len(queries) == 0


def test_any_sends_one_array_cast_to_the_column_type_on_postgresql(family):
    _org, people = family
    with CaptureQueriesContext(connection) as queries:
        list(Guardianship.objects.filter(child_id__any=[p.pk for p in people]))
    sql = queries[-1]["sql"]
    if connection.vendor == "postgresql":
        # Cast to the column's type, so that PostgreSQL can use the column's index.
        assert "= ANY(" in sql and "::bigint[])" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_any_matches_values_with_quotes_backslashes_commas_and_braces():
    names = ['Ann "Ni" Ek', "back\\slash", "a,b", "{brace}", "NULL", "", "Åsa"]
    for name in names:
        Person.objects.create(given_name=name, family_name="Test")
    Person.objects.create(given_name="other", family_name="Test")
    found = sorted(Person.objects.filter(given_name__any=names).values_list("given_name", flat=True))
    assert found == sorted(names)


def test_any_sends_plain_strings_and_integers_as_one_literal_and_the_rest_as_a_list():
    plain = ["a,b", "{brace}", "NULL", "", " space ", "Åsa", "00000000-0006-4000-8002-000000000013"]
    assert array_literal(plain) == '{"a,b","{brace}","NULL",""," space ","Åsa","00000000-0006-4000-8002-000000000013"}'
    assert array_literal([3, 1, 2]) == "{3,1,2}"
    for odd in (['x","y'], ['say "hi"', "b"], ["back\\slash"], [1, "1"]):
        assert array_literal(odd) == odd  # adapted element by element, as psycopg does
    for name in [*plain, 'x","y', "x", "y"]:
        Person.objects.create(given_name=name, family_name="Test")
    assert sorted(Person.objects.filter(given_name__any=plain).values_list("given_name", flat=True)) == sorted(plain)
    assert list(Person.objects.filter(given_name__any=['x","y']).values_list("given_name", flat=True)) == ['x","y']


def _seqscan() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        return cursor.fetchone()[0]


def _jit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_index_lookups_turns_sequential_scans_and_jit_off_inside_a_transaction_only_and_restores_them():
    if connection.vendor != "postgresql":
        with transaction.atomic(), index_lookups():
            assert list(Person.objects.filter(pk__any=[1])) == []  # runs unchanged
        return
    with transaction.atomic():
        assert _seqscan() == "on"
        jit = _jit()
        with index_lookups():
            assert _seqscan() == "off" and _jit() == "off"
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN SELECT id FROM directory_person WHERE id = ANY(%s::bigint[])", [[1, 2, 3]])
                plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan
        assert _seqscan() == "on" and _jit() == jit  # restored for the rest of the transaction
    with index_lookups():  # outside a transaction the setting would not outlive its statement
        assert _seqscan() == "on"
    assert _seqscan() == "on"


@pytest.mark.django_db(transaction=True)
def test_a_database_error_inside_index_lookups_comes_out_as_itself():
    from django.db import DatabaseError

    with pytest.raises(DatabaseError) as error, transaction.atomic(), index_lookups(), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    assert "no_such_table" in str(error.value)  # not "current transaction is aborted"
    assert Person.objects.count() == 0  # the connection is usable again
