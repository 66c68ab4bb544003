"""The operators' admin shows the directory read-mostly and never the learning log (R13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from folja.access.models import AuditAction, AuditRecord
from folja.directory.models import (
    Duty,
    DutyAssignment,
    Group,
    GroupMembership,
    Guardianship,
    Organisation,
    Person,
    Placement,
)

CIVIC = "201901012383"  # fictitious, valid check digit
START = dt.date(2024, 1, 1)


@pytest.fixture
def world(db):
    """Build one unit with a group, a child, a guardian, a staff member and an audit record."""
    huvudman = Organisation.objects.create(organisation_type="Huvudman", display_name="Exempelby kommun")
    unit = Organisation.objects.create(
        organisation_type="Skolenhet", display_name="Ekorrens förskola", organisation=huvudman
    )
    child = Person.objects.create(given_name="Alva", family_name="Berg", civic_number=CIVIC)
    guardian = Person.objects.create(given_name="Nora", family_name="Berg")
    staff = Person.objects.create(given_name="Pia", family_name="Lind")
    sealed = Person.objects.create(given_name="Sigrid", family_name="Sluten", sealed_at=timezone.now())
    group = Group.objects.create(
        organisation=huvudman, school_unit=unit, display_name="Blåbär", group_type="Avdelning", start_date=START
    )
    GroupMembership.objects.create(organisation=huvudman, group=group, person=child, start_date=START)
    GroupMembership.objects.create(organisation=huvudman, group=group, person=sealed, start_date=START)
    duty = Duty.objects.create(
        organisation=huvudman, person=staff, school_unit=unit, duty_role="Förskollärare", start_date=START
    )
    DutyAssignment.objects.create(duty=duty, group=group, assignment_role_type="Förskollärare", start_date=START)
    Placement.objects.create(
        organisation=huvudman, child=child, school_unit=unit, group=group, school_type="FS", start_date=START
    )
    Guardianship.objects.create(
        organisation=huvudman, child=child, responsible=guardian, relation_type="Vårdnadshavare"
    )
    audit = AuditRecord.objects.create(actor=staff, actor_role="staff", child=child, action=AuditAction.READ_POST)
    return {"unit": unit, "child": child, "sealed": sealed, "group": group, "duty": duty, "audit": audit}


@pytest.fixture
def operator_client(client, django_user_model):
    operator = django_user_model.objects.create_superuser("operator", "operator@example.se", "a-long-password-1")
    client.force_login(operator)
    return client


def test_no_learning_log_media_or_talk_model_is_registered_in_the_admin():
    registered = {model._meta.app_label for model in admin.site._registry}
    # Talk templates and unit talk settings are administration (R13); talks themselves are not.
    talk_models = {model.__name__ for model in admin.site._registry if model._meta.app_label == "talks"}

    # Terms of use are administration too (an organisation publishes them); consents and decisions are not.
    transition_models = {model.__name__ for model in admin.site._registry if model._meta.app_label == "transitions"}
    # The organisation's translation service is a setting; the translations are child data (issue 32).
    translation_models = {model.__name__ for model in admin.site._registry if model._meta.app_label == "translation"}

    assert {"directory", "access", "accounts"} <= registered
    assert registered.isdisjoint({"learninglog", "media"})
    assert talk_models <= {"TalkTemplate", "TalkTemplateVersion", "TalkSettings"}
    assert transition_models <= {"TermsOfUse"}
    assert translation_models <= {"TranslationService"}


def test_every_directory_and_audit_page_renders_for_an_operator(world, operator_client):
    pages = [
        reverse("admin:directory_organisation_changelist"),
        reverse("admin:directory_organisation_change", args=[world["unit"].pk]),
        reverse("admin:directory_person_changelist"),
        reverse("admin:directory_person_change", args=[world["child"].pk]),
        reverse("admin:directory_guardianship_changelist"),
        reverse("admin:directory_group_changelist"),
        reverse("admin:directory_group_change", args=[world["group"].pk]),
        reverse("admin:directory_placement_changelist"),
        reverse("admin:directory_duty_changelist"),
        reverse("admin:directory_duty_change", args=[world["duty"].pk]),
        reverse("admin:access_auditrecord_changelist"),
        reverse("admin:access_auditrecord_change", args=[world["audit"].pk]),
        reverse("admin:accounts_user_changelist"),
    ]

    statuses = {page: operator_client.get(page).status_code for page in pages}

    assert statuses == dict.fromkeys(pages, 200)


def test_civic_numbers_are_shown_masked_and_never_in_clear(world, operator_client):
    for page in (
        reverse("admin:directory_person_changelist"),
        reverse("admin:directory_person_change", args=[world["child"].pk]),
    ):
        body = operator_client.get(page).content.decode()
        assert "20190101-••••" in body
        assert CIVIC not in body


def test_searching_persons_by_civic_number_finds_nobody(world, operator_client):
    response = operator_client.get(reverse("admin:directory_person_changelist"), {"q": CIVIC})

    assert response.context["cl"].result_count == 0


def test_sealed_persons_are_left_out_of_lists_and_member_inlines(world, operator_client):
    person_list = operator_client.get(reverse("admin:directory_person_changelist"))
    group_page = operator_client.get(reverse("admin:directory_group_change", args=[world["group"].pk]))
    sealed_page = operator_client.get(reverse("admin:directory_person_change", args=[world["sealed"].pk]))

    assert "Sluten" not in person_list.content.decode()
    assert "Sluten" not in group_page.content.decode()
    assert "Alva Berg" in group_page.content.decode()
    assert sealed_page.status_code == 302  # the admin's "does not exist" answer


def test_operator_changes_unit_settings_and_nothing_else(world, operator_client):
    unit = world["unit"]

    response = operator_client.post(
        reverse("admin:directory_organisation_change", args=[unit.pk]),
        {"all_staff_see_all_children": "on", "hidden_members_by_default": "on", "display_name": "Omdöpt"},
    )

    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.all_staff_see_all_children is True
    assert unit.hidden_members_by_default is True
    assert unit.display_name == "Ekorrens förskola"


def test_operator_changes_a_groups_hidden_members_setting_and_nothing_else(world, operator_client):
    group = world["group"]
    inline = {f"memberships-{key}": value for key, value in {"TOTAL_FORMS": "1", "INITIAL_FORMS": "1"}.items()}

    response = operator_client.post(
        reverse("admin:directory_group_change", args=[group.pk]),
        {"hidden_members": "on", "display_name": "Omdöpt", **inline},
    )

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.hidden_members is True
    assert group.display_name == "Blåbär"
    assert group.memberships.count() == 2


@pytest.mark.parametrize("model", ["person", "guardianship", "placement", "duty", "group", "organisation"])
def test_directory_rows_cannot_be_added_or_deleted(world, operator_client, model):
    objects = {
        "person": world["child"],
        "guardianship": Guardianship.objects.get(),
        "placement": Placement.objects.get(),
        "duty": world["duty"],
        "group": world["group"],
        "organisation": world["unit"],
    }
    obj = objects[model]

    add = operator_client.get(reverse(f"admin:directory_{model}_add"))
    delete = operator_client.post(reverse(f"admin:directory_{model}_delete", args=[obj.pk]), {"post": "yes"})

    assert add.status_code == 403
    assert delete.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_person_fields_cannot_be_changed(world, operator_client):
    child = world["child"]

    operator_client.post(reverse("admin:directory_person_change", args=[child.pk]), {"given_name": "Ändrad"})

    child.refresh_from_db()
    assert child.given_name == "Alva"


def test_audit_records_cannot_be_added_changed_or_deleted(world, operator_client):
    audit = world["audit"]

    add = operator_client.get(reverse("admin:access_auditrecord_add"))
    delete = operator_client.post(reverse("admin:access_auditrecord_delete", args=[audit.pk]), {"post": "yes"})
    change = operator_client.post(reverse("admin:access_auditrecord_change", args=[audit.pk]), {"action": "read_media"})
    bulk = operator_client.post(
        reverse("admin:access_auditrecord_changelist"), {"action": "delete_selected", "_selected_action": [audit.pk]}
    )

    assert (add.status_code, delete.status_code) == (403, 403)
    assert change.status_code == 403
    assert bulk.status_code == 200  # the changelist again: no delete action exists
    audit.refresh_from_db()
    assert audit.action == AuditAction.READ_POST
    assert AuditRecord.objects.filter(pk=audit.pk).exists()
