"""Benchmark the photo pipeline on a real 12-megapixel JPEG against a plain baseline.

Makes a 4000 x 3000 JPEG in memory with photo-like content, an sRGB ICC profile and
EXIF (orientation 6 and a GPS position), like a phone photo. Then, in the same process
and interleaved, times:

* pipeline: ``app.listings.images.process`` (checks, JPEG ``draft()`` decoding at 1/2
  scale, EXIF rotation, sRGB conversion, metadata stripped, three JPEG renditions);
* baseline: plain full decode, EXIF rotation, three LANCZOS resizes from the full
  image and the same three JPEG encodes.

Prints median and p95 of each and their ratio.

    .venv/bin/python bench/bench_images.py            # 21 runs each
    .venv/bin/python bench/bench_images.py --runs 41
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import ExifTags, Image, ImageCms, ImageOps, features  # noqa: E402

from app.listings import images  # noqa: E402


def photo_jpeg(size=(4000, 3000)) -> bytes:
    """Gradients plus noise (so the decoder has real work), EXIF with GPS, an ICC profile."""
    width, height = size
    noise = Image.effect_noise(size, 48)
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    blue = Image.blend(noise, red.transpose(Image.Transpose.ROTATE_180), 0.5)
    image = Image.merge("RGB", (Image.blend(red, noise, 0.3), Image.blend(green, noise, 0.3),
                                blue))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Bench"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (59.0, 50.0, 1.0), 3: "E", 4: (10.0, 26.0, 7.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes(), icc_profile=icc)
    assert image.size == (width, height)
    return buffer.getvalue()


def pipeline(data: bytes) -> int:
    processed = images.process(data, "IMG_0001.JPG", "image/jpeg")
    return sum(len(r.data) for r in processed.renditions)


def baseline(data: bytes) -> int:
    image = Image.open(io.BytesIO(data))
    image.load()
    image = ImageOps.exif_transpose(image).convert("RGB")
    total = 0
    for longest, quality in ((images.LARGE_MAX, 85), (images.MEDIUM, 82), (images.THUMB, 80)):
        copy = image.copy()
        copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=quality)
        total += buffer.tell()
    return total


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()

    data = photo_jpeg()
    print(f"machine: nproc={os.cpu_count()}, CPU={cpu_model()}, Python "
          f"{platform.python_version()}, Pillow {Image.__version__}, libjpeg-turbo "
          f"{features.version('libjpeg_turbo')}")
    print(f"input: 4000 x 3000 JPEG (12 MP), {len(data) / 1e6:.1f} MB, EXIF orientation 6 "
          f"+ GPS, sRGB ICC")
    pipeline(data), baseline(data)  # warm up
    times: dict[str, list[float]] = {"pipeline": [], "baseline": []}
    for _ in range(args.runs):
        for name, func in (("pipeline", pipeline), ("baseline", baseline)):
            start = time.perf_counter()
            func(data)
            times[name].append((time.perf_counter() - start) * 1000)
    for name, values in times.items():
        print(f"{name:9} median {statistics.median(values):7.1f} ms   "
              f"p95 {percentile(values, 0.95):7.1f} ms   ({args.runs} runs)")
    ratio = statistics.median(times["baseline"]) / statistics.median(times["pipeline"])
    p95_ratio = percentile(times["baseline"], 0.95) / percentile(times["pipeline"], 0.95)
    print(f"ratio     baseline / pipeline: {ratio:.2f}x at the median, {p95_ratio:.2f}x at p95")


if __name__ == "__main__":
    main()
