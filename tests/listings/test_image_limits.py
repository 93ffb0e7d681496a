"""Issue #14 item 9, images: the pixel limit (40 MP) is checked from the header before
anything is decoded, on the page and the API, and large allowed images are reduced early."""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image

from app.db import db
from app.listings import images
from app.listings.models import ListingImage
from tests.listings import imaging


@cache
def one_colour_png(width: int = 7000, height: int = 7000) -> bytes:
    """A real decompression bomb: 7000 x 7000 of one colour is 49 MP (about 147 MB
    decoded as RGB) and ~140 KB as a PNG. Made with Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def header_only_png(width: int, height: int) -> bytes:
    """A PNG whose header says ``width`` x ``height`` but whose pixel data is broken:
    decoding it gives "damaged", so the "too many pixels" answer proves that nothing was
    decoded."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", b"not zlib at all") + chunk(b"IEND", b""))


def test_the_default_limit_is_40_megapixels_and_pillow_shares_it(app):
    assert app.config["IMAGE_MAX_PIXELS"] == 40_000_000
    assert Image.MAX_IMAGE_PIXELS == 40_000_000  # set when the app was made
    assert len(one_colour_png()) < 300_000  # small on disk, 49 MP


def test_a_49_megapixel_png_is_refused_from_its_header(app):
    with pytest.raises(images.TooManyPixels) as caught:
        images.process(one_colour_png(), "bomb.png", "image/png",
                       app.config["IMAGE_MAX_PIXELS"])
    assert caught.value.status == 422
    assert "grensen er 40 megapiksler" in caught.value.errors["file"][0]
    assert "40 megapiksler" in caught.value.detail


def test_the_check_comes_before_any_decoding():
    # Under the limit the broken pixel data is found ("skadet"); over it, the header is
    # enough and the broken data is never read.
    with pytest.raises(images.ValidationFailed) as small:
        images.process(header_only_png(3000, 3000), "a.png", max_pixels=40_000_000)
    assert "skadet" in small.value.errors["file"][0]
    with pytest.raises(images.TooManyPixels):
        images.process(header_only_png(7000, 7000), "a.png", max_pixels=40_000_000)


def test_a_smaller_limit_in_one_call_does_not_stay_in_pillow(app):
    with pytest.raises(images.TooManyPixels) as caught:
        images.process(imaging.png(), "a.png", max_pixels=1_500)
    assert "0.0015 megapiksler" in caught.value.errors["file"][0]
    assert Image.MAX_IMAGE_PIXELS == 40_000_000
    assert images.process(imaging.png(), "a.png").original.width == 300


def test_the_api_answers_422_naming_the_limit_and_stores_nothing(api, make_listing, app):
    listing = make_listing()
    response = api.upload(listing["id"], one_colour_png(), "bomb.png", "image/png")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert "40 megapiksler" in problem["detail"]
    assert "40 megapiksler" in problem["errors"]["file"][0]
    assert db.session.scalar(sa.select(sa.func.count(ListingImage.id))) == 0


def test_the_page_shows_the_limit_at_the_file_field(client, auth, owner, make_listing):
    listing = make_listing()
    auth.login(owner.user.email)
    token = auth.csrf(f"/listings/{listing['id']}/edit")
    response = client.post(f"/listings/{listing['id']}/images", data={
        "csrf_token": token, "file": (io.BytesIO(one_colour_png()), "bomb.png")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "grensen er 40 megapiksler" in html and 'aria-describedby="' in html
    assert db.session.scalar(sa.select(sa.func.count(ListingImage.id))) == 0


def test_a_large_allowed_png_is_reduced_early_and_keeps_its_orientation():
    """6000 x 3000 (18 MP) with EXIF orientation 6: box-reduced by 2 before the colour
    work (the reduction keeps the EXIF it is turned by), then fitted to 2560 px."""
    image = imaging.halves((6000, 3000))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif.tobytes())
    processed = images.process(buffer.getvalue(), "stor.png", "image/png")
    original = imaging.opened(processed.original.data)
    assert (original.width, original.height) == (1280, 2560)
    top = original.getpixel((640, 100))
    assert top[0] > 150 and top[2] < 100  # the red half is on top after turning
