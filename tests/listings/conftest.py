"""Fixtures for listings: the seeded categories, an organisation with a member and a token,
and an API helper that checks every response against the OpenAPI document."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.openapi_check import check_response


@pytest.fixture
def categories(app):
    from app.db import commit
    from app.listings.categories import ensure_categories

    ensure_categories()
    commit()


class Api:
    """JSON calls through the test client; each response is checked against the document."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def _headers(self, token):
        token = token if token is not None else self.token
        return bearer(token) if token else {}

    def call(self, method: str, path: str, token=None, check=True, **kw):
        response = self.client.open(f"/api/v1{path}", method=method,
                                    headers=self._headers(token), **kw)
        if check:
            check_response(response)
        return response

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def patch(self, path, **kw):
        return self.call("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def upload(self, listing_id: int, data: bytes, filename: str, content_type=None, **kw):
        import io

        file = (io.BytesIO(data), filename, content_type) if content_type else \
            (io.BytesIO(data), filename)
        return self.post(f"/listings/{listing_id}/images", data={"file": file},
                         content_type="multipart/form-data", **kw)


class Owner:
    def __init__(self, org, user, token):
        self.org, self.user, self.token = org, user, token


@pytest.fixture
def owner(make, categories):
    org = make.org("business", name="Heggedal Bygg AS", postcode="1389")
    user = make.user(org, "member")
    return Owner(org, user, make.token(user))


@pytest.fixture
def other(make, categories):
    org = make.org("reuse_shop", name="Miljøsofa Asker")
    user = make.user(org, "owner")
    return Owner(org, user, make.token(user))


@pytest.fixture
def api(client, owner):
    return Api(client, owner.token)


def listing_data(**overrides) -> dict:
    data = {
        "title": "Kontorstoler, svarte", "description": "Håg H05, 24 stk.",
        "category": "office-chair", "condition": "good", "quantity": 24, "unit": "pcs",
        "price_nok": 0, "postcode": "1394", "available_until": "2099-01-31T23:59:00+01:00",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_listing(api):
    def create(token=None, **overrides):
        response = api.post("/listings", json=listing_data(**overrides), token=token)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create
