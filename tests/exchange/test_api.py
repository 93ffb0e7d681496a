"""The reservation and ledger API: every response checked against the OpenAPI document;
permissions, conflicts with the state named, bad input that changes nothing."""

from datetime import timedelta

import pytest

from app.db import commit, utcnow
from tests.exchange.conftest import snapshot


def _reserve(api, buyer, listing, quantity=2, **extra):
    response = api.post("/reservations", buyer.token,
                        json={"listing_id": listing.id, "quantity": quantity, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_whole_flow_over_the_api(api, make_listing, seller, buyer):
    listing = make_listing(quantity=5, price_nok="12.50")
    response = api.post("/reservations", buyer.token, json={
        "listing_id": listing.id, "quantity": 2, "message": "Henter fredag"})
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/reservations/{body['id']}"
    assert body["status"] == "requested" and body["match_id"] is None  # see test_hardening_ledger
    assert (body["listing_id"], body["quantity"]) == (listing.id, 2)
    assert (body["buyer_org_id"], body["seller_org_id"]) == (buyer.org.id, seller.org.id)
    assert (body["price_nok"], body["total_nok"]) == (12.5, 25)
    assert body["payment"] == {"method": None, "provider_id": None, "amount_nok": 25,
                               "status": "pending", "paid_at": None}
    assert body["messages_count"] == 1 and body["reuse_record"] is None
    rid = body["id"]
    accepted = api.post(f"/reservations/{rid}/accept", seller.token)  # no body at all
    assert accepted.status_code == 200
    assert accepted.get_json()["status"] == "accepted"
    assert accepted.get_json()["payment"]["method"] == "at_pickup"
    assert accepted.get_json()["accepted_at"] and accepted.get_json()["pickup_at"]
    listing_json = api.get(f"/listings/{listing.id}").get_json()
    assert listing_json["quantity_available"] == 3
    first = api.post(f"/reservations/{rid}/handover", buyer.token, json={})
    assert first.status_code == 200
    assert first.get_json()["status"] == "accepted" and first.get_json()["reuse_record"] is None
    assert first.get_json()["receiver_confirmed_at"]
    done = api.post(f"/reservations/{rid}/handover", seller.token, json={"weight_kg": 28.4})
    assert done.status_code == 200
    body = done.get_json()
    assert body["status"] == "completed" and body["completion_basis"] == "both"
    record = body["reuse_record"]
    assert (record["kg"], record["weight_method"], record["eu_category"]) == (
        28.4, "weighed", "furniture")
    assert record["co2e_kg"] == 63.9 and record["id"] > 0
    assert body["payment"]["status"] == "paid_at_pickup"
    again = api.get(f"/reservations/{rid}", buyer.token).get_json()
    assert again["reuse_record"]["id"] == record["id"]


def test_the_giver_confirming_first_then_the_receiver(api, make_listing, seller, buyer):
    rid = _reserve(api, buyer, make_listing())["id"]
    pickup = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    accepted = api.post(f"/reservations/{rid}/accept", seller.token,
                        json={"pickup_at": pickup.isoformat()})
    assert accepted.get_json()["pickup_at"] == pickup.isoformat()
    giver = api.post(f"/reservations/{rid}/handover", seller.token)
    assert giver.get_json()["reuse_record"] is None
    assert giver.get_json()["weight_method"] == "estimated"
    receiver = api.post(f"/reservations/{rid}/handover", buyer.token)
    assert receiver.get_json()["reuse_record"]["weight_method"] == "estimated"
    assert receiver.get_json()["reuse_record"]["kg"] == 30  # 2 x 15 kg


def test_lists_by_role_with_the_envelope(api, make_listing, seller, buyer, stranger):
    ids = [_reserve(api, buyer, make_listing(), 1)["id"] for _ in range(3)]
    as_buyer = api.get("/reservations?role=buyer&per_page=2", buyer.token).get_json()
    assert as_buyer["total"] == 3 and len(as_buyer["items"]) == 2 and as_buyer["per_page"] == 2
    assert {r["my_side"] for r in as_buyer["items"]} == {"buyer"}
    assert api.get("/reservations?role=seller", buyer.token).get_json()["total"] == 0
    as_seller = api.get("/reservations?role=seller", seller.token).get_json()
    assert sorted(r["id"] for r in as_seller["items"]) == ids
    assert api.get("/reservations", stranger.token).get_json()["total"] == 0
    assert api.get("/reservations?role=thief", buyer.token).status_code == 422
    assert api.get("/reservations?status=nope", buyer.token).status_code == 422
    assert api.get("/reservations").status_code == 401


def test_only_the_parties_see_or_act(api, make_listing, seller, buyer, stranger):
    listing = make_listing()
    rid = _reserve(api, buyer, listing)["id"]
    before = snapshot(listing.id)
    for method, path in (("GET", ""), ("POST", "/accept"), ("POST", "/decline"),
                         ("POST", "/cancel"), ("POST", "/handover"), ("GET", "/messages")):
        response = api.call(method, f"/reservations/{rid}{path}", stranger.token)
        assert response.status_code == 404, path
    assert api.post(f"/reservations/{rid}/messages", stranger.token,
                    json={"body": "hei"}).status_code == 404
    wrong_side = api.post(f"/reservations/{rid}/accept", buyer.token)
    assert wrong_side.status_code == 403
    assert api.post(f"/reservations/{rid}/accept").status_code == 401
    assert api.get("/reservations/999999", buyer.token).status_code == 404
    assert snapshot(listing.id) == before


def test_wrong_states_are_409_with_the_state(api, make_listing, seller, buyer):
    listing = make_listing()
    rid = _reserve(api, buyer, listing)["id"]
    early = api.post(f"/reservations/{rid}/handover", seller.token)
    assert early.status_code == 409 and early.get_json()["state"] == "requested"
    api.post(f"/reservations/{rid}/accept", seller.token)
    before = snapshot(listing.id)
    twice = api.post(f"/reservations/{rid}/accept", seller.token)
    assert twice.status_code == 409 and twice.get_json()["state"] == "accepted"
    assert twice.mimetype == "application/problem+json"
    assert snapshot(listing.id) == before
    api.post(f"/reservations/{rid}/cancel", buyer.token, json={"reason": "Fikk noe annet"})
    late = api.post(f"/reservations/{rid}/decline", seller.token)
    assert late.status_code == 409 and late.get_json()["state"] == "cancelled"


def test_quantity_conflict_names_what_is_left(api, make_listing, seller, buyer, another_buyer):
    listing = make_listing(quantity=3)
    first, second = _reserve(api, buyer, listing, 2), _reserve(api, another_buyer(), listing, 2)
    api.post(f"/reservations/{first['id']}/accept", seller.token)
    response = api.post(f"/reservations/{second['id']}/accept", seller.token)
    assert response.status_code == 409
    body = response.get_json()
    assert body["state"] == "requested" and body["quantity_available"] == 1
    assert body["listing_status"] == "published"


@pytest.mark.parametrize("payload, field", [
    ({"quantity": 0}, "quantity"), ({"quantity": -2}, "quantity"),
    ({"quantity": 6}, "quantity"), ({"quantity": 1.5}, "quantity"),
    ({"quantity": "mange"}, "quantity"), ({"quantity": None}, "quantity"),
    ({"quantity": 1, "message": "x" * 2001}, "message"),
    ({"quantity": 1, "colour": "red"}, "colour"),
    ({"quantity": 1, "organization_id": 999999}, "organization_id"),
    ({"listing_id": "one", "quantity": 1}, "listing_id"),
])
def test_bad_reservation_input_is_422_and_changes_nothing(api, make_listing, buyer, payload,
                                                          field):
    listing = make_listing(quantity=5)
    before = snapshot(listing.id)
    response = api.post("/reservations", buyer.token,
                        json={"listing_id": listing.id, **payload})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert snapshot(listing.id) == before


def test_own_listing_unpublished_listing_and_bad_bodies(api, make_listing, seller, buyer):
    listing = make_listing(quantity=1)
    own = api.post("/reservations", seller.token, json={"listing_id": listing.id, "quantity": 1})
    assert own.status_code == 422 and "listing_id" in own.get_json()["errors"]
    rid = _reserve(api, buyer, listing, 1)["id"]
    api.post(f"/reservations/{rid}/accept", seller.token)
    reserved = api.post("/reservations", buyer.token,
                        json={"listing_id": listing.id, "quantity": 1})
    assert reserved.status_code == 409 and reserved.get_json()["state"] == "reserved"
    missing = api.post("/reservations", buyer.token, json={"listing_id": 999999, "quantity": 1})
    assert missing.status_code == 404
    form = api.post("/reservations", buyer.token, data="listing_id=1",
                    content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    broken = api.post(f"/reservations/{rid}/cancel", buyer.token, data="{nope",
                      content_type="application/json")
    assert broken.status_code == 400


@pytest.mark.parametrize("weight", [-5, 0, 100000, 0.01, "heavy"])
def test_absurd_weights_are_422_and_change_nothing(api, make_listing, seller, buyer, weight):
    listing = make_listing()
    rid = _reserve(api, buyer, listing)["id"]
    api.post(f"/reservations/{rid}/accept", seller.token)
    before = snapshot(listing.id)
    response = api.post(f"/reservations/{rid}/handover", seller.token,
                        json={"weight_kg": weight})
    assert response.status_code == 422 and "weight_kg" in response.get_json()["errors"]
    assert snapshot(listing.id) == before


def test_message_thread(api, make_listing, seller, buyer):
    rid = _reserve(api, buyer, make_listing())["id"]
    created = api.post(f"/reservations/{rid}/messages", seller.token,
                       json={"body": "<b>Porten</b> er åpen 8-16"})
    assert created.status_code == 201
    message = created.get_json()
    assert message["body"] == "<b>Porten</b> er åpen 8-16"
    assert message["organization"]["id"] == seller.org.id
    assert api.get(created.headers["Location"].removeprefix("/api/v1"),
                   buyer.token).get_json() == message
    thread = api.get(f"/reservations/{rid}/messages", buyer.token).get_json()
    assert thread["total"] == 1 and thread["items"] == [message]
    assert api.get(f"/reservations/{rid}", buyer.token).get_json()["messages_count"] == 1
    for body in ({"body": ""}, {"body": "x" * 2001}, {}):
        assert api.post(f"/reservations/{rid}/messages", buyer.token,
                        json=body).status_code == 422
    assert api.get(f"/reservations/{rid}/messages/999999", buyer.token).status_code == 404


def test_pickup_change(api, make_listing, seller, buyer):
    rid = _reserve(api, buyer, make_listing())["id"]
    tomorrow = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    early = api.post(f"/reservations/{rid}/pickup", buyer.token,
                     json={"pickup_at": tomorrow.isoformat()})
    assert early.status_code == 409 and early.get_json()["state"] == "requested"
    api.post(f"/reservations/{rid}/accept", seller.token)
    changed = api.post(f"/reservations/{rid}/pickup", buyer.token,
                       json={"pickup_at": tomorrow.isoformat()})
    assert changed.status_code == 200 and changed.get_json()["pickup_at"] == tomorrow.isoformat()
    for bad in (tomorrow.replace(tzinfo=None).isoformat(), "2099-01-01T10:00:00+01:00", "i morgen"):
        assert api.post(f"/reservations/{rid}/pickup", buyer.token,
                        json={"pickup_at": bad}).status_code == 422


def test_reversing_a_record_over_the_api(api, make, make_listing, seller, buyer, stranger):
    rid = _reserve(api, buyer, make_listing())["id"]
    api.post(f"/reservations/{rid}/accept", seller.token)
    api.post(f"/reservations/{rid}/handover", buyer.token)
    record = api.post(f"/reservations/{rid}/handover", seller.token).get_json()["reuse_record"]
    path = f"/ledger/{record['id']}/reverse"
    member = make.user(seller.org, "member")
    assert api.post(path, make.token(member), json={"reason": "feil"}).status_code == 403
    assert api.post(path, buyer.token, json={"reason": "feil"}).status_code == 403
    assert api.post(path, stranger.token, json={"reason": "feil"}).status_code == 404
    assert api.post(path, seller.token, json={}).status_code == 422
    assert api.post(path, seller.token, json={"reason": "x", "corrected_kg": 0}).status_code \
        == 422
    response = api.post(path, seller.token, json={"reason": "Veid på nytt",
                                                  "corrected_kg": 26})
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "reversal" and body["reverses_id"] == record["id"]
    assert body["kg"] == -30 and body["co2e_kg"] == -67.5
    assert body["correction"]["kg"] == 26 and body["correction"]["replaces_id"] == record["id"]
    assert response.headers["Location"] == f"/api/v1/ledger/{body['id']}"
    assert api.get(f"/ledger/{body['id']}", buyer.token).status_code == 200
    assert api.get(f"/ledger/{body['id']}", stranger.token).status_code == 404
    again = api.post(path, seller.token, json={"reason": "igjen"})
    assert again.status_code == 409 and again.get_json()["state"] == "reversed"


def test_emission_factors_are_public(api, categories):
    from app.exchange.factors import ensure_emission_factors

    ensure_emission_factors()
    commit()
    body = api.get("/emission-factors").get_json()
    default = [f for f in body["items"] if f["is_default"]]
    assert len(default) == 1 and default[0]["value"] == 0.51 and default[0]["kind"] == "net"
    assert {f["key"] for f in body["items"]} >= {"sofa", "furniture", "textiles", "steel",
                                                 "bricks"}


def test_numbers_beyond_any_row_are_answered_not_overflowed(api, make_listing, buyer):
    """Found by schemathesis (issue 9): ?page=576460752303423488 and ids past 64 bits made
    SQLite raise OverflowError (500). Pages stop at MAX_PAGE, ids at MAX_ID (as documented)."""
    from app.validation import MAX_ID, MAX_PAGE

    listing = make_listing(quantity=5)
    huge_page = api.get("/reservations?page=576460752303423488&per_page=68&status=requested",
                        buyer.token)
    assert huge_page.status_code == 422 and "page" in huge_page.get_json()["errors"]
    assert api.get(f"/reservations?page={MAX_PAGE}", buyer.token).status_code == 200
    assert api.get(f"/reservations?page={MAX_PAGE + 1}", buyer.token).status_code == 422
    assert api.get("/reservations?page=", buyer.token).status_code == 200  # empty: absent
    for rid in (MAX_ID, MAX_ID + 1, 10**23):
        response = api.get(f"/reservations/{rid}", buyer.token)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    before = snapshot(listing.id)
    for body in ({"listing_id": 10**23, "quantity": 1},
                 {"listing_id": listing.id, "quantity": 1, "organization_id": 10**23},
                 {"listing_id": listing.id, "quantity": 1, "match_id": MAX_ID + 1}):
        response = api.post("/reservations", buyer.token, json=body)
        assert response.status_code == 422, body
        assert set(response.get_json()["errors"]) <= {"listing_id", "organization_id",
                                                       "match_id"}
    assert snapshot(listing.id) == before
