"""Nightly retention work (Django Tasks API): first the notices ahead, then the culling."""

from __future__ import annotations

from django_tasks import task

from folja.retention.actions import guardians_tell_ahead
from folja.retention.culling import cull


@task()
def cull_due() -> str:
    """Cull what the rules make due today and log it; a re-run removes nothing more."""
    run = cull()
    return str(run.uuid)


@task()
def tell_ahead() -> int:
    """Tell guardians what will be culled within the notice period; once per period per child."""
    return guardians_tell_ahead()
