"""Checking, cleaning and resizing uploaded media, without Django models or storage.

What this module guarantees (product.md: "Photos never leak metadata"):

- The type is decided by the bytes, never by the file name or the browser's content type: a short
  list of magic numbers picks the family, then Pillow (images) or FFmpeg through PyAV (films,
  audio) must parse it with the demuxer that family implies. FFmpeg is never left to probe the
  format itself, so playlist-like demuxers (HLS, concat) that could read other files never run.
- Images are re-encoded from pixels only, after EXIF orientation has been applied: EXIF (with
  GPS and serial numbers), XMP, IPTC, MakerNotes, embedded thumbnails, MPF second images, PNG
  text chunks and JPEG comments cannot survive, because nothing but pixels is copied.
- The ICC colour profile is kept. It describes colours (e.g. Display P3 on phones), not people or
  devices, and dropping it would make wide-gamut photos look dull; converting to sRGB instead
  would cost CPU on every upload for no privacy gain.
- Films and audio are remuxed (no re-encoding) into a fresh container with only the audio and
  video streams and no container or stream metadata: MP4/MOV `udta`/`meta` atoms (`©xyz`,
  `com.apple.quicktime.location.ISO6709`), timed metadata tracks, ID3 tags, Vorbis comments and
  cover art are dropped.
"""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import av
import av.error
import pillow_heif
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

# Pillow names of the image formats we accept; everything else is refused even if Pillow reads it.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
# Codecs we pass through. Anything else in a container is dropped; a file left with nothing is refused.
VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"})
AUDIO_CODECS = frozenset(
    {"aac", "mp3", "opus", "vorbis", "alac", "flac", "pcm_s16le", "pcm_s24le", "pcm_s16be", "pcm_f32le", "pcm_u8"}
)
# Tolerance over the cap for films and audio: container durations are rounded by phones.
DURATION_SLACK_SECONDS = 1.0

JPEG_QUALITY_ORIGINAL = 90
JPEG_QUALITY_RENDITION = 82
RENDITION_SIZES: tuple[tuple[str, int], ...] = (("1280", 1280), ("320", 320))

Family = Literal["image", "isobmff", "webm", "ogg", "wav", "mp3", "pdf"]

ALLOWED_TYPES_MESSAGE = _(
    "Filtypen stöds inte. Du kan ladda upp bilder (JPEG, PNG, WebP, HEIC), filmer (MP4, MOV, WebM), "
    "ljud (MP3, M4A, WAV, OGG) och PDF-filer."
)


class MediaRejected(ValidationError):
    """An upload that Följa refuses; the message is for the person who uploaded it."""


def reject_type() -> MediaRejected:
    """Return the rejection for a file whose content is not an allowed type."""
    return MediaRejected(ALLOWED_TYPES_MESSAGE, code="type")


def reject_unreadable() -> MediaRejected:
    """Return the rejection for a file that claims an allowed type but cannot be read."""
    return MediaRejected(_("Filen kunde inte läsas. Den kan vara skadad. Försök med en annan fil."), code="unreadable")


def reject_size(max_bytes: int) -> MediaRejected:
    """Return the rejection for a file over the byte limit."""
    return MediaRejected(
        _("Filen är för stor. Den får vara högst %(max)s."), code="size", params={"max": filesizeformat(max_bytes)}
    )


def reject_pixels(pixels: int, max_pixels: int) -> MediaRejected:
    """Return the rejection for an image over the pixel limit (a decompression bomb or a huge scan)."""
    return MediaRejected(
        _("Bilden är för stor (%(pixels)s megapixel). Den får vara högst %(max)s megapixel."),
        code="pixels",
        params={"pixels": _megapixels(pixels), "max": _megapixels(max_pixels)},
    )


def reject_duration(max_seconds: int) -> MediaRejected:
    """Return the rejection for a film or sound longer than the cap."""
    minutes, seconds = divmod(max_seconds, 60)
    limit = f"{minutes}:{seconds:02d}"
    return MediaRejected(
        _("Filmen eller ljudet är för långt. Det får vara högst %(limit)s minuter."),
        code="duration",
        params={"limit": limit},
    )


