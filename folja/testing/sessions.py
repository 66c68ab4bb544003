"""Test clients signed in as a person acting in a role, as a completed e-ID sign-in leaves them."""

from __future__ import annotations

import time

from django.test import Client

from folja.accounts.models import User
from folja.accounts.roles import Role
from folja.accounts.session import LAST_SEEN_KEY, LOA_KEY, METHOD_KEY, ROLE_KEY
from folja.directory.models import Person


def sign_in(client: Client, person: Person, role: Role) -> Client:
    """Sign `client` in as the person acting in the role (test method and level) and return it."""
    user, _ = User.objects.get_or_create(person=person, defaults={"username": f"p-{person.uuid}"})
    client.force_login(user)
    session = client.session
    session.update({ROLE_KEY: str(role), METHOD_KEY: "test", LOA_KEY: "test", LAST_SEEN_KEY: int(time.time())})
    session.save()
    return client


def signed_in(person: Person, role: Role) -> Client:
    """Return a new client signed in as the person acting in the role."""
    return sign_in(Client(), person, role)
