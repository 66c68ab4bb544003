"""Finding F5: no admin page names a sealed person (R5), and none shows content (R13).

A row about a sealed person (an audit record, a notice, an account, a preference, a directory
row) is left out of every admin page, as the person admin leaves the person out; a row of the
organisation's own that a sealed person wrote (a template version) shows "(skyddad person)".
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
from urllib.parse import quote, quote_plus

import pytest
from django.contrib import admin
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from folja.access.models import AuditAction, AuditRecord
from folja.accounts.models import User
from folja.directory.models import (
    Duty,
    Group,
    GroupMembership,
    Guardianship,
    Organisation,
    Person,
    Placement,
)
from folja.notifications.models import Notice, Preference
from folja.talks.models import Talk, TalkTemplate, TalkTemplateVersion

CIVIC = "201901012383"  # the visible child's; fictitious, valid check digit
SEALED_CHILD_CIVIC = "201705172383"
SEALED_STAFF_CIVIC = "198509231141"
START = dt.date(2024, 1, 1)

# Everything that would tell who a sealed person is: names, the civic number in every written
# form (12 and 10 digits, with and without dash), and its birth date, which the masked form shows.
SEALED_TRACES = [
    "Sigrid",
    "Sluten",
    SEALED_CHILD_CIVIC,
    "20170517-2383",
    "170517-2383",
    "1705172383",
    "20170517",
    "2017-05-17",
    "Selma",
    "Skyddsson",
    SEALED_STAFF_CIVIC,
    "19850923-1141",
    "850923-1141",
    "8509231141",
    "19850923",
]
SEARCH_TERMS = ["Sigrid", "Sluten", "Sigrid Sluten", SEALED_CHILD_CIVIC, "20170517-2383", "Selma", "Skyddsson"]


def traces_in(body: str) -> list[str]:
    """Return the traces of a sealed person in a page, names compared without case (e-mail addresses)."""
    return [trace for trace in SEALED_TRACES if trace.lower() in body.lower()]


@pytest.fixture
def world(db):
    """Build a unit with a visible child and a sealed one, a sealed staff member, and their rows."""
    huvudman = Organisation.objects.create(organisation_type="Huvudman", display_name="Exempelby kommun")
    unit = Organisation.objects.create(
        organisation_type="Skolenhet", display_name="Ekorrens förskola", organisation=huvudman
    )
    sealed_at = timezone.now()
    child = Person.objects.create(given_name="Alva", family_name="Berg", civic_number=CIVIC)
    guardian = Person.objects.create(given_name="Nora", family_name="Berg")
    staff = Person.objects.create(given_name="Pia", family_name="Lind")
    sealed_child = Person.objects.create(
        given_name="Sigrid",
        family_name="Sluten",
        civic_number=SEALED_CHILD_CIVIC,
        birth_date=dt.date(2017, 5, 17),
        sealed_at=sealed_at,
    )
    # The sealed child's guardian is not sealed: rows about the child must still go.
    sealed_childs_guardian = Person.objects.create(given_name="Vera", family_name="Ek")
    sealed_staff = Person.objects.create(
        given_name="Selma", family_name="Skyddsson", civic_number=SEALED_STAFF_CIVIC, sealed_at=sealed_at
    )
    group = Group.objects.create(
        organisation=huvudman, school_unit=unit, display_name="Blåbär", group_type="Avdelning", start_date=START
    )
    for person in (child, sealed_child):
        GroupMembership.objects.create(organisation=huvudman, group=group, person=person, start_date=START)
        Placement.objects.create(
            organisation=huvudman, child=person, school_unit=unit, group=group, school_type="FS", start_date=START
        )
    Guardianship.objects.create(
        organisation=huvudman, child=child, responsible=guardian, relation_type="Vårdnadshavare"
    )
    Guardianship.objects.create(
        organisation=huvudman, child=sealed_child, responsible=sealed_childs_guardian, relation_type="Vårdnadshavare"
    )
    for person in (staff, sealed_staff):
        Duty.objects.create(
            organisation=huvudman, person=person, school_unit=unit, duty_role="Förskollärare", start_date=START
        )

    audit = {
        "visible": AuditRecord.objects.create(
            actor=staff, actor_role="staff", child=child, action=AuditAction.READ_POST, school_unit=unit
        ),
        "no_child": AuditRecord.objects.create(actor=staff, actor_role="staff", action=AuditAction.READ_TERMS_STATUS),
        "sealed_child": AuditRecord.objects.create(
            actor=staff, actor_role="staff", child=sealed_child, action=AuditAction.READ_TIMELINE, school_unit=unit
        ),
        "sealed_actor": AuditRecord.objects.create(
            actor=sealed_staff, actor_role="staff", child=child, action=AuditAction.READ_POST, school_unit=unit
        ),
    }

    users = {
        "guardian": User.objects.create(username=f"p-{guardian.uuid}", person=guardian),
        "sealed_child": User.objects.create(username=f"p-{sealed_child.uuid}", person=sealed_child),
        "sealed_staff": User.objects.create(username=f"p-{sealed_staff.uuid}", person=sealed_staff),
    }
    Preference.objects.create(person=guardian, language="sv")
    Preference.objects.create(person=sealed_staff, language="en")

    template = TalkTemplate.objects.create(organisation=huvudman, name="Utvecklingssamtal")
    version = TalkTemplateVersion.objects.create(template=template, number=1, content={}, created_by=sealed_staff)
    talks = {
        person.given_name: Talk.objects.create(
            organisation=huvudman,
            school_unit=unit,
            group=group,
            child=person,
            template_version=version,
            period_start=START,
            activity_date=START,
            created_by=staff,
        )
        for person in (child, sealed_child)
    }

    def context(name: str) -> dict[str, str]:
        return {"talk_uuid": str(talks[name].uuid), "child_given_name": name, "unit": str(unit)}

    notices = {
        "visible": Notice.objects.create(recipient=guardian, kind="talk_record_shared", context=context("Alva")),
        "about_sealed_child": Notice.objects.create(
            recipient=sealed_childs_guardian, kind="talk_record_shared", context=context("Sigrid")
        ),
        "to_sealed_staff": Notice.objects.create(
            recipient=sealed_staff, kind="talk_booking_changed", context=context("Alva")
        ),
        "no_talk": Notice.objects.create(recipient=guardian, kind="talk_slots_published", context={"count": 3}),
    }

    return {
        "unit": unit,
        "sealed_child": sealed_child,
        "sealed_staff": sealed_staff,
        "audit": audit,
        "users": users,
        "version": version,
        "notices": notices,
    }


def failed_task(task_path: str, args: list[object], exc: Exception) -> DBTaskResult:
    """Store a task result as the database backend does when the task raised `exc`."""
    result = DBTaskResult.objects.create(
        task_path=task_path,
        args_kwargs={"args": args, "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),  # what the backend stores for "at once"
    )
    result.set_failed(exc)
    return result


@pytest.fixture
def database_tasks(settings):
    """Use the database backend of production, whose results the admin reads back as tasks."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def operator_client(client, django_user_model):
    operator = django_user_model.objects.create_superuser("operator", "operator@example.se", "a-long-password-1")
    client.force_login(operator)
    return client


