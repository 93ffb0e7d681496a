"""The wanted-request API: create, read, change, close, list; permissions; bad input.

Every response is checked against /api/v1/openapi.json (``Api`` from the listings tests)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import outbox
from app.db import db
from app.wanted import CHANGED
from app.wanted.models import WantedRequest, WantedRequestCategory
from tests.wanted.conftest import request_data


def _snapshot():
    rows = db.session.execute(sa.select(WantedRequest.id, WantedRequest.title,
                                        WantedRequest.status, WantedRequest.quantity,
                                        WantedRequest.radius_km)).all()
    links = db.session.execute(sa.select(WantedRequestCategory.request_id,
                                         WantedRequestCategory.category_id)).all()
    return sorted(tuple(r) for r in rows), sorted(tuple(r) for r in links)


@pytest.fixture
def changed_ids():
    seen: list[int] = []
    outbox._HANDLERS.setdefault(CHANGED, {})["tests.spy"] = lambda p: seen.append(
        p["request_id"])
    yield seen
    outbox._HANDLERS[CHANGED].pop("tests.spy", None)


def test_create_answers_201_with_location_and_the_request(api, requester, changed_ids):
    response = api.post("/requests", json=request_data(categories=["office-chair", "chair"]),
                        token=requester.token)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/requests/{body['id']}"
    assert body["status"] == "open" and body["title"] == "Kontorstoler"
    assert body["categories"] == ["office-chair", "chair"]
    assert (body["quantity"], body["min_quantity"], body["unit"]) == (50, 10, "pcs")
    assert (body["max_price_nok"], body["min_condition"]) == (100, "good")
    assert (body["postcode"], body["district"], body["lat"]) == ("1383", "Asker sentrum",
                                                                 59.8336)
    assert (body["radius_km"], body["needed_by"]) == (20, "2099-06-30")
    assert body["organization_id"] == requester.org.id
    assert changed_ids == [body["id"]]
    wanted = db.session.get(WantedRequest, body["id"])
    assert wanted.max_price_ore == 10000 and wanted.min_condition_rank == 3
    assert wanted.min_lat < wanted.lat < wanted.max_lat
    assert "kontorstol" in wanted.match_terms


def test_defaults_coordinates_and_free_only(api, requester):
    body = api.post("/requests", json={
        "title": "Paller", "categories": ["pallets"], "quantity": 3, "lat": 59.9,
        "lng": 10.7, "max_price_nok": 0}, token=requester.token).get_json()
    assert (body["min_quantity"], body["radius_km"], body["needed_by"]) == (1, 25, None)
    assert (body["postcode"], body["lat"], body["lng"]) == ("", 59.9, 10.7)
    assert body["max_price_nok"] == 0 and body["min_condition"] is None
    small = api.post("/requests", json={
        "title": "Stål", "categories": ["steel"], "quantity": 0.5, "unit": "kg",
        "postcode": "1389"}, token=requester.token).get_json()
    assert small["min_quantity"] == 0.5 and small["max_price_nok"] is None


def test_get_patch_close_and_list(api, requester, make_request, changed_ids):
    created = make_request()
    assert api.get(f"/requests/{created['id']}").get_json()["title"] == "Kontorstoler"
    patched = api.patch(f"/requests/{created['id']}", json={
        "title": "Kontorstoler, svarte", "quantity": 60, "postcode": "3440"},
        token=requester.token)
    assert patched.status_code == 200
    body = patched.get_json()
    assert (body["title"], body["quantity"], body["district"]) == ("Kontorstoler, svarte", 60,
                                                                   "Røyken")
    assert db.session.get(WantedRequest, created["id"]).match_terms.startswith("kontorstoler:")
    mine = api.get("/requests?org=mine", token=requester.token).get_json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == created["id"]
    public = api.get("/requests?category=furniture").get_json()
    assert [x["id"] for x in public["items"]] == [created["id"]]
    assert api.get("/requests?category=door").get_json()["total"] == 0
    closed = api.post(f"/requests/{created['id']}/close?fulfilled=true", token=requester.token)
    assert closed.status_code == 200 and closed.get_json()["status"] == "fulfilled"
    assert closed.get_json()["closed_at"]
    again = api.post(f"/requests/{created['id']}/close", token=requester.token)
    assert again.status_code == 409
    assert api.patch(f"/requests/{created['id']}", json={"title": "x"},
                     token=requester.token).status_code == 409
    assert api.get("/requests").get_json()["total"] == 0
    assert api.get("/requests?org=mine&status=fulfilled",
                   token=requester.token).get_json()["total"] == 1
    assert changed_ids == [created["id"]] * 3


def test_permissions(api, requester, stranger, make_request):
    created = make_request()
    path = f"/requests/{created['id']}"
    assert api.get(path, token=stranger.token).status_code == 200  # open requests are public
    assert api.patch(path, json={"title": "Mine nå"}, token=stranger.token).status_code == 403
    assert api.post(f"{path}/close", token=stranger.token).status_code == 403
    assert api.post("/requests", json=request_data()).status_code == 401
    assert api.get("/requests?org=mine").status_code == 401
    api.post(f"{path}/close", token=requester.token)
    assert api.get(path, token=stranger.token).status_code == 404
    assert api.get(path).status_code == 404
    assert api.patch(path, json={"title": "x"}, token=stranger.token).status_code == 404
    assert api.get(path, token=requester.token).status_code == 200
    assert api.get("/requests/999999").status_code == 404


def test_expired_request_opens_again_with_a_new_date(api, requester, make_request):
    from datetime import date

    from app.db import commit
    from app.wanted.services import expire_due

    created = make_request(needed_by="2030-01-01")
    assert expire_due(today=date(2030, 1, 2)) == [created["id"]]
    commit()
    path = f"/requests/{created['id']}"
    assert api.get(path, token=requester.token).get_json()["status"] == "expired"
    body = api.patch(path, json={"needed_by": "2099-01-01"}, token=requester.token).get_json()
    assert body["status"] == "open" and body["needed_by"] == "2099-01-01"


BAD = [
    ({"radius_km": -5}, "radius_km"),
    ({"radius_km": 0}, "radius_km"),
    ({"radius_km": 501}, "radius_km"),
    ({"min_quantity": 60}, "min_quantity"),
    ({"categories": ["no-such-category"]}, "categories"),
    ({"categories": []}, "categories"),
    ({"needed_by": "2001-01-01"}, "needed_by"),
    ({"needed_by": "31.12.2099"}, "needed_by"),
    ({"max_price_nok": -1}, "max_price_nok"),
    ({"max_price_nok": 1.234}, "max_price_nok"),
    ({"min_condition": "mint"}, "min_condition"),
    ({"postcode": "9999"}, "postcode"),
    ({"postcode": "12"}, "postcode"),
    ({"postcode": None}, "postcode"),
    ({"lat": 59.9}, "lng"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": 2.5}, "quantity"),
    ({"title": " "}, "title"),
    ({"unit": "tonn"}, "unit"),
    ({"colour": "black"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_input_is_422_with_field_errors_and_changes_nothing(api, requester, change, field):
    before = _snapshot()
    response = api.post("/requests", json=request_data(**change), token=requester.token)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in body["errors"], body
    assert _snapshot() == before


@pytest.mark.parametrize(("change", "field"), [
    ({"radius_km": 900}, "radius_km"), ({"min_quantity": 80}, "min_quantity"),
    ({"quantity": 5}, "min_quantity"), ({"categories": ["office-chair", "nope"]}, "categories"),
    ({"needed_by": "2000-05-05"}, "needed_by"), ({"max_price_nok": -10}, "max_price_nok"),
    ({"min_condition": "broken"}, "min_condition"), ({"postcode": "0001"}, "postcode"),
])
def test_bad_changes_are_422_and_change_nothing(api, requester, make_request, change, field):
    created = make_request()
    before = _snapshot()
    response = api.patch(f"/requests/{created['id']}", json=change, token=requester.token)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert _snapshot() == before


def test_malformed_bodies(api, requester):
    assert api.post("/requests", data="x", content_type="text/plain",
                    token=requester.token).status_code == 415
    assert api.post("/requests", data="{", content_type="application/json",
                    token=requester.token).status_code == 400
    assert api.post("/requests", json=[1], token=requester.token).status_code == 422
    assert api.get("/requests?org=all").status_code == 422
    assert api.get("/requests?category=nope").status_code == 422
    assert api.post("/requests/1/close?fulfilled=maybe", token=requester.token,
                    check=False).status_code in (404, 422)


def test_the_matching_copy_follows_the_request(api, requester, make_request):
    from datetime import date

    from app.db import commit
    from app.wanted.services import expire_due

    created = make_request(categories=["office-chair", "chair"])
    api.patch(f"/requests/{created['id']}", json={
        "max_price_nok": 0, "radius_km": 5, "min_condition": None, "title": "Stoler"},
        token=requester.token)
    wanted = db.session.get(WantedRequest, created["id"])
    for link in wanted.category_links:
        assert (link.is_open, link.max_price_ore, link.radius_km, link.min_condition_rank) == \
            (True, 0, 5.0, 0)
        assert (link.min_lat, link.max_lng, link.match_terms) == (wanted.min_lat,
                                                                   wanted.max_lng,
                                                                   wanted.match_terms)
        assert link.organization_id == requester.org.id
    assert expire_due(today=date(2099, 7, 1)) == [created["id"]]
    commit()
    db.session.expire_all()
    assert [link.is_open for link in wanted.category_links] == [False, False]
    api.patch(f"/requests/{created['id']}", json={"needed_by": "2099-12-31"},
              token=requester.token)
    db.session.expire_all()
    assert [link.is_open for link in wanted.category_links] == [True, True]
    api.post(f"/requests/{created['id']}/close", token=requester.token)
    db.session.expire_all()
    assert [link.is_open for link in wanted.category_links] == [False, False]


def test_close_takes_fulfilled_as_the_document_says(api, requester, make_request):
    """issue 9: ``fulfilled`` is a boolean that may be sent empty (allowEmptyValue)."""
    first, second = make_request(), make_request()
    odd = api.post(f"/requests/{first['id']}/close?fulfilled=yes", token=requester.token)
    assert odd.status_code == 422 and "fulfilled" in odd.get_json()["errors"]
    empty = api.post(f"/requests/{first['id']}/close?fulfilled=", token=requester.token)
    assert empty.status_code == 200 and empty.get_json()["status"] == "closed"
    done = api.post(f"/requests/{second['id']}/close?fulfilled=true", token=requester.token)
    assert done.status_code == 200 and done.get_json()["status"] == "fulfilled"
