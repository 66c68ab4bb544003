"""Measure the CPU cost of cleaning a 12-megapixel phone photo and making its renditions.

Run: .venv/bin/python bench/media_pipeline.py [--repeat N]

Generates a 4000×3000 JPEG with GPS EXIF, XMP and a comment, about 3.6 MB like a phone's photo,
then times with time.process_time (CPU seconds of this process, all threads):
  clean     – folja.media.processing.clean_image: decode, apply orientation, re-encode pixels only
  renditions – make_image_renditions on the cleaned original: "1280" and "320" with shrink-on-load
Target: clean + renditions ≤ 0.2 s CPU for the upright photo.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageChops

from folja.media import processing
from folja.media.tests import samples

MAX_PIXELS = 50_000_000


def phone_photo(size: tuple[int, int], *, orientation: int) -> bytes:
    """Return a JPEG about as big as a phone's (3–4 MB at 12 MP): gradients plus sensor-like noise.

    A smooth synthetic picture compresses to a tenth of that and decodes much faster, which would
    flatter the figures; the noise brings the entropy, and so the decode cost, to a real photo's.
    """
    base = samples.picture(size)
    channels = [ImageChops.add(c, Image.effect_noise(size, 8), 1, -128) for c in base.split()]
    out = io.BytesIO()
    Image.merge("RGB", channels).save(
        out, "JPEG", quality=92, exif=samples.gps_exif(orientation), xmp=samples.XMP, comment=b"secret comment"
    )
    return out.getvalue()


def measure(data: bytes, repeat: int) -> tuple[list[float], list[float]]:
    """Return CPU seconds per run for cleaning and for renditions."""
    clean_times, rendition_times = [], []
    for _ in range(repeat):
        start = time.process_time()
        clean = processing.clean_image(io.BytesIO(data), max_pixels=MAX_PIXELS)
        middle = time.process_time()
        renditions = processing.make_image_renditions(io.BytesIO(clean.data), max_pixels=MAX_PIXELS)
        end = time.process_time()
        clean_times.append(middle - start)
        rendition_times.append(end - middle)
    assert [r.name for r in renditions] == ["1280", "320"]
    return clean_times, rendition_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'case':<28} {'input':>9} {'clean s':>8} {'rendit. s':>9} {'total s':>8}  (median of {args.repeat}, CPU)")
    for label, orientation in (("12 MP upright (orient. 1)", 1), ("12 MP turned (orient. 6)", 6)):
        data = phone_photo((4000, 3000), orientation=orientation)
        clean_times, rendition_times = measure(data, args.repeat)
        clean, rend = statistics.median(clean_times), statistics.median(rendition_times)
        print(f"{label:<28} {len(data) / 1e6:>7.1f}MB {clean:>8.3f} {rend:>9.3f} {clean + rend:>8.3f}")


if __name__ == "__main__":
    main()
