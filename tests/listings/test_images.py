"""Photos: real files through the pipeline, the API and /media, and every refusal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from app.db import db
from app.errors import ValidationFailed
from app.listings import images
from app.listings.models import ListingImage
from tests.listings import imaging


def _count_images() -> int:
    return db.session.scalar(sa.select(sa.func.count(ListingImage.id)))


def _media_files(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(p for p in root.rglob("*.jpg")) if root.exists() else []


def _no_metadata(data: bytes) -> Image.Image:
    image = imaging.opened(data)
    assert image.format == "JPEG"
    assert not image.getexif(), "EXIF must be stripped"
    assert "exif" not in image.info and "xmp" not in image.info
    assert "icc_profile" not in image.info
    assert b"Exif" not in data[:2000] and b"xmpmeta" not in data and b"GPS" not in data
    return image


# --- the pipeline ------------------------------------------------------------------


def test_jpeg_is_rotated_by_exif_and_all_metadata_is_dropped():
    processed = images.process(imaging.jpeg((400, 200), orientation=6), "foto.jpg",
                               "image/jpeg")
    assert processed.source_format == "JPEG"
    original = _no_metadata(processed.original.data)
    # Orientation 6 = turn 90° clockwise: the stored left (red) half ends on top.
    assert original.size == (200, 400)
    top, bottom = original.getpixel((100, 50)), original.getpixel((100, 350))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]
    thumb = _no_metadata(processed.thumb.data)
    assert max(thumb.size) <= images.THUMB


def test_renditions_have_their_sizes_and_content_hash_names():
    processed = images.process(imaging.jpeg((3600, 2400), orientation=None))
    sizes = [max(r.width, r.height) for r in processed.renditions]
    assert sizes == [3600 // 2, images.MEDIUM, images.THUMB]  # decoded at 1/2 by draft()
    png = images.process(imaging.png((3000, 500), transparent=False))
    assert (png.original.width, png.original.height) == (images.LARGE_MAX, 427)
    for rendition in processed.renditions:
        digest = rendition.sha256
        assert rendition.path == f"{digest[:2]}/{digest[2:4]}/{digest}.jpg"


def test_draft_scale_keeps_a_large_enough_original():
    assert images.draft_scale((4000, 3000)) == 2
    assert images.draft_scale((8000, 6000)) == 4
    assert images.draft_scale((1920, 1080)) == 1
    assert images.draft_scale((3199, 2000)) == 1


def test_a_12_megapixel_photo_is_decoded_at_reduced_scale():
    big = imaging.jpeg((4000, 3000), orientation=1, quality=80)
    processed = images.process(big, "IMG_0001.JPG", "image/jpeg")
    assert (processed.original.width, processed.original.height) == (2000, 1500)
    _no_metadata(processed.original.data)


def test_png_with_transparency_and_webp_become_jpeg():
    for data, name, kind in ((imaging.png(), "a.png", "PNG"), (imaging.webp(), "a.webp", "WEBP")):
        processed = images.process(data, name, None)
        assert processed.source_format == kind
        image = _no_metadata(processed.original.data)
        assert image.mode == "RGB" and image.size == (300, 200)
    corner = imaging.opened(images.process(imaging.png(), "a.png").original.data).getpixel((4, 4))
    assert min(corner) > 200  # the transparent pixel is white, not black


@pytest.mark.parametrize(("data", "name", "ctype", "status", "words"), [
    (b"dette er ikke et bilde\n" * 10, "bilde.jpg", "image/jpeg", 415, "ikke et bilde"),
    (imaging.png(), "foto.jpg", None, 415, "PNG-bilde"),
    (imaging.png(), "foto.png", "image/jpeg", 415, "image/jpeg"),
    (imaging.jpeg(), "foto.webp", None, 415, "JPEG-bilde"),
    (imaging.gif(), "anim.gif", "image/gif", 415, "GIF"),
])
def test_wrong_kinds_are_refused_with_415(data, name, ctype, status, words):
    with pytest.raises(images.UnsupportedImage) as caught:
        images.process(data, name, ctype)
    assert caught.value.status == status
    assert words in caught.value.detail


def test_an_unknown_name_and_generic_type_do_not_contradict_the_content():
    processed = images.process(imaging.png(), "upload", "application/octet-stream")
    assert processed.source_format == "PNG"


def test_truncated_image_is_422():
    with pytest.raises(ValidationFailed) as caught:
        images.process(imaging.truncated_jpeg(), "halv.jpg", "image/jpeg")
    assert "skadet eller ufullstendig" in caught.value.errors["file"][0]


def test_decompression_bombs_are_refused_before_decoding():
    with pytest.raises(ValidationFailed) as caught:
        images.process(imaging.png_bomb(), "bomb.png", "image/png")
    assert "for mange piksler" in caught.value.errors["file"][0]
    # 64 MP: under Pillow's own limit, over ours (50 MP).
    with pytest.raises(ValidationFailed):
        images.process(imaging.png_bomb(8000, 8000), "stor.png", "image/png")
    with pytest.raises(ValidationFailed):
        images.process(imaging.png(), "a.png", max_pixels=1000)


def test_read_limited_refuses_more_than_the_limit():
    assert images.read_limited(io.BytesIO(b"x" * 10), 10) == b"x" * 10
    with pytest.raises(images.FileTooLarge) as caught:
        images.read_limited(io.BytesIO(b"x" * 11), 10)
    assert caught.value.status == 413


# --- through the API and /media ------------------------------------------------------


def test_upload_serves_clean_rotated_files_with_long_cache(api, make_listing, client, app):
    listing = make_listing()
    response = api.upload(listing["id"], imaging.jpeg(), "IMG_1234.jpg")
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/images/{body['id']}")
    assert set(body["urls"]) == {"original", "medium", "thumb"}
    assert (body["width"], body["height"]) == (200, 400)
    for url in body["urls"].values():
        served = client.get(url)
        data = served.data
        served.close()
        assert served.status_code == 200
        assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.mimetype == "image/jpeg"
        image = _no_metadata(data)
        assert image.height > image.width
    again = api.get(f"/listings/{listing['id']}").get_json()
    assert [i["id"] for i in again["images"]] == [body["id"]]


@pytest.mark.parametrize("path", ["../etc/passwd", "ab/cd/xyz.jpg", "ab/cd/" + "0" * 64 + ".jpg",
                                  "00/00/" + "0" * 64 + ".png"])
def test_media_serves_only_pipeline_names(client, path):
    assert client.get(f"/media/{path}").status_code == 404


@pytest.mark.parametrize(("data", "name", "ctype", "status"), [
    (b"%PDF-1.4 not an image", "skjema.jpg", None, 415),
    (imaging.png(), "foto.jpg", None, 415),
    (imaging.png(), "foto.png", "image/jpeg", 415),
    (imaging.truncated_jpeg(), "halv.jpg", None, 422),
    (imaging.png_bomb(), "bomb.png", None, 422),
])
def test_bad_uploads_get_a_clear_problem_and_change_nothing(api, make_listing, app, data, name,
                                                            ctype, status):
    listing = make_listing()
    before = _count_images(), _media_files(app)
    response = api.upload(listing["id"], data, name, ctype)
    assert response.status_code == status
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem.get("detail") or problem.get("errors")
    assert (_count_images(), _media_files(app)) == before


def test_upload_over_the_byte_limit_is_413(api, make_listing, app):
    app.config["IMAGE_MAX_BYTES"] = 20_000
    listing = make_listing()
    response = api.upload(listing["id"], imaging.jpeg((1200, 900), quality=95), "stor.jpg")
    assert response.status_code == 413
    assert "MB" in response.get_json()["detail"]
    assert _count_images() == 0


def test_missing_file_field_and_non_multipart_are_refused(api, make_listing):
    listing = make_listing()
    response = api.post(f"/listings/{listing['id']}/images", data={"other": "x"},
                        content_type="multipart/form-data")
    assert response.status_code == 422 and "file" in response.get_json()["errors"]
    response = api.post(f"/listings/{listing['id']}/images", json={"file": "x"})
    assert response.status_code == 415


def test_eleventh_image_is_refused(api, make_listing):
    listing = make_listing()
    small = imaging.jpeg((64, 48), orientation=None)
    for n in range(10):
        assert api.upload(listing["id"], small, f"{n}.jpg").status_code == 201
    response = api.upload(listing["id"], imaging.png(), "11.png")
    assert response.status_code == 422
    assert "10" in response.get_json()["errors"]["file"][0]
    assert _count_images() == 10
    positions = [i["position"] for i in api.get(f"/listings/{listing['id']}").get_json()["images"]]
    assert positions == list(range(1, 11))


def test_delete_image_removes_row_and_unshared_files(api, make_listing, app):
    first, second = make_listing(), make_listing(title="Andre")
    shared = imaging.jpeg((300, 200))
    kept = api.upload(second["id"], shared, "a.jpg").get_json()
    gone = api.upload(first["id"], shared, "a.jpg").get_json()
    own = api.upload(first["id"], imaging.webp(), "b.webp").get_json()
    media = Path(app.config["MEDIA_ROOT"])
    assert api.delete(f"/listings/{first['id']}/images/{gone['id']}").status_code == 204
    # The same photo is still used by the other listing: its files stay.
    assert all((media / u.removeprefix("/media/")).exists() for u in kept["urls"].values())
    assert api.delete(f"/listings/{first['id']}/images/{own['id']}").status_code == 204
    assert not any((media / u.removeprefix("/media/")).exists() for u in own["urls"].values())
    assert api.get(f"/listings/{first['id']}").get_json()["images"] == []
    assert api.delete(f"/listings/{first['id']}/images/{kept['id']}").status_code == 404


def test_another_organisation_cannot_add_or_delete_photos(api, make_listing, other):
    draft = make_listing()
    published = make_listing(publish=True)
    image = api.upload(published["id"], imaging.webp(), "a.webp").get_json()
    assert api.upload(draft["id"], imaging.webp(), "a.webp",
                      token=other.token).status_code == 404
    assert api.upload(published["id"], imaging.webp(), "a.webp",
                      token=other.token).status_code == 403
    response = api.delete(f"/listings/{published['id']}/images/{image['id']}", token=other.token)
    assert response.status_code == 403
    assert _count_images() == 1
    anonymous = api.upload(published["id"], imaging.webp(), "a.webp", token="")
    assert anonymous.status_code == 401


def test_photos_of_a_withdrawn_listing_cannot_change(api, make_listing):
    listing = make_listing()
    api.post(f"/listings/{listing['id']}/withdraw")
    response = api.upload(listing["id"], imaging.webp(), "a.webp")
    assert response.status_code == 409
    assert response.get_json()["current_status"] == "withdrawn"


def test_colour_profiles_are_converted_or_ignored_never_fatal():
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert images._transform_to_srgb(srgb, "RGB") is None  # sRGB already: no work
    for icc in (srgb, b"not a profile"):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (200, 100, 50)).save(buffer, "JPEG", icc_profile=icc)
        result = _no_metadata(images.process(buffer.getvalue(), "a.jpg").original.data)
        assert result.getpixel((20, 15))[0] > 150
    buffer = io.BytesIO()
    Image.new("CMYK", (40, 30), (0, 128, 255, 0)).save(buffer, "JPEG")
    cmyk = _no_metadata(images.process(buffer.getvalue(), "cmyk.jpg").original.data)
    assert cmyk.mode == "RGB"
