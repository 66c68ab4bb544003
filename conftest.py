"""Project-wide pytest setup: isolated media storage and synchronous tasks in tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_media_and_tasks(settings, tmp_path_factory):
    """Give each test its own media folder and run background tasks immediately."""
    media_root = tmp_path_factory.mktemp("media")
    settings.MEDIA_ROOT = media_root
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media_root}},
        }
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
