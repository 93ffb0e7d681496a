"""Fixtures for the app side of search: categories, sellers, listings made through the
listing services, the app's embedded backend (in the test's temporary SEARCH_PATH), a
backend that can be switched off, and an API helper that checks every response against
the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest

from app.db import commit
from app.listings import services
from app.listings.models import Listing
from app.searching.backend import raw_backend, search_backend, set_backend
from search import SearchQuery, SearchUnavailable
from tests.openapi_check import check_response

ASKER = (59.8336, 10.4353)  # postcode 1383, Asker sentrum


@pytest.fixture
def categories(app):
    from app.listings.categories import ensure_categories

    ensure_categories()
    commit()


class Seller:
    def __init__(self, org, user):
        self.org, self.user = org, user


@pytest.fixture
def seller(make, categories):
    org = make.org("reuse_shop", name="Gjenbruk Asker")
    return Seller(org, make.user(org, "member"))


@pytest.fixture
def municipality(make, categories):
    org = make.org("municipality", name="Asker kommune")
    return Seller(org, make.user(org, "member"))


def listing_data(**overrides: Any) -> dict[str, Any]:
    data = {"title": "Kontorstol", "description": "Godt brukt, justerbar.",
            "category": "office-chair", "condition": "good", "quantity": 4, "unit": "pcs",
            "price_nok": 0, "postcode": "1383", "available_until": None}
    data.update(overrides)
    return data


@pytest.fixture
def new_listing(app, seller):
    """Create (and by default publish) a listing through the listing service, committed."""

    def create(publish: bool = True, owner: Seller | None = None, **overrides) -> Listing:
        who = owner or seller
        listing = services.create_listing(who.user, who.org, listing_data(**overrides),
                                          publish=publish)
        commit()
        return listing

    return create


@pytest.fixture
def backend(app):
    """The app's real (embedded) backend."""
    return raw_backend(app)


def index_docs(backend) -> dict[int, dict]:
    """Every document in the index, by id."""
    result = backend.search(SearchQuery(per_page=1000))
    return {hit.id: hit.doc for hit in result.hits}


class SwitchableBackend:
    """Forwards to a real backend, or raises SearchUnavailable while ``down``."""

    OPERATIONS = {"configure", "upsert", "delete", "search", "clear", "stats"}

    def __init__(self, inner):
        self.inner, self.down, self.failures = inner, False, 0

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if name not in self.OPERATIONS:
            return attr

        def call(*args, **kwargs):
            if self.down:
                self.failures += 1
                raise SearchUnavailable("search engine down (test)")
            return attr(*args, **kwargs)

        return call


@pytest.fixture
def switchable(app, backend):
    search_backend(app)  # settings applied to the real one first
    wrapper = SwitchableBackend(backend)
    set_backend(app, wrapper)
    return wrapper


class Api:
    def __init__(self, client):
        self.client = client

    def search(self, check: bool = True, **params):
        response = self.client.get("/api/v1/search", query_string=params)
        if check:
            check_response(response)
        return response

    def ok(self, **params) -> dict:
        response = self.search(**params)
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def api(client):
    return Api(client)
