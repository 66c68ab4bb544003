"""Security findings F6 (production starts with the test e-ID on) and F7 (sign-in rate limit per address only).

F6: with FOLJA_DEBUG and FOLJA_TESTING off, the settings refuse to start while FOLJA_TEST_EID_ENABLED
is on, as they do without a secret key. F7: sign-in starts are limited per identity attempted
(FOLJA_SIGNIN_RATE_LIMIT, keyed by a hash) and per address with a budget a school's shared address
can live with (FOLJA_SIGNIN_ADDRESS_RATE_LIMIT); the admin's login is limited per username and address.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from folja.accounts.models import SignInAttempt, SignInOutcome
from folja.accounts.session import ROLE_KEY
from folja.accounts.signin import civic_number_hash
from folja.accounts.tests.conftest import make_civic
from folja.core.tests.test_settings import clean_env, manage, production_env

pytestmark = pytest.mark.django_db

SCHOOL = "203.0.113.7"  # one public address shared by a whole school


def post_test_eid(client, role: str, civic_number: str, address: str = SCHOOL):
    return client.post(reverse("accounts:test_eid", args=[role]), {"civic_number": civic_number}, REMOTE_ADDR=address)


def cache_keys() -> list[str]:
    """Return every key in the per-process test cache (LocMemCache)."""
    return [str(key) for key in cache._cache]


# --- F6 ----------------------------------------------------------------------------------------


def test_f6_production_refuses_to_start_with_the_test_eid(tmp_path):
    env = production_env(tmp_path, FOLJA_TEST_EID_ENABLED="1")
    assert "FOLJA_DEBUG" not in env and "FOLJA_TESTING" not in env

    refused = manage(env, "check")

    assert refused.returncode != 0
    last_line = refused.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured")
    assert "FOLJA_TEST_EID_ENABLED" in last_line

    # Without the test e-ID the same production environment starts.
    started = manage(production_env(tmp_path), "check")
    assert started.returncode == 0, started.stderr
    # Development (make demo) and test servers outside pytest (FOLJA_TESTING) keep it.
    for mode in ({"FOLJA_DEBUG": "1"}, {"FOLJA_TESTING": "1"}):
        done = manage(clean_env(FOLJA_TEST_EID_ENABLED="1", **mode), "check")
        assert done.returncode == 0, (mode, done.stderr)


# --- F7: the test e-ID, where the identity is known at the start -------------------------------


def test_f7_script_from_a_shared_address_does_not_lock_out_another_identity(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    # A script at the school hammers one identity far past its limit, then tries other numbers.
    hammered = [post_test_eid(client, "guardian", world.stranger_civic).status_code for _ in range(40)]
    assert hammered[: settings.FOLJA_SIGNIN_RATE_LIMIT] == [302] * settings.FOLJA_SIGNIN_RATE_LIMIT
    assert set(hammered[settings.FOLJA_SIGNIN_RATE_LIMIT :]) == {429}
    others = [post_test_eid(client, "guardian", make_civic(dt.date(1991, 1, 1), n)).status_code for n in range(1, 31)]
    assert set(others) == {302}  # not found, but not refused either

    # A teacher and a guardian at the same school still sign in with their own identity.
    teacher = Client()
    assert post_test_eid(teacher, "staff", world.staff.civic_number)["Location"] == reverse("core:home")
    assert teacher.session[ROLE_KEY] == "staff"
    guardian = Client()
    assert post_test_eid(guardian, "guardian", world.guardian.civic_number)["Location"] == reverse("core:home")
    assert guardian.session[ROLE_KEY] == "guardian"


def test_f7_one_identity_is_limited_whatever_the_address(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    settings.FOLJA_SIGNIN_RATE_LIMIT = 5
    number = world.guardian.civic_number
    spellings = [number, f"{number[:8]}-{number[8:]}", number[2:]]  # one person, however it is typed
    codes = [
        post_test_eid(Client(), "guardian", spellings[i % 3], address=f"198.51.100.{i + 1}").status_code
        for i in range(8)
    ]

    assert codes == [302] * 5 + [429] * 3
    refused = post_test_eid(Client(), "guardian", number, address="192.0.2.99")
    page = refused.content.decode()
    assert refused.status_code == 429
    assert "För många inloggningsförsök" in page
    rows = SignInAttempt.objects.filter(outcome=SignInOutcome.RATE_LIMITED)
    assert rows.count() == 4
    assert {row.detail for row in rows} == {"identity"}
    assert {row.civic_number_hash for row in rows} == {civic_number_hash(number)}
    # The civic number appears in clear neither in the cache keys nor in the answer.
    for spelling in (number, number[2:], number[:8], number[2:8] + number[8:]):
        assert not any(spelling in key for key in cache_keys())
        assert spelling not in page
    # Someone else at those addresses is not affected.
    assert post_test_eid(Client(), "staff", world.staff.civic_number, address="192.0.2.99").status_code == 302


def test_f7_a_shared_address_still_has_its_own_larger_limit(client, world, settings):
    settings.FOLJA_TEST_EID_ENABLED = True
    settings.FOLJA_SIGNIN_ADDRESS_RATE_LIMIT = 25
    assert settings.FOLJA_SIGNIN_RATE_LIMIT < settings.FOLJA_SIGNIN_ADDRESS_RATE_LIMIT
    codes = [post_test_eid(client, "guardian", make_civic(dt.date(1992, 2, 2), n)).status_code for n in range(1, 27)]

    assert codes == [302] * 25 + [429]
    row = SignInAttempt.objects.get(outcome=SignInOutcome.RATE_LIMITED)
    assert (row.detail, row.ip_address, row.civic_number_hash) == ("address", SCHOOL, "")
    assert post_test_eid(client, "guardian", world.guardian.civic_number, address="198.51.100.1").status_code == 302


# --- F7: BankID, where the identity is not known at the start ----------------------------------


def test_f7_bankid_starts_have_the_shared_address_budget(client, world, bankid, settings):
    settings.FOLJA_SIGNIN_RATE_LIMIT = 2  # per identity: does not apply to a start without one
    settings.FOLJA_SIGNIN_ADDRESS_RATE_LIMIT = 4
    url = reverse("accounts:bankid_start", args=["guardian"])

    codes = [client.post(url, {"mode": "qr"}, REMOTE_ADDR=SCHOOL).status_code for _ in range(5)]

    assert codes == [302] * 4 + [429]
    assert "För många inloggningsförsök" in client.post(url, {"mode": "qr"}, REMOTE_ADDR=SCHOOL).content.decode()
    assert client.post(url, {"mode": "qr"}, REMOTE_ADDR="198.51.100.1").status_code == 302


# --- F7: the Django admin's login --------------------------------------------------------------


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("operator", "operator@example.se", "a long operator secret 42")


def admin_login(client, username: str, password: str, address: str = SCHOOL, **extra):
    return client.post("/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def test_f7_admin_login_is_rate_limited(client, operator, settings, django_user_model):
    settings.FOLJA_SIGNIN_RATE_LIMIT = 3
    guesses = [admin_login(client, "operator", f"guess {n}").status_code for n in range(3)]
    assert guesses == [200, 200, 200]  # the form again, with its error

    # The right password no longer helps, from any address and however the name is spelt.
    refused = admin_login(client, "Operator ", "a long operator secret 42", address="198.51.100.1")
    page = refused.content.decode()
    assert refused.status_code == 429
    assert "För många inloggningsförsök" in page and "Försök igen om 5 minuter" in page
    assert 'href="/admin/login/"' in page
    assert "_auth_user_id" not in client.session
    english = admin_login(client, "operator", "x", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429 and "Too many sign-in attempts" in english.content.decode()
    rows = SignInAttempt.objects.filter(outcome=SignInOutcome.RATE_LIMITED, method="admin")
    assert rows.count() == 2 and {row.detail for row in rows} == {"identity"}
    assert not any("operator" in key.lower() for key in cache_keys())

    # Another account from the same address is not locked out by those guesses.
    django_user_model.objects.create_superuser("second", "second@example.se", "another long secret 42")
    signed_in = admin_login(client, "second", "another long secret 42")
    assert signed_in.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_f7_admin_login_is_rate_limited_per_address(client, operator, settings):
    settings.FOLJA_SIGNIN_ADDRESS_RATE_LIMIT = 4
    codes = [admin_login(client, f"someone{n}", "guess").status_code for n in range(5)]

    assert codes == [200] * 4 + [429]
    assert admin_login(client, "operator", "a long operator secret 42", address="198.51.100.1").status_code == 302
    assert client.get("/admin/login/").status_code in (200, 302)  # GET is the admin's own view, never counted
