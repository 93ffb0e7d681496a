"""Fixtures for wanted requests and matching: a requesting reuse shop, a listing business,
an API helper that checks every response against the OpenAPI document, and builders."""

from __future__ import annotations

import pytest

from tests.listings.conftest import Api, Owner, listing_data


@pytest.fixture
def categories(app):
    from app.db import commit
    from app.listings.categories import ensure_categories

    ensure_categories()
    commit()


@pytest.fixture
def requester(make, categories):
    """A reuse shop in Asker sentrum that posts wanted requests."""
    org = make.org("reuse_shop", name="Miljøsofa Asker", postcode="1383")
    user = make.user(org, "member")
    return Owner(org, user, make.token(user))


@pytest.fixture
def lister(make, categories):
    """A business in Heggedal that lists what it has."""
    org = make.org("business", name="Heggedal Bygg AS", postcode="1389")
    user = make.user(org, "member", locale="en")
    return Owner(org, user, make.token(user))


@pytest.fixture
def stranger(make, categories):
    org = make.org("municipality", name="Asker kommune, skoleetaten")
    user = make.user(org, "member")
    return Owner(org, user, make.token(user))


@pytest.fixture
def api(client):
    return Api(client)


def request_data(**overrides) -> dict:
    data = {
        "title": "Kontorstoler", "description": "Til nytt kontorlandskap.",
        "categories": ["office-chair"], "quantity": 50, "min_quantity": 10,
        "max_price_nok": 100, "min_condition": "good", "postcode": "1383",
        "radius_km": 20, "needed_by": "2099-06-30",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_request(api, requester):
    def create(token=None, **overrides):
        response = api.post("/requests", json=request_data(**overrides),
                            token=token or requester.token)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create


@pytest.fixture
def make_listing(api, lister):
    def create(token=None, **overrides):
        overrides.setdefault("publish", True)
        response = api.post("/listings", json=listing_data(**overrides),
                            token=token or lister.token)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create
