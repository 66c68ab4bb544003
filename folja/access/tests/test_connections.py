"""Issue 28: contact persons and named-child access, over time (access/connections.py).

Every date is relative to today (`folja.core.dates.today`), so the tests run on any date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.test import TestCase
from django.urls import reverse

from folja.access import connections, policy
from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.directory.actions import person_seal
from folja.directory.models import (
    ContactConnection,
    ContactRelation,
    Duty,
    NamedChildAccess,
    NamedChildRole,
    Person,
)
from folja.learninglog import access as post_policy
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

DAY = dt.timedelta(days=1)


def titles(queryset) -> set[str]:  # noqa: ANN001
    return {p.title.removeprefix("Inlägg ") for p in queryset}


class ContactPersonTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.today = today()
        cls.foster = Person.objects.create(given_name="Frans", family_name="Familjehem")
        cls.connection = ContactConnection.objects.create(
            organisation=cls.cast.org_a,
            school_unit=cls.cast.solrosen,
            child=cls.cast.alva,
            contact=cls.foster,
            relation=ContactRelation.FOSTER_PARENT,
            start_date=cls.today - 10 * DAY,
            end_date=cls.today + 10 * DAY,
            reason="Familjehem",
            granted_by=cls.cast.principal,
        )
        cls.viewer = Viewer(cls.foster, Role.GUARDIAN)

    def visible_on(self, day: dt.date) -> set[int]:
        return set(policy.visible_children_ref(self.viewer, day))

    def test_sees_the_child_and_what_a_guardian_sees_while_the_connection_holds(self) -> None:
        assert self.visible_on(self.today) == {self.cast.alva.pk}
        anna = titles(post_policy.visible_posts(self.cast.viewer("anna", Role.GUARDIAN)))
        assert titles(post_policy.visible_posts(self.viewer)) == anna
        assert policy.may_sign_in_as(self.foster, Role.GUARDIAN)

    def test_the_connection_counts_from_its_first_to_its_last_day_only(self) -> None:
        start, end = self.connection.start_date, self.connection.end_date
        assert self.visible_on(start - DAY) == set()
        assert self.visible_on(start) == {self.cast.alva.pk}
        assert self.visible_on(end) == {self.cast.alva.pk}
        assert self.visible_on(end + DAY) == set()
        assert not policy.may_sign_in_as(self.foster, Role.GUARDIAN, end + DAY)

    def test_ending_a_connection_ends_access_at_once(self) -> None:
        from folja.pages.contacts.actions import end_grant

        end_grant(actor=self.cast.viewer("principal", Role.STAFF), grant=self.connection)
        assert self.visible_on(self.today) == set()
        assert not policy.may_sign_in_as(self.foster, Role.GUARDIAN)
        assert AuditRecord.objects.filter(action=AuditAction.END_CONTACT, child=self.cast.alva.pk).count() == 1

    def test_the_next_request_answers_without_an_ended_connection(self) -> None:
        client = signed_in(self.foster, Role.GUARDIAN)
        url = reverse("learninglog:timeline", args=[self.cast.alva.uuid])
        assert client.get(url).status_code == 200
        ContactConnection.objects.filter(pk=self.connection.pk).update(ended_at=self.connection.created_at)
        assert client.get(url).status_code in (302, 404)

    def test_a_sealed_child_gives_nothing_whatever_the_connection(self) -> None:
        person_seal(person=self.cast.alva, reason="test", source="test")
        assert self.visible_on(self.today) == set()

    def test_the_connection_ends_when_the_child_leaves_the_connecting_unit(self) -> None:
        self.cast.alva.placements.update(end_date=self.today - DAY)
        assert self.visible_on(self.today) == set()

    def test_no_custody_so_no_consent_settings_or_export(self) -> None:
        assert connections.custody_children_ref(self.viewer) == []
        with pytest.raises(Http404):
            connections.get_child_in_custody_for(self.viewer, self.cast.alva.uuid)
        anna = self.cast.viewer("anna", Role.GUARDIAN)
        assert connections.custody_children_ref(anna) == [self.cast.alva.pk]

    def test_the_custody_only_pages_are_not_linked_for_a_contact_person(self) -> None:
        settings_url = reverse("learninglog:child_settings", args=[self.cast.alva.uuid])
        consent_url = reverse("transitions:consent", args=[self.cast.alva.uuid])
        timeline_url = reverse("learninglog:timeline", args=[self.cast.alva.uuid])
        for person, linked in ((self.foster, False), (self.cast.anna, True)):
            client = signed_in(person, Role.GUARDIAN)
            home = client.get(reverse("core:home")).content.decode()
            timeline = client.get(timeline_url).content.decode()
            assert timeline_url in home  # the child is on the start page either way
            assert (settings_url in home, consent_url in home, settings_url in timeline) == (linked,) * 3
        assert signed_in(self.foster, Role.GUARDIAN).get(settings_url).status_code == 404

    def test_a_guardian_with_custody_sees_the_connection_on_the_child_page(self) -> None:
        response = signed_in(self.cast.anna, Role.GUARDIAN).get(
            reverse("learninglog:child_settings", args=[self.cast.alva.uuid])
        )
        assert response.status_code == 200
        assert "Frans Familjehem" in response.content.decode()
        assert (
            self.foster.full_name
            not in signed_in(self.cast.cecilia, Role.GUARDIAN)
            .get(reverse("learninglog:timeline", args=[self.cast.alva.uuid]))
            .content.decode()
        )

    def test_sis_responsibles_other_than_custody_grant_nothing_but_are_suggested(self) -> None:
        other = self.cast.persons["other_responsible"]
        assert policy.visible_children_ref(Viewer(other, Role.GUARDIAN)) == []
        units = connections.managed_units(self.cast.viewer("principal", Role.STAFF), self.today)
        assert [link.responsible_id for link in connections.sis_suggestions(units, self.today)] == [other.pk]


class NamedChildAccessTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.today = today()
        cls.educator = Person.objects.create(given_name="Sara", family_name="Specialpedagog")
        Duty.objects.create(
            organisation=cls.cast.org_a,
            person=cls.educator,
            school_unit=cls.cast.solrosen,
            duty_role="Annan personal",
            start_date=cls.today - 100 * DAY,
        )
        cls.grant = NamedChildAccess.objects.create(
            organisation=cls.cast.org_a,
            school_unit=cls.cast.solrosen,
            child=cls.cast.alva,
            staff=cls.educator,
            role=NamedChildRole.SPECIAL_NEEDS,
            start_date=cls.today - 5 * DAY,
            end_date=cls.today + 5 * DAY,
            reason="Språkstöd",
            granted_by=cls.cast.principal,
        )
        cls.viewer = Viewer(cls.educator, Role.STAFF, cls.cast.org_a.pk)

    def connected_on(self, day: dt.date) -> set[int]:
        return set(policy.staff_connections(self.viewer, day).child_ids)

    def test_connected_to_the_named_child_only_within_the_dates(self) -> None:
        start, end = self.grant.start_date, self.grant.end_date
        assert self.connected_on(start - DAY) == set()
        assert self.connected_on(start) == {self.cast.alva.pk}
        assert self.connected_on(end) == {self.cast.alva.pk}
        assert self.connected_on(end + DAY) == set()

    def test_sees_the_posts_naming_the_child_and_only_that_child_on_them(self) -> None:
        posts = post_policy.visible_posts(self.viewer)
        assert titles(posts) == {"alva_individual", "blue_group", "blue_group_without_bertil"}
        group_post = self.cast.posts["blue_group"]
        named = post_policy.named_children_visible_on_post(self.viewer, group_post)
        assert {child.pk for child in named} == {self.cast.alva.pk}

    def test_needs_an_active_duty_at_the_unit(self) -> None:
        Duty.objects.filter(person=self.educator).update(end_date=self.today - DAY)
        assert self.connected_on(self.today) == set()

    def test_ending_the_grant_ends_access_at_once(self) -> None:
        from folja.pages.contacts.actions import end_grant

        end_grant(actor=self.cast.viewer("principal", Role.STAFF), grant=self.grant)
        assert self.connected_on(self.today) == set()

    def test_a_read_is_recorded_under_the_unit_and_shown_in_who_read(self) -> None:
        client = signed_in(self.educator, Role.STAFF)
        post = self.cast.posts["blue_group"]
        assert client.get(reverse("learninglog:post", args=[post.uuid])).status_code == 200
        records = AuditRecord.objects.filter(actor=self.educator.pk, child=self.cast.alva.pk)
        assert records.exists()
        assert set(records.values_list("school_unit", flat=True)) == {self.cast.solrosen.pk}
        assert not AuditRecord.objects.filter(actor=self.educator.pk).exclude(child=self.cast.alva.pk).exists()
        settings = signed_in(self.cast.anna, Role.GUARDIAN).get(
            reverse("learninglog:child_settings", args=[self.cast.alva.uuid])
        )
        assert "Sara Specialpedagog" in settings.content.decode()


class PrincipalPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def test_the_page_lists_in_a_fixed_number_of_queries(self) -> None:
        client = signed_in(self.cast.principal, Role.STAFF)
        # Warm the session, then count: the answer does not grow with the number of grants.
        client.get(reverse("contacts:manage"))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as first:
            assert client.get(reverse("contacts:manage")).status_code == 200
        for n in range(3):
            NamedChildAccess.objects.create(
                organisation=self.cast.org_a,
                school_unit=self.cast.solrosen,
                child=self.cast.bertil,
                staff=self.cast.teacher_blue,
                role=NamedChildRole.STUDENT_HEALTH,
                start_date=today(),
                reason=f"Ärende {n}",
                granted_by=self.cast.principal,
            )
        with CaptureQueriesContext(connection) as more:
            assert client.get(reverse("contacts:manage")).status_code == 200
        assert len(more) == len(first) <= 20

    def test_bad_input_gets_a_message_and_stores_nothing(self) -> None:
        client = signed_in(self.cast.principal, Role.STAFF)
        response = client.post(
            reverse("contacts:connect"),
            {
                "unit": self.cast.solrosen.uuid,
                "child": self.cast.alva.uuid,
                "relation": ContactRelation.TRUSTEE,
                "given_name": "Gun",
                "family_name": "Man",
                "civic_number": "19500101-1238",
                "start": today().isoformat(),
                "reason": "God man",
            },
        )
        assert response.status_code == 400
        assert "Personnumret är inte giltigt" in response.content.decode()
        assert not ContactConnection.objects.exists()

    def test_connecting_creates_the_person_who_then_signs_in_like_a_guardian(self) -> None:
        client = signed_in(self.cast.principal, Role.STAFF)
        response = client.post(
            reverse("contacts:connect"),
            {
                "unit": self.cast.solrosen.uuid,
                "child": self.cast.alva.uuid,
                "relation": ContactRelation.TRUSTEE,
                "given_name": "Gun",
                "family_name": "Man",
                "civic_number": "19500101-1237",
                "start": today().isoformat(),
                "reason": "God man",
            },
        )
        assert response.status_code == 302
        person = Person.objects.get(civic_number="195001011237")
        assert policy.may_sign_in_as(person, Role.GUARDIAN)
        assert AuditRecord.objects.filter(action=AuditAction.GRANT_CONTACT).count() == 1

    def test_only_a_principal_or_preschool_head_grants(self) -> None:
        client = signed_in(self.cast.teacher_blue, Role.STAFF)
        assert client.get(reverse("contacts:manage")).status_code == 404
