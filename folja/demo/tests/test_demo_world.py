"""The demo municipality: reproducible, realistic in shape, and cheap to build and to read."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from folja.access import policy
from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.demo.builder import build_world, school_year_start
from folja.demo.contacts import build_demo_contacts
from folja.demo.personas import PERSONA_KEYS, demo_personas, persona_rows
from folja.demo.reset import reset_world
from folja.directory import civic
from folja.directory.models import (
    Address,
    Duty,
    DutyAssignment,
    DutyRole,
    Email,
    Group,
    GroupMembership,
    Guardianship,
    Organisation,
    OrganisationType,
    Person,
    PersonSisId,
    Phone,
    Placement,
    RelationType,
    SchoolType,
)
from folja.learninglog.models import Post, PostKind

pytestmark = pytest.mark.django_db

SMALL = 30


def canonical_dump() -> dict[str, list[tuple]]:
    """Return every directory row as sorted tuples, with foreign keys replaced by uuids."""
    org = {o.pk: str(o.uuid) for o in Organisation.objects.all()}
    person = {p.pk: str(p.uuid) for p in Person.objects.all()}
    group = {g.pk: str(g.uuid) for g in Group.objects.all()}
    duty = {d.pk: str(d.uuid) for d in Duty.objects.all()}

    def rows(model, fields: list[str], keys: dict[str, dict[int, str]]) -> list[tuple]:  # noqa: ANN001
        out = []
        for values in model.objects.values_list(*fields):
            out.append(
                tuple(
                    keys[name].get(value) if name in keys else value for name, value in zip(fields, values, strict=True)
                )
            )
        return sorted(out, key=repr)

    return {
        "organisation": rows(
            Organisation,
            [
                "uuid",
                "organisation",
                "parent",
                "sis_id",
                "organisation_type",
                "display_name",
                "school_unit_code",
                "school_types",
                "street_address",
                "start_date",
            ],
            {"organisation": org, "parent": org},
        ),
        "person": rows(
            Person,
            ["uuid", "given_name", "family_name", "civic_number", "birth_date", "sex"],
            {},
        ),
        "sis": rows(PersonSisId, ["organisation", "person", "sis_id"], {"organisation": org, "person": person}),
        "email": rows(Email, ["person", "value", "type"], {"person": person}),
        "phone": rows(Phone, ["person", "value", "type"], {"person": person}),
        "address": rows(Address, ["person", "street_address", "postal_code", "type"], {"person": person}),
        "guardianship": rows(
            Guardianship, ["uuid", "child", "responsible", "relation_type"], {"child": person, "responsible": person}
        ),
        "group": rows(
            Group,
            ["uuid", "sis_id", "school_unit", "display_name", "group_type", "hidden_members", "start_date", "end_date"],
            {"school_unit": org},
        ),
        "membership": rows(
            GroupMembership, ["group", "person", "start_date", "end_date"], {"group": group, "person": person}
        ),
        "placement": rows(
            Placement,
            ["uuid", "sis_id", "child", "school_unit", "group", "school_type", "start_date", "end_date"],
            {"child": person, "school_unit": org, "group": group},
        ),
        "duty": rows(
            Duty,
            ["uuid", "sis_id", "person", "school_unit", "duty_role", "start_date", "end_date"],
            {"person": person, "school_unit": org},
        ),
        "assignment": rows(
            DutyAssignment, ["duty", "group", "assignment_role_type", "start_date"], {"duty": duty, "group": group}
        ),
    }


def children_qs():
    return Person.objects.filter(placements__isnull=False).distinct()


def test_same_seed_builds_an_identical_world_and_another_seed_a_different_one():
    build_world(children=SMALL, seed=7)
    first = canonical_dump()
    reset_world()
    assert Person.objects.count() == 0
    build_world(children=SMALL, seed=7)
    second = canonical_dump()
    reset_world()
    build_world(children=SMALL, seed=8)
    third = canonical_dump()
    assert first == second
    assert first["person"] != third["person"]
    assert {row[0] for row in first["person"]}.isdisjoint({row[0] for row in third["person"]})


def test_every_civic_number_is_valid_unique_and_matches_the_birth_date():
    build_world(children=SMALL, seed=1)
    persons = list(Person.objects.values_list("civic_number", "birth_date"))
    numbers = [number for number, _ in persons]
    assert len(numbers) == len(set(numbers))
    for number, born in persons:
        assert civic.birth_date(number) == born
        if number[8:10] == "TF":  # the newly arrived family's temporary numbers
            assert civic.parse(number) == (number, civic.TEMPORARY)
            continue
        assert civic.normalise(number) == number
        assert 900 <= int(number[8:11]) <= 999  # the documented fictitious range


def test_a_newly_arrived_family_has_temporary_numbers_and_its_guardian_cannot_sign_in():
    from folja.access.policy import children_of_guardian, person_for_sign_in

    build_world(children=SMALL, seed=1)
    temporary = Person.objects.filter(civic_number_kind=civic.TEMPORARY)
    child = temporary.get(placements__isnull=False)
    guardian = temporary.get(placements__isnull=True)
    assert list(children_of_guardian(guardian)) == [child]
    assert child.group_memberships.exists()  # documented like any other child in the group
    assert person_for_sign_in(civic_number=guardian.civic_number) is None  # no e-ID matches a TF number
    assert guardian.masked_civic_number == f"{guardian.civic_number[:8]}-••••"
    # The second guardian has a personnummer and signs in as usual.
    other = Person.objects.get(responsible_for__child=child, civic_number_kind=civic.PERSONNUMMER)
    assert person_for_sign_in(civic_number=other.civic_number) == other


def test_world_has_one_huvudman_three_preschools_and_a_school():
    world = build_world(children=SMALL, seed=1)
    assert Organisation.objects.filter(organisation_type=OrganisationType.HUVUDMAN, organisation=None).count() == 1
    assert len(world.preschools) >= 3
    assert all(unit.school_types == ["FS"] for unit in world.preschools)
    assert world.schools and all(unit.school_types == ["FKLASS", "GR"] for unit in world.schools)
    codes = [unit.school_unit_code for unit in world.units]
    assert all(len(code) == 8 and code.isdigit() for code in codes) and len(set(codes)) == len(codes)
    assert Group.objects.filter(hidden_members=True).count() >= 1
    for unit in world.units:
        assert Duty.objects.filter(school_unit=unit, duty_role=DutyRole.PRINCIPAL).count() == 1


def test_every_child_has_a_placement_a_group_membership_and_one_or_two_guardians():
    build_world(children=SMALL, seed=3)
    day = today()
    children = list(children_qs())
    assert len(children) == SMALL
    for child in children:
        assert Placement.objects.active(day).filter(child=child).exists()
        active_groups = GroupMembership.objects.active(day).filter(person=child).values_list("group", flat=True)
        placed_groups = Placement.objects.active(day).filter(child=child).values_list("group", flat=True)
        assert set(active_groups) == set(placed_groups)
        guardians = Guardianship.objects.filter(child=child, relation_type=RelationType.GUARDIAN).count()
        assert 1 <= guardians <= 2
        assert Address.objects.filter(person=child).exists()


def test_every_adult_has_registered_address_email_and_mobile():
    build_world(children=SMALL, seed=3)
    adults = Person.objects.exclude(pk__in=children_qs().values("pk"))
    assert adults.exists()
    assert not adults.filter(addresses__isnull=True).exists()
    assert not adults.filter(emails__isnull=True).exists()
    assert not adults.filter(phones__isnull=True).exists()
    assert Email.objects.filter(type="Skola personal").exists() and Email.objects.filter(type="Privat").exists()
    assert Guardianship.objects.filter(relation_type=RelationType.OTHER_RESPONSIBLE).exists()


def test_staff_are_assigned_to_groups_and_one_person_works_at_two_units():
    world = build_world(children=SMALL, seed=3)
    for group in Group.objects.filter(school_type=SchoolType.FS):
        roles = set(DutyAssignment.objects.filter(group=group).values_list("assignment_role_type", flat=True))
        assert roles == {"Förskollärare", "Barnskötare"}
    two_units = world.personas["two_units"]
    assert Duty.objects.filter(person=two_units).values("school_unit").distinct().count() == 2
    assert DutyAssignment.objects.filter(group__school_type=SchoolType.GR, assignment_role_type="Mentor").exists()


def test_moved_child_has_an_ended_preschool_placement_and_an_active_school_placement():
    world = build_world(children=SMALL, seed=5)
    guardian = world.personas["guardian_moved_child"]
    (child,) = Person.objects.filter(responsible_for__isnull=True, responsibles__responsible=guardian)
    start = school_year_start(today())
    ended = Placement.objects.get(child=child, school_type=SchoolType.FS)
    assert ended.end_date == dt.date(start.year, 6, 30)
    assert ended.end_date < today()
    school = Placement.objects.get(child=child, school_type=SchoolType.FKLASS)
    assert school.is_active() and school.start_date == start
    assert GroupMembership.objects.get(person=child, group=ended.group).end_date == ended.end_date
    assert GroupMembership.objects.active().get(person=child).group == school.group
    # The förskoleklass teacher persona receives exactly this child's class.
    teacher = world.personas["fklass_teacher"]
    assert child in policy.connected_children(Viewer(teacher, Role.STAFF))


def test_world_keeps_a_same_name_pair_in_one_group_and_a_planned_move_on_any_day():
    # Issue 25, points 4 and 1: the journeys rely on both, whatever the day they run.
    build_world(children=SMALL, seed=5)
    day = today()
    members = GroupMembership.objects.active(day).select_related("person", "group")
    seen: dict[tuple[int, str], list[Person]] = {}
    for m in members:
        seen.setdefault((m.group_id, m.person.full_name), []).append(m.person)
    pairs = [people for people in seen.values() if len(people) > 1]
    assert pairs and all(len({p.birth_date for p in people}) == len(people) for people in pairs)
    planned = Placement.objects.filter(start_date__gt=day, school_type=SchoolType.FKLASS)
    assert planned.count() == 1
    child = planned.get().child
    assert Placement.objects.active(day).get(child=child).school_type == SchoolType.FS


def test_guardian_who_is_a_teacher_has_a_duty_and_a_guardianship():
    world = build_world(children=SMALL, seed=5)
    person = world.personas["guardian_teacher"]
    assert person == world.personas["teacher_guardian"]
    assert Duty.objects.active().filter(person=person, duty_role=DutyRole.PRESCHOOL_TEACHER).exists()
    own_child = Guardianship.objects.get(responsible=person, relation_type=RelationType.GUARDIAN).child
    # The own child is at another unit: as staff, the teacher is not connected to it.
    assert own_child not in policy.connected_children(Viewer(person, Role.STAFF))


def test_every_persona_may_sign_in_in_its_role():
    build_demo_contacts(build_world(children=SMALL, seed=2))  # the command's step for issue 28's personas
    personas = demo_personas()
    assert [row["key"] for row in personas] == list(PERSONA_KEYS)
    for row in personas:
        person = Person.objects.get(uuid=row["person_uuid"])
        assert policy.may_sign_in_as(person, Role(row["role"])), row["key"]


def test_demo_personas_are_masked_and_read_in_a_few_queries(django_assert_max_num_queries):
    assert demo_personas() == []
    build_world(children=SMALL, seed=2)
    with django_assert_max_num_queries(6):  # the sixth: contact persons' children (issue 28)
        personas = demo_personas()
    for row in personas:
        assert "civic_number" not in row
        assert row["masked_civic_number"].endswith("-••••")
        assert row["label"] and row["units"]
    households = [row for row in personas if row["key"].startswith("guardian_household")]
    assert len(households) == 2 and households[0]["children"] == households[1]["children"]
    a, b = (Person.objects.get(uuid=row["person_uuid"]) for row in households)
    assert a.addresses.get().street_address != b.addresses.get().street_address or (
        a.addresses.get().postal_code != b.addresses.get().postal_code
    )


def test_json_output_parses_and_lists_personas_with_roles(settings):
    settings.DEBUG = True  # the demo (make demo, the browser tests) runs with FOLJA_DEBUG
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_world", children=SMALL, seed=4, json=True, stdout=out, stderr=err)
    document = json.loads(out.getvalue())
    assert "fiktiva" in document["notes"] and "fictitious" in document["notes"]
    roles = {row["role"] for row in document["personas"]}
    assert roles == {"guardian", "staff", "child"}
    keys = [row["key"] for row in document["personas"]]
    assert keys.count("guardian_teacher") == 1 and "teacher_guardian" in keys
    for row in document["personas"]:
        if row["key"] == "guardian_without_e_id":  # newly arrived: a temporary number, signs in by SMS code
            assert civic.kind_of(row["civic_number"]) == civic.TEMPORARY and "070-174 06 99" in row["label"]
        else:
            assert civic.is_valid(row["civic_number"])
        assert {"key", "role", "label", "name", "civic_number", "person_uuid", "children", "units"} <= set(row)
    assert "Built" in err.getvalue()


def test_full_civic_numbers_are_printed_only_with_folja_debug(settings):
    settings.DEBUG = False
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_world", children=SMALL, seed=4, json=True, stdout=out, stderr=err)
    document = json.loads(out.getvalue())
    numbers = set(Person.objects.exclude(civic_number=None).values_list("civic_number", flat=True))
    assert document["personas"]
    for row in document["personas"]:
        assert "civic_number" not in row
        assert row["masked_civic_number"].endswith("-••••")
    table = io.StringIO()
    call_command("demo_world", stdout=table)
    assert "-••••" in table.getvalue()
    assert not any(number in out.getvalue() + err.getvalue() + table.getvalue() for number in numbers)


def test_the_terminal_table_in_development_shows_the_full_test_numbers(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_world", children=SMALL, seed=4, stdout=out)
    teacher = next(row for row in demo_personas() if row["key"] == "preschool_teacher")
    assert teacher["civic_number"] in out.getvalue()
    assert "-••••" not in out.getvalue()


def test_json_describes_an_existing_demo_world_without_rebuilding_it(settings):
    settings.DEBUG = True
    first = io.StringIO()
    call_command("demo_world", children=SMALL, seed=4, json=True, stdout=first, stderr=io.StringIO())
    post = Post.objects.order_by("pk").first()
    persons = Person.objects.count()
    ids = set(Person.objects.values_list("pk", flat=True))

    again, err = io.StringIO(), io.StringIO()
    call_command("demo_world", json=True, stdout=again, stderr=err)

    assert json.loads(again.getvalue()) == json.loads(first.getvalue())
    assert "already built" in err.getvalue() and "Built" not in err.getvalue()
    assert Person.objects.count() == persons and set(Person.objects.values_list("pk", flat=True)) == ids
    assert Post.objects.order_by("pk").first() == post  # the same rows, not a world built anew


def test_command_refuses_a_database_with_persons_but_no_demo_world_unless_reset():
    build_world(children=SMALL, seed=4)
    PersonSisId.objects.filter(sis_id__startswith="demo-persona:").delete()
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo_world", json=True, stdout=io.StringIO(), stderr=io.StringIO())


def test_reset_deletes_posts_and_audit_records_and_builds_the_world_again():
    world = build_world(children=SMALL, seed=4)
    build_demo_contacts(world)  # the command's step: its two personas are persons too
    teacher = world.personas["preschool_teacher"]
    unit = world.preschools[0]
    Post.objects.create(
        organisation=world.organisation,
        school_unit=unit,
        kind=PostKind.INDIVIDUAL,
        author=teacher,
        title="Vi byggde en koja",
        activity_date=today(),
    )
    AuditRecord.objects.create(actor=teacher, actor_role="staff", action=AuditAction.READ_TIMELINE, school_unit=unit)
    persons_before = Person.objects.count()
    call_command("demo_world", children=SMALL, seed=4, reset=True, stdout=io.StringIO())
    assert not Post.objects.filter(title="Vi byggde en koja").exists()
    assert Post.objects.exists()  # the demo learning log is built anew
    assert not AuditRecord.objects.filter(actor_id=teacher.pk).exists()  # the old log is gone
    assert not AuditRecord.objects.exclude(at__date__gte=today() - dt.timedelta(days=1)).exists()
    assert Person.objects.count() == persons_before
    assert not Person.objects.filter(pk=teacher.pk).exists()  # new rows, same uuids
    assert Person.objects.filter(uuid=teacher.uuid).exists()


def test_number_of_queries_does_not_grow_with_the_number_of_children():
    with CaptureQueriesContext(connection) as small:
        build_world(children=20, seed=9)
    reset_world()
    with CaptureQueriesContext(connection) as larger:
        build_world(children=60, seed=9)
    assert children_qs().count() == 60
    statements = [q["sql"] for q in [*small.captured_queries, *larger.captured_queries]]
    # Only multi-row INSERTs (COPY on PostgreSQL, after drawing the chunk's ids): no per-row query.
    allowed = ("INSERT INTO", "COPY ", "SELECT nextval(")
    assert all(sql.startswith(allowed) for sql in statements)
    if connection.vendor == "postgresql":
        # One INSERT per table and chunk (batches of 2000 rows): the same for 20 and 60 children.
        assert len(small.captured_queries) == len(larger.captured_queries)
    else:
        # SQLite caps a statement at 999 parameters (about 100 rows of a wide table), so three
        # times the children may need a few more batches, never a query per row.
        assert len(small.captured_queries) == 18
        assert len(larger.captured_queries) <= len(small.captured_queries) + 4


def test_the_persona_picker_in_development_shows_the_number_to_type_into_the_test_e_id(client, settings):
    settings.DEBUG = settings.FOLJA_DEMO_LOGIN = True
    build_world(children=SMALL, seed=4)
    teacher = next(row for row in demo_personas() if row["key"] == "preschool_teacher")
    number = teacher["civic_number"]

    page = client.get("/dev/personas/").content.decode()

    assert f"{number[:8]}-{number[8:]}" in page


def test_guardians_find_todays_staff_reads_in_vem_har_last():
    """The demo world shows "Vem har läst" with content: staff read the last week's posts today,
    through the policy and the audit log's own functions."""
    from folja.access import policy
    from folja.access.roles import Role, Viewer
    from folja.directory.models import Guardianship, RelationType
    from folja.pages.learninglog.reads import who_read

    call_command("demo_world", children=SMALL, seed=4, reset=True, stdout=io.StringIO())
    read_children = set(AuditRecord.objects.filter(action=AuditAction.READ_POST).values_list("child_id", flat=True))
    assert read_children
    # A guardian who has accepted the terms (R9: the others see nothing of the child yet).
    pairs = [
        (link.child, Viewer(link.responsible, Role.GUARDIAN))
        for link in Guardianship.objects.filter(child__in=read_children, relation_type=RelationType.GUARDIAN)
        .select_related("child", "responsible")
        .order_by("child_id", "responsible_id")
    ]
    pairs = [(child, viewer) for child, viewer in pairs if child in policy.visible_children(viewer)]
    assert pairs
    child, viewer = pairs[0]
    _page, days = who_read(viewer, child, 1)
    items = [item for day in days for reader in day.readers for item in reader.items]
    assert any(item.title for item in items)  # a post the guardian may read, by its title
    assert {day.day for day in days} == {today()}


