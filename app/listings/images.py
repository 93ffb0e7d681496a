"""The photo pipeline (Pillow): check, decode fast, rotate, strip, resize, store by hash.

* The type comes from the content (Pillow's detected format): JPEG, PNG or WebP. A
  file whose name or declared Content-Type says another image type is refused (415),
  and so is anything that is not an image. HEIC is not accepted (no well-maintained
  wheel we want to depend on; phones convert to JPEG on upload).
* Limits: ``IMAGE_MAX_BYTES`` (413) and ``IMAGE_MAX_PIXELS`` (422, default 40 MP;
  width x height checked from the header before any pixel is decoded, drafted or
  turned, so a decompression bomb costs nothing). Pillow's own ``MAX_IMAGE_PIXELS`` is
  set to the same limit, so no other path in the process decodes more either.
* JPEGs are decoded with ``draft()`` at the largest DCT scale (1/2, 1/4, 1/8) that
  still leaves a long side of at least ``LARGE_MIN`` px: a 12 MP photo decodes at 3 MP.
* EXIF orientation is applied, colours are converted to sRGB, and nothing else is
  kept: no EXIF (so no GPS), no XMP, no ICC profile, no comments.
* Three JPEG renditions (large <= 2560 px, medium 1024 px, thumb 320 px), each stored
  under ``MEDIA_ROOT`` as ``ab/cd/<sha256 of its bytes>.jpg``.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from app import formatting
from app.errors import ServiceError, ValidationFailed

LARGE_MAX = 2560
LARGE_MIN = 1600
MEDIUM = 1024
THUMB = 320
QUALITY = {"original": 85, "medium": 82, "thumb": 80}

ACCEPTED = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF", "HEIF": "HEIC",
                "AVIF": "AVIF", "TIFF": "TIFF", "BMP": "BMP"}
EXTENSIONS = {
    ".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".jfif": "JPEG", ".png": "PNG",
    ".webp": "WEBP", ".gif": "GIF", ".heic": "HEIF", ".heif": "HEIF", ".avif": "AVIF",
    ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP",
}
MIME_TYPES = {
    "image/jpeg": "JPEG", "image/jpg": "JPEG", "image/pjpeg": "JPEG", "image/png": "PNG",
    "image/webp": "WEBP", "image/gif": "GIF", "image/heic": "HEIF", "image/heif": "HEIF",
    "image/avif": "AVIF", "image/tiff": "TIFF", "image/bmp": "BMP",
}
_SRGB = ImageCms.createProfile("sRGB")
DEFAULT_MAX_PIXELS = 40_000_000


def bound_pillow(max_pixels: int) -> None:
    """Pillow refuses (warns above, raises above twice) this many pixels in any open;
    set at start-up from ``IMAGE_MAX_PIXELS`` (app/listings/import_views.py)."""
    Image.MAX_IMAGE_PIXELS = max_pixels


@contextmanager
def pillow_bound(max_pixels: int):
    """Pillow's limit is ``max_pixels`` for the block (the same value in every thread of
    a served app, so the restore is harmless; a test's smaller value does not leak)."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


class FileTooLarge(ServiceError):
    status = 413
    title = _l("For stor fil")


class UnsupportedImage(ServiceError):
    status = 415
    title = _l("Filtypen støttes ikke")


@dataclass(frozen=True)
class Rendition:
    name: str
    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def path(self) -> str:
        digest = self.sha256
        return f"{digest[:2]}/{digest[2:4]}/{digest}.jpg"


@dataclass(frozen=True)
class Processed:
    source_format: str
    original: Rendition
    medium: Rendition
    thumb: Rendition

    @property
    def renditions(self) -> tuple[Rendition, Rendition, Rendition]:
        return self.original, self.medium, self.thumb


