"""Background delivery of notices (Django Tasks API)."""

from __future__ import annotations

from django_tasks import task

from folja.notifications.api import deliver


@task()
def send_notice(notice_id: int) -> str:
    """Send one notice; idempotent, so a retry after a crash never sends the e-mail twice."""
    return deliver(notice_id)
