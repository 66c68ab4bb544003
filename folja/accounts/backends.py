"""The session's user comes with its person in one query (every request needs both)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from folja.accounts.models import User


class PersonModelBackend(ModelBackend):
    def get_user(self, user_id: int) -> User | None:
        """Return the active user with `person` loaded by a join, or None."""
        user = User.objects.select_related("person").filter(pk=user_id).first()
        return user if self.user_can_authenticate(user) else None
