"""Bad input gets a clear 4xx with a field error, never a 500 (issue #14, items 5 and 7).

NUL bytes (PostgreSQL refuses them), lone surrogates, dates in year 1 or 9999, JSON
nested 5,000 deep, a quantity of 1e9 (the column holds less), CR/LF in ``next=`` and line
breaks in single-line fields, through the real API, the real pages (with their CSRF
tokens) and the login form. Run on PostgreSQL (TEST_DATABASE_URL) as well: there a NUL
that slipped through would be a database error."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.db import db
from app.listings.models import Listing
from app.wanted.models import WantedRequest
from tests.conftest import bearer
from tests.listings.conftest import categories, owner  # noqa: F401 - fixtures
from tests.listings.test_pages import FORM as LISTING_FORM

REQUEST = {"title": "Kontorstoler", "categories": ["office-chair"], "quantity": 4,
           "unit": "pcs", "postcode": "1384"}
LISTING = {"title": "Skrivebord", "category": "desk", "condition": "good", "quantity": 2,
           "unit": "pcs", "postcode": "1389"}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def _problem(response, status: int, field: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert field in body["errors"], body
    return body


# --- JSON (API) -----------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [("title", "Stol\x00er"),
                                          ("description", "Linje\x00"),
                                          ("postcode", "13\x0084")])
def test_nul_in_json_is_422_naming_the_field(client, owner, field, value):  # noqa: F811
    response = client.post("/api/v1/requests", json={**REQUEST, field: value},
                           headers=bearer(owner.token))
    _problem(response, 422, field)
    assert _count(WantedRequest) == 0


def test_nul_in_a_json_key_or_list_is_422(client, owner):  # noqa: F811
    response = client.post("/api/v1/requests",
                           json={**REQUEST, "categories": ["office-chair", "x\x00"]},
                           headers=bearer(owner.token))
    _problem(response, 422, "categories")
    response = client.post("/api/v1/requests", json={**REQUEST, "ti\x00tle": "x"},
                           headers=bearer(owner.token))
    assert response.status_code == 422 and "ti\ufffdtle" in response.get_json()["errors"]


def test_a_lone_surrogate_in_json_is_422(client, owner):  # noqa: F811
    raw = json.dumps({**REQUEST, "title": "PLACEHOLDER"}).replace("PLACEHOLDER", "Stol\\ud800")
    response = client.post("/api/v1/requests", data=raw, content_type="application/json",
                           headers=bearer(owner.token))
    _problem(response, 422, "title")
    assert _count(WantedRequest) == 0


def test_json_nested_5000_deep_is_400_without_recursing(client, owner):  # noqa: F811
    for deep in ("[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000):
        response = client.post("/api/v1/requests", data=deep,
                               content_type="application/json", headers=bearer(owner.token))
        _problem(response, 400, "_body")
    # brackets inside strings do not count, and 64 levels are fine
    fine = {**REQUEST, "description": "[" * 5000}
    response = client.post("/api/v1/requests", json=fine, headers=bearer(owner.token))
    assert response.status_code == 201, response.get_json()
    from app.inputs import MAX_JSON_DEPTH, json_depth

    deeper = MAX_JSON_DEPTH + 1
    assert json_depth("[" * deeper + "]" * deeper) == deeper
    assert json_depth('["[[[[", {"a": [1]}]' + " [" * 70) >= 70


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/requests", {**REQUEST, "needed_by": "0001-01-01"}, "needed_by"),
    ("/api/v1/requests", {**REQUEST, "needed_by": "9999-12-31"}, "needed_by"),
    ("/api/v1/listings", {**LISTING, "available_from": "0001-01-01T00:00:00+01:00"},
     "available_from"),
    ("/api/v1/listings", {**LISTING, "available_until": "9999-12-31T23:59:59+01:00"},
     "available_until"),
])
def test_dates_in_year_1_or_9999_are_422(client, owner, path, body, field):  # noqa: F811
    _problem(client.post(path, json=body, headers=bearer(owner.token)), 422, field)


@pytest.mark.parametrize("path, body", [
    ("/api/v1/requests", {**REQUEST, "quantity": 1e9}),
    ("/api/v1/listings", {**LISTING, "quantity": 1e9}),
    ("/api/v1/listings", {**LISTING, "quantity": 1000000000}),
])
def test_a_quantity_the_column_cannot_hold_is_422(client, owner, path, body):  # noqa: F811
    _problem(client.post(path, json=body, headers=bearer(owner.token)), 422, "quantity")
    assert _count(Listing) == 0 and _count(WantedRequest) == 0
    largest = {**body, "quantity": 999999999}
    assert client.post(path, json=largest, headers=bearer(owner.token)).status_code == 201


@pytest.mark.parametrize("title", ["Stoler\r\nBcc: x@example.no", "Stoler\nmed linje",
                                   "Sto\rler"])
def test_single_line_fields_refuse_line_breaks_in_the_api(client, owner, title):  # noqa: F811
    _problem(client.post("/api/v1/requests", json={**REQUEST, "title": title},
                         headers=bearer(owner.token)), 422, "title")
    _problem(client.post("/api/v1/listings", json={**LISTING, "title": title},
                         headers=bearer(owner.token)), 422, "title")
    # a description (multi-line text) keeps its line breaks
    response = client.post("/api/v1/listings", headers=bearer(owner.token),
                           json={**LISTING, "description": "Linje 1\r\nLinje 2"})
    assert response.status_code == 201, response.get_json()


def test_nul_in_the_query_string_is_400(client):
    response = client.get("/api/v1/listings?q=stol%00")
    _problem(response, 400, "q")
    page = client.get("/listings?q=stol%00")
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "q" in page.get_data(as_text=True)


# --- forms (pages) --------------------------------------------------------------------


def _form(client, auth, path, data):
    return client.post(path, data={"csrf_token": auth.csrf(path), **data})


def test_nul_in_a_form_is_422_naming_the_field(client, auth, owner):  # noqa: F811
    auth.login(owner.user.email)
    response = _form(client, auth, "/listings/new", {**LISTING_FORM, "title": "Bord\x00"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "title" in html and "ikke er tillatt" in html
    assert _count(Listing) == 0


def test_a_title_with_a_line_break_is_refused_next_to_the_field(client, auth, owner):  # noqa: F811
    auth.login(owner.user.email)
    response = _form(client, auth, "/listings/new",
                     {**LISTING_FORM, "title": "Skrivebord\r\nBcc: x@example.no"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kan ikke inneholde linjeskift." in html
    assert 'aria-describedby="title-error"' in html or 'id="title-error"' in html
    assert _count(Listing) == 0


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_listing_form_dates_in_year_1_or_9999_are_422(client, auth, owner, day):  # noqa: F811
    auth.login(owner.user.email)
    response = _form(client, auth, "/listings/new", {**LISTING_FORM, "available_from": day,
                                                      "available_until": ""})
    assert response.status_code == 422, response.status_code
    assert _count(Listing) == 0


def test_a_wtforms_single_line_field_refuses_line_breaks(client, auth, make):
    user = make.user(make.org())
    auth.login(user.email)
    response = client.post("/account/security/tokens", data={
        "csrf_token": auth.csrf("/account/security"), "name": "ERP\r\nimport"})
    assert response.status_code == 422
    assert "Kan ikke inneholde linjeskift." in response.get_data(as_text=True)


@pytest.mark.parametrize("email", ["kari\x00@example.no", "\x00"])
def test_nul_in_the_login_email_is_4xx_not_a_database_error(client, auth, email):
    response = client.post("/login", data={"email": email, "password": "x" * 12,
                                           "csrf_token": auth.csrf()})
    assert response.status_code in (400, 422)
    assert "email" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/listings\r\nSet-Cookie: x=1", "/listings\nx",
                                    "/\t/evil.example", "/\\evil.example", "/a\x00b"])
def test_next_with_control_characters_or_backslash_falls_back(client, target):
    from app.main import safe_next

    assert safe_next(target) == "/"
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.status_code in (302, 303, 400, 422)
    assert "\n" not in response.headers.get("Location", "")
    if response.status_code in (302, 303):
        assert response.headers["Location"] == "/"