def _megapixels(pixels: int) -> str:
    """Return megapixels for people: "50", "12,2", "0,02" (in the active language's number format)."""
    value = pixels / 1_000_000
    decimals = 0 if value == int(value) else 1 if value >= 1 else 2
    return number_format(round(value, decimals), decimal_pos=decimals)


# ---------------------------------------------------------------------------------------------
# Sniffing
# ---------------------------------------------------------------------------------------------

SNIFF_BYTES = 64
_ISOBMFF_IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff(head: bytes) -> Family | None:
    """Return the family of a file from its first bytes, or None when it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head[4:8] == b"ftyp":
        return "image" if head[8:12] in _ISOBMFF_IMAGE_BRANDS else "isobmff"
    if head[4:8] in _QUICKTIME_ATOMS:
        return "isobmff"  # old QuickTime files start without an ftyp box
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML: only the WebM profile of Matroska (DocType "webm"), as browsers play.
        return "webm" if b"webm" in head[:SNIFF_BYTES] else None
    if head.startswith(b"OggS"):
        return "ogg"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "mp3"  # an ID3v2 tag, or an MPEG audio layer III frame sync
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanImage:
    """An image re-encoded from pixels: the bytes to store and what to record about them."""

    data: bytes
    extension: str
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class ImageRendition:
    name: str
    data: bytes
    width: int
    height: int


def open_image(fp: IO[bytes], *, max_pixels: int) -> Image.Image:
    """Open an image lazily and check its format and pixel count before any pixel is decoded."""
    try:
        image = Image.open(fp, formats=IMAGE_FORMATS)
    except Image.DecompressionBombError:
        raise reject_pixels(max_pixels * 2, max_pixels) from None  # Pillow's own cap, far above ours
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise reject_type() from None
    # Only the header has been read: width and height come from it, so a bomb never gets decoded.
    pixels = image.width * image.height
    if pixels > max_pixels:
        raise reject_pixels(pixels, max_pixels)
    return image


def clean_image(fp: IO[bytes], *, max_pixels: int) -> CleanImage:
    """Return the image re-encoded from its pixels only, upright, with no EXIF, XMP, IPTC or text."""
    image = open_image(fp, max_pixels=max_pixels)
    source_format = image.format
    icc_profile = _matching_icc_profile(image)
    try:
        image.seek(0)  # animated WebP: the first frame is the photo
        ImageOps.exif_transpose(image, in_place=True)
    except (OSError, ValueError, SyntaxError, EOFError):
        raise reject_unreadable() from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if source_format == "PNG" or has_alpha:
        # Lossless sources (screenshots, drawings) stay lossless; only pixels and the profile remain.
        # Palette transparency lives in info, which is dropped below: make it an alpha channel first.
        if image.mode not in ("1", "L", "RGB", "RGBA", "I;16") or "transparency" in image.info:
            image = image.convert("RGBA" if has_alpha else "RGB")
        data = _encode(image, "PNG", icc_profile=icc_profile)
        return CleanImage(data, ".png", "image/png", image.width, image.height)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    data = _encode(image, "JPEG", icc_profile=icc_profile, quality=JPEG_QUALITY_ORIGINAL)
    return CleanImage(data, ".jpg", "image/jpeg", image.width, image.height)


def make_image_renditions(
    fp: IO[bytes] | Image.Image, *, max_pixels: int, sizes: tuple[tuple[str, int], ...] = RENDITION_SIZES
) -> list[ImageRendition]:
    """Return progressive JPEGs no longer than each size on their longest side, largest first.

    A JPEG is decoded at reduced scale (Image.draft: libjpeg's DCT scaling), so a 12 MP photo is
    never fully decoded for its renditions; each smaller size is made from the previous one.
    """
    image = fp if isinstance(fp, Image.Image) else open_image(fp, max_pixels=max_pixels)
    icc_profile = _matching_icc_profile(image)
    ordered = sorted(sizes, key=lambda item: -item[1])
    largest = ordered[0][1]
    if image.format == "JPEG":
        scale = min(1.0, largest / max(image.size))
        image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
    ImageOps.exif_transpose(image, in_place=True)  # a no-op for cleaned originals; safe for others
    image = _flatten(image)
    renditions = []
    for name, size in ordered:
        # Hamming: a sharp filter for shrinking at two thirds of bicubic's CPU (see bench/media_pipeline.py).
        image.thumbnail((size, size), resample=Image.Resampling.HAMMING)
        data = _encode(image, "JPEG", icc_profile=icc_profile, quality=JPEG_QUALITY_RENDITION, progressive=True)
        renditions.append(ImageRendition(name, data, image.width, image.height))
    return renditions


def _matching_icc_profile(image: Image.Image) -> bytes | None:
    """Return the image's ICC profile if it still fits after conversion to RGB or L, else None.

    A CMYK (or Lab) profile describes other channels than the RGB pixels we store; keeping it
    would make the browser show wrong colours.
    """
    if image.mode in ("RGB", "RGBA", "L", "LA", "P", "PA"):
        return image.info.get("icc_profile")
    return None


def _flatten(image: Image.Image) -> Image.Image:
    """Return an RGB or L image; transparency becomes white, as on the page."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, fmt: str, *, icc_profile: bytes | None, **options: object) -> bytes:
    out = io.BytesIO()
    # Nothing from the source's info (exif, xmp, text chunks, comments) may reach the encoder:
    # some Pillow plugins fall back to it when an option is not given.
    image.info.clear()
    if icc_profile:
        options["icc_profile"] = icc_profile
    image.save(out, format=fmt, **options)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Films and audio
# ---------------------------------------------------------------------------------------------

# The FFmpeg demuxer each family must parse with; FFmpeg's own probing is never used.
_DEMUXERS: dict[str, str] = {"isobmff": "mov", "webm": "matroska", "ogg": "ogg", "wav": "wav", "mp3": "mp3"}


@dataclass(frozen=True)
class _Output:
    format: str
    extension: str
    content_type: str
    options: dict[str, str]


_FASTSTART = {"movflags": "+faststart"}  # index first, so a phone can start playing before the end arrives
_VIDEO_OUTPUTS: dict[str, list[_Output]] = {
    # MP4 plays everywhere; MOV keeps codecs MP4 cannot carry (e.g. big-endian PCM from cameras).
    "isobmff": [_Output("mp4", ".mp4", "video/mp4", _FASTSTART), _Output("mov", ".mov", "video/quicktime", _FASTSTART)],
    "webm": [_Output("webm", ".webm", "video/webm", {})],
}
_AUDIO_OUTPUTS: dict[str, list[_Output]] = {
    "isobmff": [_Output("mp4", ".m4a", "audio/mp4", _FASTSTART)],
    "webm": [_Output("webm", ".webm", "audio/webm", {})],
    "ogg": [_Output("ogg", ".ogg", "audio/ogg", {})],
    "wav": [_Output("wav", ".wav", "audio/wav", {})],
    # id3v2_version 0: the MP3 muxer writes no ID3 tag at all.
    "mp3": [_Output("mp3", ".mp3", "audio/mpeg", {"id3v2_version": "0", "write_id3v1": "0"})],
}


@dataclass
class CleanAV:
    """A remuxed film or sound in a temporary file that the caller stores and then deletes."""

    path: Path
    kind: Literal["video", "audio"]
    extension: str
    content_type: str
    duration_seconds: float
    width: int | None
    height: int | None

    def discard(self) -> None:
        """Delete the temporary file."""
        self.path.unlink(missing_ok=True)


def _source(upload: IO[bytes]) -> str | IO[bytes]:
    """Return a path FFmpeg can read directly when the upload is on disk, else the file object."""
    path = getattr(upload, "temporary_file_path", None)
    if callable(path):
        return path()
    upload.seek(0)
    return upload


def _codec(stream: av.stream.Stream) -> str:
    """Return the codec's canonical name ("mp3"), not the decoder's ("mp3float", "libdav1d")."""
    codec = stream.codec_context.codec
    return codec.canonical_name if codec is not None else ""


def _usable_streams(container: av.container.InputContainer) -> tuple[list[av.stream.Stream], bool]:
    """Return the first video and first audio stream worth keeping, and whether there is video."""
    video = next(
        (
            s
            for s in container.streams.video
            if _codec(s) in VIDEO_CODECS and not s.disposition & av.stream.Disposition.attached_pic
        ),
        None,
    )
    audio = next((s for s in container.streams.audio if _codec(s) in AUDIO_CODECS), None)
    return [s for s in (video, audio) if s is not None], video is not None


def clean_av(upload: IO[bytes], family: Family, *, max_seconds: int) -> CleanAV:
    """Return the film or sound remuxed into a new file with no metadata, after checking its length.

    Packets are copied, not re-encoded, so this costs I/O rather than CPU. Only one video and one
    audio stream are kept; data tracks (phones store location in timed metadata tracks), subtitles,
    chapters, attachments and cover art are left behind.
    """
    source = _source(upload)
    try:
        container = av.open(source, mode="r", format=_DEMUXERS[family])
    except (av.error.FFmpegError, OSError, ValueError):
        raise reject_type() from None
    try:
        streams, has_video = _usable_streams(container)
        if not streams or (family == "ogg" and has_video):
            raise reject_type()
        if container.duration is not None and container.duration / av.time_base > max_seconds + DURATION_SLACK_SECONDS:
            raise reject_duration(max_seconds)
        outputs = (_VIDEO_OUTPUTS if has_video else _AUDIO_OUTPUTS).get(family)
        if not outputs:
            raise reject_type()
        video = streams[0] if has_video else None
        width = video.codec_context.width if video is not None else None
        height = video.codec_context.height if video is not None else None
    except BaseException:
        container.close()
        raise
    container.close()

    last_error: Exception | None = None
    for output in outputs:
        fd, name = tempfile.mkstemp(prefix="folja-av-", suffix=output.extension)
        os.close(fd)
        path = Path(name)
        try:
            duration = _remux(source, family, path, output, max_seconds=max_seconds)
        except MediaRejected:
            path.unlink(missing_ok=True)
            raise
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            path.unlink(missing_ok=True)
            last_error = exc
            continue
        kind: Literal["video", "audio"] = "video" if has_video else "audio"
        return CleanAV(path, kind, output.extension, output.content_type, duration, width, height)
    raise reject_unreadable() from last_error


def _remux(source: str | IO[bytes], family: Family, path: Path, output: _Output, *, max_seconds: int) -> float:
    """Copy the kept streams' packets into `path`; return the duration in seconds."""
    if not isinstance(source, str):
        source.seek(0)
    limit = max_seconds + DURATION_SLACK_SECONDS
    end = 0.0
    with av.open(source, mode="r", format=_DEMUXERS[family]) as inp:
        streams, _has_video = _usable_streams(inp)
        # fflags=+bitexact: no encoder version strings either; the file is the same on every run.
        with av.open(
            str(path), mode="w", format=output.format, options=output.options, container_options={"fflags": "+bitexact"}
        ) as out:
            mapping = {}
            for stream in streams:
                copy = out.add_stream_from_template(stream)
                copy.metadata.clear()  # language, handler names, vendor ids, creation times
                mapping[stream.index] = copy
            for packet in inp.demux(*streams):
                if packet.dts is None:
                    continue  # the demuxer's flush packet
                if packet.pts is not None and packet.time_base is not None:
                    packet_end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                    # Headers can lie (or be missing, as in browser-recorded WebM): count what is there.
                    if packet_end > limit:
                        raise reject_duration(max_seconds)
                    end = max(end, packet_end)
                packet.stream = mapping[packet.stream.index]
                out.mux(packet)
    return round(end, 3)


def video_poster(fp: str | IO[bytes]) -> Image.Image:
    """Return the first frame of a film as an upright image, for the poster rendition."""
    with av.open(fp, mode="r") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            image = frame.to_image()
            rotation = round((frame.rotation or 0) / 90) % 4  # counter-clockwise quarter turns
            if rotation:
                image = image.transpose(
                    {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_270}[
                        rotation
                    ]
                )
            return image
    raise ValueError("the film has no decodable frame")


# ---------------------------------------------------------------------------------------------
# File names
# ---------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def safe_download_name(client_name: str, extension: str, fallback: str = "fil") -> str:
    """Return a file name to offer on download: the client's stem, cleaned, with the stored extension.

    The stored extension wins because the file was converted (HEIC → .jpg, MOV → .mp4); path parts,
    control characters and characters Windows refuses are removed.
    """
    base = unicodedata.normalize("NFC", client_name or "")
    base = base.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:100] or fallback
    return f"{stem}{extension}"
