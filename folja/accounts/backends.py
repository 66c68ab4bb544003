"""The session's user comes with its person in one query (every request needs both)."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet

from folja.accounts.models import User
from folja.core.precompiled import precompiled_rows
from folja.directory.models import Person


@functools.cache
def _fields() -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (
        tuple(f.attname for f in User._meta.concrete_fields),
        tuple(f.attname for f in Person._meta.concrete_fields),
    )


def _user_with_person(args: tuple[int]) -> QuerySet:
    """The user's and its person's columns, by the user's id (compiled once: see get_user)."""
    (user_id,) = args
    user_fields, person_fields = _fields()
    return User.objects.filter(pk=user_id).values(*user_fields, *(f"person__{name}" for name in person_fields))


class PersonModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """Return the active user with `person` loaded by a join, or None.

        Every signed-in request asks this; the query is compiled once per process
        (folja/core/precompiled.py) and the two objects are made from its one row.
        """
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        rows = precompiled_rows("session-user", _user_with_person, (pk,))
        if not rows:
            return None
        row = rows[0]
        user_fields, person_fields = _fields()
        user = User.from_db(DEFAULT_DB_ALIAS, user_fields, [row[name] for name in user_fields])
        person = None
        if row["person__id"] is not None:
            values = [row[f"person__{name}"] for name in person_fields]
            person = Person.from_db(DEFAULT_DB_ALIAS, person_fields, values)
        User.person.field.set_cached_value(user, person)
        return user if self.user_can_authenticate(user) else None
