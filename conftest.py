"""Project-wide pytest setup: synchronous tasks and fast password hashing in tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """Run background tasks at once (media go to a temporary folder: see config/settings.py)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with an empty cache (current terms of use, rate limits)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
