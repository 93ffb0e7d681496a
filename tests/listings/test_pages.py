"""Listing pages through real HTTP: browse, detail, ours, create, edit, photos, states."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app.db import db
from app.listings.models import Listing, ListingImage
from tests.listings import imaging

FORM = {"title": "Skrivebord i bjørk", "category": "desk", "condition": "good",
        "quantity": "10", "unit": "pcs", "unit_weight_kg": "", "price_nok": "150,50",
        "postcode": "1389", "address": "Bråtan 12", "lat": "", "lng": "",
        "available_from": "", "available_until": "2099-05-01", "material": "Bjørk",
        "dimensions": "140 x 70 cm", "description": "Noen riper.",
        "pickup_instructions": "Ring først."}


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Listing.id)))


def _labelled(html: str) -> None:
    """Every visible form control has a <label for=...>."""
    labels = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    for tag, attrs in re.findall(r"<(input|select|textarea)([^>]*)>", html):
        if 'type="hidden"' in attrs or 'type="submit"' in attrs:
            continue
        control_id = re.search(r'id="([^"]+)"', attrs)
        assert control_id and control_id.group(1) in labels, f"unlabelled {tag}{attrs}"


@pytest.fixture
def logged_in(client, auth, owner):
    auth.login(owner.user.email)
    return auth


def _post(client, auth, path, data, page=None, **kw):
    return client.post(path, data={"csrf_token": auth.csrf(page or path), **data}, **kw)


def test_browse_shows_published_listings_with_pagination(client, make_listing):
    for n in range(25):
        make_listing(publish=True, title=f"Stol {n}")
    make_listing(title="Hemmelig utkast")
    first = client.get("/listings")
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "25 annonser" in html and "Gratis" in html and "Hemmelig utkast" not in html
    assert 'rel="next" href="/listings?page=2"' in html
    second = client.get("/listings?page=2").get_data(as_text=True)
    assert second.count('class="listing-card"') == 1
    assert "Stol" in client.get("/listings?category=furniture").get_data(as_text=True)
    assert "0 annonser" in client.get("/listings?category=door").get_data(as_text=True)


def test_detail_page_shows_the_facts_and_escapes_text(client, make_listing, api):
    listing = make_listing(publish=True, title="<script>alert(1)</script> stoler",
                           description="Linje 1\n<b>fet</b>", price_nok=0)
    api.upload(listing["id"], imaging.jpeg(), "a.jpg")
    response = client.get(f"/listings/{listing['id']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; stoler" in html and "&lt;b&gt;fet" in html
    assert "Gratis" in html and "24 stk" in html and "15 kg per stk (anslått)" in html
    assert "360 kg totalt" in html and "Heggedal Bygg AS" in html and "Nesbru" in html
    assert "31. januar 2099" in html and "/media/" in html


def test_priced_listing_shows_kroner(client, make_listing):
    listing = make_listing(publish=True, price_nok=1234.5)
    html = client.get(f"/listings/{listing['id']}").get_data(as_text=True)
    assert "kr 1\u202f234,50 per stk" in html
    assert "Selges av" in html and "Gis bort av" not in html  # a priced listing is sold
    gift = make_listing(publish=True, price_nok=0)
    assert "Gis bort av" in client.get(f"/listings/{gift['id']}").get_data(as_text=True)


def test_every_page_names_its_icon_and_the_icon_is_served(client):
    """Browsers asked for a missing /favicon.ico on every page (issue 15)."""
    import re

    html = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    icon = client.get(href)
    try:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    finally:
        icon.close()


def test_private_listing_pages_are_404_for_others(client, auth, make_listing, other):
    draft = make_listing()
    assert client.get(f"/listings/{draft['id']}").status_code == 404
    auth.login(other.user.email)
    assert client.get(f"/listings/{draft['id']}").status_code == 404
    assert client.get(f"/listings/{draft['id']}/edit").status_code == 404
    published = make_listing(publish=True)
    assert client.get(f"/listings/{published['id']}/edit").status_code == 403
    response = _post(client, auth, f"/listings/{published['id']}/withdraw", {}, page="/")
    assert response.status_code == 403
    assert db.session.get(Listing, published["id"]).status == "published"


def test_mine_needs_login_and_shows_every_status(client, logged_in, make_listing, api):
    draft, gone = make_listing(title="Utkastet"), make_listing(title="Borte")
    api.post(f"/listings/{gone['id']}/withdraw")
    html = client.get("/listings/mine").get_data(as_text=True)
    assert "Utkastet" in html and "Borte" in html and "trukket tilbake" in html
    only = client.get("/listings/mine?status=draft").get_data(as_text=True)
    assert "Utkastet" in only and "Borte" not in only
    logged_in.logout()
    assert client.get("/listings/mine").status_code == 302
    assert draft


def test_create_form_is_labelled_and_saves_a_draft(client, logged_in, owner):
    page = client.get("/listings/new")
    assert page.status_code == 200
    _labelled(page.get_data(as_text=True))
    response = _post(client, logged_in, "/listings/new", {**FORM, "action": "draft"})
    assert response.status_code == 302
    listing = db.session.scalar(sa.select(Listing))
    assert response.headers["Location"].endswith(f"/listings/{listing.id}/edit")
    assert listing.status == "draft" and listing.price_ore == 15050
    assert listing.weight_estimated and listing.unit_weight_kg == 35
    assert listing.available_until.isoformat() == "2099-05-01T21:59:59+00:00"
    assert listing.organization_id == owner.org.id and listing.district == "Heggedal"


def test_create_and_publish_at_once(client, logged_in):
    response = _post(client, logged_in, "/listings/new", {**FORM, "action": "publish"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Listing.status)) == "published"


@pytest.mark.parametrize(("change", "message"), [
    ({"quantity": "0"}, "Antallet må være større enn 0."),
    ({"price_nok": "-1"}, "Prisen kan ikke være negativ."),
    ({"price_nok": "1,005"}, "Høyst 2 desimaler."),
    ({"postcode": "99"}, "Postnummer må være fire siffer."),
    ({"postcode": "9990"}, "Ukjent postnummer 9990"),
    ({"available_until": "31.12.2099"}, "Ugyldig dato"),
    ({"title": "x" * 121}, "Kan ikke være lengre enn 120 tegn."),
])
def test_invalid_create_is_422_with_inline_errors_and_saves_nothing(client, logged_in, change,
                                                                    message):
    response = _post(client, logged_in, "/listings/new", {**FORM, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and 'class="ds-error-summary"' in html and 'aria-invalid="true"' in html
    assert _count() == 0


def test_create_without_csrf_is_refused(client, logged_in):
    response = client.post("/listings/new", data=FORM)
    assert response.status_code == 400 and _count() == 0


def test_edit_changes_only_what_changed(client, logged_in, make_listing):
    listing = make_listing(lat=59.9, lng=10.4)
    page = client.get(f"/listings/{listing['id']}/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="Kontorstoler, svarte"' in html
    _labelled(html)
    assert "anslått vekt på 15 kg" in html
    fields = dict(re.findall(r'<input[^>]*id="([a-z_]+)"[^>]*value="([^"]*)"', html))
    data = {name: fields.get(name, "") for name in FORM}
    data.update(category="office-chair", condition="good", unit="pcs",
                description="Håg H05, 24 stk.", pickup_instructions="", title="Nye stoler")
    response = _post(client, logged_in, f"/listings/{listing['id']}/edit", data)
    assert response.status_code == 302
    row = db.session.get(Listing, listing["id"])
    db.session.refresh(row)
    assert row.title == "Nye stoler" and row.lat == 59.9 and row.weight_estimated
    data.update(postcode="3470")
    _post(client, logged_in, f"/listings/{listing['id']}/edit", data)
    db.session.refresh(row)
    assert (row.district, row.lat) == ("Slemmestad", 59.782)
    bad = _post(client, logged_in, f"/listings/{listing['id']}/edit", {**data, "quantity": "-4"})
    assert bad.status_code == 422 and "større enn 0" in bad.get_data(as_text=True)


def test_publish_and_withdraw_buttons(client, logged_in, make_listing):
    listing = make_listing()
    response = _post(client, logged_in, f"/listings/{listing['id']}/publish", {}, page="/")
    assert response.status_code == 302
    assert db.session.get(Listing, listing["id"]).status == "published"
    detail = client.get(f"/listings/{listing['id']}").get_data(as_text=True)
    assert "Trekk tilbake" in detail
    _post(client, logged_in, f"/listings/{listing['id']}/withdraw", {}, page="/")
    assert db.session.get(Listing, listing["id"]).status == "withdrawn"
    again = _post(client, logged_in, f"/listings/{listing['id']}/publish", {}, page="/")
    assert again.status_code == 409 and "trukket tilbake" in again.get_data(as_text=True)


def test_expired_listing_needs_a_new_date_before_publishing(client, logged_in, make_listing):
    from datetime import timedelta

    from app.db import commit, utcnow

    listing = make_listing(publish=True)
    row = db.session.get(Listing, listing["id"])
    row.status, row.available_until = "expired", utcnow() - timedelta(days=1)
    commit()
    response = _post(client, logged_in, f"/listings/{listing['id']}/publish", {}, page="/")
    assert response.status_code == 422
    assert "Sett en ny dato" in response.get_data(as_text=True)


def test_photo_upload_on_the_edit_page(client, logged_in, make_listing):
    listing = make_listing()
    path = f"/listings/{listing['id']}/images"
    ok = _post(client, logged_in, path, {"file": (io.BytesIO(imaging.jpeg()), "foto.jpg")},
               page=f"/listings/{listing['id']}/edit", content_type="multipart/form-data")
    assert ok.status_code == 302
    page = client.get(f"/listings/{listing['id']}/edit").get_data(as_text=True)
    assert "(1/10)" in page and 'enctype="multipart/form-data"' in page
    wrong = _post(client, logged_in, path, {"file": (io.BytesIO(imaging.png()), "foto.jpg")},
                  page=f"/listings/{listing['id']}/edit", content_type="multipart/form-data")
    assert wrong.status_code == 415 and "PNG-bilde" in wrong.get_data(as_text=True)
    broken = _post(client, logged_in, path,
                   {"file": (io.BytesIO(imaging.truncated_jpeg()), "halv.jpg")},
                   page=f"/listings/{listing['id']}/edit", content_type="multipart/form-data")
    assert broken.status_code == 422
    empty = _post(client, logged_in, path, {}, page=f"/listings/{listing['id']}/edit",
                  content_type="multipart/form-data")
    assert empty.status_code == 422
    image_id = db.session.scalar(sa.select(ListingImage.id))
    gone = _post(client, logged_in, f"{path}/{image_id}/delete", {},
                 page=f"/listings/{listing['id']}/edit")
    assert gone.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ListingImage.id))) == 0


def test_nav_links_to_listings(client, logged_in):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/listings"' in html and 'href="/listings/mine"' in html
