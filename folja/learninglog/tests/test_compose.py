"""The compose page: starting from a child, the form following the choice, files that are never
lost on a form error, uploads before saving, the autosave, and a film's poster frame on the card."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import tempfile
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from folja.access.roles import Role
from folja.learninglog.models import Autosave, Post, PostKind, PostStatus
from folja.learninglog.tasks import discard_stale_autosaves
from folja.media.models import Media, MediaKind, MediaStatus, Rendition, Upload
from folja.media.tasks import discard_stale_uploads
from folja.testing import sessions
from folja.testing.cast import Cast, build_cast

MEDIA_ROOT = tempfile.mkdtemp(prefix="folja-compose-tests-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def tearDownModule() -> None:
    shutil.rmtree(MEDIA_ROOT, ignore_errors=True)


def photo(name: str = "sandlada.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def not_a_photo(name: str = "lista.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"just some text, not a picture", content_type="image/jpeg")


def signed_in(cast: Cast, name: str) -> Client:
    return sessions.signed_in(cast.persons[name], Role.STAFF)


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@override_settings(MEDIA_ROOT=MEDIA_ROOT, STORAGES=STORAGES, TASKS=IMMEDIATE)
class ComposeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def form_data(self, **extra: object) -> dict[str, object]:
        data: dict[str, object] = {
            "group": str(self.cast.blue.uuid),
            "kind": "individual",
            "children": [str(self.cast.alva.uuid)],
            "title": "Sandlådan",
            "body": "Alva byggde ett torn.",
            "activity_date": self.cast.day.isoformat(),
        }
        data.update(extra)
        return {k: v for k, v in data.items() if v is not None}

    # --- Starting from the child --------------------------------------------------------------

    def test_new_post_from_a_childs_timeline_starts_as_an_individual_post_about_that_child(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        timeline = client.get(reverse("learninglog:timeline", args=[self.cast.alva.uuid])).content.decode()
        link = f"{reverse('learninglog:compose')}?child={self.cast.alva.uuid}"
        assert f'href="{link}"' in timeline
        page = client.get(link)
        form = page.context["form"]
        assert page.status_code == 200 and page.context["group"] == self.cast.blue
        assert form["kind"].value() == PostKind.INDIVIDUAL
        assert page.context["selected_child_uuids"] == {str(self.cast.alva.uuid)}
        # The help text follows the choice: the group's text is hidden.
        html = page.content.decode()
        assert 'data-kind-help="group" hidden' in html and 'data-kind-help="individual" >' in html

    def test_the_principal_with_several_groups_gets_the_childs_group(self) -> None:
        page = signed_in(self.cast, "principal").get(
            reverse("learninglog:compose"), {"child": str(self.cast.alva.uuid)}
        )
        assert page.status_code == 200 and page.context["group"] == self.cast.blue
        assert page.context["selected_child_uuids"] == {str(self.cast.alva.uuid)}

    def test_a_child_the_teacher_may_not_document_is_not_found(self) -> None:
        page = signed_in(self.cast, "teacher_blue").get(
            reverse("learninglog:compose"), {"child": str(self.cast.cleo.uuid)}
        )
        assert page.status_code == 404
        assert "Cleo" not in page.content.decode()

    def test_a_group_post_starts_with_the_whole_group_ticked(self) -> None:
        page = signed_in(self.cast, "teacher_blue").get(
            reverse("learninglog:compose"), {"group": str(self.cast.blue.uuid)}
        )
        assert page.context["form"]["kind"].value() == PostKind.GROUP
        assert str(self.cast.alva.uuid) in page.context["selected_child_uuids"]
        assert len(page.context["selected_child_uuids"]) == len(page.context["members"]) > 1

    # --- Files are never lost ----------------------------------------------------------------

    def test_a_form_error_keeps_the_attached_photo_and_saving_then_attaches_it(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        # "Ett barn" with the whole group ticked: the form says so, and keeps the photo.
        children = [str(self.cast.alva.uuid), str(self.cast.bertil.uuid)]
        page = client.post(reverse("learninglog:compose"), self.form_data(children=children, files=[photo()]))
        assert page.status_code == 400
        assert "Välj ett barn" in page.content.decode()
        uploads = page.context["uploads"]
        assert [u.name for u in uploads] == ["sandlada.jpg"]
        assert f'name="uploads" value="{uploads[0].uuid}" checked' in page.content.decode()
        assert not Post.objects.filter(title="Sandlådan").exists()
        # The teacher corrects the children; the photo comes with the form as a kept upload.
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(
                reverse("learninglog:compose"), self.form_data(uploads=[str(uploads[0].uuid)], publish="1")
            )
        post = Post.objects.get(title="Sandlådan")
        assert response.status_code == 302 and post.status == PostStatus.PUBLISHED
        media = post.media.get()
        assert media.kind == MediaKind.IMAGE and media.status == MediaStatus.READY
        assert media.file.name == uploads[0].file.name
        assert not Upload.objects.exists()

    def test_uploading_before_saving_answers_with_the_upload_and_saving_attaches_it(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        answer = client.post(reverse("media:upload"), {"file": photo("torn.jpg")})
        assert answer.status_code == 200
        token = answer.json()["uuid"]
        assert answer.json()["name"] == "torn.jpg" and answer.json()["kind"] == "Bild"
        client.post(reverse("learninglog:compose"), self.form_data(uploads=[token], save="1"))
        post = Post.objects.get(title="Sandlådan")
        assert post.status == PostStatus.DRAFT and [m.original_name for m in post.media.all()] == ["torn.jpg"]

    def test_a_wrong_kind_of_file_gets_a_clear_message_and_nothing_is_kept(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        answer = client.post(reverse("media:upload"), {"file": not_a_photo()})
        assert answer.status_code == 400
        assert "Filtypen" in answer.json()["error"] or "inte" in answer.json()["error"]
        assert not Upload.objects.exists()
        assert client.post(reverse("media:upload"), {}).json() == {"error": "Välj en fil."}

    def test_a_file_too_large_gets_a_clear_message(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        with self.settings(FOLJA_MEDIA_MAX_BYTES=100):
            answer = client.post(reverse("media:upload"), {"file": photo()})
        assert answer.status_code == 400 and "för stor" in answer.json()["error"]
        assert not Upload.objects.exists()

    def test_a_rejected_file_sent_with_the_form_still_saves_the_post_as_a_draft(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        response = client.post(
            reverse("learninglog:compose"), self.form_data(files=[photo(), not_a_photo()], publish="1"), follow=True
        )
        post = Post.objects.get(title="Sandlådan")
        assert post.status == PostStatus.DRAFT and post.media.count() == 1
        text = response.content.decode()
        assert "lista.jpg" in text and "Inlägget är sparat som utkast" in text

    def test_another_teachers_upload_cannot_be_attached(self) -> None:
        token = signed_in(self.cast, "minder_yellow").post(reverse("media:upload"), {"file": photo()}).json()["uuid"]
        client = signed_in(self.cast, "teacher_blue")
        client.post(reverse("learninglog:compose"), self.form_data(uploads=[token], save="1"))
        post = Post.objects.get(title="Sandlådan")
        assert post.media.count() == 0 and Upload.objects.filter(uuid=token).exists()
        page = client.post(reverse("learninglog:compose"), self.form_data(title="", uploads=[token]))
        assert page.status_code == 400 and page.context["uploads"] == []

    def test_a_guardian_cannot_upload(self) -> None:
        client = sessions.signed_in(self.cast.anna, Role.GUARDIAN)
        assert client.post(reverse("media:upload"), {"file": photo()}).status_code == 403
        assert not Upload.objects.exists()

    # --- Autosave ----------------------------------------------------------------------------

    def test_what_was_typed_is_saved_while_writing_and_offered_again_after_signing_in_anew(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        token = client.post(reverse("media:upload"), {"file": photo()}).json()["uuid"]
        url = reverse("learninglog:autosave") + f"?group={self.cast.blue.uuid}"
        answer = client.post(
            url,
            {
                "title": "Halvfärdig",
                "body": "Vi gick till <3 skogen",
                "kind": "individual",
                "children": [str(self.cast.alva.uuid)],
                "goals": [str(self.cast.goals[0].pk)],
                "uploads": [token],
                "activity_date": self.cast.day.isoformat(),
            },
        )
        assert answer.status_code == 200 and "saved_at" in answer.json()
        # The session ends; a new one finds the text, the child, the goal and the photo.
        page = signed_in(self.cast, "teacher_blue").get(
            reverse("learninglog:compose"), {"group": str(self.cast.blue.uuid)}
        )
        form = page.context["form"]
        assert form["title"].value() == "Halvfärdig" and form["body"].value() == "Vi gick till <3 skogen"
        assert form["kind"].value() == "individual"
        assert page.context["selected_child_uuids"] == {str(self.cast.alva.uuid)}
        assert page.context["selected_goal_ids"] == {self.cast.goals[0].pk}
        assert [str(u.uuid) for u in page.context["uploads"]] == [token]
        assert "sparad automatiskt" in page.content.decode()
        # Saving the post forgets the autosave.
        client.post(reverse("learninglog:compose"), self.form_data(save="1"))
        assert not Autosave.objects.exists()

    def test_starting_over_forgets_the_autosave(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        url = reverse("learninglog:autosave") + f"?group={self.cast.blue.uuid}"
        client.post(url, {"title": "Gammalt"})
        response = client.post(url, {"discard": "1"})
        assert response.status_code == 302 and response["Location"].endswith(f"?group={self.cast.blue.uuid}")
        assert not Autosave.objects.exists()

    def test_an_edit_is_autosaved_under_its_post_and_restored_there(self) -> None:
        post = self.cast.posts["alva_individual"]
        client = signed_in(self.cast, "teacher_blue")
        client.post(reverse("learninglog:autosave") + f"?post={post.uuid}", {"title": "Ändrad rubrik", "body": "Ny"})
        page = client.get(reverse("learninglog:post_edit", args=[post.uuid]))
        assert page.context["form"]["title"].value() == "Ändrad rubrik"

    def test_an_autosave_offers_no_child_the_teacher_may_no_longer_choose(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        client.post(
            reverse("learninglog:autosave") + f"?group={self.cast.blue.uuid}",
            {"title": "X", "children": [str(self.cast.cleo.uuid), str(self.cast.alva.uuid)]},
        )
        page = client.get(reverse("learninglog:compose"), {"group": str(self.cast.blue.uuid)})
        assert "Cleo" not in page.content.decode()
        assert str(self.cast.cleo.uuid) not in page.content.decode()

    def test_autosave_for_a_group_or_post_the_teacher_may_not_write_is_not_found(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        assert (
            client.post(reverse("learninglog:autosave") + f"?group={self.cast.yellow.uuid}", {"title": "x"}).status_code
            == 404
        )
        other = self.cast.posts["yellow_group"]
        assert client.post(reverse("learninglog:autosave") + f"?post={other.uuid}", {"title": "x"}).status_code == 404
        assert client.post(reverse("learninglog:autosave"), {"title": "x"}).status_code == 404
        assert not Autosave.objects.exists()

    def test_uploads_and_autosaves_no_post_was_saved_with_are_deleted_after_the_keeping_time(self) -> None:
        client = signed_in(self.cast, "teacher_blue")
        old_token = client.post(reverse("media:upload"), {"file": photo("gammal.jpg")}).json()["uuid"]
        new_token = client.post(reverse("media:upload"), {"file": photo("ny.jpg")}).json()["uuid"]
        client.post(reverse("learninglog:autosave") + f"?group={self.cast.blue.uuid}", {"title": "Gammal"})
        post = self.cast.posts["alva_individual"]
        client.post(reverse("learninglog:autosave") + f"?post={post.uuid}", {"title": "Ny"})
        old_file = Upload.objects.get(uuid=old_token).file.name
        # Time travel: the first upload and the first autosave were made eight days ago.
        eight_days_ago = timezone.now() - dt.timedelta(days=8)
        Upload.objects.filter(uuid=old_token).update(created_at=eight_days_ago)
        Autosave.objects.filter(key=f"group:{self.cast.blue.uuid}").update(saved_at=eight_days_ago)
        with self.settings(FOLJA_COMPOSE_KEEP_DAYS=7):
            assert discard_stale_uploads.call() == 1 and discard_stale_uploads.call() == 0
            assert discard_stale_autosaves.call() == 1 and discard_stale_autosaves.call() == 0
        assert list(Upload.objects.values_list("uuid", flat=True)) == [uuid.UUID(new_token)]
        assert not default_storage.exists(old_file)
        assert list(Autosave.objects.values_list("key", flat=True)) == [f"post:{post.uuid}"]

    def test_an_upload_sweeps_only_its_uploaders_stale_uploads(self) -> None:
        other = signed_in(self.cast, "minder_yellow").post(reverse("media:upload"), {"file": photo()}).json()["uuid"]
        client = signed_in(self.cast, "teacher_blue")
        mine = client.post(reverse("media:upload"), {"file": photo()}).json()["uuid"]
        Upload.objects.update(created_at=timezone.now() - dt.timedelta(days=30))
        client.post(reverse("media:upload"), {"file": photo()})
        assert Upload.objects.filter(uuid=other).exists() and not Upload.objects.filter(uuid=mine).exists()

    # --- A film's poster frame on the card ----------------------------------------------------

    def test_a_ready_film_shows_its_poster_frame_on_the_card(self) -> None:
        post = self.cast.posts["alva_individual"]
        film = Media(
            post=post,
            kind=MediaKind.VIDEO,
            status=MediaStatus.READY,
            content_type="video/mp4",
            uploaded_by=self.cast.teacher_blue,
            original_name="film.mp4",
        )
        film.file.save("t/film.mp4", ContentFile(b"x"), save=False)
        film.save()
        poster = Rendition(media=film, name="320", content_type="image/jpeg")
        poster.file.save("t/poster.jpg", ContentFile(b"x"), save=False)
        poster.save()
        page = signed_in(self.cast, "teacher_blue").get(reverse("learninglog:timeline", args=[self.cast.alva.uuid]))
        html = page.content.decode()
        assert reverse("media:rendition", args=[film.uuid, "320"]) in html
        assert f'alt="Film: {post.title}"' in html
        # While the poster is being made the chip stays.
        Media.objects.filter(pk=film.pk).update(status=MediaStatus.PROCESSING)
        html = (
            sessions.signed_in(self.cast.anna, Role.GUARDIAN)
            .get(reverse("learninglog:timeline", args=[self.cast.alva.uuid]))
            .content.decode()
        )
        assert reverse("media:rendition", args=[film.uuid, "320"]) not in html
