"""The import's rules, continued: contact details and each person's digest (an unchanged record
is not written again), the next delta's start, NUL characters, and the run's progress."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from folja.directory.models import (
    Person,
)
from folja.sis.models import RunStatus, SisConnection, SyncRun
from folja.sis.tests.test_sync import directory_writes, person

pytestmark = pytest.mark.django_db


def test_changed_contact_details_replace_only_that_persons_rows(sync, world, connection):
    sync(connection=connection)
    guardian_index = world.guardians_of(0)[0]
    world.touch("persons", guardian_index, {"phoneNumbers": [{"value": "0701234567", "type": "Hem", "mobile": True}]})
    result = sync(connection=connection)
    assert result.counts["contacts"] == {"updated": 1}
    assert list(person(world, guardian_index).phones.values_list("value", flat=True)) == ["0701234567"]


def test_unchanged_rerun_reads_no_contacts_back(sync):
    """Each person's stored digest tells an unchanged record: no e-mails, phones or addresses are read."""
    sync()
    assert not Person.objects.filter(sis_digest__isnull=True).exists()
    with CaptureQueriesContext(db_connection) as queries:
        sync()
    contact_tables = ("directory_email", "directory_phone", "directory_address")
    reads = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in contact_tables)]
    assert reads  # "are there any at all?"
    assert [sql for sql in reads if "person_id" in sql] == []  # but no person's rows


def test_a_person_without_a_stored_digest_is_compared_and_only_the_digest_is_written(sync, world):
    """Persons written before digests were kept (or by another organisation's record) are compared in full."""
    sync()
    guardian = person(world, world.guardians_of(0)[0])
    Person.objects.filter(pk=guardian.pk).update(sis_digest=None)
    with CaptureQueriesContext(db_connection) as queries:
        result = sync()
    writes = directory_writes(queries)
    assert len(writes) == 1 and '"sis_digest"' in writes[0] and '"given_name"' not in writes[0]
    assert result.counts["persons"].get("updated", 0) == 0 and result.counts["contacts"] == {}
    assert Person.objects.get(pk=guardian.pk).sis_digest is not None
    with CaptureQueriesContext(db_connection) as queries:
        sync()
    assert directory_writes(queries) == []


def test_a_changed_record_is_written_with_its_new_digest(sync, world):
    sync()
    index = world.guardians_of(0)[0]
    old = person(world, index).sis_digest
    world.touch("persons", index, {"givenName": "Annika"})
    result = sync()
    changed = person(world, index)
    assert result.counts["persons"]["updated"] == 1
    assert changed.given_name == "Annika" and changed.sis_digest not in (None, old)


def test_person_digest_is_the_same_in_another_process():
    """Stored digests are compared by later runs in other processes: no per-process hash seed."""
    import os
    import subprocess
    import sys

    from folja.sis.mapping import StagedPerson, person_digest

    staged = StagedPerson(
        "p1", "Ingen", ("Elsa", "", "Ek", "202001011002", dt.date(2020, 1, 1), "Kvinna", "Ingen", "Aktiv"),
        (("elsa@example.invalid", "Privat"),), None, (), (("g1", "Vårdnadshavare"),),
    )  # fmt: skip
    code = (
        "import datetime; from folja.sis.mapping import StagedPerson, person_digest; "
        f"print(person_digest(StagedPerson(*{tuple(staged)!r})))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "DJANGO_SETTINGS_MODULE": "config.settings", "FOLJA_DEBUG": "1"}
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-500:]
    assert int(out.stdout.split()[-1]) == person_digest(staged)
    assert person_digest(staged._replace(phones=(("0701234567", "Hem", True),))) != person_digest(staged)


