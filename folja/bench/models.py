"""The one table of the reference page: a dozen fortunes, as in the TechEmpower "fortunes" test."""

from __future__ import annotations

from django.db import models


class Fortune(models.Model):
    message = models.CharField(max_length=2048)

    def __str__(self) -> str:
        return self.message
