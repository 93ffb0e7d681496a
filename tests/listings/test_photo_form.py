"""Photos in the listing form (create and edit) through real HTTP with real image files:
several at once, a refused one keeps what was typed and the accepted ones, order, cover,
remove, pending photos uploaded before the listing exists, the photo viewer's markup."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from app.db import db
from app.listings import photos
from app.listings.models import Listing, ListingImage
from tests.listings import imaging

FORM = {"title": "Kontorstoler, røde", "category": "office-chair", "condition": "good",
        "quantity": "12", "unit": "pcs", "unit_weight_kg": "", "price_nok": "",
        "postcode": "1394", "address": "Nesbruveien 75", "lat": "", "lng": "",
        "available_from": "", "available_until": "2099-05-01", "material": "",
        "dimensions": "", "description": "Godt brukt.", "pickup_instructions": ""}


def _colour(rgb, fmt="JPEG", size=(640, 480)) -> bytes:
    """A one-colour photo, so the stored order can be told apart by its pixels."""
    buffer = io.BytesIO()
    Image.new("RGB", size, rgb).save(buffer, fmt)
    return buffer.getvalue()


RED, GREEN, BLUE = (200, 30, 30), (30, 160, 60), (30, 40, 200)


def _noisy_jpeg(size=(400, 300)) -> bytes:
    """Random pixels: a JPEG that cannot be compressed (about 140 kB; the request stays
    under the test client's 500 kB, above which it spools the body to a file it never
    closes)."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


@pytest.fixture
def logged_in(client, auth, owner):
    auth.login(owner.user.email)
    return auth


def _post(client, auth, path, data, page=None):
    body = {"csrf_token": auth.csrf(page or path)}
    body.update(data)
    return client.post(path, data=body, content_type="multipart/form-data")


def _files(*items):
    return [(io.BytesIO(data), name) for data, name in items]


def _refs(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="photo" value="([^"]+)"', html)


def _stored_colours(app, listing_id: int) -> list[tuple[int, int, int]]:
    rows = db.session.scalars(sa.select(ListingImage).where(ListingImage.listing_id == listing_id)
                              .order_by(ListingImage.position))
    root = Path(app.config["MEDIA_ROOT"])
    colours = []
    for row in rows:
        with Image.open(root / row.thumb_path) as image:
            colours.append(image.convert("RGB").getpixel((10, 10)))
    return colours


def _named(colours) -> list[str]:
    """Each stored pixel as the name of the nearest of red, green and blue."""
    names = {"red": RED, "green": GREEN, "blue": BLUE}
    return [min(names, key=lambda n: sum((a - b) ** 2 for a, b in zip(names[n], c, strict=True)))
            for c in colours]


def _count(model=ListingImage) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_create_with_three_photos_in_one_form_and_publish(client, logged_in, app):
    response = _post(client, logged_in, "/listings/new", {
        **FORM, "action": "publish",
        "photos": _files((_colour(RED), "rod.jpg"), (_colour(GREEN, "PNG"), "gronn.png"),
                         (_colour(BLUE, "WEBP"), "bla.webp"))})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    listing = db.session.scalar(sa.select(Listing))
    assert response.headers["Location"].endswith(f"/listings/{listing.id}")
    assert listing.status == "published"
    assert _named(_stored_colours(app, listing.id)) == ["red", "green", "blue"]
    positions = list(db.session.scalars(sa.select(ListingImage.position)
                                        .order_by(ListingImage.position)))
    assert positions == [1, 2, 3]
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'alt="Bilde 1 av 3: Kontorstoler, røde"' in page
    assert 'alt="Bilde 3 av 3: Kontorstoler, røde"' in page
    assert '<dialog class="photo-viewer"' in page and "/static/js/viewer.js" in page
    assert page.count('class="photo-open"') == 3  # each a plain link to the large photo


