"""The first load into empty tables: indexes and foreign keys dropped, loaded, re-created exactly.

These tests need PostgreSQL (DATABASE_URL=postgres://…): the fast path is PostgreSQL DDL read from
pg_catalog, and SQLite always takes the ordinary path (checked by the last test).
"""

from __future__ import annotations

import os

import psycopg
import pytest
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from folja.directory.models import (
    Guardianship,
    Organisation,
    OrganisationType,
    Person,
    PersonSisId,
)
from folja.sis import bulk
from folja.sis.client import SisClient
from folja.sis.models import RunStatus, SyncRun
from folja.sis.sync import run_sync

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    db_connection.vendor != "postgresql",
    reason="the empty-table bulk load is PostgreSQL DDL read from pg_catalog; SQLite always loads the ordinary way",
)

DDL = ("DROP INDEX", "DROP CONSTRAINT", "ADD CONSTRAINT", "CREATE INDEX", "CREATE UNIQUE INDEX", "LOCK TABLE")


def other_session() -> psycopg.Connection:
    """Open a second session to the test database, as another user of Följa would have."""
    settings = db_connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    )


def directory_schema() -> dict[str, list[tuple]]:
    """Return every index and constraint definition of the directory tables, as pg_catalog prints them."""
    with db_connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisunique, x.indisprimary, x.indisvalid
            FROM pg_index x
            JOIN pg_class c ON c.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            WHERE c.relname LIKE 'directory%%'
            ORDER BY 1, 2
            """
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid),
                   condeferrable, condeferred, convalidated, conindid::regclass::text
            FROM pg_constraint
            WHERE conrelid::regclass::text LIKE 'directory%%' OR confrelid::regclass::text LIKE 'directory%%'
            ORDER BY 1, 2
            """
        )
        constraints = cursor.fetchall()
    return {"indexes": indexes, "constraints": constraints}


def ddl(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if any(word in q["sql"] for word in DDL)]


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)  # a real COMMIT, with its deferred checks
def test_first_sync_re_creates_every_index_and_constraint_exactly(sync):
    before = directory_schema()
    with CaptureQueriesContext(db_connection) as queries:
        result = sync()
    assert result.status == RunStatus.SUCCEEDED
    statements = ddl(queries)
    # The fast path was taken (persons, their SIS ids, contacts, guardianships, placements,
    # memberships), and foreign keys to persons were dropped and re-added ...
    assert any(s.startswith("DROP INDEX") for s in statements)
    assert any("FOREIGN KEY (person_id) REFERENCES directory_person" in s for s in statements)
    # ... and, this being a new installation (nobody can be using it yet), the organisation and
    # group tables were locked, so the foreign keys to them were dropped and re-added too.
    assert 'LOCK TABLE "directory_organisation", "directory_group" IN ACCESS EXCLUSIVE MODE NOWAIT' in statements
    for table in ("personsisid", "guardianship", "placement", "groupmembership"):
        assert any(
            s.startswith(f'ALTER TABLE "directory_{table}" ADD') and "REFERENCES directory_organisation" in s
            for s in statements
        ), table
    assert any("REFERENCES directory_group(" in s for s in statements)
    assert directory_schema() == before
    assert Person.objects.count() == result.counts["persons"]["created"]
    # The unchanged re-run takes the ordinary path (the tables are not empty) and writes nothing.
    with CaptureQueriesContext(db_connection) as queries:
        again = sync()
    assert again.status == RunStatus.SUCCEEDED
    assert ddl(queries) == []
    assert not any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and "sis_syncrun" not in q["sql"]
        for q in queries.captured_queries
    )


@pytest.mark.postgres
@postgres_only
def test_failure_between_drop_and_re_create_leaves_the_complete_schema(sync, monkeypatch):
    before = directory_schema()
    real_rebuild = bulk._rebuild

    def fail_at_guardianships(plan):
        if "guardianship" in plan.table:
            assert directory_schema() != before  # its indexes are gone at this point
            raise RuntimeError("simulated failure after the drop")
        real_rebuild(plan)

    monkeypatch.setattr(bulk, "_rebuild", fail_at_guardianships)
    with pytest.raises(RuntimeError, match="simulated failure"):
        sync()
    assert directory_schema() == before
    assert not Person.objects.exists() and not Guardianship.objects.exists()
    assert SyncRun.objects.get().status == RunStatus.FAILED
    # The next run (without the failure) loads everything, through the fast path again.
    monkeypatch.setattr(bulk, "_rebuild", real_rebuild)
    assert sync().status == RunStatus.SUCCEEDED
    assert directory_schema() == before


