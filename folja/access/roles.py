"""The role a session acts as, chosen at sign-in and checked on every request."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Person


class Role(models.TextChoices):
    GUARDIAN = "guardian", _("Vårdnadshavare")
    STAFF = "staff", _("Personal")
    CHILD = "child", _("Elev")


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a person acting in one role. Staff rights never leak into a guardian session."""

    person: Person
    role: Role
    # A staff session's organisation: the one whose sign-in vouched for it (an organisation's own
    # SSO, or the one the person chose after a national e-ID). Connections count only inside it
    # (access-rules.md, "The session's organisation"). None outside a session (tasks, commands,
    # tests asking about a person in all their organisations); every staff session has one.
    organisation_id: int | None = None
    # The session's level of assurance (access/assurance.py): LOWER after a sign-in by SMS code or
    # printed enrolment code, what such a session may do is `assurance.may_act`. "" outside a session.
    loa: str = ""

    @property
    def lower_assurance(self) -> bool:
        """Return whether the session was started at the lower level of assurance (no e-ID)."""
        from folja.access.assurance import LOWER

        return self.loa == LOWER

    @property
    def is_guardian(self) -> bool:
        return self.role == Role.GUARDIAN

    @property
    def is_staff(self) -> bool:
        return self.role == Role.STAFF

    @property
    def is_child(self) -> bool:
        return self.role == Role.CHILD

    @property
    def person_id(self) -> int:
        return self.person.pk
