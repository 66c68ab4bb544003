"""Fixtures for the sign-in tests: a small world of persons, test certificates, and the BankID simulator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache

from folja.accounts.bankid import client as bankid_client
from folja.accounts.bankid import testpki
from folja.accounts.bankid.simulator import BankIDSimulator
from folja.core.dates import today
from folja.directory import civic
from folja.directory.models import Duty, DutyRole, Guardianship, Organisation, OrganisationType, Person, Placement


def make_civic(birth: dt.date, serial: int) -> str:
    """Return a fictitious civic number with a valid check digit."""
    nine = birth.strftime("%y%m%d") + f"{serial:03d}"
    return birth.strftime("%Y%m%d") + f"{serial:03d}" + str(civic.luhn_digit(nine))


@dataclass
class World:
    unit: Organisation
    child: Person
    guardian: Person
    staff: Person
    stranger_civic: str


@pytest.fixture(autouse=True)
def _signin_defaults(settings):
    """Use a clean cache (rate limits) and the test e-ID off unless a test turns it on."""
    settings.FOLJA_TEST_EID_ENABLED = False
    settings.FOLJA_DEMO_LOGIN = False
    settings.FOLJA_BANKID_URL = ""
    settings.FOLJA_OIDC_ISSUER = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db) -> World:
    """Build one unit with a placed child, its guardian, a staff member with a duty, and a stranger's number."""
    start = today() - dt.timedelta(days=100)
    org = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Exempelby kommun")
    unit = Organisation.objects.create(
        organisation=org, parent=org, organisation_type=OrganisationType.SKOLENHET, display_name="Solrosens förskola"
    )
    child = Person.objects.create(
        given_name="Alva", family_name="Ek", civic_number=make_civic(dt.date(2021, 3, 4), 981)
    )
    guardian = Person.objects.create(
        given_name="Anna", family_name="Ek", civic_number=make_civic(dt.date(1988, 5, 6), 982)
    )
    staff = Person.objects.create(
        given_name="Stina", family_name="Lind", civic_number=make_civic(dt.date(1979, 1, 2), 983)
    )
    Placement.objects.create(organisation=org, child=child, school_unit=unit, school_type="FS", start_date=start)
    Guardianship.objects.create(organisation=org, child=child, responsible=guardian, relation_type="Vårdnadshavare")
    Duty.objects.create(
        organisation=org, person=staff, school_unit=unit, duty_role=DutyRole.PRESCHOOL_TEACHER, start_date=start
    )
    return World(
        unit=unit, child=child, guardian=guardian, staff=staff, stranger_civic=make_civic(dt.date(1990, 7, 8), 984)
    )


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> testpki.TestPKI:
    """Generate a CA, server and client certificates once per test run."""
    return testpki.generate(Path(tmp_path_factory.mktemp("bankid-pki")))


@pytest.fixture(scope="session")
def simulator_server(pki):
    """Run one BankID simulator over mTLS on 127.0.0.1 for the whole run."""
    sim = BankIDSimulator(server_cert=pki.server_cert, server_key=pki.server_key, client_ca=pki.ca_cert).start()
    yield sim
    sim.stop()


@pytest.fixture
def bankid(simulator_server, pki, settings):
    """Point the app at the simulator with the RP client certificate; forget orders of earlier tests."""
    simulator_server.orders.clear()
    settings.FOLJA_BANKID_URL = simulator_server.url
    settings.FOLJA_BANKID_CERT = str(pki.client_cert)
    settings.FOLJA_BANKID_KEY = str(pki.client_key)
    settings.FOLJA_BANKID_CA = str(pki.ca_cert)
    settings.FOLJA_BANKID_APP_URL = "https://app.bankid.com/"
    yield simulator_server
    bankid_client._client_for.cache_clear()
