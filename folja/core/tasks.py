"""Background tasks shared by the whole platform (Django Tasks API)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.utils import timezone
from django_tasks import task


@task()
def clear_expired_sessions() -> int:
    """Delete expired sessions and return how many the database held before the sweep.

    Idempotent: a retry or a second worker running it at the same time only finds fewer
    rows. Sessions hold the role a person signed in as, so stale ones are worth removing
    rather than waiting for the cookie to be presented again.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    expired = 0
    # Only database-backed engines can be counted; cache engines expire on their own.
    if hasattr(store_class, "get_model_class"):
        expired = store_class.get_model_class().objects.filter(expire_date__lt=timezone.now()).count()
    store_class.clear_expired()
    return expired
