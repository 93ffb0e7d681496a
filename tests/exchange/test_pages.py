"""The reservation pages: reserve from the listing page, "Mine reservasjoner", one
reservation with its actions and thread, the emission-factor page. Forms with CSRF."""

import re

import sqlalchemy as sa

from app.db import db
from app.exchange.models import Reservation, ReuseRecord
from tests.exchange.conftest import snapshot


def _login(auth, party):
    response = auth.login(party.user.email)
    assert response.status_code == 302


def _post(client, auth, path, data, page=None):
    token = auth.csrf(page or path)
    return client.post(path, data={**data, "csrf_token": token})


def _reservation_id(response) -> int:
    match = re.search(r"/reservations/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def test_anonymous_sees_a_login_link_and_pages_need_login(client, make_listing):
    listing = make_listing()
    html = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Logg inn for å reservere" in html
    assert client.get("/reservations").status_code == 302
    assert client.get("/reservations/1").status_code == 302


def test_reserve_accept_talk_and_hand_over_in_the_browser(client, auth, make_listing, seller,
                                                          buyer):
    listing = make_listing(quantity=5)
    _login(auth, buyer)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert f'action="/listings/{listing.id}/reserve"' in page
    assert 'name="csrf_token"' in page and re.search(r'<label [^>]*for="quantity"', page)
    response = _post(client, auth, f"/listings/{listing.id}/reserve",
                     {"quantity": "2", "message": "Kan hente fredag"}, f"/listings/{listing.id}")
    assert response.status_code == 302
    rid = _reservation_id(response)
    html = client.get(f"/reservations/{rid}").get_data(as_text=True)
    assert "Requested" in html and "Kan hente fredag" in html  # the buyer reads English
    assert "Accept and hold" not in html  # the buyer cannot accept
    mine = client.get("/reservations?role=buyer").get_data(as_text=True)
    assert f"/reservations/{rid}" in mine and "My reservations" in mine
    auth.logout()

    _login(auth, seller)
    assert f"/reservations/{rid}" in client.get("/reservations?role=seller").get_data(
        as_text=True)
    response = _post(client, auth, f"/reservations/{rid}/accept",
                     {"pickup_date": "", "pickup_time": ""}, f"/reservations/{rid}")
    assert response.status_code == 302
    html = client.get(f"/reservations/{rid}").get_data(as_text=True)
    assert "Godtatt" in html and "Bruk anslaget: 30 kg" in html
    response = _post(client, auth, f"/reservations/{rid}/messages",
                     {"body": "<script>alert(1)</script> Porten er åpen"})
    assert response.status_code == 302
    html = client.get(f"/reservations/{rid}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Porten er åpen" in html
    assert "<script>alert(1)" not in html
    # weighed, but no number: 422 with the field error, nothing changed
    before = snapshot(listing.id)
    response = _post(client, auth, f"/reservations/{rid}/handover",
                     {"weight_choice": "weighed", "weight_kg": ""})
    assert response.status_code == 422
    assert "Oppgi veid vekt" in response.get_data(as_text=True)
    response = _post(client, auth, f"/reservations/{rid}/handover",
                     {"weight_choice": "weighed", "weight_kg": "9000"})
    assert response.status_code == 422 and "50 ganger" in response.get_data(as_text=True)
    assert snapshot(listing.id) == before
    response = _post(client, auth, f"/reservations/{rid}/handover",
                     {"weight_choice": "weighed", "weight_kg": "28,5"})
    assert response.status_code == 302
    html = client.get(f"/reservations/{rid}").get_data(as_text=True)
    assert "Dere har bekreftet" in html
    auth.logout()

    _login(auth, buyer)
    response = _post(client, auth, f"/reservations/{rid}/handover", {})
    assert response.status_code == 302
    html = client.get(f"/reservations/{rid}").get_data(as_text=True)
    assert "Handed over" in html and "CO2e" in html and "28.5 kg (weighed)" in html
    record = db.session.scalar(sa.select(ReuseRecord))
    assert record.reservation_id == rid and str(record.kg) == "28.500"


def test_bad_reserve_input_is_422_and_changes_nothing(client, auth, make_listing, buyer):
    listing = make_listing(quantity=3)
    _login(auth, buyer)
    before = snapshot(listing.id)
    for quantity, message in (("0", "greater than 0"), ("4", "only 3 left"),
                              ("", "Enter a quantity"), ("1,5", "whole number")):
        response = _post(client, auth, f"/listings/{listing.id}/reserve",
                         {"quantity": quantity}, f"/listings/{listing.id}")
        assert response.status_code == 422, quantity
        html = response.get_data(as_text=True)
        assert message.lower() in html.lower() and 'aria-invalid="true"' in html
    no_csrf = client.post(f"/listings/{listing.id}/reserve", data={"quantity": "1"})
    assert no_csrf.status_code == 400
    assert snapshot(listing.id) == before


def test_own_listing_offers_no_form_and_is_refused(client, auth, make_listing, seller):
    listing = make_listing()
    _login(auth, seller)
    html = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert f'action="/listings/{listing.id}/reserve"' not in html
    assert "Se forespørsler" in html
    response = _post(client, auth, f"/listings/{listing.id}/reserve", {"quantity": "1"},
                     f"/listings/{listing.id}")
    assert response.status_code == 422
    assert "egen organisasjons annonse" in response.get_data(as_text=True)


def test_strangers_get_404_and_wrong_states_409(client, auth, make_listing, reserve, seller,
                                                 stranger):
    reservation = reserve(make_listing())
    _login(auth, stranger)
    assert client.get(f"/reservations/{reservation.id}").status_code == 404
    response = _post(client, auth, f"/reservations/{reservation.id}/accept", {}, "/")
    assert response.status_code == 404
    auth.logout()
    _login(auth, seller)
    page = f"/reservations/{reservation.id}"
    assert _post(client, auth, f"{page}/accept", {}, page).status_code == 302
    again = _post(client, auth, f"{page}/accept", {}, page)
    assert again.status_code == 409
    assert "kan ikke godtas fordi den er godtatt" in again.get_data(as_text=True)
    response = _post(client, auth, f"{page}/pickup", {"pickup_date": "i morgen"}, page)
    assert response.status_code == 422 and "Ugyldig dato" in response.get_data(as_text=True)
    response = _post(client, auth, f"{page}/cancel", {"reason": "Solgt"}, page)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "cancelled"
    assert "Solgt" in client.get(page).get_data(as_text=True)


def test_decline_from_the_page(client, auth, make_listing, reserve, seller):
    reservation = reserve(make_listing())
    _login(auth, seller)
    page = f"/reservations/{reservation.id}"
    assert _post(client, auth, f"{page}/decline", {"reason": "x" * 501}, page).status_code == 422
    assert _post(client, auth, f"{page}/decline", {"reason": "Nei takk"}, page).status_code \
        == 302
    db.session.expire_all()
    assert db.session.get(Reservation, reservation.id).status == "declined"


def test_emission_factor_page_is_public_and_bilingual(client, categories):
    html = client.get("/emission-factors").get_data(as_text=True)
    assert "Utslippsfaktorer" in html and "Freegle" in html and "Reservefaktor" in html
    assert "WRAP" in html and "furniturebank.org" in html
    english = client.get("/emission-factors?lang=en")
    assert english.status_code == 200
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Emission factors with sources" in english.get_data(as_text=True)
    assert "Fallback factor" in english.get_data(as_text=True)
