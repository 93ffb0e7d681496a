"""A small marketplace for the privacy tests, built through the real API: Per (an owner
of Selger AS, with a second owner) lists chairs, Kari at Kjøper Ombruk reserves with a
message, Per answers and completes the hand-over (a ledger record)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.conftest import bearer


@dataclass
class Market:
    seller: object
    buyer_org: object
    per: object
    colleague: object
    kari: object
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


LISTING_TITLE = "Kontorstoler fra Per, personvern"
PER_MESSAGE = "Per svarer: hent stolene ved rampen"
KARI_MESSAGE = "Kari spør: kan vi hente tirsdag?"


def api(client, token, method, path, **kwargs):
    response = client.open("/api/v1" + path, method=method, headers=bearer(token), **kwargs)
    assert response.status_code < 300, (path, response.status_code, response.get_json())
    return response.get_json()


@pytest.fixture
def market(app, make, client) -> Market:
    from app.db import commit
    from app.listings.categories import ensure_categories

    ensure_categories()
    commit()
    seller = make.org("business", name="Selger AS", postcode="1383")
    buyer_org = make.org("reuse_shop", name="Kjøper Ombruk", postcode="1384")
    per = make.user(seller, "owner", email="per@selger.no", name="Per Persen")
    colleague = make.user(seller, "owner", email="ola@selger.no", name="Ola Kollega")
    kari = make.user(buyer_org, "owner", email="kari@kjoper.no", name="Kari Kjøper")
    m = Market(seller, buyer_org, per, colleague, kari)
    m.tokens = {"per": make.token(per), "kari": make.token(kari)}
    listing = api(client, m.tokens["per"], "POST", "/listings", json={
        "title": LISTING_TITLE, "category": "office-chair", "condition": "good",
        "quantity": 10, "unit": "pcs", "price_nok": 0, "postcode": "1383", "publish": True})
    reservation = api(client, m.tokens["kari"], "POST", "/reservations", json={
        "listing_id": listing["id"], "quantity": 4, "message": KARI_MESSAGE})
    api(client, m.tokens["per"], "POST", f"/reservations/{reservation['id']}/accept", json={})
    api(client, m.tokens["per"], "POST", f"/reservations/{reservation['id']}/messages",
        json={"body": PER_MESSAGE})
    api(client, m.tokens["kari"], "POST", f"/reservations/{reservation['id']}/handover",
        json={})
    done = api(client, m.tokens["per"], "POST", f"/reservations/{reservation['id']}/handover",
               json={"weight_kg": 40})
    m.ids = {"listing": listing["id"], "reservation": reservation["id"],
             "record": done["reuse_record"]["id"]}
    return m