def page_for_search(client, url: str, term: str) -> str:
    """Return the page a search shows, with the echoed term and the CSRF token taken out."""
    body = client.get(url, {"q": term}).content.decode()
    # The term as typed, in the query string, and in the query string kept for the next page.
    for form in (term, quote_plus(term), quote(quote_plus(term), safe="")):
        body = body.replace(form, "TERM")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_f5_audit_log_admin_never_shows_a_sealed_child(world, operator_client):
    changelist = operator_client.get(reverse("admin:access_auditrecord_changelist"))
    sealed_child_record = operator_client.get(
        reverse("admin:access_auditrecord_change", args=[world["audit"]["sealed_child"].pk]), follow=True
    )
    sealed_actor_record = operator_client.get(
        reverse("admin:access_auditrecord_change", args=[world["audit"]["sealed_actor"].pk]), follow=True
    )
    history = operator_client.get(
        reverse("admin:access_auditrecord_history", args=[world["audit"]["sealed_child"].pk]), follow=True
    )

    assert traces_in(changelist.content.decode()) == []
    shown = {record.pk for record in changelist.context["cl"].result_list}
    assert shown == {world["audit"]["visible"].pk, world["audit"]["no_child"].pk}
    for page in (sealed_child_record, sealed_actor_record, history):
        # The admin's answer for a record that does not exist: back to the index with a message.
        assert page.redirect_chain[0][1] == 302
        assert traces_in(page.content.decode()) == []
    # The records stay in the log; the admin only leaves them out.
    assert AuditRecord.objects.count() == 4