def read_limited(stream, max_bytes: int) -> bytes:
    """Read at most ``max_bytes``; a longer upload is refused without reading it all."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLarge(_("Bildet er større enn grensen på %(mb)s MB.",
                             mb=_megabytes(max_bytes)))
    return data


def _megabytes(n: int) -> str:
    return formatting.number(n / (1024 * 1024), 0)


def claimed_format(filename: str | None, content_type: str | None) -> list[tuple[str, str]]:
    """What the upload says it is: [(source, format)] for the name and the Content-Type."""
    claims = []
    if filename:
        ext = os.path.splitext(filename.lower())[1]
        if ext in EXTENSIONS:
            claims.append((filename, EXTENSIONS[ext]))
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in MIME_TYPES:
        claims.append((mime, MIME_TYPES[mime]))
    return claims


def draft_scale(size: tuple[int, int], large_min: int = LARGE_MIN) -> int:
    """The largest JPEG DCT scale (1, 2, 4, 8) keeping the long side >= ``large_min``."""
    long_side = max(size)
    for scale in (8, 4, 2):
        if long_side // scale >= large_min:
            return scale
    return 1


def open_checked(data: bytes, filename: str | None, content_type: str | None,
                 max_pixels: int) -> Image.Image:
    """Open (header only) and refuse wrong types, lying names and too many pixels."""
    if not data:
        raise ValidationFailed({"file": [_("Filen er tom.")]})
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UnsupportedImage(_("Filen er ikke et bilde. Last opp JPEG, PNG eller WebP.")
                               ) from None
    detected = image.format or ""
    if detected not in ACCEPTED:
        raise UnsupportedImage(_("Bildet er %(kind)s; last opp JPEG, PNG eller WebP.",
                                 kind=FORMAT_NAMES.get(detected, detected)))
    actual = ACCEPTED[detected]
    for source, claimed in claimed_format(filename, content_type):
        if claimed != actual:
            raise UnsupportedImage(_("«%(source)s» sier %(claimed)s, men filen er et "
                                     "%(actual)s-bilde. Gi filen riktig navn og type.",
                                     source=source, claimed=FORMAT_NAMES[claimed],
                                     actual=FORMAT_NAMES[actual]))
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    return image


class TooManyPixels(ValidationFailed):
    """422 with a field error naming the limit (the page shows it at the file field)."""

    title = _l("For mange piksler")


def _too_many_pixels(max_pixels: int) -> ValidationFailed:
    message = _("Bildet har for mange piksler (grensen er %(mp)s megapiksler). Forminsk "
                "det og prøv igjen.", mp=f"{max_pixels / 1_000_000:g}")
    return TooManyPixels({"file": [message]}, detail=message)


def decode(image: Image.Image) -> Image.Image:
    """Decode (JPEG at a reduced scale when that is enough), rotate upright, make sRGB RGB."""
    if image.format in ("JPEG", "MPO"):
        scale = draft_scale(image.size)
        if scale > 1:
            image.draft("RGB", (image.size[0] // scale, image.size[1] // scale))
    try:
        image.seek(0)
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(Image.MAX_IMAGE_PIXELS or DEFAULT_MAX_PIXELS) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError):
        raise ValidationFailed({"file": [_("Bildet er skadet eller ufullstendig. Last det opp "
                                           "på nytt.")]}) from None
    image = _reduce_early(image)
    try:
        rotated = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - broken EXIF: keep the pixels as they are
        rotated = image
    return to_srgb(rotated if rotated is not None else image)


REDUCIBLE = {"RGB", "RGBA", "L", "LA", "CMYK", "I", "F"}


def _reduce_early(image: Image.Image) -> Image.Image:
    """A large decoded PNG or WebP is first box-reduced by a whole factor (long side
    still >= ``LARGE_MAX``), so flattening, colour conversion and resizing work on a
    quarter of the pixels or less: a 40 MP RGBA PNG peaked at 790 MB without this."""
    factor = max(image.size) // LARGE_MAX
    if factor < 2 or image.mode not in REDUCIBLE:
        return image
    return image.reduce(factor)  # keeps ``info``: EXIF orientation, colour profile


def to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB; transparency is flattened onto white; metadata is dropped."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    if icc and image.mode in ("RGB", "CMYK", "L"):
        try:
            transform = _transform_to_srgb(icc, image.mode)
            if transform is not None:
                image = ImageCms.applyTransform(image, transform)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass
    if image.mode != "RGB":
        try:
            image = image.convert("RGB")
        except (ValueError, OSError):
            raise UnsupportedImage(_("Fargeformatet i bildet støttes ikke.")) from None
    image.info = {}
    return image


@lru_cache(maxsize=32)
def _transform_to_srgb(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """A colour transform from the embedded profile to sRGB; None when it is sRGB already
    (most photos), which saves converting every pixel for nothing."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    if mode == "RGB" and "srgb" in ImageCms.getProfileDescription(source).lower():
        return None
    # NOCACHE: the transform is shared between threads; LittleCMS's one-pixel cache is not.
    return ImageCms.buildTransform(source, _SRGB, mode, "RGB", flags=ImageCms.Flags.NOCACHE)


def _fit(image: Image.Image, longest: int) -> Image.Image:
    width, height = image.size
    if max(width, height) <= longest:
        return image
    ratio = longest / max(width, height)
    size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def encode(image: Image.Image, name: str) -> Rendition:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=QUALITY[name], optimize=False)
    return Rendition(name, buffer.getvalue(), image.size[0], image.size[1])


def process(data: bytes, filename: str | None = None, content_type: str | None = None,
            max_pixels: int = DEFAULT_MAX_PIXELS) -> Processed:
    """Bytes of an upload -> three clean JPEG renditions (or a ServiceError)."""
    with pillow_bound(max_pixels):
        image = open_checked(data, filename, content_type, max_pixels)
        source_format = ACCEPTED[image.format]
        with image:
            pixels = decode(image)
    large = _fit(pixels, LARGE_MAX)
    medium = _fit(large, MEDIUM)
    thumb = _fit(medium, THUMB)
    return Processed(source_format, encode(large, "original"), encode(medium, "medium"),
                     encode(thumb, "thumb"))


def store(processed: Processed, media_root: str | Path) -> None:
    """Write each rendition once (atomically); an existing file has the same bytes and
    gets a fresh modification time (``photos.prune_unused_files`` goes by it)."""
    root = Path(media_root)
    for rendition in processed.renditions:
        target = root / rendition.path
        if target.exists():
            try:
                os.utime(target)
                continue
            except FileNotFoundError:  # pruned just now: write it again
                pass
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(rendition.data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def remove(paths: list[str], media_root: str | Path) -> None:
    root = Path(media_root)
    for path in paths:
        (root / path).unlink(missing_ok=True)
