"""Pickup windows: the rules (end after start, no past slot, a sane count), the API and
the listing form, and which times lie inside a window (Oslo wall-clock, DST included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.db import commit, db
from app.pickup.windows import MAX_WINDOWS, check_windows, describe, window_for
from tests.conftest import bearer
from tests.exchange.conftest import listing_data
from tests.openapi_check import check_response

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # a Friday, 10:00 in Oslo


def test_good_windows_become_rows():
    windows, errors = check_windows([
        {"weekdays": [5, 1, 2, 3, 4], "start": "08:00", "end": "15:00"},
        {"date": "2026-12-07", "start": "10:00", "end": "12:00"}], NOW)
    assert errors == []
    assert [(w.weekdays, w.day, str(w.starts), str(w.ends)) for w in windows] == [
        ("1,2,3,4,5", None, "08:00:00", "15:00:00"),
        (None, datetime(2026, 12, 7).date(), "10:00:00", "12:00:00")]


@pytest.mark.parametrize(("item", "expected"), [
    ({"weekdays": [1], "start": "15:00", "end": "08:00"}, "til-klokkeslettet må være etter"),
    ({"weekdays": [1], "start": "10:00", "end": "10:00"}, "til-klokkeslettet må være etter"),
    ({"date": "2026-12-03", "start": "10:00", "end": "12:00"}, "er passert"),
    ({"date": "2026-12-04", "start": "08:00", "end": "09:30"}, "er passert"),  # today, over
    ({"date": "2028-01-01", "start": "08:00", "end": "09:30"}, "innen ett år"),
    ({"weekdays": [1], "date": "2026-12-07", "start": "10:00", "end": "12:00"},
     "enten ukedager eller en dato"),
    ({"start": "10:00", "end": "12:00"}, "enten ukedager eller en dato"),
    ({"weekdays": [0, 8], "start": "10:00", "end": "12:00"}, "fra 1 (mandag) til 7"),
    ({"weekdays": [1, 1], "start": "10:00", "end": "12:00"}, "hver høyst én gang"),
    ({"weekdays": [1], "start": "25:00", "end": "12:00"}, "fra-klokkeslett som TT:MM"),
    ({"date": "7. desember", "start": "10:00", "end": "12:00"}, "ugyldig dato"),
])
def test_a_wrong_window_is_named_by_its_number(app, item, expected):
    windows, errors = check_windows([{"weekdays": [2], "start": "09:00", "end": "10:00"},
                                     item], NOW)
    assert len(errors) == 1 and errors[0].startswith("Hentetid 2:"), errors
    assert expected in errors[0]


def test_today_later_is_allowed_and_duplicates_and_too_many_are_not(app):
    _, errors = check_windows([{"date": "2026-12-04", "start": "08:00", "end": "11:00"}], NOW)
    assert errors == []  # ends at 11:00, it is 10:00
    same = {"weekdays": [1], "start": "09:00", "end": "10:00"}
    assert "står allerede" in check_windows([same, dict(same)], NOW)[1][0]
    many = [{"weekdays": [1], "start": f"{h:02d}:00", "end": f"{h:02d}:30"}
            for h in range(MAX_WINDOWS + 1)]
    assert check_windows(many, NOW) == ([], [f"Høyst {MAX_WINDOWS} hentetider."])


def test_times_inside_a_window_in_oslo_time_also_in_summer(app):
    from app.listings.models import Listing

    windows, _ = check_windows([{"weekdays": [1, 2, 3, 4, 5], "start": "08:00",
                                 "end": "15:00"}], NOW)
    listing = Listing(pickup_windows=windows)
    winter_monday = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # 08:00 in Oslo (UTC+1)
    summer_monday = datetime(2027, 6, 7, 6, 0, tzinfo=UTC)   # 08:00 in Oslo (UTC+2)
    assert window_for(listing, winter_monday) is windows[0]
    assert window_for(listing, summer_monday) is windows[0]
    assert window_for(listing, summer_monday - timedelta(minutes=1)) is None  # 07:59
    assert window_for(listing, datetime(2026, 12, 7, 14, 0, tzinfo=UTC)) is None  # 15:00
    assert window_for(listing, datetime(2026, 12, 5, 9, 0, tzinfo=UTC)) is None  # Saturday
    with app.test_request_context():
        assert describe(windows[0]) == "man–fre 08:00–15:00"


# --- API ------------------------------------------------------------------------------------


def _future_day(days: int = 10) -> str:
    return (datetime.now(OSLO) + timedelta(days=days)).date().isoformat()


def test_api_sets_replaces_and_refuses_windows(client, seller):
    windows = [{"weekdays": [1, 2, 3, 4, 5], "start": "08:00", "end": "15:00"},
               {"date": _future_day(), "start": "10:00", "end": "12:00"}]
    response = client.post("/api/v1/listings", headers=bearer(seller.token),
                           json={**listing_data(), "pickup_windows": windows})
    check_response(response)
    assert response.status_code == 201, response.get_json()
    listing = response.get_json()
    assert listing["pickup_windows"] == windows

    bad = client.patch(f"/api/v1/listings/{listing['id']}", headers=bearer(seller.token),
                       json={"title": "Nytt navn", "pickup_windows": [
                           {"weekdays": [1], "start": "15:00", "end": "08:00"},
                           {"date": "2020-01-06", "start": "10:00", "end": "12:00"}]})
    check_response(bad)
    assert bad.status_code == 422
    assert bad.headers["Content-Type"].startswith("application/problem+json")
    messages = bad.get_json()["errors"]["pickup_windows"]
    assert messages[0].startswith("Hentetid 1:") and messages[1].startswith("Hentetid 2:")
    again = client.get(f"/api/v1/listings/{listing['id']}",
                       headers=bearer(seller.token)).get_json()
    assert again.get("pickup_windows") == windows, again
    assert again["title"] == listing["title"]

    shape = client.patch(f"/api/v1/listings/{listing['id']}", headers=bearer(seller.token),
                         json={"pickup_windows": "man-fre"})
    assert shape.status_code == 422 and "pickup_windows" in shape.get_json()["errors"]

    cleared = client.patch(f"/api/v1/listings/{listing['id']}", headers=bearer(seller.token),
                           json={"pickup_windows": []})
    check_response(cleared)
    assert cleared.status_code == 200 and cleared.get_json()["pickup_windows"] == []
    from app.pickup.models import PickupWindow

    assert db.session.query(PickupWindow).count() == 0  # the old rows are gone


def test_openapi_describes_the_windows(client):
    document = client.get("/api/v1/openapi.json").get_json()
    body = document["paths"]["/api/v1/listings"]["post"]["requestBody"]["content"]
    schema = body["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    windows = schema["properties"]["pickup_windows"]
    assert windows["type"] == "array" and len(windows["items"]["oneOf"]) == 2


# --- the listing form -----------------------------------------------------------------------


def _form(**rows) -> dict:
    data = {"title": "Dører, hvite", "category": "office-chair", "condition": "good",
            "quantity": "4", "unit": "pcs", "postcode": "1389", "price_nok": "",
            "action": "publish"}
    data.update(rows)
    return data


def test_listing_form_saves_windows_and_shows_them(client, auth, seller):
    auth.login(seller.user.email)
    day = _future_day(5)
    response = client.post("/listings/new", data={
        **_form(), "csrf_token": auth.csrf("/listings/new"),
        "pickup_windows-0-days": "1,2,3,4,5", "pickup_windows-0-start": "08:00",
        "pickup_windows-0-end": "15:00",
        "pickup_windows-1-days": "date", "pickup_windows-1-date": day,
        "pickup_windows-1-start": "10:00", "pickup_windows-1-end": "12:00",
        "pickup_windows-2-days": "", "pickup_windows-2-start": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    from app.listings.models import Listing

    listing = db.session.query(Listing).order_by(Listing.id.desc()).first()
    assert [(w.weekdays, w.day and w.day.isoformat()) for w in listing.pickup_windows] == [
        ("1,2,3,4,5", None), (None, day)]
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Hentetider" in page and "man–fre 08:00–15:00" in page
    edit = client.get(f"/listings/{listing.id}/edit").get_data(as_text=True)
    assert 'value="08:00"' in edit and f'value="{day}"' in edit


def test_listing_form_error_is_next_to_the_windows_and_keeps_what_was_typed(
        client, auth, seller):
    auth.login(seller.user.email)
    response = client.post("/listings/new", data={
        **_form(), "csrf_token": auth.csrf("/listings/new"),
        "pickup_windows-0-days": "6,7", "pickup_windows-0-start": "16:00",
        "pickup_windows-0-end": "09:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Hentetid 1: til-klokkeslettet må være etter fra-klokkeslettet." in html
    assert 'id="pickup_windows-error"' in html and 'href="#pickup_windows"' in html
    assert 'value="16:00"' in html and '<option value="6,7" selected>' in html
    from app.listings.models import Listing

    assert db.session.query(Listing).count() == 0


def test_editing_without_the_fieldset_keeps_the_windows(client, auth, seller, make_listing):
    listing = make_listing(pickup_windows=[{"weekdays": [1], "start": "08:00",
                                            "end": "09:00"}])
    auth.login(seller.user.email)
    form = {**_form(), "action": "save", "csrf_token": auth.csrf(f"/listings/{listing.id}/edit")}
    response = client.post(f"/listings/{listing.id}/edit", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert len(listing.pickup_windows) == 1
    commit()