def test_f5_audit_log_admin_still_shows_the_records_of_visible_persons(world, operator_client):
    visible = operator_client.get(reverse("admin:access_auditrecord_change", args=[world["audit"]["visible"].pk]))

    assert visible.status_code == 200
    assert "Alva Berg" in visible.content.decode()
    assert "Pia Lind" in visible.content.decode()


@pytest.mark.parametrize(
    "changelist",
    [
        "access_auditrecord",
        "accounts_user",
        "directory_person",
        "directory_guardianship",
        "directory_placement",
        "directory_duty",
    ],
)
def test_f5_admin_search_does_not_find_a_sealed_person(world, operator_client, changelist):
    url = reverse(f"admin:{changelist}_changelist")
    nobody = page_for_search(operator_client, url, "Qwzxv")

    for term in SEARCH_TERMS:
        response = operator_client.get(url, {"q": term})
        assert response.context["cl"].result_count == 0, term
        # The same page as for a name nobody has: no count, filter or date that differs.
        assert page_for_search(operator_client, url, term) == nobody, term


def test_f5_no_admin_page_names_a_sealed_person(world, database_tasks, operator_client):
    failed_task(
        "folja.notifications.tasks.deliver_notices",
        [[world["notices"]["about_sealed_child"].pk]],
        smtplib.SMTPRecipientsRefused({"sigrid.sluten@example.se": (550, b"5.1.1 User unknown")}),
    )
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        # Every row of the model, those the admin leaves out too: each must show nothing of them.
        for pk in model._default_manager.values_list("pk", flat=True):
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[pk]))
            pages.append(reverse("admin:{}_{}_history".format(*info), args=[pk]))

    found = {page: traces_in(operator_client.get(page, follow=True).content.decode()) for page in pages}

    assert {page: traces for page, traces in found.items() if traces} == {}


def test_f5_notice_admin_leaves_out_notices_to_or_about_a_sealed_person(world, operator_client):
    notices = world["notices"]

    changelist = operator_client.get(reverse("admin:notifications_notice_changelist"))
    hidden = [
        operator_client.get(reverse("admin:notifications_notice_change", args=[notices[key].pk]), follow=True)
        for key in ("about_sealed_child", "to_sealed_staff")
    ]

    assert {notice.pk for notice in changelist.context["cl"].result_list} == {
        notices["visible"].pk,
        notices["no_talk"].pk,
    }
    for page in hidden:
        assert page.redirect_chain[0][1] == 302
        assert traces_in(page.content.decode()) == []


def test_f5_notice_admin_shows_who_and_when_but_not_what_a_notice_said(world, operator_client):
    page = operator_client.get(reverse("admin:notifications_notice_change", args=[world["notices"]["visible"].pk]))
    body = page.content.decode()

    assert page.status_code == 200
    assert "Nora Berg" in body
    # R13: the child's name, the talk and the unit are what the notice said, not administration.
    assert "Alva" not in body
    assert str(Talk.objects.get(child__given_name="Alva").uuid) not in body


