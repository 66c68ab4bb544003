"""Users: a sign-in account linked to one person. The role a session acts as lives in the session."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """An account; children, guardians and staff reach it through e-ID or SSO bound to their person."""

    person = models.OneToOneField(
        "directory.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="user"
    )

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")
