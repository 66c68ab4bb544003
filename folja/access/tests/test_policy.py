"""The access policy answered directly: each rule of access-rules.md as sentences."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.test import TestCase

from folja.access import policy
from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role, Viewer
from folja.directory.models import Organisation
from folja.learninglog import access as post_policy
from folja.pages import listing
from folja.testing.cast import build_cast


def titles(queryset) -> set[str]:
    return {p.title.removeprefix("Inlägg ") for p in queryset}


class PostVisibilityTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def visible(self, name: str, role: str, **kwargs) -> set[str]:
        return titles(post_policy.visible_posts(self.cast.viewer(name, role), **kwargs))

    def test_guardian_sees_individual_and_group_posts_naming_own_child(self) -> None:
        assert self.visible("anna", Role.GUARDIAN) == {"alva_individual", "blue_group", "blue_group_without_bertil"}

    def test_second_guardian_in_other_household_sees_the_same(self) -> None:
        assert self.visible("johan", Role.GUARDIAN) == self.visible("anna", Role.GUARDIAN)

    def test_guardian_of_other_child_in_same_group_does_not_see_post_where_child_was_unticked(self) -> None:
        assert self.visible("cecilia", Role.GUARDIAN) == {"blue_group"}

    def test_guardian_never_sees_drafts(self) -> None:
        assert "alva_draft" not in self.visible("anna", Role.GUARDIAN)

    def test_other_responsible_without_guardian_relation_sees_nothing(self) -> None:
        assert self.visible("other_responsible", Role.GUARDIAN) == set()

    def test_guardian_of_sealed_child_sees_nothing_of_that_child(self) -> None:
        # R5: sealed documentation is visible to no one.
        assert self.visible("hanna", Role.GUARDIAN) == set()

    def test_connected_teacher_sees_unit_posts_of_own_group_and_own_drafts(self) -> None:
        assert self.visible("teacher_blue", Role.STAFF, include_drafts=True) == {
            "alva_individual",
            "blue_group",
            "blue_group_without_bertil",
            "alva_draft",
        }

    def test_staff_of_same_unit_not_connected_does_not_see_other_group(self) -> None:
        assert self.visible("minder_yellow", Role.STAFF) == {"yellow_group"}

    def test_principal_sees_the_whole_unit_but_not_others_drafts(self) -> None:
        assert self.visible("principal", Role.STAFF, include_drafts=True) == {
            "alva_individual",
            "blue_group",
            "blue_group_without_bertil",
            "yellow_group",
        }

    def test_unit_setting_all_staff_see_all_children_connects_every_duty(self) -> None:
        Organisation.objects.filter(pk=self.cast.solrosen.pk).update(all_staff_see_all_children=True)
        assert "alva_individual" in self.visible("minder_yellow", Role.STAFF)

    def test_staff_of_another_organisation_sees_nothing(self) -> None:
        assert self.visible("teacher_larkan", Role.STAFF) == {"olle_individual"}

    def test_former_unit_staff_lose_access_after_the_child_left(self) -> None:
        # R6: Maja left Granen; Greta sees nothing of her any more.
        assert "maja_preschool" not in self.visible("teacher_granen", Role.STAFF)

    def test_former_unit_staff_saw_the_post_while_the_child_was_placed(self) -> None:
        before = self.cast.day - dt.timedelta(days=90)
        assert "maja_preschool" in self.visible("teacher_granen", Role.STAFF, on=before)

    def test_receiving_school_sees_only_its_own_documentation_without_consent(self) -> None:
        # R8 without consent: nothing from the preschool.
        assert self.visible("teacher_fklass", Role.STAFF) == {"maja_school"}

    def test_child_who_moved_keeps_everything_for_guardians(self) -> None:
        assert self.visible("gustav", Role.GUARDIAN) == {"maja_preschool", "maja_school"}

    def test_guardian_who_is_also_teacher_sees_staff_things_only_as_staff(self) -> None:
        as_guardian = self.visible("johan", Role.GUARDIAN)
        as_staff = self.visible("johan", Role.STAFF)
        assert as_guardian == {"alva_individual", "blue_group", "blue_group_without_bertil"}
        assert "alva_individual" not in as_staff  # Granen staff are not connected to Alva at Solrosen
        assert as_staff == set()  # Maja left Granen

    def test_person_without_relationship_sees_nothing_in_any_role(self) -> None:
        for role in Role:
            assert self.visible("org_admin", role) == set()

    def test_getter_raises_404_for_forbidden_and_missing_alike(self) -> None:
        viewer = self.cast.viewer("cecilia", Role.GUARDIAN)
        with pytest.raises(Http404):
            post_policy.get_post_for(viewer, self.cast.posts["alva_individual"].uuid)
        with pytest.raises(Http404):
            post_policy.get_post_for(viewer, "00000000-0000-4000-8000-000000000000")
        with pytest.raises(Http404):
            post_policy.get_post_for(viewer, "not-a-uuid")

    def test_deleted_post_is_visible_to_no_one(self) -> None:
        post = self.cast.posts["alva_individual"]
        post.deleted_at = dt.datetime.now(dt.UTC)
        post.save(update_fields=["deleted_at"])
        assert "alva_individual" not in self.visible("anna", Role.GUARDIAN)
        assert "alva_individual" not in self.visible("teacher_blue", Role.STAFF, include_drafts=True)


class NamedChildrenAndCommentsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def test_guardian_sees_only_own_child_named_on_a_group_post(self) -> None:
        post = self.cast.posts["blue_group"]
        named = post_policy.named_children_visible_on_post(self.cast.viewer("cecilia", Role.GUARDIAN), post)
        assert {p.given_name for p in named} == {"Bertil"}

    def test_staff_see_all_named_children_except_sealed(self) -> None:
        post = self.cast.posts["blue_group"]
        named = post_policy.named_children_visible_on_post(self.cast.viewer("teacher_blue", Role.STAFF), post)
        assert {p.given_name for p in named} == {"Alva", "Bertil"}

    def test_family_comments_on_group_post_stay_in_the_family(self) -> None:
        post = self.cast.posts["blue_group"]
        anna = {c.body for c in post_policy.visible_comments(self.cast.viewer("anna", Role.GUARDIAN), post)}
        cecilia = {c.body for c in post_policy.visible_comments(self.cast.viewer("cecilia", Role.GUARDIAN), post)}
        assert anna == {"Kommentar anna_on_group", "Kommentar staff_to_all"}
        assert cecilia == {"Kommentar cecilia_on_group", "Kommentar staff_to_all", "Kommentar staff_to_bertil"}

    def test_staff_see_every_comment(self) -> None:
        post = self.cast.posts["blue_group"]
        assert post_policy.visible_comments(self.cast.viewer("teacher_blue", Role.STAFF), post).count() == 4

    def test_listing_counts_only_comments_the_viewer_may_read(self) -> None:
        viewer = self.cast.viewer("anna", Role.GUARDIAN)
        post = listing.with_listing_data(viewer, post_policy.visible_posts(viewer)).get(
            pk=self.cast.posts["blue_group"].pk
        )
        assert post.visible_comment_count == 2
        assert [pc.child.given_name for pc in post.visible_named] == ["Alva"]


class MembersContactsAndGroupsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def members(self, name: str, role: str, group) -> set[str]:
        return {p.given_name for p in policy.group_members_for(self.cast.viewer(name, role), group)}

    def test_guardian_in_ordinary_group_sees_members(self) -> None:
        assert self.members("anna", Role.GUARDIAN, self.cast.blue) == {"Alva", "Bertil"}

    def test_guardian_in_hidden_member_group_sees_only_own_child(self) -> None:
        assert self.members("david", Role.GUARDIAN, self.cast.yellow) == {"Cleo"}

    def test_staff_of_hidden_member_group_see_all_members(self) -> None:
        assert self.members("minder_yellow", Role.STAFF, self.cast.yellow) == {"Cleo", "Elin"}

    def test_guardian_of_other_group_sees_no_members(self) -> None:
        assert self.members("david", Role.GUARDIAN, self.cast.blue) == set()

    def test_staff_not_working_with_group_see_no_members(self) -> None:
        assert self.members("minder_yellow", Role.STAFF, self.cast.blue) == set()

    def test_contact_details_reach_connected_staff_and_own_family_only(self) -> None:
        def can_read(name: str, role: str, target: str) -> bool:
            viewer = self.cast.viewer(name, role)
            return policy.contact_persons(viewer).filter(pk=self.cast.persons[target].pk).exists()

        assert can_read("teacher_blue", Role.STAFF, "alva")
        assert can_read("teacher_blue", Role.STAFF, "anna")
        assert can_read("johan", Role.GUARDIAN, "anna")  # the child's other guardian
        assert can_read("anna", Role.GUARDIAN, "anna")
        assert not can_read("cecilia", Role.GUARDIAN, "anna")
        assert not can_read("minder_yellow", Role.STAFF, "anna")
        assert not can_read("teacher_granen", Role.STAFF, "gustav")  # Maja left Granen
        assert not can_read("teacher_blue", Role.STAFF, "hanna")  # her only child is sealed (R5)
        assert not can_read("teacher_blue", Role.STAFF, "sigge")  # R5

    def test_sign_in_binding_per_role(self) -> None:
        cast = self.cast
        assert policy.may_sign_in_as(cast.anna, Role.GUARDIAN)
        assert not policy.may_sign_in_as(cast.anna, Role.STAFF)
        assert policy.may_sign_in_as(cast.johan, Role.STAFF)
        assert not policy.may_sign_in_as(cast.teacher_blue, Role.GUARDIAN)
        assert not policy.may_sign_in_as(cast.hanna, Role.GUARDIAN)  # only child sealed
        assert not policy.may_sign_in_as(cast.sigge, Role.CHILD)
        assert not policy.may_sign_in_as(cast.org_admin, Role.STAFF)


class AuditAppendOnlyTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def test_audit_records_cannot_be_changed_or_deleted_by_the_application(self) -> None:
        from folja.access.audit import record_reads

        record_reads(self.cast.viewer("teacher_blue", Role.STAFF), AuditAction.READ_TIMELINE, [self.cast.alva.pk])
        record = AuditRecord.objects.get()
        with pytest.raises(PermissionError):
            record.save()
        with pytest.raises(PermissionError):
            record.delete()
        with pytest.raises(PermissionError):
            AuditRecord.objects.all().update(action="x")
        with pytest.raises(PermissionError):
            AuditRecord.objects.all().delete()

    def test_guardian_reads_are_not_recorded(self) -> None:
        from folja.access.audit import record_reads

        record_reads(self.cast.viewer("anna", Role.GUARDIAN), AuditAction.READ_TIMELINE, [self.cast.alva.pk])
        assert AuditRecord.objects.count() == 0


@pytest.mark.django_db
def test_the_audit_log_is_indexed_by_child_once() -> None:
    # audit_child_at (child, at DESC) serves every lookup by child; no second index to keep up.
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AuditRecord._meta.db_table)
    by_child = [c["columns"] for c in constraints.values() if c["index"] and c["columns"][:1] == ["child_id"]]
    assert by_child == [["child_id", "at"]]


@pytest.mark.django_db
def test_audit_records_check_no_foreign_keys_in_the_database_and_still_protect_whom_they_name() -> None:
    # A foreign-key check locks the person's row for every record at COMMIT: about 40 checks and
    # locks a staff list page, half the cost of its INSERT (models.AuditRecord). Persons are never
    # deleted; the ORM still refuses to delete one who is named in the log.
    from django.db import connection
    from django.db.models import ProtectedError

    from folja.access.audit import record_reads

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AuditRecord._meta.db_table)
    assert [name for name, c in constraints.items() if c["foreign_key"]] == []
    cast = build_cast()
    viewer = cast.viewer("teacher_blue", Role.STAFF)
    record_reads(viewer, AuditAction.READ_TIMELINE, [cast.alva.pk], school_unit=cast.blue.school_unit)
    for protected in (cast.alva, viewer.person, cast.blue.school_unit):
        with pytest.raises(ProtectedError) as refused:
            protected.delete()
        assert any(isinstance(found, AuditRecord) for found in refused.value.protected_objects)
    assert AuditRecord.objects.filter(child=cast.alva, actor=viewer.person).count() == 1


@pytest.mark.django_db(transaction=True)  # autocommit, as a request runs: bulk_create would add BEGIN and COMMIT
def test_a_read_of_several_children_is_recorded_in_one_statement() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from folja.access.audit import record_action, record_reads

    cast = build_cast()
    viewer = cast.viewer("teacher_blue", Role.STAFF)
    children = [cast.alva.pk, cast.bertil.pk]
    with CaptureQueriesContext(connection) as queries:
        record_reads(viewer, AuditAction.READ_FEED, children)
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
    records = AuditRecord.objects.filter(action=AuditAction.READ_FEED)
    assert sorted(records.values_list("child_id", flat=True)) == sorted(children)
    assert all(r.actor_id == viewer.person.pk and r.actor_role == Role.STAFF for r in records)
    assert all(abs((r.at - timezone.now()).total_seconds()) < 60 for r in records)
    assert all((r.object_type, r.object_uuid, r.school_unit_id) == ("", None, None) for r in records)
    unit = cast.blue.school_unit
    record_reads(
        viewer, AuditAction.READ_POST, [cast.alva.pk], object_type="post", object_uuid=cast.blue.uuid, school_unit=unit
    )
    read = AuditRecord.objects.get(action=AuditAction.READ_POST)
    assert (read.child_id, read.object_type, read.object_uuid, read.school_unit_id) == (
        cast.alva.pk,
        "post",
        cast.blue.uuid,
        unit.pk,
    )
    with CaptureQueriesContext(connection) as queries:
        record_action(viewer, AuditAction.HIDE_COMMENT, [])
    assert len(queries) == 1
    assert AuditRecord.objects.get(action=AuditAction.HIDE_COMMENT).child_id is None


@pytest.mark.django_db
def test_a_staff_member_opens_exactly_the_groups_of_staff_groups() -> None:
    """`get_group_for` (a yes/no) and `staff_groups` (the list) for every staff member and group of
    the cast, on days before, during and after duties change: one rule, so never different."""
    from django.http import Http404

    from folja.access import memo
    from folja.directory.models import Duty, Group, Person

    cast = build_cast()
    staff = Person.objects.filter(pk__in=Duty.objects.values("person"))
    days = sorted({d for d in Duty.objects.values_list("start_date", flat=True)} | {dt.date(2026, 1, 15)})
    checked = 0
    for day in [*days, days[-1] + dt.timedelta(days=400)]:
        for person in staff:
            viewer = Viewer(person, Role.STAFF)
            with memo.request_scope():
                listed = set(policy.staff_groups(viewer, day).values_list("pk", flat=True))
                for group in Group.objects.active(day):
                    try:
                        opened = policy.get_group_for(viewer, group.uuid, day) == group
                    except Http404:
                        opened = False
                    assert opened == (group.pk in listed), (person, group, day)
                    checked += 1
    assert checked > 50 and cast.blue.pk in set(
        policy.staff_groups(cast.viewer("teacher_blue", Role.STAFF)).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_a_staff_member_gets_exactly_the_children_of_visible_children() -> None:
    """`get_child_for` for staff (the request's connections) against `visible_children` (the
    queryset), for every staff member and person of the cast, on days around the duties' starts."""
    from folja.access import memo
    from folja.access.roles import Viewer
    from folja.directory.models import Duty, Person

    build_cast()
    staff = list(Person.objects.filter(pk__in=Duty.objects.values("person")))
    persons = list(Person.objects.all())
    days = sorted(set(Duty.objects.values_list("start_date", flat=True)) | {dt.date(2026, 1, 15)})
    opened = 0
    for day in [*days, days[-1] + dt.timedelta(days=400)]:
        for person in staff:
            viewer = Viewer(person=person, role=Role.STAFF)
            with memo.request_scope():
                expected = set(policy.visible_children(viewer, day).values_list("pk", flat=True))
                for child in persons:
                    try:
                        got = policy.get_child_for(viewer, child.uuid, day).pk
                    except Http404:
                        got = None
                    assert got == (child.pk if child.pk in expected else None), (person, child, day)
                    opened += got is not None
    assert opened > 20
    with pytest.raises(Http404):
        policy.get_child_for(Viewer(person=staff[0], role=Role.STAFF), "not-a-uuid")
