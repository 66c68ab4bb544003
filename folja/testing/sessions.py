"""Test clients signed in as a person acting in a role, as a completed e-ID sign-in leaves them."""

from __future__ import annotations

import time

from django.test import Client

from folja.access.policy import staff_organisations
from folja.access.roles import Role
from folja.accounts.models import User
from folja.accounts.session import LAST_SEEN_KEY, LOA_KEY, METHOD_KEY, ORGANISATION_KEY, ROLE_KEY
from folja.directory.models import Organisation, Person


def sign_in(
    client: Client,
    person: Person,
    role: Role,
    organisation: Organisation | None = None,
    *,
    method: str = "test",
    loa: str = "test",
) -> Client:
    """Sign `client` in as the person acting in the role (test method and level) and return it.

    A staff session belongs to an organisation: `organisation`, or the only one the person has a
    duty in (a person with duties in several must name one, as the sign-in makes them choose).
    `method` and `loa`: e.g. assurance.SMS and assurance.LOWER for a session without e-ID."""
    user, _ = User.objects.get_or_create(person=person, defaults={"username": f"p-{person.uuid}"})
    client.force_login(user)
    session = client.session
    session.update({ROLE_KEY: str(role), METHOD_KEY: method, LOA_KEY: loa, LAST_SEEN_KEY: int(time.time())})
    if role == Role.STAFF:
        if organisation is None:
            organisations = list(staff_organisations(person))
            assert len(organisations) <= 1, f"{person} has duties in several organisations: name one"
            organisation = organisations[0] if organisations else None
        if organisation is not None:
            session[ORGANISATION_KEY] = organisation.pk
    session.save()
    return client


def signed_in(person: Person, role: Role, organisation: Organisation | None = None, **session: str) -> Client:
    """Return a new client signed in as the person acting in the role (`session`: method, loa)."""
    return sign_in(Client(), person, role, organisation, **session)
