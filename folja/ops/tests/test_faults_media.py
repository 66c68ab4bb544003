"""Faults: the media storage full or unreachable during an upload, a worker killed mid-rendition.

docs/operations.md, "Faults", has the results. The culling's crash (a worker killed between a
batch's commit and its files' deletion) is drilled in folja/retention/tests/test_culling.py.
"""

from __future__ import annotations

import datetime as dt
import errno
import socket
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse
from django.utils import timezone

from folja.access.roles import Role
from folja.learninglog.models import Post, PostStatus
from folja.media import actions
from folja.media.models import Media, MediaStatus, Rendition, Upload
from folja.media.tests import samples
from folja.media.tests.conftest import upload
from folja.media.tests.conftest import world as world
from folja.testing.s3 import use_s3_storage
from folja.testing.sessions import signed_in

pytestmark = pytest.mark.django_db


class FullDiskStorage(FileSystemStorage):
    """A disk that fills up in the middle of a file: half of it is written, then ENOSPC."""

    def _save(self, name: str, content) -> str:  # noqa: ANN001
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.read()
        path.write_bytes(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def media_root(settings, tmp_path) -> Path:  # noqa: ANN001
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _full_disk(settings, root: Path) -> None:  # noqa: ANN001
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FullDiskStorage", "OPTIONS": {"location": root}},
    }


def test_a_full_disk_during_an_upload_gives_a_translated_message_and_leaves_no_half_file(settings, media_root, world):  # noqa: ANN001
    teacher = signed_in(world.staff, Role.STAFF)
    _full_disk(settings, media_root)

    answer = teacher.post(
        reverse("media:upload"), {"file": upload("Koja.jpg", samples.jpeg_with_gps())}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "The file could not be saved just now. Nothing was changed. Try again in a while."
    assert not Upload.objects.exists()
    assert _files(media_root) == []  # the half-written file is gone

    # The disk has room again: the same file goes through.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media_root}},
    }
    again = teacher.post(reverse("media:upload"), {"file": upload("Koja.jpg", samples.jpeg_with_gps())})
    assert again.status_code == 200 and Upload.objects.count() == 1 and len(_files(media_root)) == 1


def test_a_full_disk_while_a_post_is_saved_keeps_the_post_as_a_draft_without_half_a_file(
    settings, media_root, world, django_capture_on_commit_callbacks
):  # noqa: ANN001
    _full_disk(settings, media_root)
    post = world.post
    Post.objects.filter(pk=post.pk).update(status=PostStatus.DRAFT)

    with pytest.raises(actions.MediaRejected) as rejected:
        actions.media_attach(actor=world.staff, post=post, upload=upload("Alva.jpg", samples.jpeg_with_gps()))

    assert rejected.value.code == "storage"
    assert "Filen kunde inte sparas just nu" in rejected.value.messages[0]
    assert not Media.objects.filter(post=post).exists() and _files(media_root) == []
    assert Post.objects.filter(pk=post.pk).exists()  # what was stored before stays


def test_object_storage_that_does_not_answer_rejects_the_upload_with_the_same_message(settings, world):  # noqa: ANN001
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    use_s3_storage(settings, f"http://127.0.0.1:{port}", "folja-gone")
    settings.STORAGES["default"]["OPTIONS"]["client_config"] = __import__("botocore.config").config.Config(
        retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1
    )
    teacher = signed_in(world.staff, Role.STAFF)

    answer = teacher.post(reverse("media:upload"), {"file": upload("Koja.jpg", samples.jpeg_with_gps())})

    assert answer.status_code == 400
    assert answer.json()["error"].startswith("Filen kunde inte sparas just nu.")
    assert not Upload.objects.exists()


def test_renditions_a_killed_worker_left_are_made_by_the_next_sweep(
    media_root, world, django_capture_on_commit_callbacks
):  # noqa: ANN001
    # The worker was killed after the upload committed and before its rendition task finished:
    # the media is stored, still `processing`, with no renditions (its task never ran to the end).
    media = actions.media_attach(actor=world.staff, post=world.post, upload=upload("Alva.jpg", samples.jpeg_with_gps()))
    assert media.status == MediaStatus.PROCESSING and not Rendition.objects.exists()
    original = default_storage.open(media.file.name).read()

    assert actions.media_resume_renditions() == 0  # a fresh upload's task may still be running
    Media.objects.filter(pk=media.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.media_resume_renditions() == 1

    media.refresh_from_db()
    assert media.status == MediaStatus.READY and media.renditions.count() == 2
    assert default_storage.open(media.file.name).read() == original  # the original is untouched
    assert actions.media_resume_renditions() == 0  # nothing left to do


def test_a_rendition_that_the_storage_refuses_leaves_no_file_and_the_media_waits_for_the_sweep(
    settings, media_root, world
):  # noqa: ANN001
    media = actions.media_attach(actor=world.staff, post=world.post, upload=upload("Alva.jpg", samples.jpeg_with_gps()))
    stored = _files(media_root)
    _full_disk(settings, media_root)

    with pytest.raises(OSError):
        actions.media_make_renditions(actor=None, media_id=media.pk)

    media.refresh_from_db()
    assert media.status == MediaStatus.PROCESSING and not Rendition.objects.exists()
    assert _files(media_root) == stored  # only the original: no half rendition
