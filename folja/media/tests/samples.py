"""Small media files made in memory for tests and the benchmark: photos with metadata, films, sound."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import av
import pillow_heif
from PIL import Image, PngImagePlugin

pillow_heif.register_heif_opener()

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
SERIAL = "SN-4711-SECRET"
MAKER = "PhoneMakerAB"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="59,19.75N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
LOCATION = "+59.3293+018.0686/"
# Byte strings that must never appear in a cleaned file.
LEAKS = (b"Exif\x00\x00", SERIAL.encode(), MAKER.encode(), b"adobe:ns:meta", b"59,19.75N", b"secret comment")


def gps_exif(orientation: int = 1) -> Image.Exif:
    """Return EXIF like a phone writes: maker, model, serial number, orientation and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = MAKER  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0112] = orientation
    exif.get_ifd(EXIF_IFD)[0xA431] = SERIAL  # BodySerialNumber
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (59.0, 19.0, 45.0)
    gps[3] = "E"
    gps[4] = (18.0, 4.0, 7.0)
    return exif


def picture(size: tuple[int, int]) -> Image.Image:
    """Return an RGB picture with some structure (a plain colour compresses unrealistically well)."""
    gradient = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), Image.new("L", size, 90)))


def jpeg_with_gps(size: tuple[int, int] = (40, 30), *, orientation: int = 1, quality: int = 90) -> bytes:
    """Return a JPEG carrying GPS EXIF, XMP and a comment."""
    out = io.BytesIO()
    picture(size).save(out, "JPEG", exif=gps_exif(orientation), xmp=XMP, comment=b"secret comment", quality=quality)
    return out.getvalue()


def png_with_text(size: tuple[int, int] = (40, 30)) -> bytes:
    """Return a PNG with tEXt/iTXt chunks (a comment and XMP) and an eXIf chunk with GPS."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret comment")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    picture(size).convert("RGBA").save(out, "PNG", pnginfo=info, exif=gps_exif())
    return out.getvalue()


def heic_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    """Return a HEIC (as iPhones save photos) carrying GPS EXIF."""
    out = io.BytesIO()
    picture(size).save(out, format="HEIF", exif=gps_exif().tobytes(), quality=60)
    return out.getvalue()


def film_with_location(*, seconds: float = 1.0, rotation: int = 0, fmt: str = "mov") -> bytes:
    """Return a tiny H.264 + AAC film with a location and a title in its container, as phones write."""
    handle, name = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(handle)
    path = Path(name)
    try:
        with av.open(str(path), "w", format=fmt) as container:
            container.metadata["location"] = LOCATION  # QuickTime ©xyz, as iPhones and Android phones write
            container.metadata["title"] = "secret title"
            container.metadata["creation_time"] = "2026-05-01T08:00:00Z"
            video = container.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
            video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
            video.metadata["handler_name"] = "Secret Handler"
            if rotation:
                video.set_display_rotation(rotation)
            audio = container.add_stream("aac", rate=8000, layout="mono")
            for i in range(round(seconds * 10)):
                frame = av.VideoFrame.from_image(Image.new("RGB", (64, 48), (200, i * 20 % 256, 40)))
                frame.pts = i
                for packet in video.encode(frame):
                    container.mux(packet)
            for i in range(round(seconds * 8000 / 1024)):
                sound = av.AudioFrame(format="fltp", layout="mono", samples=1024)
                sound.sample_rate = 8000
                sound.pts = i * 1024
                for plane in sound.planes:
                    plane.update(bytes(plane.buffer_size))
                for packet in audio.encode(sound):
                    container.mux(packet)
            for stream in (video, audio):
                for packet in stream.encode():
                    container.mux(packet)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def mp3_with_tags(seconds: float = 0.5) -> bytes:
    """Return a short MP3 with ID3 tags (title, artist)."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp3") as container:
        container.metadata["title"] = "secret title"
        container.metadata["artist"] = "Secret Artist"
        stream = container.add_stream("libmp3lame", rate=22050, layout="mono")
        samples = 1152
        for i in range(round(seconds * 22050 / samples)):
            sound = av.AudioFrame(format="s16p", layout="mono", samples=samples)
            sound.sample_rate = 22050
            sound.pts = i * samples
            for plane in sound.planes:
                plane.update(bytes(plane.buffer_size))
            for packet in stream.encode(sound):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