@pytest.mark.postgres
@postgres_only
def test_rows_that_violate_a_re_created_unique_constraint_fail_and_roll_back(huvudman):
    person = Person.objects.create(given_name="Alva", family_name="Nilsson")
    before = directory_schema()
    rows = [(huvudman.pk, person.pk, "same-id"), (huvudman.pk, person.pk, "same-id")]
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(PersonSisId, ("organisation_id", "person_id", "sis_id"), rows)
    assert directory_schema() == before
    assert not PersonSisId.objects.exists()


@pytest.mark.postgres
@postgres_only
def test_second_organisation_loads_into_filled_tables_the_ordinary_way(sync, fake):
    assert sync().status == RunStatus.SUCCEEDED
    persons = Person.objects.count()
    other = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Grannby kommun")
    with CaptureQueriesContext(db_connection) as queries, SisClient(fake.base_url, page_limit=25) as client:
        result = run_sync(organisation=other, client=client)
    assert result.status == RunStatus.SUCCEEDED
    assert ddl(queries) == []
    # The same persons (matched by civic number), now known to both organisations' SIS.
    assert Person.objects.count() == persons
    assert PersonSisId.objects.filter(organisation=other).count() == persons


@pytest.mark.postgres
@postgres_only
def test_a_table_someone_else_is_using_is_loaded_the_ordinary_way(sync):
    other = other_session()
    try:
        # Another session reads guardianships in an open transaction (ACCESS SHARE until it ends).
        other.execute("SELECT count(*) FROM directory_guardianship")
        before = directory_schema()
        with CaptureQueriesContext(db_connection) as queries:
            result = sync()
        assert result.status == RunStatus.SUCCEEDED
        dropped = [s for s in ddl(queries) if s.startswith(("DROP INDEX", "ALTER TABLE"))]
        assert dropped and not any("directory_guardianship" in s for s in dropped)
        assert Guardianship.objects.exists()
        assert directory_schema() == before
    finally:
        other.rollback()
        other.close()


@pytest.mark.postgres
@postgres_only
def test_while_someone_reads_organisations_the_foreign_keys_to_them_are_checked_row_by_row(sync):
    """Organisations and groups are locked only when nobody is using them (NOWAIT): never queued for."""
    other = other_session()
    try:
        other.execute("SELECT count(*) FROM directory_organisation")  # ACCESS SHARE until it ends
        before = directory_schema()
        with CaptureQueriesContext(db_connection) as queries:
            result = sync()
        assert result.status == RunStatus.SUCCEEDED
        statements = ddl(queries)
        assert any("REFERENCES directory_person" in s for s in statements)  # still the fast path
        shared = ("REFERENCES directory_organisation", "REFERENCES directory_group")
        assert not any(name in s for s in statements for name in shared)
        assert Guardianship.objects.exists() and directory_schema() == before
    finally:
        other.rollback()
        other.close()


@pytest.mark.postgres
@postgres_only
def test_a_second_import_locks_no_shared_table(sync, fake):
    assert sync().status == RunStatus.SUCCEEDED
    with CaptureQueriesContext(db_connection) as queries:
        assert sync(full=True).status == RunStatus.SUCCEEDED
    assert not [q["sql"] for q in queries.captured_queries if "LOCK TABLE" in q["sql"]]