def test_the_demo_has_retention_rules_and_posts_that_fall_due_within_the_notice_period():
    """A guardian persona is told what is culled soon; the staff's outlook counts it."""
    from folja.notifications.models import Notice
    from folja.retention import actions
    from folja.retention.models import RetentionRule
    from folja.retention.rules import due

    call_command("demo_world", children=SMALL, seed=4, reset=True, stdout=io.StringIO())
    world_org = RetentionRule.objects.values_list("organisation", flat=True).first()
    assert RetentionRule.objects.filter(organisation=world_org).count() == len(actions.DEFAULT_RULES)
    assert Notice.objects.filter(kind="culling_ahead").exists()
    # The siblings' guardian chose a rhythm per child (issue 26): at once for one, weekly for the other.
    from folja.notifications.models import ChildRhythm

    assert sorted(ChildRhythm.objects.values_list("rhythm", flat=True)) == ["immediate", "weekly"]
    rule = RetentionRule.objects.get(organisation=world_org, document_type="individual_post")
    soon = today() + dt.timedelta(days=actions.notice_days())
    assert actions.effect(due(rule, soon))["post"] == 3
    assert actions.effect(due(rule, today())) == {}  # nothing is due yet: told first


def test_the_demo_holds_an_unread_notice_of_each_kind_that_asks_for_action():
    """The consent question of the planned move, the new terms, a talk preparation handed in and
    the weekly "Barn att uppmärksamma": each told as production tells it, at least one unread."""
    from folja.notifications import rules
    from folja.notifications.models import Notice

    call_command("demo_world", children=SMALL, seed=4, reset=True, stdout=io.StringIO())
    for kind in ("consent_question", "terms_new", "talk_preparation_handed_in", "children_to_notice"):
        unread = Notice.objects.filter(kind=kind, read_at__isnull=True).select_related("recipient")
        shown = [n for n in unread if rules.visible_notices(Viewer(n.recipient, Role(n.role))).filter(pk=n.pk).exists()]
        assert shown, kind