def test_f5_task_result_admin_shows_no_arguments_return_value_or_traceback(world, database_tasks, operator_client):
    smtp = failed_task(
        "folja.notifications.tasks.deliver_notices",
        [[world["notices"]["about_sealed_child"].pk]],
        smtplib.SMTPRecipientsRefused({"sigrid.sluten@example.se": (550, b"5.1.1 User unknown")}),
    )
    unique = failed_task(
        "folja.sis.tasks.sis_sync_connection",
        [1],
        IntegrityError(
            'duplicate key value violates unique constraint "directory_person_civic_number_key"\n'
            f"DETAIL:  Key (civic_number)=({SEALED_CHILD_CIVIC}) already exists."
        ),
    )

    changelist = operator_client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    pages = [
        operator_client.get(reverse("admin:django_tasks_database_dbtaskresult_change", args=[result.pk]))
        for result in (smtp, unique)
    ]

    assert traces_in(changelist.content.decode()) == []
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert traces_in(body) == []
        assert "Traceback" not in body
        # What an operator needs: which task, how it went, and the class of its error.
        assert "deliver_notices" in body or "sis_sync_connection" in body
        assert "SMTPRecipientsRefused" in body or "IntegrityError" in body


def test_f5_task_result_admin_stays_read_only(world, database_tasks, operator_client):
    result = failed_task("folja.notifications.tasks.deliver_notices", [[1]], RuntimeError("x"))

    add = operator_client.get(reverse("admin:django_tasks_database_dbtaskresult_add"))
    delete = operator_client.post(
        reverse("admin:django_tasks_database_dbtaskresult_delete", args=[result.pk]), {"post": "yes"}
    )

    assert (add.status_code, delete.status_code) == (403, 403)
    assert DBTaskResult.objects.filter(pk=result.pk).exists()


def test_f5_accounts_and_preferences_of_sealed_persons_are_left_out(world, operator_client):
    guardians_account = world["users"]["guardian"]

    users = operator_client.get(reverse("admin:accounts_user_changelist"))
    preferences = operator_client.get(reverse("admin:notifications_preference_changelist"))
    account = operator_client.get(reverse("admin:accounts_user_change", args=[guardians_account.pk]))

    # The operator's own account has no person and stays; so does a visible guardian's.
    assert {user.username for user in users.context["cl"].result_list} == {"operator", guardians_account.username}
    assert [pref.person.given_name for pref in preferences.context["cl"].result_list] == ["Nora"]
    assert "Nora Berg" in account.content.decode()  # the selected person, shown through the unsealed choices
    for page in (users, preferences, account):
        assert traces_in(page.content.decode()) == []


@pytest.mark.parametrize(
    ("app_label", "model_name"),
    [("accounts", "user"), ("notifications", "preference")],
)
def test_f5_person_autocomplete_offers_no_sealed_person(world, operator_client, app_label, model_name):
    for term in ("Sigrid", "Sluten", "Selma", "Skyddsson"):
        response = operator_client.get(
            reverse("admin:autocomplete"),
            {"app_label": app_label, "model_name": model_name, "field_name": "person", "term": term},
        )
        assert response.json()["results"] == [], term


def test_f5_a_sealed_persons_id_typed_into_a_form_shows_no_name(world, operator_client):
    sealed = world["sealed_child"]
    user = world["users"]["guardian"]

    preference = operator_client.post(
        reverse("admin:notifications_preference_add"), {"person": sealed.pk, "language": "sv", "email_enabled": "on"}
    )
    account = operator_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {"username": user.username, "person": sealed.pk, "date_joined_0": "2024-01-01", "date_joined_1": "00:00"},
    )

    for page in (preference, account):
        assert page.status_code == 200  # the form again, with an error
        assert traces_in(page.content.decode()) == []
    assert not Preference.objects.filter(person=sealed).exists()
    user.refresh_from_db()
    assert user.person.given_name == "Nora"


def test_f5_template_version_admin_shows_a_sealed_author_as_protected(world, operator_client):
    page = operator_client.get(reverse("admin:talks_talktemplateversion_change", args=[world["version"].pk]))
    body = page.content.decode()

    assert page.status_code == 200
    assert "(skyddad person)" in body
    assert traces_in(body) == []
