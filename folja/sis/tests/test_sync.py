"""The import's rules, tried with hostile data against the fake SIS."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import httpx
import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from folja.access.policy import children_of_guardian, may_sign_in_as
from folja.access.roles import Role
from folja.core.dates import today
from folja.directory.models import (
    Duty,
    DutyAssignment,
    Group,
    GroupMembership,
    Guardianship,
    Organisation,
    Person,
    PersonSisId,
    Placement,
    RelationType,
)
from folja.sis.models import RunStatus, SyncRun
from folja.sis.staging import RunFilter

pytestmark = pytest.mark.django_db

DIRECTORY_MODELS = (Organisation, Person, PersonSisId, Guardianship, Group, GroupMembership, Placement, Duty)


def snapshot() -> dict[str, list]:
    """Return every directory row's values, to compare before and after a run."""
    return {model.__name__: sorted(map(str, model.objects.values_list())) for model in DIRECTORY_MODELS} | {
        "assignments": sorted(map(str, DutyAssignment.objects.values_list()))
    }


def directory_writes(queries: CaptureQueriesContext) -> list[str]:
    """Return the INSERT, UPDATE and DELETE statements of a run, but for its own report's."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and "sis_syncrun" not in q["sql"]
    ]


def person(world, index: int) -> Person | None:
    link = PersonSisId.objects.filter(sis_id=world.id("persons", index)).select_related("person").first()
    return link.person if link else None


def test_full_sync_imports_units_children_guardians_staff_and_their_relations(sync, world, huvudman):
    result = sync()
    assert result.status == RunStatus.SUCCEEDED
    child = person(world, 0)
    assert child is not None and child.civic_number and len(child.civic_number) == 12
    guardian = person(world, world.guardians_of(0)[0])
    assert Guardianship.objects.filter(child=child, responsible=guardian, relation_type="Vårdnadshavare").exists()
    assert list(children_of_guardian(guardian)) == [child]
    placement = Placement.objects.get(child=child)
    assert placement.school_unit.school_unit_code == "10000000"
    assert placement.school_unit.parent.organisation_type == "Förvaltning"
    # The placement's group gives a group membership with the placement's dates.
    assert GroupMembership.objects.filter(person=child, group=placement.group, start_date=placement.start_date).exists()
    staff = person(world, world.n_children + world.n_guardians + 1)
    duty = Duty.objects.get(person=staff)
    assert DutyAssignment.objects.filter(duty=duty, group__sis_id=world.id("groups", 1)).exists()
    assert result.counts["persons"]["created"] == Person.objects.count()
    run = SyncRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED and run.counts == result.counts


def test_unchanged_rerun_writes_no_row(sync):
    sync()
    with CaptureQueriesContext(db_connection) as queries:
        result = sync()
    writes = directory_writes(queries)
    assert writes == []
    assert all(
        counts.get(kind, 0) == 0 for counts in result.counts.values() for kind in ("created", "updated", "ended")
    )


def test_a_run_filter_that_says_maybe_to_everything_imports_exactly_the_same(sync, world, monkeypatch):
    """The run filter (folja.sis.staging.RunFilter) may wrongly say "noted before"; that only costs
    memory. Import with a filter that says it to every key, then re-run with the real one: nothing
    to write means the first import stored exactly what the real filter would have."""
    world.touch("persons", 5, {"civicNo": world.entity("persons", 6)["civicNo"]})  # one real duplicate
    with monkeypatch.context() as patch:
        patch.setattr(RunFilter, "note", lambda self, key: True)
        first = sync()
    assert first.warnings["duplicate_civic_number"] == 1
    assert first.fetched["persons"] == world.n_persons
    with CaptureQueriesContext(db_connection) as queries:
        again = sync()
    assert directory_writes(queries) == []
    assert again.warnings["duplicate_civic_number"] == 1 and again.fetched == first.fetched


def test_a_full_run_keeps_what_it_creates_beside_what_was_stored(sync, world):
    """A full run ends what the SIS no longer returns: never what the same run has just created."""
    sync()
    group_id, duty_id, placement_id = (str(uuid.uuid4()) for _ in range(3))
    staff = world.n_children + world.n_guardians + 1
    world.add(
        "groups",
        {
            "id": group_id,
            "displayName": "Avdelning Ny",
            "groupType": "Avdelning",
            "organisation": {"id": world.unit_id(0)},
            "startDate": "2025-08-01",
            "groupMemberships": [{"person": world.person_ref(0), "startDate": "2025-08-15"}],
        },
    )
    world.add(
        "duties",
        {
            "id": duty_id,
            "person": world.person_ref(staff),
            "dutyAt": {"id": world.unit_id(0)},
            "dutyRole": "Förskollärare",
            "startDate": "2024-08-01",
            "assignmentRole": [
                {"group": {"id": group_id}, "assignmentRoleType": "Förskollärare", "startDate": "2025-08-01"}
            ],
        },
    )
    world.add(
        "placements",
        {
            "id": placement_id,
            "child": world.person_ref(1),
            "placedAt": {"id": world.unit_id(0)},
            "group": {"id": group_id},
            "schoolType": "FS",
            "startDate": "2025-08-15",
        },
    )
    result = sync()
    assert result.counts["groups"] == {"created": 1, "updated": 0}
    assert result.counts["duties"] == {"created": 1, "updated": 0}
    assert result.counts["placements"]["created"] == 1 and "ended" not in result.counts["placements"]
    group = Group.objects.get(sis_id=group_id)
    assert group.end_date is None
    assert Duty.objects.get(sis_id=duty_id).end_date is None
    assert Placement.objects.get(sis_id=placement_id).end_date is None
    members = GroupMembership.objects.filter(group=group, end_date=None)
    assert sorted(members.values_list("person", flat=True)) == sorted([person(world, 0).pk, person(world, 1).pk])
    assert DutyAssignment.objects.filter(duty__sis_id=duty_id, group=group, end_date=None).exists()


def test_child_with_no_security_marking_field_is_not_imported(sync, world):
    world.touch("persons", 0, lambda item: {k: v for k, v in item.items() if k != "securityMarking"})
    result = sync()
    assert person(world, 0) is None
    assert not Placement.objects.filter(sis_id=world.id("placements", 0)).exists()
    assert result.warnings["missing:Person.securityMarking"] == 1
    assert result.counts["placements"]["skipped"] >= 1


def test_unknown_security_marking_is_treated_as_protected(sync, world):
    world.touch("persons", 1, {"securityMarking": "Skyddad"})
    result = sync()
    assert person(world, 1) is None
    assert result.warnings["unknown_enum:Person.securityMarking"] == 1


def test_protected_guardian_of_unprotected_child_gives_child_but_no_guardianship(sync, world):
    protected_guardian = world.n_children + 25  # Sekretessmarkering in a world with protected_every=25
    assert world.marking(protected_guardian) == "Sekretessmarkering"
    child_index = 15
    assert protected_guardian in world.guardians_of(child_index)
    sync()
    child = person(world, child_index)
    assert child is not None
    assert person(world, protected_guardian) is None
    assert list(Guardianship.objects.filter(child=child).values_list("responsible__sis_ids__sis_id", flat=True)) == [
        world.id("persons", protected_guardian + 1)
    ]


def test_reference_marked_protected_keeps_person_out_even_if_record_says_ingen(sync, world):
    guardian = world.guardians_of(3)[0]
    world.touch(
        "persons",
        3,
        lambda item: {
            **item,
            "responsibles": [
                {
                    "person": {"id": world.id("persons", guardian), "securityMarking": "Skyddad folkbokföring"},
                    "relationType": "Vårdnadshavare",
                }
            ],
        },
    )
    sync()
    assert person(world, guardian) is None
    assert not Guardianship.objects.filter(child=person(world, 3)).exists()


def test_placement_that_references_an_absent_person_is_skipped_and_counted(sync, world):
    absent = str(uuid.uuid4())
    world.add(
        "placements",
        {
            "id": str(uuid.uuid4()),
            "child": {"id": absent, "securityMarking": "Ingen"},
            "placedAt": {"id": world.unit_id(0)},
            "schoolType": "FS",
            "startDate": "2025-08-15",
        },
    )
    result = sync()
    assert result.warnings["dangling_reference:placements"] == 1
    assert result.counts["placements"]["skipped"] == result.warnings.get("protected_reference:placements", 0) + 1
    assert Placement.objects.count() == result.counts["placements"]["created"] == world.n_children - 2
    assert not PersonSisId.objects.filter(sis_id=absent).exists()  # never a stub


def test_a_protected_record_protects_whoever_carries_its_civic_number(sync, world):
    """R5, fail closed: a second record with a guardian's civic number is protected. On a first
    import the guardian is kept out; once imported, they are sealed, though their own record comes
    on an earlier page than the protected one, and no relationship points at them any more."""
    child_index = 4
    guardian_index = world.guardians_of(child_index)[0]
    protected_record = {
        "id": str(uuid.uuid4()),
        "givenName": "Dold",
        "familyName": "Ek",
        "civicNo": world.entity("persons", guardian_index)["civicNo"],
        "securityMarking": "Sekretessmarkering",
    }
    world.add("persons", dict(protected_record))
    sync()
    assert person(world, guardian_index) is None
    assert Guardianship.objects.filter(child=person(world, child_index)).count() == 1  # the other guardian

    world.extra["persons"].clear()
    sync()
    guardian = person(world, guardian_index)
    assert guardian is not None and guardian.sealed_at is None
    assert Guardianship.objects.filter(responsible=guardian).count() == 1

    world.add("persons", dict(protected_record))
    result = sync()
    guardian.refresh_from_db()
    assert guardian.sealed_at is not None
    assert result.counts["persons"]["sealed"] == 1
    assert not Guardianship.objects.filter(responsible=guardian).exists()
    assert result.warnings["protected_reference:guardianships"] >= 1
    assert sync().counts["persons"].get("sealed", 0) == 0  # sealed once


def test_person_who_becomes_protected_in_a_delta_is_sealed_at_once(sync, world, connection):
    assert sync(connection=connection).mode == "full"
    child = person(world, 2)
    guardian = person(world, world.guardians_of(2)[0])
    assert may_sign_in_as(guardian, Role.GUARDIAN)
    world.touch("persons", 2, {"securityMarking": "Skyddad folkbokföring"})
    result = sync(connection=connection)
    assert result.mode == "delta"
    assert result.counts["persons"]["sealed"] == 1
    child.refresh_from_db()
    assert child.sealed_at is not None
    # The access policy hides a sealed child: the guardian has no visible child left, so no session.
    assert not children_of_guardian(guardian).filter(pk=child.pk).exists()
    assert not may_sign_in_as(child, Role.CHILD)
    # The report says how many, never who.
    assert str(child.civic_number) not in str(SyncRun.objects.first().__dict__)


def test_delta_only_fetches_changes_and_sends_filters_on_the_first_request_only(sync, world, connection, fake):
    sync(connection=connection)
    fake.requests.clear()
    world.touch("persons", 4, {"givenName": "Ny"})
    result = sync(connection=connection)
    assert result.counts["persons"]["updated"] == 1
    assert person(world, 4).given_name == "Ny"
    for _method, _path, query, _body in fake.requests:
        if "pageToken" in query:
            assert set(query) <= {"pageToken", "limit"}
    assert any("meta.modified.after" in q for _m, _p, q, _b in fake.requests)
    assert any("meta.created.after" in q for _m, _p, q, _b in fake.requests)


def test_delta_deletion_ends_the_placement_instead_of_deleting_it(sync, world, connection):
    sync(connection=connection)
    world.delete("placements", 5)
    sync(connection=connection)
    placement = Placement.objects.get(sis_id=world.id("placements", 5))
    assert placement.end_date == today() - dt.timedelta(days=1)
    assert not placement.is_active()


def test_deleted_person_has_their_relationships_ended(sync, world, connection):
    sync(connection=connection)
    world.delete("persons", 6)
    result = sync(connection=connection)
    child = person(world, 6)
    assert result.counts["persons"]["ended"] == 1
    assert not Placement.objects.active().filter(child=child).exists()
    assert not Guardianship.objects.filter(child=child).exists()


def test_full_reconciliation_ends_what_the_sis_no_longer_returns(sync, world):
    sync()
    world.removed["duties"].add(2)  # vanished without a deletion record
    world.removed["placements"].add(7)
    result = sync(full=True)
    assert not Duty.objects.get(sis_id=world.id("duties", 2)).is_active()
    assert not Placement.objects.get(sis_id=world.id("placements", 7)).is_active()
    assert result.counts["duties"]["ended"] == 1


def test_only_vardnadshavare_gives_guardian_rights(sync, world):
    guardian = world.guardians_of(9)[0]
    world.touch(
        "persons",
        9,
        lambda item: {
            **item,
            "responsibles": [{"person": world.person_ref(guardian), "relationType": "Annan ansvarig"}],
        },
    )
    sync()
    other = person(world, guardian)
    assert Guardianship.objects.get(responsible=other).relation_type == RelationType.OTHER_RESPONSIBLE
    assert not children_of_guardian(other).exists()


def test_503_in_the_middle_of_paging_is_retried(sync, fake):
    fake.faults.fail("/persons", page=3, status=503, times=2)
    result = sync()
    assert result.status == RunStatus.SUCCEEDED
    assert Person.objects.exists()


def test_persistent_503_fails_the_run_and_changes_nothing(sync, world, fake):
    sync()
    before = snapshot()
    world.touch("persons", 0, {"givenName": "Ändrad"})
    world.removed["placements"].add(3)
    fake.faults.fail("/duties", page=1, status=503, times=3)  # one run's attempts
    result = sync(full=True)
    assert result.status == RunStatus.FAILED
    assert "/duties" in result.error and "503" in result.error
    assert snapshot() == before
    # The next run completes the work.
    assert sync(full=True).status == RunStatus.SUCCEEDED
    assert person(world, 0).given_name == "Ändrad"


def test_malformed_json_page_stops_with_a_clear_error_and_nothing_changed(sync, world, fake):
    sync()
    before = snapshot()
    world.touch("persons", 0, {"givenName": "Ändrad"})
    fake.faults.malform("/placements", page=2)
    result = sync(full=True)
    assert result.status == RunStatus.FAILED
    assert result.error == "/placements: the answer is not valid JSON"
    assert snapshot() == before


def test_page_token_with_filters_is_rejected_by_the_fake(fake):
    first = httpx.get(f"{fake.base_url}/persons", params={"limit": 5}).json()
    answer = httpx.get(
        f"{fake.base_url}/persons",
        params={"pageToken": first["pageToken"], "meta.modified.after": "2020-01-01T00:00:00Z"},
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidFilter"


def test_unknown_enum_value_is_logged_without_personal_data_and_is_not_fatal(sync, world, caplog):
    world.touch("persons", 10, {"sex": "Annat"})
    world.touch("duties", 1, {"dutyRole": "Rymdpedagog"})
    world.touch("groups", 0, {"groupType": "Rymdskepp"})  # groups are read twice by the apply
    with caplog.at_level(logging.WARNING):
        result = sync()
    assert result.status == RunStatus.SUCCEEDED
    assert result.warnings["unknown_enum:Person.sex"] == 1
    assert result.warnings["unknown_enum:Duty.dutyRole"] == 1
    assert result.warnings["unknown_enum:Group.groupType"] == 1
    assert caplog.text.count("unknown_enum:Group.groupType") == 1
    assert person(world, 10) is not None
    assert "Annat" not in caplog.text and "Rymdpedagog" not in caplog.text
    assert "unknown_enum:Person.sex" in caplog.text


def test_invalid_civic_number_is_imported_without_it_reported_by_sis_id_and_never_logged(sync, world, caplog):
    world.touch("persons", 11, {"civicNo": {"value": "20201301-1234"}})
    with caplog.at_level(logging.DEBUG):
        result = sync()
    imported = person(world, 11)
    assert imported is not None and imported.civic_number is None and imported.civic_number_kind == ""
    assert result.warnings["invalid_civic_number"] == 1
    assert result.records == {"invalid_civic_number": [world.id("persons", 11)]}
    assert "20201301" not in caplog.text
    for run in SyncRun.objects.all():
        assert "20201301" not in f"{run.counts}{run.warnings}{run.error}{run.records}"
    assert SyncRun.objects.get().records == {"invalid_civic_number": [world.id("persons", 11)]}


def test_dry_run_reports_what_would_change_without_writing(sync, world):
    result = sync(dry_run=True)
    assert result.counts["persons"]["created"] > 100
    assert not Person.objects.exists()
    assert SyncRun.objects.get().dry_run is True


def test_extra_fields_and_a_server_that_returns_everything_at_once_are_tolerated(world, huvudman):
    from folja.sis.client import SisClient
    from folja.sis.fake.server import FakeSis
    from folja.sis.sync import run_sync

    world.touch("persons", 12, {"favouriteColour": "blå"})
    with FakeSis(world, ignore_limit=True) as server, SisClient(server.base_url, page_limit=10) as client:
        result = run_sync(organisation=huvudman, client=client)
        listing_requests = [r for r in server.requests if r[1] == "/persons"]
    assert result.status == RunStatus.SUCCEEDED
    assert len(listing_requests) == 1
    assert person(world, 12) is not None


def test_delta_looks_up_a_referenced_person_it_did_not_send_and_checks_their_marking(sync, world, connection, fake):
    world.removed["persons"].update({20, 21})  # not served in the first run
    sync(connection=connection)
    assert person(world, 20) is None
    world.removed["persons"].difference_update({20, 21})
    world.touch("persons", 21, {"securityMarking": "Sekretessmarkering"})
    world.removed["persons"].add(21)  # the delta listing will not carry 21's record either
    world.touch("placements", 20, {"endDate": "2030-06-30"})
    world.touch("placements", 21, {"endDate": "2030-06-30"})
    fake.requests.clear()
    result = sync(connection=connection)
    lookups = [body for method, path, _q, body in fake.requests if path == "/persons/lookup"]
    assert lookups and {world.id("persons", 20)} <= set(lookups[0]["ids"])
    assert person(world, 20) is not None
    assert Placement.objects.get(sis_id=world.id("placements", 20)).end_date == dt.date(2030, 6, 30)
    assert person(world, 21) is None
    assert not Placement.objects.filter(sis_id=world.id("placements", 21)).exists()
    assert result.status == RunStatus.SUCCEEDED


def test_sync_run_reports_are_read_only_in_the_admin(sync, admin_client):
    sync()
    run = SyncRun.objects.get()
    page = admin_client.get(f"/admin/sis/syncrun/{run.pk}/change/")
    assert page.status_code == 200
    assert admin_client.post(f"/admin/sis/syncrun/{run.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/sis/sisconnection/add/").status_code == 200
