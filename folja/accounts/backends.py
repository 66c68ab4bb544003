"""The session's user comes with its person in one query (every request needs both)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet

from folja.access import generation
from folja.accounts.models import User
from folja.core.precompiled import field_names, instance, precompiled_rows
from folja.directory.models import Person


def _user_with_person(args: tuple[int]) -> QuerySet:
    """The user's and its person's columns, by the user's id (compiled once: see get_user)."""
    (user_id,) = args
    return User.objects.filter(pk=user_id).values(
        *field_names(User),
        *(f"person__{name}" for name in field_names(Person)),
        # The relationship generation, in the same snapshot (access/generation.py).
        relationship_generation=generation.generation_column(),
    )


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
        generation.note_seen(row["relationship_generation"])
        user = instance(User, row)
        person = instance(Person, row, "person__") if row["person__id"] is not None else None
        User.person.field.set_cached_value(user, person)
        return user if self.user_can_authenticate(user) else None
