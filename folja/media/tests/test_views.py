"""Protected serving: access through the policy on every request, audit, headers, delivery modes."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role
from folja.media.tests import samples
from folja.testing.sessions import sign_in

NOTICE = (
    "Bilder och filmer från förskolan får inte spridas eller användas någon annanstans, till exempel i sociala medier."
)


@pytest.fixture
def photo(attach):
    return attach("Alva på gården.jpg", samples.jpeg_with_gps((400, 300)), alt_text="Alva bygger en koja")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as fp:
        return fp.read()


def all_urls(media) -> list[str]:
    return [
        reverse("media:page", args=[media.uuid]),
        reverse("media:file", args=[media.uuid]),
        reverse("media:download", args=[media.uuid]),
        reverse("media:rendition", args=[media.uuid, "320"]),
    ]


def assert_protected_headers(response) -> None:
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_media_urls_without_a_session_redirect_to_sign_in_and_send_no_bytes(client, photo):
    for url in all_urls(photo):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login"))
        assert body(response) == b""


def test_guardian_of_the_child_gets_the_photo_bytes_inline(client, world, photo):
    sign_in(client, world.guardian, Role.GUARDIAN)

    response = client.get(reverse("media:file", args=[photo.uuid]))

    assert response.status_code == 200
    assert body(response) == stored(photo.file.name)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert_protected_headers(response)


def test_guardian_of_the_child_gets_each_rendition(client, world, photo):
    sign_in(client, world.guardian, Role.GUARDIAN)

    for rendition in photo.renditions.all():
        response = client.get(reverse("media:rendition", args=[photo.uuid, rendition.name]))

        assert response.status_code == 200
        assert body(response) == stored(rendition.file.name)
        assert_protected_headers(response)


def test_guardian_of_another_child_gets_404_on_every_media_url(client, world, photo):
    sign_in(client, world.other_guardian, Role.GUARDIAN)

    for url in all_urls(photo):
        response = client.get(url)

        assert response.status_code == 404, url
        assert stored(photo.file.name) not in body(response)


def test_an_unknown_rendition_name_and_an_unknown_media_are_404(client, world, photo):
    sign_in(client, world.guardian, Role.GUARDIAN)

    assert client.get(reverse("media:rendition", args=[photo.uuid, "original"])).status_code == 404
    assert client.get(reverse("media:file", args=["6f1c0c39-3c9a-4d59-9d43-1a1f9b2f4e11"])).status_code == 404


def test_a_staff_read_writes_an_audit_record_for_the_named_child(client, world, photo):
    sign_in(client, world.staff, Role.STAFF)

    response = client.get(reverse("media:file", args=[photo.uuid]))

    assert response.status_code == 200
    record = AuditRecord.objects.get()
    assert record.actor == world.staff and record.actor_role == Role.STAFF
    assert record.child == world.child
    assert record.action == AuditAction.READ_MEDIA
    assert (record.object_type, record.object_uuid, record.school_unit) == ("media", photo.uuid, world.unit)


def test_a_staff_read_of_a_thumbnail_writes_the_same_audit_record(client, world, photo):
    sign_in(client, world.staff, Role.STAFF)

    response = client.get(reverse("media:rendition", args=[photo.uuid, "320"]))

    assert response.status_code == 200
    assert body(response) == stored(photo.renditions.get(name="320").file.name)
    record = AuditRecord.objects.get()
    assert (record.actor, record.child, record.action) == (world.staff, world.child, AuditAction.READ_MEDIA)
    assert (record.object_type, record.object_uuid, record.school_unit) == ("media", photo.uuid, world.unit)


def test_a_guardian_read_writes_no_audit_record(client, world, photo):
    sign_in(client, world.guardian, Role.GUARDIAN)

    client.get(reverse("media:file", args=[photo.uuid]))

    assert not AuditRecord.objects.exists()


def test_the_download_is_an_attachment_with_the_cleaned_original_name(client, world, photo):
    sign_in(client, world.guardian, Role.GUARDIAN)

    response = client.get(reverse("media:download", args=[photo.uuid]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Alva%20p%C3%A5%20g%C3%A5rden.jpg"
    assert body(response) == stored(photo.file.name)
    assert_protected_headers(response)


def test_the_media_page_shows_the_photo_its_alt_text_the_notice_above_the_download_and_a_way_back(client, world, photo):
    sign_in(client, world.guardian, Role.GUARDIAN)

    response = client.get(reverse("media:page", args=[photo.uuid]))

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert f'src="{reverse("media:rendition", args=[photo.uuid, "1280"])}"' in html
    assert 'alt="Alva bygger en koja"' in html
    assert NOTICE in html
    assert html.index(NOTICE) < html.index(reverse("media:download", args=[photo.uuid]))
    assert 'aria-describedby="media-notice"' in html
    assert reverse("learninglog:post", args=[world.post.uuid]) in html


def test_a_film_page_shows_a_player_with_the_poster(client, world, attach):
    film = attach("film.mov", samples.film_with_location())
    sign_in(client, world.guardian, Role.GUARDIAN)

    html = client.get(reverse("media:page", args=[film.uuid])).content.decode()

    assert "<video" in html and 'type="video/mp4"' in html
    assert reverse("media:rendition", args=[film.uuid, "poster"]) in html


def test_a_pdf_is_always_sent_as_an_attachment(client, world, attach):
    pdf = attach("info.pdf", samples.PDF)
    sign_in(client, world.guardian, Role.GUARDIAN)

    response = client.get(reverse("media:file", args=[pdf.uuid]))

    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"


def test_a_byte_range_is_answered_with_206_so_phones_can_play_films(client, world, attach):
    film = attach("film.mov", samples.film_with_location())
    sign_in(client, world.guardian, Role.GUARDIAN)
    data = stored(film.file.name)

    partial = client.get(reverse("media:file", args=[film.uuid]), HTTP_RANGE="bytes=10-19")
    beyond = client.get(reverse("media:file", args=[film.uuid]), HTTP_RANGE=f"bytes={len(data)}-")

    assert partial.status_code == 206
    assert body(partial) == data[10:20]
    assert partial["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert_protected_headers(partial)
    assert beyond.status_code == 416


def test_accel_redirect_mode_hands_the_file_to_nginx_with_no_body(client, world, photo, settings):
    settings.FOLJA_MEDIA_ACCEL_REDIRECT = "/_protected/"
    sign_in(client, world.guardian, Role.GUARDIAN)

    response = client.get(reverse("media:download", args=[photo.uuid]))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_protected/{photo.file.name}"
    assert response.content == b""
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment;")
    assert_protected_headers(response)


def test_accel_redirect_mode_still_refuses_other_families(client, world, photo, settings):
    settings.FOLJA_MEDIA_ACCEL_REDIRECT = "/_protected/"
    sign_in(client, world.other_guardian, Role.GUARDIAN)

    response = client.get(reverse("media:file", args=[photo.uuid]))

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_media_views_refuse_posts_and_other_unsafe_methods(client, world, photo):
    sign_in(client, world.guardian, Role.GUARDIAN)

    assert client.post(reverse("media:file", args=[photo.uuid])).status_code == 405


def test_every_rendition_made_has_a_known_name():
    from folja.media.models import RENDITION_NAMES
    from folja.media.processing import RENDITION_SIZES

    assert {name for name, _size in RENDITION_SIZES} | {"poster"} == RENDITION_NAMES
