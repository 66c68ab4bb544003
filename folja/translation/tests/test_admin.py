"""The organisation admin's side of machine translation: the service is switched on only while the
terms in force name it, and terms are published as new versions (issue 32)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from folja.directory.models import Organisation, OrganisationType
from folja.pages.transitions.actions import terms_publish
from folja.transitions.models import TermsOfUse
from folja.translation.admin import TranslationServiceForm
from folja.translation.models import TranslationService

SERVICE = "LibreTranslate hos Exempelby kommun"


@pytest.fixture
def organisation(db) -> Organisation:  # noqa: ANN001
    return Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Exempelby kommun")


def _form(organisation: Organisation, **data: object) -> TranslationServiceForm:
    fields = {"organisation": organisation.pk, "backend": "libretranslate", "service_name": SERVICE, "enabled": True}
    return TranslationServiceForm(data={**fields, **data})


@override_settings(FOLJA_LIBRETRANSLATE_URL="http://127.0.0.1:9")
def test_the_service_cannot_be_switched_on_before_the_terms_name_it(organisation) -> None:  # noqa: ANN001
    terms_publish(organisation=organisation, title="Villkor", body="Inget om översättning.")
    form = _form(organisation)
    assert not form.is_valid()
    assert "nämner inte" in str(form.non_field_errors())
    terms_publish(organisation=organisation, title="Villkor", body=f"Inlägg kan översättas av {SERVICE}.")
    assert _form(organisation).is_valid()


@override_settings(FOLJA_LIBRETRANSLATE_URL="")
def test_a_service_the_platform_has_not_set_up_cannot_be_switched_on(organisation) -> None:  # noqa: ANN001
    terms_publish(organisation=organisation, title="Villkor", body=f"Inlägg kan översättas av {SERVICE}.")
    form = _form(organisation)
    assert not form.is_valid()
    assert "inte inställd" in str(form.non_field_errors())


def test_a_service_switched_off_needs_no_terms(organisation) -> None:  # noqa: ANN001
    assert _form(organisation, enabled=False).is_valid()


def test_publishing_terms_in_the_admin_makes_a_new_version(organisation, admin_client) -> None:  # noqa: ANN001
    terms_publish(organisation=organisation, title="Villkor", body="Första versionen.")
    response = admin_client.post(
        reverse("admin:transitions_termsofuse_add"),
        {"organisation": organisation.pk, "title": "Villkor", "body": f"Inlägg kan översättas av {SERVICE}."},
    )
    assert response.status_code == 302
    versions = list(
        TermsOfUse.objects.filter(organisation=organisation).order_by("version").values_list("version", "body")
    )
    assert versions[-1] == (2, f"Inlägg kan översättas av {SERVICE}.") and len(versions) == 2
    first = TermsOfUse.objects.get(organisation=organisation, version=1)
    change = admin_client.get(reverse("admin:transitions_termsofuse_change", args=[first.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content  # a version is never edited


def test_the_service_admin_lists_services(admin_client, organisation) -> None:  # noqa: ANN001
    TranslationService.objects.create(organisation=organisation, backend="libretranslate", service_name=SERVICE)
    assert admin_client.get(reverse("admin:translation_translationservice_changelist")).status_code == 200