def test_a_refused_photo_keeps_what_was_typed_and_the_accepted_photos(client, logged_in, app):
    app.config["IMAGE_MAX_BYTES"] = 100_000
    big = _noisy_jpeg()
    assert len(big) > 100_000
    response = _post(client, logged_in, "/listings/new", {
        **FORM, "quantity": "0", "action": "publish",
        "photos": _files((_colour(RED), "rod.jpg"), (imaging.truncated_jpeg(), "halv.jpg"),
                         (big, "stor.jpg"), (b"%PDF-1.4 not an image", "skjema.jpg"),
                         (_colour(BLUE, "PNG"), "bla.png"))})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _count(Listing) == 0 and _count() == 0  # nothing saved
    # typed values are kept
    assert 'value="Kontorstoler, røde"' in html and 'value="Nesbruveien 75"' in html
    assert "Godt brukt." in html
    # each refused file is named next to the field and in the error summary
    field_errors = html.split('id="photos-error"', 1)[1].split("</div>", 1)[0]
    for text in ("«halv.jpg»: Bildet er skadet", "«stor.jpg»: Bildet er større enn grensen",
                 "«skjema.jpg»: Filen er ikke et bilde"):
        assert text in field_errors
    summary = html.split('class="ds-error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#photos"' in summary and "«stor.jpg»" in summary
    assert "Antallet må være større enn 0." in summary
    assert 'aria-invalid="true"' in html.split('id="photos"', 1)[1].split(">", 1)[0]
    # the two accepted photos come back as pending photos with their previews
    refs = _refs(html)
    assert len(refs) == 2 and all(ref.startswith("p:") for ref in refs)
    assert html.count('<img src="/media/') == 2
    # corrected and sent again: the listing is saved with those two photos
    again = _post(client, logged_in, "/listings/new", {
        **FORM, "action": "publish", "photo": refs, "photo_order": ["1", "2"]})
    assert again.status_code == 302
    listing = db.session.scalar(sa.select(Listing))
    assert _named(_stored_colours(app, listing.id)) == ["red", "blue"]


def test_order_cover_and_remove_without_javascript(client, logged_in, app):
    first = _post(client, logged_in, "/listings/new", {
        **FORM, "title": "", "action": "draft",
        "photos": _files((_colour(RED), "1.jpg"), (_colour(GREEN), "2.jpg"),
                         (_colour(BLUE), "3.jpg"))})
    assert first.status_code == 422  # the title is missing; the photos are pending
    refs = _refs(first.get_data(as_text=True))
    assert len(refs) == 3
    # typed order 3, 1, 2 (blue, red, green); green is ticked as the cover; red removed
    response = _post(client, logged_in, "/listings/new", {
        **FORM, "action": "draft", "photo": refs, "photo_order": ["2", "3", "1"],
        "photo_cover": refs[1], "photo_remove": refs[0]})
    assert response.status_code == 302
    listing = db.session.scalar(sa.select(Listing))
    assert _named(_stored_colours(app, listing.id)) == ["green", "blue"]


def test_edit_reorders_covers_removes_and_adds_in_one_save(client, logged_in, app, api,
                                                           make_listing):
    listing = make_listing()
    for data, name in ((_colour(RED), "r.jpg"), (_colour(GREEN), "g.jpg"),
                       (_colour(BLUE), "b.jpg")):
        assert api.upload(listing["id"], data, name).status_code == 201
    edit_path = f"/listings/{listing['id']}/edit"
    html = client.get(edit_path).get_data(as_text=True)
    refs = _refs(html)
    assert len(refs) == 3 and all(r.startswith("i:") for r in refs)
    assert "(3/10)" in html and 'name="photo_cover"' in html and "/static/js/photos.js" in html
    removed_paths = db.session.get(ListingImage, int(refs[0][2:])).paths
    form = {**FORM, "title": "Kontorstoler, svarte", "category": "office-chair",
            "postcode": "1394", "action": "save"}
    # a field error: nothing changes, the new photo is kept as pending, choices stay
    bad = _post(client, logged_in, edit_path, {
        **form, "quantity": "-1", "photo": refs, "photo_order": ["1", "2", "3"],
        "photo_cover": refs[2], "photo_remove": refs[0],
        "photos": _files((_colour(RED, "PNG"), "ny.png"))}, page=edit_path)
    bad_html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert _named(_stored_colours(app, listing["id"])) == ["red", "green", "blue"]
    kept = _refs(bad_html)
    assert kept[0] == refs[2] and kept[1] == refs[1] and kept[2].startswith("p:")
    assert f'<input type="hidden" name="photo_remove" value="{refs[0]}">' in bad_html
    # the same choices, corrected: blue is the cover, then green, then the new red
    good = _post(client, logged_in, edit_path, {
        **form, "photo": kept, "photo_order": ["1", "2", "3"], "photo_remove": refs[0]},
        page=edit_path)
    assert good.status_code == 302
    assert _named(_stored_colours(app, listing["id"])) == ["blue", "green", "red"]
    row = db.session.get(Listing, listing["id"])
    assert row.title == "Kontorstoler, svarte"
    root = Path(app.config["MEDIA_ROOT"])
    assert not any((root / p).exists() for p in removed_paths)  # removed after commit
    assert [i["position"] for i in api.get(f"/listings/{listing['id']}").get_json()["images"]] \
        == [1, 2, 3]


def test_an_edit_form_without_the_photo_list_keeps_the_photos(client, logged_in, api,
                                                              make_listing):
    listing = make_listing()
    assert api.upload(listing["id"], _colour(RED), "r.jpg").status_code == 201
    edit_path = f"/listings/{listing['id']}/edit"
    response = _post(client, logged_in, edit_path, {**FORM, "action": "save"}, page=edit_path)
    assert response.status_code == 302
    assert _count() == 1


def test_more_than_ten_photos_are_refused_by_name(client, logged_in):
    small = imaging.jpeg((64, 48), orientation=None)
    files = _files(*[(small, f"{n}.jpg") for n in range(11)])
    response = _post(client, logged_in, "/listings/new", {**FORM, "action": "draft",
                                                          "photos": files})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _count(Listing) == 0
    assert "«10.jpg» ble ikke lagt til: en annonse kan ha høyst 10 bilder." in html
    assert len(_refs(html)) == 10


def test_pending_upload_endpoint_answers_json(client, logged_in, app):
    token = logged_in.csrf("/listings/new")
    ok = client.post("/listings/photos", data={"file": (io.BytesIO(imaging.jpeg()), "a.jpg")},
                     headers={"X-CSRFToken": token, "Accept": "application/json"},
                     content_type="multipart/form-data")
    assert ok.status_code == 201
    body = ok.get_json()
    assert body["ref"].startswith("p:") and body["thumb"].startswith("/media/")
    assert (body["width"], body["height"]) == (200, 400)  # turned by its EXIF orientation
    served = client.get(body["thumb"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    served.close()
    assert _count() == 0  # no row until the listing is saved
    bad = client.post("/listings/photos",
                      data={"file": (io.BytesIO(imaging.truncated_jpeg()), "halv.jpg")},
                      headers={"X-CSRFToken": token, "Accept": "application/json"},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert "skadet" in bad.get_json()["errors"]["file"][0]
    wrong = client.post("/listings/photos",
                        data={"file": (io.BytesIO(imaging.gif()), "a.gif")},
                        headers={"X-CSRFToken": token, "Accept": "application/json"},
                        content_type="multipart/form-data")
    assert wrong.status_code == 415 and "GIF" in wrong.get_json()["errors"]["file"][0]
    missing = client.post("/listings/photos", data={},
                          headers={"X-CSRFToken": token, "Accept": "application/json"},
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.get_json()["errors"]["file"]
    no_csrf = client.post("/listings/photos",
                          data={"file": (io.BytesIO(imaging.jpeg()), "a.jpg")},
                          content_type="multipart/form-data")
    assert no_csrf.status_code == 400
    # the answer's reference saves the photo with the listing
    saved = _post(client, logged_in, "/listings/new", {**FORM, "action": "draft",
                                                       "photo": [body["ref"]]})
    assert saved.status_code == 302 and _count() == 1


def test_pending_references_of_others_forged_or_old_are_refused(client, logged_in, app, make,
                                                               owner, categories):
    with app.test_request_context():
        mine = photos.accept_upload(io.BytesIO(_colour(RED)), "r.jpg", "image/jpeg",
                                    owner.user.id)
        stranger = make.user(make.org("reuse_shop", name="Annen AS"), "owner")
        theirs = photos.accept_upload(io.BytesIO(_colour(GREEN)), "g.jpg", "image/jpeg",
                                      stranger.id)
    forged = mine.token[:-3] + ("AAA" if not mine.token.endswith("AAA") else "BBB")
    for ref in (f"p:{theirs.token}", f"p:{forged}"):
        response = _post(client, logged_in, "/listings/new", {**FORM, "action": "draft",
                                                              "photo": [ref]})
        assert response.status_code == 422 and _count(Listing) == 0
        assert "ikke lenger tilgjengelig" in response.get_data(as_text=True)
    original_age = photos.PENDING_MAX_AGE
    photos.PENDING_MAX_AGE = -1  # every token is now too old
    try:
        old = _post(client, logged_in, "/listings/new", {**FORM, "action": "draft",
                                                         "photo": [f"p:{mine.token}"]})
    finally:
        photos.PENDING_MAX_AGE = original_age
    assert old.status_code == 422 and "to døgn" in old.get_data(as_text=True)
    ok = _post(client, logged_in, "/listings/new", {**FORM, "action": "draft",
                                                    "photo": [f"p:{mine.token}"]})
    assert ok.status_code == 302 and _count() == 1


def test_photos_of_another_listing_cannot_be_claimed(client, logged_in, api, make_listing,
                                                      other, auth):
    theirs = make_listing(token=other.token)
    assert api.upload(theirs["id"], _colour(RED), "r.jpg", token=other.token).status_code == 201
    image_id = db.session.scalar(sa.select(ListingImage.id))
    response = _post(client, logged_in, "/listings/new", {**FORM, "action": "draft",
                                                          "photo": [f"i:{image_id}"]})
    assert response.status_code == 302
    mine = db.session.scalar(sa.select(Listing).where(Listing.id != theirs["id"]))
    assert mine.images == []
    assert db.session.get(ListingImage, image_id).listing_id == theirs["id"]


def test_the_pending_upload_needs_a_login_and_an_organisation(client, auth, make):
    anonymous = client.post("/listings/photos", headers={"X-CSRFToken": auth.csrf("/login")})
    assert anonymous.status_code in (302, 401)
    loner = make.user(None)
    auth.login(loner.email)
    token = auth.csrf("/")
    response = client.post("/listings/photos", headers={"X-CSRFToken": token},
                           data={"file": (io.BytesIO(imaging.jpeg()), "a.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 403


def test_prune_deletes_only_old_files_no_photo_uses(client, logged_in, app, api, make_listing,
                                                    runner, owner):
    listing = make_listing()
    assert api.upload(listing["id"], _colour(RED), "r.jpg").status_code == 201
    saved = db.session.scalar(sa.select(ListingImage))
    with app.test_request_context():
        pending = photos.accept_upload(io.BytesIO(_colour(BLUE)), "b.jpg", "image/jpeg",
                                       owner.user.id)
        fresh = photos.accept_upload(io.BytesIO(_colour(GREEN)), "g.jpg", "image/jpeg", 1)
    root = Path(app.config["MEDIA_ROOT"])
    old = photos.PRUNE_AFTER + 60
    for path in (*saved.paths, pending.original_path, pending.medium_path, pending.thumb_path):
        stamp = (root / path).stat().st_mtime - old
        os.utime(root / path, (stamp, stamp))
    result = runner.invoke(args=["listings", "prune-photos"])
    assert result.exit_code == 0 and "3 unused photo files deleted" in result.output
    assert all((root / p).exists() for p in saved.paths)  # used by a listing
    assert (root / fresh.thumb_path).exists()  # recent: its token may still be sent
    assert not (root / pending.thumb_path).exists()
    response = _post(client, logged_in, "/listings/new", {**FORM, "action": "draft",
                                                          "photo": [f"p:{pending.token}"]})
    assert response.status_code == 422
    assert "ikke lenger tilgjengelig" in response.get_data(as_text=True)
    # uploading the same photo again stores it anew and refreshes the time
    with app.test_request_context():
        again = photos.accept_upload(io.BytesIO(_colour(BLUE)), "b.jpg", "image/jpeg", 1)
    assert (root / again.thumb_path).exists()

