"""A photo on a post (original and renditions, as the upload leaves them), and reading an export."""

from __future__ import annotations

import io
import json
import zipfile

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from pypdf import PdfReader

from folja.directory.models import Person
from folja.learninglog.models import Post
from folja.media.models import Media, MediaKind, MediaStatus, Rendition, new_storage_name


def jpeg(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def add_photo(post: Post, uploader: Person, *, size: tuple[int, int] = (64, 48), alt: str = "") -> Media:
    """Attach a ready photo with its 1280 and 320 renditions to the post."""
    data = jpeg(size)
    media = Media(
        post=post,
        kind=MediaKind.IMAGE,
        status=MediaStatus.READY,
        content_type="image/jpeg",
        uploaded_by=uploader,
        original_name="bild.jpg",
        width=size[0],
        height=size[1],
        byte_size=len(data),
        alt_text=alt,
    )
    media.file.name = default_storage.save(new_storage_name("media", ".jpg"), ContentFile(data))
    media.save()
    for name in ("1280", "320"):
        rendition = Rendition(media=media, name=name, content_type="image/jpeg", width=size[0], height=size[1])
        rendition.file.name = default_storage.save(new_storage_name("renditions", ".jpg"), ContentFile(data))
        rendition.save()
    return media


def read_storage(name: str) -> bytes:
    with default_storage.open(name, "rb") as fp:
        return fp.read()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def zip_contents(data: bytes) -> tuple[dict, dict[str, bytes]]:
    """Return (portfolio.json parsed, every file of the ZIP by name)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files["portfolio.json"]), files
