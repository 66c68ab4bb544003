"""The session's user comes with its person in one query (every request needs both)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from folja.accounts.models import User


class PersonModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """Return the active user with `person` loaded by a join, or None."""
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = User.objects.select_related("person").filter(pk=pk).first()
        return user if user is not None and self.user_can_authenticate(user) else None
