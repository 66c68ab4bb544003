"""Uploads: type by content, limits, metadata removal, conversion and renditions."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from folja.media.actions import MediaRejected, media_attach, media_make_renditions
from folja.media.models import Media, MediaKind, MediaStatus, Rendition
from folja.media.tests import samples
from folja.media.tests.conftest import upload


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as fp:
        return fp.read()


def assert_no_metadata(data: bytes) -> Image.Image:
    """Assert that an image file carries no EXIF, XMP, IPTC, comment or text chunk, and return it opened."""
    image = Image.open(io.BytesIO(data))
    assert len(image.getexif()) == 0
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Comment", "photoshop", "iptc"} & set(image.info)
    assert not getattr(image, "text", {})
    for leak in samples.LEAKS:
        assert leak not in data, leak
    return image


def media_files(media: Media) -> list[str]:
    return [media.file.name, *(r.file.name for r in media.renditions.all())]


def all_stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_jpeg_with_gps_is_stored_without_any_metadata_in_original_and_every_rendition(attach, settings):
    data = samples.jpeg_with_gps((1600, 1200))
    assert b"Exif" in data and samples.SERIAL.encode() in data  # the sample really carries metadata

    media = attach("IMG_0001.JPG", data)

    assert media.kind == MediaKind.IMAGE and media.status == MediaStatus.READY
    original = assert_no_metadata(stored_bytes(media.file.name))
    assert original.format == "JPEG" and original.size == (1600, 1200)
    renditions = {r.name: r for r in media.renditions.all()}
    assert set(renditions) == {"320", "1280"}
    for name, longest in (("320", 320), ("1280", 1280)):
        image = assert_no_metadata(stored_bytes(renditions[name].file.name))
        assert max(image.size) == longest
        assert image.format == "JPEG" and image.info.get("progressive") == 1
        assert (renditions[name].width, renditions[name].height) == image.size


def test_exif_orientation_is_applied_to_the_pixels_before_the_exif_is_dropped(attach):
    # Orientation 6: the camera was turned; the stored photo must be upright without EXIF's help.
    media = attach("portrait.jpg", samples.jpeg_with_gps((40, 30), orientation=6))

    original = assert_no_metadata(stored_bytes(media.file.name))
    assert original.size == (30, 40)
    assert (media.width, media.height) == (30, 40)


def test_png_text_chunks_and_exif_are_removed_and_png_stays_png(attach):
    data = samples.png_with_text()
    assert b"tEXt" in data or b"iTXt" in data

    media = attach("ritning.png", data)

    stored = stored_bytes(media.file.name)
    image = assert_no_metadata(stored)
    assert image.format == "PNG" and image.mode == "RGBA"
    assert b"tEXt" not in stored and b"iTXt" not in stored and b"eXIf" not in stored
    assert media.original_name == "ritning.png"
    for rendition in media.renditions.all():
        assert_no_metadata(stored_bytes(rendition.file.name))


def test_heic_from_a_phone_is_converted_to_jpeg_without_metadata(attach):
    data = samples.heic_with_gps((64, 48))

    media = attach("IMG_4711.HEIC", data)

    image = assert_no_metadata(stored_bytes(media.file.name))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert media.content_type == "image/jpeg"
    assert media.original_name == "IMG_4711.jpg"
    assert media.file.name.endswith(".jpg") and "IMG_4711" not in media.file.name
    assert media.status == MediaStatus.READY


def test_a_text_file_named_photo_jpg_is_rejected_with_the_swedish_message_and_nothing_is_stored(
    world, settings, tmp_path
):
    with pytest.raises(MediaRejected) as caught:
        media_attach(
            actor=world.staff,
            post=world.post,
            upload=upload("photo.jpg", b"just some text, not a photo\n" * 10, "image/jpeg"),
        )

    message = caught.value.messages[0]
    assert message.startswith("Filtypen stöds inte.")
    assert "JPEG, PNG, WebP, HEIC" in message and "MP4, MOV, WebM" in message and "PDF" in message
    assert not Media.objects.exists()
    assert all_stored_files(Path(settings.MEDIA_ROOT)) == []


@pytest.mark.parametrize(
    "data",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a" + bytes(40),
        b"MZ\x90\x00" + bytes(60),  # a Windows program
        b"\x00\x00\x00\x18ftypheic" + bytes(40),  # looks like HEIC, is not one
    ],
)
def test_other_types_and_fakes_are_rejected(world, data):
    with pytest.raises(MediaRejected) as caught:
        media_attach(actor=world.staff, post=world.post, upload=upload("bild.jpg", data, "image/jpeg"))

    assert caught.value.code == "type"
    assert not Media.objects.exists()


def test_an_image_over_the_pixel_limit_is_rejected_from_its_header_before_any_decoding(world, settings):
    settings.FOLJA_IMAGE_MAX_PIXELS = 10_000
    data = samples.jpeg_with_gps((200, 100))
    # Cut the file right after its frame header: decoding it would fail, so a "pixels" answer
    # proves the check ran on the header alone.
    header_only = data[: data.index(b"\xff\xda")]

    with pytest.raises(MediaRejected) as caught:
        media_attach(actor=world.staff, post=world.post, upload=upload("stor.jpg", header_only))

    assert caught.value.code == "pixels"
    assert "Bilden är för stor (0,02 megapixel). Den får vara högst 0,01 megapixel." in caught.value.messages[0]
    assert not Media.objects.exists()


def test_a_file_over_the_byte_limit_is_rejected(world, settings):
    settings.FOLJA_MEDIA_MAX_BYTES = 2048

    with pytest.raises(MediaRejected) as caught:
        media_attach(actor=world.staff, post=world.post, upload=upload("stor.jpg", samples.jpeg_with_gps((400, 300))))

    assert caught.value.code == "size"
    assert caught.value.messages[0].startswith("Filen är för stor. Den får vara högst 2,0\xa0kB.")


def test_a_film_is_remuxed_without_its_location_and_gets_a_poster_frame(attach, settings):
    data = samples.film_with_location(seconds=1.0)
    assert b"\xa9xyz" in data and samples.LOCATION.encode() in data  # as a phone writes it

    media = attach("VID_0001.MOV", data)

    assert media.kind == MediaKind.VIDEO and media.status == MediaStatus.READY
    assert media.content_type == "video/mp4" and media.original_name == "VID_0001.mp4"
    assert media.duration_seconds == pytest.approx(1.0, abs=0.2)
    stored = stored_bytes(media.file.name)
    for leak in (b"\xa9xyz", b"loci", samples.LOCATION.encode(), b"secret title", b"Secret Handler", b"Lavf"):
        assert leak not in stored, leak
    with av.open(io.BytesIO(stored)) as container:
        assert "location" not in container.metadata and "title" not in container.metadata
        assert "creation_time" not in container.metadata
        assert [s.type for s in container.streams] == ["video", "audio"]
        assert all(
            "handler_name" not in s.metadata or s.metadata["handler_name"] != "Secret Handler"
            for s in container.streams
        )
        frames = sum(1 for _ in container.decode(video=0))
        assert frames == 10  # remuxed, not cut
    renditions = {r.name: r for r in media.renditions.all()}
    assert set(renditions) == {"poster", "320"}
    poster = assert_no_metadata(stored_bytes(renditions["poster"].file.name))
    assert poster.format == "JPEG" and poster.size == (64, 48)


def test_a_portrait_film_gets_an_upright_poster_and_displayed_size(attach):
    media = attach("VID_0002.MOV", samples.film_with_location(rotation=90))

    poster = Image.open(io.BytesIO(stored_bytes(media.renditions.get(name="poster").file.name)))
    assert poster.size == (48, 64)
    assert (media.width, media.height) == (48, 64)


def test_a_film_longer_than_the_cap_is_rejected(world, settings):
    settings.FOLJA_VIDEO_MAX_SECONDS = 1

    with pytest.raises(MediaRejected) as caught:
        media_attach(
            actor=world.staff, post=world.post, upload=upload("lang.mp4", samples.film_with_location(seconds=3.0))
        )

    assert caught.value.code == "duration"
    assert "högst 0:01 minuter" in caught.value.messages[0]
    assert not Media.objects.exists()


def test_mp3_sound_loses_its_id3_tags_and_is_ready_at_once(attach):
    data = samples.mp3_with_tags()
    assert data.startswith(b"ID3") and b"Secret Artist" in data

    media = attach("sang.mp3", data)

    stored = stored_bytes(media.file.name)
    assert media.kind == MediaKind.AUDIO and media.status == MediaStatus.READY
    assert media.content_type == "audio/mpeg"
    assert not stored.startswith(b"ID3") and b"Secret Artist" not in stored and b"TAG" not in stored[-128:]
    assert media.duration_seconds and media.duration_seconds > 0.3
    assert not media.renditions.exists()


def test_a_pdf_is_stored_under_a_random_name_and_ready_at_once(attach):
    media = attach("../../etc/Förälder\x00info.pdf", samples.PDF)

    assert media.kind == MediaKind.FILE and media.status == MediaStatus.READY
    assert media.content_type == "application/pdf"
    assert media.original_name == "Förälder_info.pdf"
    assert stored_bytes(media.file.name) == samples.PDF
    assert "Förälder" not in media.file.name and media.file.name.startswith("originals/")


def test_renditions_are_queued_only_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        media = media_attach(actor=world.staff, post=world.post, upload=upload("a.jpg", samples.jpeg_with_gps()))
        assert Media.objects.get(pk=media.pk).status == MediaStatus.PROCESSING

    assert len(callbacks) == 1
    assert not Rendition.objects.exists()


def test_making_renditions_again_replaces_them_and_deletes_the_old_files(
    attach, settings, django_capture_on_commit_callbacks
):
    media = attach("a.jpg", samples.jpeg_with_gps((400, 300)))
    first = set(media_files(media))

    with django_capture_on_commit_callbacks(execute=True):
        media_make_renditions(actor=None, media_id=media.pk)

    media.refresh_from_db()
    assert media.renditions.count() == 2
    second = set(media_files(media))
    assert media.file.name in second and len(first & second) == 1  # only the original is the same
    stored = {str(p.relative_to(settings.MEDIA_ROOT)) for p in all_stored_files(Path(settings.MEDIA_ROOT))}
    assert stored == second


def test_a_broken_stored_original_marks_the_media_failed(attach, caplog):
    media = attach("a.jpg", samples.jpeg_with_gps())
    with default_storage.open(media.file.name, "wb") as fp:
        fp.write(b"\xff\xd8\xff\xe0 broken")

    with pytest.raises(Exception):  # noqa: B017 - the task backend records whatever it was
        media_make_renditions(actor=None, media_id=media.pk)

    media.refresh_from_db()
    assert media.status == MediaStatus.FAILED
    record = next(r for r in caplog.records if r.getMessage() == "renditions failed")
    assert record.media_id == media.pk


def test_making_renditions_for_deleted_media_does_nothing(world):
    assert media_make_renditions(actor=None, media_id=987654) is None


def test_a_cmyk_jpeg_becomes_rgb_without_its_cmyk_colour_profile(attach):
    fake_cmyk_profile = b"\x00\x00\x02\x00ADBE\x02\x10\x00\x00prtrCMYKLab " + bytes(100)
    out = io.BytesIO()
    Image.new("CMYK", (40, 30), (0, 128, 255, 0)).save(out, "JPEG", icc_profile=fake_cmyk_profile)

    media = attach("tryck.jpg", out.getvalue())

    image = assert_no_metadata(stored_bytes(media.file.name))
    assert image.mode == "RGB" and "icc_profile" not in image.info


def test_an_rgb_colour_profile_is_kept_so_phone_photos_keep_their_colours(attach):
    rgb_profile = b"\x00\x00\x02\x00appl\x04\x00\x00\x00mntrRGB XYZ " + bytes(100)
    out = io.BytesIO()
    samples.picture((40, 30)).save(out, "JPEG", icc_profile=rgb_profile, exif=samples.gps_exif())

    media = attach("p3.jpg", out.getvalue())

    for name in media_files(media):
        image = assert_no_metadata(stored_bytes(name))
        assert image.info.get("icc_profile") == rgb_profile