@pytest.mark.parametrize("date_header", [True, False])
def test_next_delta_starts_from_the_sis_clock_or_else_its_newest_timestamp(huvudman, date_header):
    from folja.sis.client import SisClient
    from folja.sis.sync import run_sync

    item = {"id": "o1", "meta": {"created": "2026-03-01T10:00:00Z", "modified": "2026-03-02T10:00:00Z"}}

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"Date": "Tue, 03 Mar 2026 10:00:00 GMT"} if date_header else {}
        data = [item] if request.url.path == "/organisations" else []
        return httpx.Response(200, json={"data": data}, headers=headers)

    connection = SisConnection.objects.create(organisation=huvudman, base_url="http://sis.invalid", auth_kind="none")
    with SisClient("http://sis.invalid", transport=httpx.MockTransport(answer)) as client:
        assert run_sync(organisation=huvudman, client=client, connection=connection).status == RunStatus.SUCCEEDED
    expected = dt.datetime(2026, 3, 3 if date_header else 2, 10, tzinfo=dt.UTC)
    assert SisConnection.objects.get(pk=connection.pk).last_delta_at == expected


def test_nul_characters_from_the_sis_are_removed_not_fatal(sync, world):
    """PostgreSQL stores no NUL in text: a hostile SIS must not be able to stop every import with one."""
    world.touch("persons", 0, {"givenName": "El\x00sa", "familyName": "Ek\x00"})
    result = sync()
    assert result.status == RunStatus.SUCCEEDED
    child = person(world, 0)
    assert (child.given_name, child.family_name) == ("Elsa", "Ek")


def test_progress_is_stored_as_steps_and_shown_in_the_readers_language(sync):
    from django.utils import translation

    from folja.sis.models import progress_label

    steps: list[str] = []
    result = sync(progress=steps.append)
    assert steps[0] == "fetching" and steps[-1] == "committed"
    persons = result.fetched["persons"]
    assert [step for step in steps if step.split()[0] == "persons"][-1] == f"persons {persons}/{persons}"
    with translation.override("sv"):
        assert progress_label("persons 15000/415000") == "sparar personer: 15\xa0000 av 415\xa0000"
        assert progress_label("fetching 25") == "hämtar från SIS: 25 sidor hittills"
        assert progress_label("guardianships") == "sparar vårdnadshavare"
    with translation.override("en"):
        assert progress_label("persons 15000/415000") == "saving persons: 15,000 of 415,000"
        assert progress_label("duties") == "saving duties"
    # A value this version does not know (written by another version) is shown as well as it can be.
    with translation.override("sv"):
        assert progress_label("persons x/y") == "sparar personer"
        assert progress_label("something new") == "something new"


postgres_only = pytest.mark.skipif(db_connection.vendor != "postgresql", reason="needs PostgreSQL")


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)  # the progress is read from another connection
def test_progress_is_visible_to_other_connections_while_the_apply_runs(sync):
    from django.db import connections

    other = connections.create_connection("default")
    seen: list[tuple[str, str]] = []

    def look(message: str) -> None:
        if message.split()[0] in ("organisations", "persons", "duties"):
            with other.cursor() as cursor:
                cursor.execute("SELECT progress FROM sis_syncrun ORDER BY id DESC LIMIT 1")
                seen.append((message, cursor.fetchone()[0]))

    try:
        result = sync(progress=look)
    finally:
        other.close()
    assert result.status == RunStatus.SUCCEEDED
    assert len(seen) >= 4
    assert all(message == stored for message, stored in seen), seen
    assert SyncRun.objects.get().progress == ""  # a finished run shows its report instead


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_progress_never_waits_for_a_lock_the_apply_holds(huvudman, caplog):
    """The apply waits for its progress writes, so a progress write must not wait for the apply."""
    import time

    from django.db import transaction

    from folja.sis.sync import _ProgressChannel

    run = SyncRun.objects.create(organisation=huvudman, mode="full")
    channel = _ProgressChannel(run)
    try:
        with transaction.atomic(), channel.applying():
            SyncRun.objects.select_for_update().get(pk=run.pk)  # as if the apply held the row
            started = time.monotonic()
            channel.write("persons 1/2")
            channel.write("persons 2/2")  # not tried again after a failure
            waited = time.monotonic() - started
    finally:
        channel.close()
    assert waited < 5
    assert channel.failed
    assert "progress could not be written" in caplog.text
    channel.write("committed")  # outside the apply: through the run's own connection
    assert SyncRun.objects.get(pk=run.pk).progress == "committed"
