"""e-ID matching takes personnummer and samordningsnummer only: a temporary number never signs anyone in.

BankID returns a personnummer, Freja eID through the broker and SAML assertions a personnummer or
samordningsnummer; a temporary or reserve number from a school register is no e-ID identity,
even when an identity provider sends the same characters.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django.urls import reverse

from folja.access.policy import person_for_sign_in, staff_for_sso
from folja.access.roles import Role
from folja.accounts.signin import VerifiedIdentity, complete_sign_in
from folja.directory import civic
from folja.directory.models import Person

pytestmark = pytest.mark.django_db

TEMPORARY = "19880506TF01"


def coordination(birth: dt.date, serial: int) -> str:
    nine = f"{birth:%y%m}{birth.day + 60:02d}{serial:03d}"
    return f"{birth:%Y%m}{birth.day + 60:02d}{serial:03d}{civic.luhn_digit(nine)}"


def identity(number: str) -> VerifiedIdentity:
    return VerifiedIdentity(
        civic_number=number, given_name="Anna", family_name="Ek", method="bankid", loa="loa3", transaction_ref="t1"
    )


def signed_in(number: str, role: Role = Role.GUARDIAN) -> str:
    request = RequestFactory().get("/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    return complete_sign_in(request, identity(number), role).url


def give_number(person: Person, number: str) -> None:
    Person.objects.filter(pk=person.pk).update(civic_number=number, civic_number_kind=civic.kind_of(number))


def test_a_guardian_with_a_temporary_number_is_not_found_by_any_e_id(world):
    give_number(world.guardian, TEMPORARY)
    assert person_for_sign_in(civic_number=TEMPORARY) is None
    assert signed_in(TEMPORARY) == reverse("accounts:not_found")
    assert signed_in(TEMPORARY.lower()) == reverse("accounts:not_found")


def test_a_mislabelled_kind_still_never_matches_a_temporary_form(world):
    # Defence in depth: matching asks for the e-ID kinds, and normalise refuses the form itself.
    with pytest.raises(civic.InvalidCivicNumber):
        civic.normalise(TEMPORARY)
    give_number(world.staff, "19790102TF02")
    assert staff_for_sso(world.unit.organisation, civic_number="19790102TF02") is None


def test_a_guardian_with_a_samordningsnummer_signs_in(world):
    number = coordination(dt.date(1988, 5, 6), 982)
    give_number(world.guardian, number)
    assert person_for_sign_in(civic_number=number) == world.guardian
    assert signed_in(number) == reverse("core:home")


def test_the_test_e_id_refuses_a_temporary_number_with_a_message_that_does_not_repeat_it(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    give_number(world.guardian, TEMPORARY)
    response = client.post(reverse("accounts:test_eid", args=["guardian"]), {"civic_number": TEMPORARY})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert TEMPORARY not in response.content.decode() and "TF01" not in response.content.decode()
