"""The session's user with its person: one query, the same objects as the ORM's."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from folja.accounts.backends import PersonModelBackend
from folja.accounts.models import User
from folja.directory.models import Person

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_its_person_in_one_query_and_equals_what_the_orm_loads():
    backend = PersonModelBackend()
    people = [
        Person.objects.create(given_name=n, family_name="Ek", birth_date=dt.date(1985, 3, 1), sealed_at=None)
        for n in ("Anna", "Bo")
    ]
    users = [User.objects.create(username=f"u{i}", person=p, last_login=timezone.now()) for i, p in enumerate(people)]
    for user in users:
        with CaptureQueriesContext(connection) as queries:
            loaded = backend.get_user(str(user.pk))
            person = loaded.person  # already there: no second query
        assert len(queries) == 1
        expected = User.objects.select_related("person").get(pk=user.pk)
        for field in User._meta.concrete_fields:
            assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
        for field in Person._meta.concrete_fields:
            assert getattr(person, field.attname) == getattr(expected.person, field.attname), field.name
        assert isinstance(person.uuid, uuid.UUID) and isinstance(person.birth_date, dt.date)
        assert not loaded._state.adding and loaded._state.db == "default"
        assert loaded.check_password("x") is False  # a real user object


def test_no_user_an_inactive_user_and_a_user_without_person():
    backend = PersonModelBackend()
    assert backend.get_user(10**9) is None
    assert backend.get_user("not a number") is None
    inactive = User.objects.create(username="gone", is_active=False)
    assert backend.get_user(inactive.pk) is None
    admin = User.objects.create(username="admin")
    loaded = backend.get_user(admin.pk)
    with CaptureQueriesContext(connection) as queries:
        assert loaded.person is None
    assert len(queries) == 0
