"""Hostile uploads: a JPEG that is also an HTML page (a polyglot) is re-encoded, so what
is served is an image and nothing of the payload survives."""

import io

from PIL import Image

from app.db import commit
from app.listings.categories import ensure_categories
from tests.conftest import bearer

PAYLOAD = b"<html><script>alert(document.cookie)</script></html>"


def _polyglot() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 60)).save(buffer, "JPEG", quality=80)
    jpeg = buffer.getvalue()
    # A COM segment with the payload right after SOI, and the page again after EOI.
    comment = b"\xff\xfe" + (len(PAYLOAD) + 2).to_bytes(2, "big") + PAYLOAD
    return jpeg[:2] + comment + jpeg[2:] + PAYLOAD


def test_polyglot_upload_is_served_as_a_clean_image(app, client, make):
    ensure_categories()
    commit()
    owner = make.user(make.org())
    token = make.token(owner)
    listing = client.post("/api/v1/listings", headers=bearer(token), json={
        "title": "Stoler", "category": "chair", "condition": "good", "quantity": 4,
        "unit": "pcs", "price_nok": 0, "postcode": "1383"}).get_json()
    data = _polyglot()
    assert PAYLOAD in data and Image.open(io.BytesIO(data)).format == "JPEG"
    response = client.post(f"/api/v1/listings/{listing['id']}/images", headers=bearer(token),
                           data={"file": (io.BytesIO(data), "stol.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    for url in response.get_json()["urls"].values():
        served = client.get(url)
        assert served.status_code == 200
        assert served.mimetype == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        body = served.get_data()
        assert b"<script" not in body and b"<html" not in body
        assert Image.open(io.BytesIO(body)).format == "JPEG"
        served.close()


def test_html_named_as_an_image_is_refused(app, client, make):
    ensure_categories()
    commit()
    owner = make.user(make.org())
    token = make.token(owner)
    listing = client.post("/api/v1/listings", headers=bearer(token), json={
        "title": "Stoler", "category": "chair", "condition": "good", "quantity": 4,
        "unit": "pcs", "price_nok": 0, "postcode": "1383"}).get_json()
    response = client.post(f"/api/v1/listings/{listing['id']}/images", headers=bearer(token),
                           data={"file": (io.BytesIO(PAYLOAD), "stol.jpg", "image/jpeg")},
                           content_type="multipart/form-data")
    assert response.status_code == 415
    assert client.get(f"/api/v1/listings/{listing['id']}",
                      headers=bearer(token)).get_json()["images"] == []