@pytest.mark.django_db
def test_the_newcomer_without_e_id_gets_an_sms_code_and_a_lower_assurance_session(settings, capsys):
    """The demo's newly arrived guardian: only they have the mobile number, their organisation
    enabled SMS sign-in, and the console gateway prints the code (make demo)."""
    from django.test import Client
    from django.urls import reverse

    from folja.access import assurance
    from folja.accounts.session import LOA_KEY

    settings.FOLJA_SMS_BACKEND = "folja.accounts.lower.gateways.ConsoleGateway"
    call_command("demo_world", children=SMALL, seed=4, stdout=io.StringIO(), stderr=io.StringIO())
    client = Client()
    assert client.post(reverse("accounts:sms_start"), {"mobile": "070-174 06 99"}).status_code == 302
    printed = capsys.readouterr().out
    code = next(
        word.rstrip(".") for word in printed.split() if word.rstrip(".").isdigit() and len(word.rstrip(".")) == 6
    )
    assert client.post(reverse("accounts:sms_code"), {"code": code}).status_code == 302
    assert client.session[LOA_KEY] == assurance.LOWER


@pytest.mark.django_db
def test_the_pupil_has_a_qr_code_ready_a_pending_reflection_and_a_marker(settings, client):
    """Issue 29: the personas list prints the pupil's QR link; it signs the pupil in once; the
    pupil's reflection waits for approval; a group photo carries the pupil's "don't show" marker."""
    from folja.learninglog.models import Post, PostStatus
    from folja.media.models import ConsentMarker
    from folja.talks.models import AnswerSet, Part

    settings.DEBUG = True
    call_command("demo_world", children=SMALL, seed=4, reset=True, stdout=io.StringIO())
    pupil = next(row for row in persona_rows(include_civic_number=False) if row["key"] == "pupil")
    path = re.search(r"(/login/child/code/[^/ )]+/)", pupil["label"]).group(1)
    assert Post.objects.filter(status=PostStatus.PENDING, reflects_on__isnull=False).count() == 1
    assert ConsentMarker.objects.filter(decision="pending").count() == 1
    assert client.post(path).status_code == 302
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    # The pupil's own part of the coming talk is partly answered, a draft: "Förbered mitt utvecklingssamtal".
    assert "Förbered mitt utvecklingssamtal" in home.content.decode()
    prepared = AnswerSet.objects.get(part=Part.PUPIL)
    assert prepared.handed_in_at is None and not prepared.talk.is_held and prepared.answers.get("elev_prata")
    assert "Fortsätt förbereda dig" in client.get(reverse("talks:pupil_talks")).content.decode()
    assert client.post(path).status_code == 404  # used once
