"""S3 storage: private objects, and the view answers with a short-lived presigned URL.

Runs against moto's S3 server, started by the test on 127.0.0.1 on a free port.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from folja.access.roles import Role
from folja.media.models import MediaStatus
from folja.media.tests import samples
from folja.testing.s3 import moto_bucket, s3_client, use_s3_storage
from folja.testing.sessions import sign_in

BUCKET = "folja-media-test"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """Start moto's S3 server on loopback for this module with a private bucket."""
    with moto_bucket(BUCKET) as endpoint:
        yield endpoint


@pytest.fixture
def s3_storage(settings, s3_endpoint):  # noqa: ANN001, ANN201
    """Point the default storage at the bucket with the options config/settings.py uses for s3."""
    use_s3_storage(settings, s3_endpoint, BUCKET)
    return s3_endpoint


def test_s3_objects_are_private_and_the_view_redirects_to_an_expiring_signed_url(client, world, attach, s3_storage):
    photo = attach("Alva.jpg", samples.jpeg_with_gps((400, 300)))
    assert photo.status == MediaStatus.READY and photo.renditions.count() == 2  # made from the S3 object
    s3 = s3_client(s3_storage)
    original = s3.get_object(Bucket=BUCKET, Key=photo.file.name)["Body"].read()

    grants = s3.get_object_acl(Bucket=BUCKET, Key=photo.file.name)["Grants"]
    assert not [g for g in grants if g["Grantee"].get("URI", "").endswith(("AllUsers", "AuthenticatedUsers"))]
    anonymous = httpx.get(f"{s3_storage}/{BUCKET}/{photo.file.name}")
    assert anonymous.status_code == 403
    assert original not in anonymous.content

    sign_in(client, world.guardian, Role.GUARDIAN)
    response = client.get(reverse("media:download", args=[photo.uuid]))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{s3_storage}/{BUCKET}/{photo.file.name}?")
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-Signature"][0] and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["response-content-disposition"][0].startswith("attachment;")
    signed = httpx.get(location)
    assert signed.status_code == 200
    assert signed.content == original
    assert signed.headers["content-disposition"].startswith("attachment;")
    assert signed.headers["cache-control"] == "private, no-store"


def test_s3_mode_answers_404_and_no_url_to_another_family(client, world, attach, s3_storage):
    photo = attach("Alva.jpg", samples.jpeg_with_gps())
    sign_in(client, world.other_guardian, Role.GUARDIAN)

    response = client.get(reverse("media:file", args=[photo.uuid]))

    assert response.status_code == 404
    assert "Location" not in response
    assert photo.file.name not in response.content.decode()


def test_s3_films_are_remuxed_and_get_their_poster_from_the_bucket(attach, s3_storage):
    film = attach("film.mov", samples.film_with_location())

    assert film.status == MediaStatus.READY
    assert set(film.renditions.values_list("name", flat=True)) == {"poster", "320"}
    with default_storage.open(film.file.name, "rb") as fp:
        assert b"\xa9xyz" not in fp.read()
