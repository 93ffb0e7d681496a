"""Real image files made with Pillow for the tests (and a crafted decompression bomb)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image, ImageCms

RED, BLUE = (220, 20, 20), (20, 20, 220)


def halves(size=(400, 200), mode="RGB") -> Image.Image:
    """Left half red, right half blue: shows which way an image was turned."""
    image = Image.new(mode, size, RED if mode == "RGB" else RED + (255,))
    image.paste(BLUE if mode == "RGB" else BLUE + (255,), (size[0] // 2, 0, size[0], size[1]))
    return image


def gps_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Kretsløp Test Camera"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (59.0, 50.0, 1.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (10.0, 26.0, 7.0),
    }
    return exif


def jpeg(size=(400, 200), orientation: int | None = 6, quality=90, image=None) -> bytes:
    """A JPEG with EXIF (orientation, GPS), XMP and an ICC profile."""
    image = image or halves(size)
    buffer = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    kwargs = {"quality": quality, "icc_profile": icc,
              "xmp": b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><secret>59.83,10.43</secret>'
                     b"</x:xmpmeta>"}
    if orientation is not None:
        kwargs["exif"] = gps_exif(orientation).tobytes()
    image.save(buffer, "JPEG", **kwargs)
    return buffer.getvalue()


def png(size=(300, 200), transparent=True) -> bytes:
    image = halves(size, "RGBA")
    if transparent:
        image.paste((0, 0, 0, 0), (0, 0, 24, 24))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def webp(size=(300, 200)) -> bytes:
    buffer = io.BytesIO()
    halves(size).save(buffer, "WEBP", quality=80)
    return buffer.getvalue()


def gif(size=(50, 50)) -> bytes:
    buffer = io.BytesIO()
    halves(size).save(buffer, "GIF")
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    data = jpeg((800, 600), orientation=None)
    return data[: len(data) // 2]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
