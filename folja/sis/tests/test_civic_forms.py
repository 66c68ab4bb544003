"""Every civic-number form a SIS sends, imported against the fake SIS: nobody dropped who should be there.

The world has newly arrived families (FakeWorld's `newcomers_every`): children with temporary
(TF) numbers and Region Stockholm reserve numbers, guardians with temporary numbers of the T123
form and with samordningsnummer.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from folja.access.policy import children_of_guardian, person_for_sign_in
from folja.directory import civic
from folja.directory.models import GroupMembership, Guardianship, Person, Placement
from folja.sis.fake.world import FakeWorld
from folja.sis.models import SyncRun
from folja.sis.tests.test_sync import directory_writes, person

pytestmark = pytest.mark.django_db

NEWCOMER_CHILD = 9  # with newcomers_every=10: children 9, 19, 29 are newly arrived


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld(children=30, seed=11, protected_every=10**6, newcomers_every=10)


def forms_in(world: FakeWorld) -> Counter:
    return Counter(civic.parse(world.entity("persons", i)["civicNo"]["value"])[1] for i in range(world.n_persons))


def test_children_and_guardians_with_every_form_are_imported_and_documented(sync, world, caplog):
    expected = forms_in(world)
    # The world really has every form: TF and reserve numbers for children, T123 and coordination for guardians.
    assert expected[civic.TEMPORARY] == 9 and expected[civic.SAMORDNINGSNUMMER] == 2

    with caplog.at_level(logging.DEBUG):
        result = sync()

    assert result.status == "succeeded"
    assert result.counts["persons"]["created"] == world.n_persons
    assert result.counts["persons"].get("skipped", 0) == 0
    assert "invalid_civic_number" not in result.warnings and result.records == {}
    stored = Counter(Person.objects.values_list("civic_number_kind", flat=True))
    assert stored == expected

    child = person(world, NEWCOMER_CHILD)
    first, second = (person(world, index) for index in world.guardians_of(NEWCOMER_CHILD))
    assert child.civic_number_kind == civic.TEMPORARY and child.civic_number.endswith("TF19")
    assert child.birth_date == dt.date(2020, 1, 1)  # the date part of the TF number
    assert first.civic_number_kind == civic.TEMPORARY and second.civic_number_kind == civic.SAMORDNINGSNUMMER
    # Guardianships, placement and group: documented like any other child.
    assert set(Guardianship.objects.filter(child=child).values_list("responsible", flat=True)) == {first.pk, second.pk}
    assert Placement.objects.filter(child=child).exists()
    assert GroupMembership.objects.filter(person=child).exists()
    assert list(children_of_guardian(first)) == [child]
    reserve_child = person(world, NEWCOMER_CHILD - 1)
    assert reserve_child.civic_number.startswith("99") and reserve_child.civic_number_kind == civic.TEMPORARY
    assert reserve_child.birth_date is None  # a reserve number encodes none, and the SIS sent none
    # Masked like any other, and never in the log.
    assert child.masked_civic_number == f"{child.civic_number[:8]}-••••"
    assert child.civic_number not in caplog.text and first.civic_number not in caplog.text


def test_an_unchanged_rerun_with_every_form_writes_nothing(sync):
    sync()
    with CaptureQueriesContext(db_connection) as queries:
        again = sync()
    assert again.counts["persons"]["updated"] == 0
    assert directory_writes(queries) == []


def test_a_temporary_number_never_links_a_record_to_someone_already_here(sync, world):
    """A temporary number is local to its register: another person with the same one stays apart."""
    number = civic.parse(world.entity("persons", NEWCOMER_CHILD)["civicNo"]["value"])[0]
    elsewhere = Person.objects.create(given_name="Annan", family_name="Kommun", civic_number=number)
    assert elsewhere.civic_number_kind == civic.TEMPORARY  # set by save() from the number

    result = sync()

    child = person(world, NEWCOMER_CHILD)
    assert child is not None and child.pk != elsewhere.pk
    assert child.civic_number is None and child.civic_number_kind == ""
    assert result.records == {"temporary_civic_number_taken": [world.id("persons", NEWCOMER_CHILD)]}
    assert result.counts["persons"]["created"] == world.n_persons
    elsewhere.refresh_from_db()
    assert elsewhere.civic_number == number and not elsewhere.sis_ids.exists()


def test_a_temporary_number_twice_in_one_run_is_kept_by_the_first_and_left_out_of_the_second(sync, world):
    number = world.entity("persons", 9)["civicNo"]
    world.touch("persons", 19, {"civicNo": number})
    result = sync()
    first, second = person(world, 9), person(world, 19)
    assert first.civic_number is not None and first.civic_number_kind == civic.TEMPORARY
    assert second is not None and second.civic_number is None
    assert result.records == {"temporary_civic_number_taken": [world.id("persons", 19)]}
    assert result.counts["persons"].get("skipped", 0) == 0


def test_an_unparseable_number_is_imported_without_it_and_reported_by_sis_id_only(sync, world, caplog):
    for index, value in ((3, "20200101-TF"), (50, "2020-01-01"), (4, "19850101XY")):
        world.touch("persons", index, {"civicNo": {"value": value, "nationality": "SE"}})
    with caplog.at_level(logging.DEBUG):
        result = sync()
    ids = [world.id("persons", index) for index in (3, 4, 50)]
    assert result.warnings["invalid_civic_number"] == 3
    assert sorted(result.records["invalid_civic_number"]) == sorted(ids)
    for index in (3, 4, 50):
        imported = person(world, index)
        assert imported is not None and imported.civic_number is None
    assert result.counts["persons"]["created"] == world.n_persons
    run = SyncRun.objects.get()
    assert sorted(run.records["invalid_civic_number"]) == sorted(ids)
    for value in ("20200101-TF", "2020-01-01", "19850101XY"):
        assert value not in caplog.text and value not in str(run.__dict__)


def test_a_protected_record_with_a_temporary_number_protects_whoever_carries_it(sync, world):
    """R5 stays fail-closed whatever the form: the number of a protected record protects its carrier."""
    world.add(
        "persons",
        {
            "id": str(uuid.uuid4()),
            "givenName": "Dold",
            "familyName": "Ek",
            "civicNo": world.entity("persons", NEWCOMER_CHILD)["civicNo"],
            "securityMarking": "Skyddad folkbokföring",
        },
    )
    result = sync()
    assert person(world, NEWCOMER_CHILD) is None
    assert result.warnings["protected_identity"] == 2
    assert "temporary_civic_number_taken" not in result.records
    # Once imported, the child is sealed when a protected record with its number comes.
    world.extra["persons"].clear()
    sync()
    child = person(world, NEWCOMER_CHILD)
    assert child is not None and child.sealed_at is None
    world.add(
        "persons",
        {
            "id": str(uuid.uuid4()),
            "givenName": "Dold",
            "familyName": "Ek",
            "civicNo": {"value": child.civic_number.lower(), "nationality": "SE"},
            "securityMarking": "Sekretessmarkering",
        },
    )
    sealed = sync()
    child.refresh_from_db()
    assert child.sealed_at is not None and sealed.counts["persons"]["sealed"] == 1


def test_e_id_matching_refuses_a_temporary_number_and_takes_a_samordningsnummer(sync, world):
    sync()
    first, second = (person(world, index) for index in world.guardians_of(NEWCOMER_CHILD))
    assert first.civic_number_kind == civic.TEMPORARY
    assert person_for_sign_in(civic_number=first.civic_number) is None
    assert person_for_sign_in(civic_number=second.civic_number) == second


def test_a_stored_number_the_sis_now_sends_unparseable_is_removed_and_reported(sync, world):
    sync()
    assert person(world, 3).civic_number is not None
    world.touch("persons", 3, {"civicNo": {"value": "20200101-XX", "nationality": "SE"}})
    result = sync()
    changed = person(world, 3)
    assert changed.civic_number is None and changed.civic_number_kind == ""
    assert result.records == {"invalid_civic_number": [world.id("persons", 3)]}
    assert result.counts["persons"]["updated"] == 1
