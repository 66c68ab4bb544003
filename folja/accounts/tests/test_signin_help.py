"""The sign-in pages say what to do when the e-ID fails or is missing, and where the data comes from."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

BANK = "Kontakta din bank eller den som gav ut din e-legitimation"
NO_EID = "Om du inte har svensk e-legitimation"
PRESCHOOL = "Kontakta ditt barns förskola eller skola"
SOURCE = "från kommunens register. Kommunen får dem från folkbokföringen"


def test_step_one_answers_both_questions_and_names_the_source_of_the_data(client):
    page = client.get(reverse("accounts:login")).content.decode()

    assert "Hjälp med inloggningen" in page
    assert BANK in page and NO_EID in page and PRESCHOOL in page and SOURCE in page


def test_a_guardian_choosing_the_e_id_is_told_whom_to_contact(client):
    page = client.get(reverse("accounts:login_role", args=["guardian"])).content.decode()

    assert BANK in page and NO_EID in page and PRESCHOOL in page and SOURCE in page


def test_staff_are_sent_to_their_it_support_not_to_their_bank(client):
    page = client.get(reverse("accounts:login_role", args=["staff"])).content.decode()

    assert "IT-supporten hos din arbetsgivare" in page
    assert BANK not in page and NO_EID not in page


def test_the_help_is_in_english_too(client):
    page = client.get(reverse("accounts:login_role", args=["guardian"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Contact your bank or whoever issued your e-ID" in page
    assert "If you do not have a Swedish e-ID" in page
    assert "population register (folkbokföringen)" in page


def test_a_guardian_not_found_learns_where_the_register_gets_its_data(client):
    session = client.session
    session["folja_not_found_role"] = "guardian"
    session.save()

    page = client.get(reverse("accounts:not_found")).content.decode()

    assert SOURCE in page