@pytest.mark.postgres
@postgres_only
def test_ids_are_taken_as_one_block_while_the_table_is_being_loaded():
    fields = ("given_name", "family_name")
    with CaptureQueriesContext(db_connection) as queries, transaction.atomic():
        with bulk.loading(Person):  # empty: locked by this transaction, so one block of ids
            block = bulk.insert(Person, fields, [(f"Barn{i}", "Ek") for i in range(300)], want_ids=True)
        stored = sorted(Person.objects.values_list("pk", flat=True))
        after = bulk.insert(Person, fields, [("A", "Ek"), ("B", "Ek")], want_ids=True)  # one id per row
        later = Person.objects.create(given_name="C", family_name="Ek").pk
    assert stored == block == list(range(block[0], block[0] + 300))
    assert block[-1] < after[0] < after[1] < later
    assert len([q["sql"] for q in queries.captured_queries if "setval" in q["sql"]]) == 1


@pytest.mark.postgres
@postgres_only
def test_a_database_user_who_may_not_alter_tables_loads_the_ordinary_way():
    before = directory_schema()
    role = f"folja_sis_writer_{os.getpid()}"  # roles are cluster-wide: one per test worker
    with db_connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}"')  # rolled back with the test's transaction
        cursor.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
        cursor.execute(f'SET LOCAL ROLE "{role}"')
        try:
            with transaction.atomic(), bulk.load_into_empty_table(Guardianship) as fast:
                assert not fast  # may write rows, may not drop the table's indexes
        finally:
            cursor.execute("RESET ROLE")
    assert directory_schema() == before


def test_only_postgresql_takes_the_fast_path():
    with transaction.atomic(), bulk.load_into_empty_table(Guardianship) as fast:
        assert fast == (db_connection.vendor == "postgresql")


@pytest.mark.postgres
@postgres_only
def test_a_load_in_many_inserts_drops_and_rebuilds_once_and_stores_every_row():
    before = directory_schema()
    fields = ("given_name", "family_name")
    with CaptureQueriesContext(db_connection) as queries, transaction.atomic():
        with bulk.loading(Person, PersonSisId):
            ids = []
            for page in range(3):
                ids += bulk.insert(Person, fields, [(f"Barn{page}-{i}", "Ek") for i in range(50)], want_ids=True)
        assert sorted(Person.objects.values_list("pk", flat=True)) == sorted(ids) and len(set(ids)) == 150
    statements = ddl(queries)
    assert sum("LOCK TABLE" in sql for sql in statements) == 2  # one load per table, not one per insert
    assert directory_schema() == before


@pytest.mark.postgres
@postgres_only
def test_a_loaded_table_is_analyzed_in_the_same_transaction():
    """Without statistics the planner takes 400,000 loaded rows for a few hundred (autovacuum may be off)."""

    def estimated_rows(sql: str) -> float:
        with db_connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]

    with transaction.atomic():
        with bulk.loading(Person):
            bulk.insert(Person, ("given_name", "family_name"), [(f"Barn{i}", "Ek") for i in range(2000)])
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'directory_person'")
            assert cursor.fetchone()[0] > 0
        assert estimated_rows("SELECT 1 FROM directory_person WHERE family_name = 'Ek'") == 2000


@pytest.mark.postgres
@postgres_only
def test_rows_copied_in_binary_read_back_equal_and_a_value_too_long_for_its_column_is_refused():
    import datetime as dt

    from folja.directory.models import Phone

    fields = (
        "given_name",
        "middle_name",
        "family_name",
        "civic_number",
        "civic_number_kind",
        "birth_date",
        "sis_digest",
    )
    row = ("Åsa", "", "Öberg", "201505152389", "personnummer", dt.date(2015, 5, 15), -(2**63))
    with transaction.atomic():
        (pk,) = bulk.insert(Person, fields, [row], want_ids=True)
        bulk.insert(Phone, ("person_id", "value", "type", "mobile"), [(pk, "070-123 45 67", "Hem", False)])
        stored = Person.objects.get(pk=pk)
        assert tuple(getattr(stored, name) for name in fields) == row
        assert stored.uuid.version == 4 and stored.created_at is not None
        assert list(Phone.objects.filter(person_id=pk).values_list("value", "type", "mobile")) == [
            ("070-123 45 67", "Hem", False)
        ]
        with pytest.raises(Exception, match="too long"), transaction.atomic():
            bulk.insert(Person, ("given_name", "family_name"), [("x" * 101, "Ek")])
