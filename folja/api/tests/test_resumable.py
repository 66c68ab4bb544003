"""A film sent in parts through the API (tus 1.0.0, `/api/v1/uploads/resumable`): created, sent in
parts, resumed after a lost answer, refused, cancelled, expired, and the finished file attached to
a post that the named child's guardian sees. Who may: the uploader alone (404 for everyone else)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import itertools
import shutil
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from folja.access.roles import Role
from folja.api.uploads import PART_TYPE, UPLOAD_HEADER
from folja.media import resumable
from folja.media.models import Media, MediaKind, Upload, UploadSession
from folja.media.tasks import discard_stale_uploads
from folja.media.tests import samples
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in

PROBLEM = "application/problem+json"
BASE = "/api/v1/uploads/resumable"
# The first bytes of an MP4 (an ISO BMFF `ftyp` box) and then nothing a film is made of.
BROKEN_FILM = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40


def metadata(**pairs: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in pairs.items())


class ResumableTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def setUp(self) -> None:
        # An empty storage per test, so a test can count the parts left behind.
        self.media_root = Path(tempfile.mkdtemp(prefix="folja-resumable-"))
        self.addCleanup(shutil.rmtree, self.media_root, ignore_errors=True)
        storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": self.media_root}}
        overrides = override_settings(MEDIA_ROOT=self.media_root, STORAGES={**settings.STORAGES, "default": storage})
        overrides.enable()
        self.addCleanup(overrides.disable)

    # -- helpers ---------------------------------------------------------------------------------

    def client_as(self, key: str = "teacher_blue", role: Role = Role.STAFF, **kwargs: object) -> Client:
        return sign_in(Client(**kwargs), self.cast.persons[key], role)

    def create(self, client: Client, length: int, name: str = "VID_0001.MOV", **headers: str):
        sent = {
            "HTTP_UPLOAD_LENGTH": str(length),
            "HTTP_UPLOAD_METADATA": metadata(filename=name, filetype="video/quicktime"),
            "HTTP_TUS_RESUMABLE": "1.0.0",
        }
        return client.post(BASE, **{**sent, **headers})

    def patch(self, client: Client, location: str, offset: int, data: bytes, **headers: str):
        return client.generic(
            "PATCH",
            location,
            data,
            content_type=headers.pop("content_type", PART_TYPE),
            HTTP_UPLOAD_OFFSET=str(offset),
            HTTP_TUS_RESUMABLE="1.0.0",
            **headers,
        )

    def head(self, client: Client, location: str):
        return client.head(location, HTTP_TUS_RESUMABLE="1.0.0")

    def parts_stored(self) -> list[Path]:
        return sorted(p for p in (self.media_root / "parts").rglob("*") if p.is_file())

    def begin(self, client: Client, data: bytes, name: str = "VID_0001.MOV") -> str:
        response = self.create(client, len(data), name)
        assert response.status_code == 201, response.content
        return response["Location"]

    # -- the whole way ---------------------------------------------------------------------------

    def test_a_film_in_three_parts_becomes_an_upload_that_a_post_attaches_for_the_childs_guardian(self) -> None:
        film = samples.film_with_location(seconds=1.0)
        client = self.client_as()
        created = self.create(client, len(film))
        assert created.status_code == 201, created.content
        location = created["Location"]
        session = created.json()
        assert location == f"{BASE}/{session['uuid']}"
        assert session["offset"] == 0 and session["length"] == len(film) and session["upload"] is None
        assert created["Tus-Resumable"] == "1.0.0" and created["Upload-Offset"] == "0"
        assert created["Upload-Expires"].endswith("GMT") and "creation" in created["Tus-Extension"]
        # A public uuid, never a sequential id.
        assert str(UploadSession.objects.get().uuid) == session["uuid"]

        cuts = [0, len(film) // 3, 2 * len(film) // 3, len(film)]
        for start, end in itertools.pairwise(cuts):
            response = self.patch(client, location, start, film[start:end])
            assert response.status_code == 204, response.content
            assert response["Upload-Offset"] == str(end) and response["Tus-Resumable"] == "1.0.0"
        staged_uuid = response[UPLOAD_HEADER]
        assert self.parts_stored() == []  # the parts are gone once the file is staged

        head = self.head(client, location)
        assert head.status_code == 200 and head["Cache-Control"] == "no-store"
        assert head["Upload-Offset"] == head["Upload-Length"] == str(len(film))
        assert head[UPLOAD_HEADER] == staged_uuid
        assert client.get(location).json()["upload"] == staged_uuid

        # The same checks as a file sent at once: a film, cleaned of its location, named as sent.
        staged = Upload.objects.get(uuid=staged_uuid)
        assert staged.kind == MediaKind.VIDEO and staged.name == "VID_0001.mp4"
        assert samples.LOCATION.encode() not in staged.file.read()

        alva = self.cast.persons["alva"]
        response = client.post(
            "/api/v1/posts",
            {
                "group": str(self.cast.blue.uuid),
                "kind": "individual",
                "children": [str(alva.uuid)],
                "title": "Vattenlek på film",
                "body": "Alva byggde en damm.",
                "activity_date": self.cast.day.isoformat(),
                "uploads": [staged_uuid],
                "publish": True,
                "confirm_photo_consent": True,
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        post = response.json()
        assert [m["kind"] for m in post["media"]] == ["video"]
        assert not Upload.objects.filter(uuid=staged_uuid).exists()

        # Alva's guardian sees the post and the film; another family does not.
        anna = self.client_as("anna", Role.GUARDIAN)
        seen = anna.get(f"/api/v1/posts/{post['uuid']}")
        assert seen.status_code == 200 and [m["kind"] for m in seen.json()["media"]] == ["video"]
        download = anna.get(post["media"][0]["download"])
        assert download.status_code == 200
        assert samples.LOCATION.encode() not in b"".join(download.streaming_content)
        assert self.client_as("cecilia", Role.GUARDIAN).get(f"/api/v1/posts/{post['uuid']}").status_code == 404
        assert Media.objects.get(post__uuid=post["uuid"]).kind == MediaKind.VIDEO

    def test_a_part_retried_after_its_answer_was_lost_is_409_and_the_client_resumes_from_head(self) -> None:
        film = samples.film_with_location(seconds=1.0)
        client = self.client_as()
        location = self.begin(client, film)
        half = len(film) // 2
        assert self.patch(client, location, 0, film[:half]).status_code == 204

        # The answer never came: the client sends the same part again.
        again = self.patch(client, location, 0, film[:half])
        assert again.status_code == 409 and again["Content-Type"] == PROBLEM
        assert again.json()["type"] == "/api/v1/problems/offset-mismatch"
        assert again["Upload-Offset"] == str(half)
        assert len(self.parts_stored()) == 1  # nothing written twice
        # A part from ahead of the session is refused the same way.
        assert self.patch(client, location, half + 10, film[half + 10 :]).status_code == 409

        # Later, on another connection (a new sign-in of the same teacher): ask, then go on.
        later = self.client_as()
        head = self.head(later, location)
        assert head.status_code == 200 and head["Upload-Offset"] == str(half)
        done = self.patch(later, location, int(head["Upload-Offset"]), film[half:])
        assert done.status_code == 204 and done[UPLOAD_HEADER]
        assert Upload.objects.get(uuid=done[UPLOAD_HEADER]).kind == MediaKind.VIDEO

    def test_a_part_cut_short_keeps_the_bytes_that_came(self) -> None:
        teacher = self.cast.persons["teacher_blue"]
        session = resumable.upload_session_create(actor=teacher, length=10_000, filename="film.mov")

        class Broken(io.BytesIO):
            def read(self, size: int = -1) -> bytes:
                if self.tell() >= 3000:
                    raise OSError("connection reset")
                return super().read(min(size, 1000))

        body = Broken(b"\x00\x00\x00\x18ftypmp42" + bytes(5000))
        session = resumable.upload_session_append(actor=teacher, session=session, offset=0, body=body, size=5012)
        assert session.offset == 3000
        session.refresh_from_db()
        assert session.offset == 3000 and len(session.parts) == 1
        assert self.parts_stored()[0].stat().st_size == 3000

    # -- refusals ------------------------------------------------------------------------------

    def test_a_file_over_the_limit_is_413_at_creation_and_a_part_past_the_end_is_413(self) -> None:
        client = self.client_as()
        with self.settings(FOLJA_MEDIA_MAX_BYTES=2048):
            response = self.create(client, 2049)
        assert response.status_code == 413 and response.json()["type"] == "/api/v1/problems/too-large"
        assert "högst 2,0" in response.json()["detail"]
        assert not UploadSession.objects.exists()

        location = self.begin(client, bytes(100))
        response = self.patch(client, location, 0, b"\x00\x00\x00\x18ftypmp42" + bytes(100))
        assert response.status_code == 413 and response.json()["type"] == "/api/v1/problems/too-large"
        assert self.head(client, location)["Upload-Offset"] == "0"
        assert self.parts_stored() == []

    def test_an_empty_file_and_too_many_unfinished_files_are_refused(self) -> None:
        client = self.client_as()
        empty = self.create(client, 0)
        assert empty.status_code == 422 and empty.json()["detail"] == "Filen är tom."
        for _ in range(resumable.OPEN_SESSIONS_MAX):
            assert self.create(client, 1000).status_code == 201
        refused = self.create(client, 1000)
        assert refused.status_code == 409 and "för många uppladdningar" in refused.json()["detail"]
        # Another teacher is not held back by hers.
        assert self.create(self.client_as("principal"), 1000).status_code == 201

    def test_the_protocols_own_refusals(self) -> None:
        client = self.client_as()
        missing = client.post(BASE, HTTP_TUS_RESUMABLE="1.0.0")
        assert missing.status_code == 400 and missing.json()["detail"] == "Upload-Length"
        assert client.post(BASE, HTTP_UPLOAD_LENGTH="-5").status_code == 400
        bad = client.post(BASE, HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA="filename not*base64")
        assert bad.status_code == 400 and bad.json()["detail"] == "Upload-Metadata"
        old = self.create(client, 10, HTTP_TUS_RESUMABLE="0.2.2")
        assert old.status_code == 412 and old["Tus-Version"] == "1.0.0"
        assert not UploadSession.objects.exists()

        location = self.begin(client, bytes(100))
        wrong_type = self.patch(client, location, 0, b"abc", content_type="application/octet-stream")
        assert wrong_type.status_code == 415
        no_offset = client.generic("PATCH", location, b"abc", content_type=PART_TYPE)
        assert no_offset.status_code == 400 and no_offset.json()["detail"] == "Upload-Offset"
        assert self.head(client, location)["Upload-Offset"] == "0"

    def test_a_malformed_film_is_refused_at_the_end_in_the_readers_language_and_its_parts_deleted(self) -> None:
        client = self.client_as()
        kept = client.post("/api/v1/uploads", {"file": _photo()})
        assert kept.status_code == 201  # an earlier upload of hers, which must not be lost
        location = self.begin(client, BROKEN_FILM, "trasig.mp4")
        half = len(BROKEN_FILM) // 2
        assert self.patch(client, location, 0, BROKEN_FILM[:half]).status_code == 204
        assert len(self.parts_stored()) == 1

        refused = self.patch(client, location, half, BROKEN_FILM[half:], HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 422 and refused["Content-Type"] == PROBLEM
        problem = refused.json()
        assert problem["type"] == "/api/v1/problems/file-rejected"
        assert problem["title"] == "The file could not be accepted."
        assert "Filen" not in problem["detail"]
        assert self.parts_stored() == []
        assert self.head(client, location).status_code == 404
        assert list(Upload.objects.values_list("uuid", flat=True)) == [_uuid(kept.json()["uuid"])]

    def test_a_file_of_the_wrong_type_is_refused_at_its_first_part(self) -> None:
        client = self.client_as()
        text = b"Hej! Det har ar ingen film, bara text i en fil som heter film." * 20
        location = self.begin(client, text, "film.mov")
        refused = self.patch(client, location, 0, text[:500])
        assert refused.status_code == 422 and refused.json()["type"] == "/api/v1/problems/file-rejected"
        assert self.parts_stored() == [] and not UploadSession.objects.exists()

    # -- who may ---------------------------------------------------------------------------------

    def test_only_the_uploader_may_see_send_or_cancel_404_for_other_staff_and_a_guardian(self) -> None:
        owner = self.client_as()
        location = self.begin(owner, samples.film_with_location(seconds=1.0))
        part = b"\x00\x00\x00\x18ftypmp42"
        others = {
            "principal of the unit": self.client_as("principal"),
            "teacher of another unit": self.client_as("teacher_larkan"),
            "a guardian who is staff elsewhere, as staff": self.client_as("johan"),
            "the child's guardian": self.client_as("anna", Role.GUARDIAN),
        }
        for who, other in others.items():
            for response in (
                self.head(other, location),
                other.get(location),
                self.patch(other, location, 0, part),
                other.delete(location),
            ):
                assert response.status_code == 404, f"{who}: {response.status_code}"
        assert self.create(others["the child's guardian"], 100).status_code == 404
        assert Client().head(location).status_code == 401
        assert self.head(owner, location)["Upload-Offset"] == "0"
        assert self.parts_stored() == []

    def test_a_session_write_needs_the_csrf_token(self) -> None:
        client = self.client_as(enforce_csrf_checks=True)
        response = self.create(client, 100)
        assert response.status_code == 403 and response.json()["type"] == "/api/v1/problems/csrf"
        client.get("/api/v1/docs")  # sets the csrftoken cookie
        token = client.cookies["csrftoken"].value
        created = self.create(client, 100, HTTP_X_CSRFTOKEN=token)
        assert created.status_code == 201
        location = created["Location"]
        assert self.patch(client, location, 0, b"\x00\x00\x00\x18ftyp").status_code == 403
        assert self.patch(client, location, 0, b"\x00\x00\x00\x18ftyp", HTTP_X_CSRFTOKEN=token).status_code == 204

    # -- cancel and expire -----------------------------------------------------------------------

    def test_delete_cancels_and_deletes_the_parts(self) -> None:
        client = self.client_as()
        film = samples.film_with_location(seconds=1.0)
        location = self.begin(client, film)
        assert self.patch(client, location, 0, film[:1000]).status_code == 204
        assert len(self.parts_stored()) == 1
        response = client.delete(location, HTTP_TUS_RESUMABLE="1.0.0")
        assert response.status_code == 204 and response["Tus-Resumable"] == "1.0.0"
        assert self.parts_stored() == [] and not UploadSession.objects.exists()
        assert self.head(client, location).status_code == 404
        assert self.patch(client, location, 1000, film[1000:]).status_code == 404

    def test_an_expired_session_is_gone_and_the_daily_task_deletes_it_with_its_parts(self) -> None:
        client = self.client_as()
        film = samples.film_with_location(seconds=1.0)
        stale = self.begin(client, film)
        fresh = self.begin(client, film)
        assert self.patch(client, stale, 0, film[:1000]).status_code == 204
        assert self.patch(client, fresh, 0, film[:1000]).status_code == 204
        UploadSession.objects.filter(uuid=stale.rsplit("/", 1)[1]).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
        assert self.head(client, stale).status_code == 404
        assert self.patch(client, stale, 1000, film[1000:]).status_code == 404

        assert discard_stale_uploads.call() == 1 and discard_stale_uploads.call() == 0
        assert len(self.parts_stored()) == 1
        assert self.head(client, fresh)["Upload-Offset"] == "1000"

    def test_each_part_moves_the_expiry(self) -> None:
        client = self.client_as()
        film = samples.film_with_location(seconds=1.0)
        location = self.begin(client, film)
        UploadSession.objects.update(expires_at=timezone.now() + dt.timedelta(minutes=5))
        response = self.patch(client, location, 0, film[:1000])
        expires = UploadSession.objects.get().expires_at
        assert expires > timezone.now() + dt.timedelta(hours=23)
        assert response["Upload-Expires"].endswith("GMT")

    # -- cost ------------------------------------------------------------------------------------

    def test_a_part_is_streamed_past_the_request_body_limit(self) -> None:
        client = self.client_as()
        data = BROKEN_FILM + bytes(20_000)
        location = self.begin(client, data)
        with self.settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024, FILE_UPLOAD_MAX_MEMORY_SIZE=1024):
            response = self.patch(client, location, 0, data[:8192])
        assert response.status_code == 204 and response["Upload-Offset"] == "8192"

    def test_a_part_costs_the_same_queries_first_or_later(self) -> None:
        client = self.client_as()
        film = samples.film_with_location(seconds=1.0)
        location = self.begin(client, film)
        counts = []
        for start in (0, 1000, 2000):
            with CaptureQueriesContext(connection) as queries:
                assert self.patch(client, location, start, film[start : start + 1000]).status_code == 204
            counts.append(len(queries))
        # The session and its viewer, the session's row, and the compare-and-set of the offset.
        # The sign-in session, its user, the viewer's request memo (every request has these three),
        # the upload session's row and the compare-and-set of its offset: nothing grows with the file.
        assert counts == [PART_QUERIES] * 3, counts


PART_QUERIES = 5


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile("lek.jpg", buffer.getvalue(), content_type="image/jpeg")


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)
