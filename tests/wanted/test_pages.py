"""Wanted-request pages through real HTTP with CSRF: create (also from a search), view,
edit, close, browse, ours; bad input; permissions."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.db import db
from app.wanted.models import WantedRequest
from tests.listings.test_pages import _labelled

FORM = {"title": "Skrivebord til skolen", "categories": ["desk", "height-adjustable-desk"],
        "description": "Til to klasserom.", "quantity": "30", "min_quantity": "5",
        "unit": "pcs", "max_price_nok": "250,50", "min_condition": "fair",
        "postcode": "1389", "lat": "", "lng": "", "radius_km": "15",
        "needed_by": "2099-08-01"}


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(WantedRequest.id)))


@pytest.fixture
def logged_in(auth, requester):
    auth.login(requester.user.email)
    return auth


def _post(client, auth, path, data, page=None, **kw):
    return client.post(path, data={"csrf_token": auth.csrf(page or path), **data}, **kw)


def test_create_view_edit_and_close(client, logged_in, requester):
    page = client.get("/wanted/new")
    assert page.status_code == 200
    _labelled(page.get_data(as_text=True))
    response = _post(client, logged_in, "/wanted/new", FORM)
    assert response.status_code == 302
    wanted = db.session.scalars(sa.select(WantedRequest)).one()
    assert response.headers["Location"] == f"/wanted/{wanted.id}"
    assert wanted.category_slugs == ["desk", "height-adjustable-desk"]
    assert (wanted.max_price_ore, wanted.min_condition, wanted.district) == (25050, "fair",
                                                                            "Heggedal")
    html = client.get(f"/wanted/{wanted.id}").get_data(as_text=True)
    assert "Skrivebord til skolen" in html and "Høyst kr 250,50 per stk" in html
    assert "Ingen treff ennå" in html and "Marker som oppfylt" in html
    edit = client.get(f"/wanted/{wanted.id}/edit").get_data(as_text=True)
    assert 'value="250,50"' in edit and '<option selected value="desk">' in edit
    changed = _post(client, logged_in, f"/wanted/{wanted.id}/edit",
                    {**FORM, "title": "Pulter", "postcode": "3440"})
    assert changed.status_code == 302
    db.session.expire_all()
    assert (wanted.title, wanted.district) == ("Pulter", "Røyken")
    mine = client.get("/wanted/mine").get_data(as_text=True)
    assert "Pulter" in mine and "1 ønske" in mine
    assert "Pulter" in client.get("/wanted").get_data(as_text=True)
    closed = _post(client, logged_in, f"/wanted/{wanted.id}/close", {"fulfilled": "y"},
                   page=f"/wanted/{wanted.id}")
    assert closed.status_code == 302
    db.session.expire_all()
    assert wanted.status == "fulfilled"
    assert "Pulter" not in client.get("/wanted").get_data(as_text=True)
    assert "Oppfylt" in client.get("/wanted/mine?status=fulfilled").get_data(as_text=True)


@pytest.mark.parametrize(("change", "message"), [
    ({"radius_km": "600"}, "Radiusen kan ikke være over 500 km."),
    ({"radius_km": "-1"}, "Radiusen må være større enn 0 km."),
    ({"min_quantity": "31"}, "Kan ikke være større enn antallet dere ønsker"),
    ({"needed_by": "2001-01-01"}, "Datoen kan ikke være passert."),
    ({"max_price_nok": "-5"}, "Makspris kan ikke være negativ."),
    ({"postcode": "9999"}, "Ukjent postnummer 9999"),
    ({"categories": []}, "Velg minst én kategori."),
    ({"min_condition": "mint"}, "Ukjent tilstand"),
])
def test_bad_input_shows_field_errors_and_saves_nothing(client, logged_in, change, message):
    response = _post(client, logged_in, "/wanted/new", {**FORM, **change})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "error-summary" in html
    assert _count() == 0


def test_without_csrf_nothing_happens(client, logged_in):
    response = client.post("/wanted/new", data=FORM)
    assert response.status_code in (200, 400, 422) and _count() == 0


def test_save_a_search_as_a_request(client, logged_in):
    html = client.get("/wanted/new?q=kontorstol+svart&category=office-chair&condition=good"
                      "&condition=like_new&max_price=100&postcode=1383&radius_km=10"
                      ).get_data(as_text=True)
    assert 'value="kontorstol svart"' in html
    assert '<option selected value="office-chair">' in html
    assert '<option selected value="good">' in html
    assert 'value="100"' in html and 'value="1383"' in html and 'value="10"' in html
    free = client.get("/wanted/new?free=1").get_data(as_text=True)
    assert re.search(r'id="max_price_nok"[^>]*value="0"', free)


def test_permissions(client, auth, make_request, stranger, requester):
    wanted = make_request()
    assert client.get("/wanted/new").status_code == 302  # to the login page
    auth.login(stranger.user.email)
    assert client.get(f"/wanted/{wanted['id']}").status_code == 200
    assert "Marker som oppfylt" not in client.get(f"/wanted/{wanted['id']}").get_data(
        as_text=True)
    assert client.get(f"/wanted/{wanted['id']}/edit").status_code == 403
    response = _post(client, auth, f"/wanted/{wanted['id']}/close", {},
                     page=f"/wanted/{wanted['id']}")
    assert response.status_code == 403
    db.session.get(WantedRequest, wanted["id"]).status = "closed"
    from app.db import commit

    commit()
    assert client.get(f"/wanted/{wanted['id']}").status_code == 404
    assert client.get("/wanted/999999").status_code == 404


def test_the_search_page_saves_a_search_as_a_request(client, logged_in):
    import html as html_lib

    page = client.get("/search?q=kontorstol&category=office-chair&condition=good"
                      "&condition=like_new&max_price=150&postcode=1383&radius_km=10")
    assert page.status_code == 200
    link = re.search(r'<a class="ds-button save-as-wanted" data-variant="secondary" '
                     r'href="([^"]+)">Lagre søket som ønske</a>', page.get_data(as_text=True))
    assert link and link.group(1).startswith("/wanted/new?")
    form = client.get(html_lib.unescape(link.group(1))).get_data(as_text=True)
    assert 'value="kontorstol"' in form and '<option selected value="office-chair">' in form
    assert '<option selected value="good">' in form and 'value="150"' in form
    assert 'value="1383"' in form and 'value="10"' in form
