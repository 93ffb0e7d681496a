"""Searches that found nothing: logged without personal data and capped; the empty
/search page offers "Lagre som ønske" with a working prefilled form."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.searching import zero_results
from app.searching.zero_results import ZeroResultQuery, folded_query, record, suggestion
from app.wanted.models import WantedRequest


def _rows() -> list[tuple[str, str, int]]:
    db.session.expire_all()
    return [(r.query, r.category, r.count) for r in db.session.scalars(
        sa.select(ZeroResultQuery).order_by(ZeroResultQuery.query, ZeroResultQuery.category))]


@pytest.mark.parametrize(("q", "kept"), [
    ("Kjøkken-BENK  på Blå", "kjokken benk paa blaa"),
    ("  hev/senk pult ", "hev senk pult"),
    ("ola.nordmann@example.com", ""),  # an e-mail address
    ("ring 912 34 567", ""),  # a phone number
    ("orgnr 923609016", ""),
    ("12345", ""),
    ("stol 2 stk 40 cm", "stol 2 stk 40 cm"),  # sizes and counts are fine
    ("!!!", ""),
    ("ord " * 60, ("ord " * 25).strip()),  # at most 100 characters, at a word boundary
    ("a" * 150, "a" * 100),
])
def test_what_is_kept_of_a_query(q, kept):
    assert folded_query(q) == kept
    assert len(folded_query(q)) <= zero_results.TEXT_MAX


def test_the_page_and_the_api_log_zero_results_only(app, client, new_listing, make, auth):
    new_listing(title="Kontorstol Håg")
    org = make.org("business", name="Søker AS")
    user = make.user(org, "member", email="soker@example.com")
    auth.login(user.email)
    for path in ("/search", "/api/v1/search"):
        assert client.get(path, query_string={"q": "Konferansbrod"}).status_code == 200
    client.get("/search", query_string={"q": "kontorstol"})  # found: not logged
    client.get("/search", query_string={"q": "ukjent", "page": "2"})  # only the first page
    client.get("/search", query_string={"q": "ukjent", "category": "office-chair"})
    client.get("/search", query_string={"q": "ukjent", "category": "office-chair",
                                        "condition": "new", "postcode": "1383"})
    client.get("/search")  # no words: nothing to learn
    assert _rows() == [("konferansbrod", "", 2), ("ukjent", "office-chair", 2)]
    row = db.session.scalar(sa.select(ZeroResultQuery).filter_by(query="konferansbrod"))
    assert row.first_seen <= row.last_seen
    # no personal data: the table has no column that could hold who or where
    assert {c.name for c in ZeroResultQuery.__table__.columns} == {
        "id", "query", "category", "count", "first_seen", "last_seen"}
    values = " ".join(str(getattr(row, c)) for c in ("query", "category"))
    assert "soker" not in values and "127.0.0.1" not in values


def test_the_number_of_rows_is_capped(app, monkeypatch):
    monkeypatch.setattr(zero_results, "MAX_ROWS", 5)
    for _ in range(3):
        record("populær")
    for i in range(8):
        record(f"sjelden {i}")
        commit()
    rows = _rows()
    assert len(rows) == 5
    assert ("populaer", "", 3) in rows  # the frequent one stays
    assert ("sjelden 7", "", 1) in rows  # the newest stays; the oldest rare ones went
    assert ("sjelden 0", "", 1) not in rows


def test_logging_keeps_the_page_cache(app, new_listing):
    """A zero-result row is a write no public page shows: the cached pages stay."""
    new_listing(title="Kontorstol Håg")
    visitor = app.test_client(use_cookies=False)
    visitor.get("/listings")
    assert visitor.get("/listings").headers["X-Page-Cache"] == "hit"
    assert visitor.get("/search?q=xyzzy").headers["X-Page-Cache"] == "miss"
    assert _rows() == [("xyzzy", "", 1)]
    assert visitor.get("/listings").headers["X-Page-Cache"] == "hit"


def test_a_broken_log_never_breaks_the_search(app, client, categories, monkeypatch):
    def fail(*_args, **_kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(zero_results, "record", fail)
    assert client.get("/search?q=ukjent").status_code == 200
    assert client.get("/api/v1/search?q=ukjent").status_code == 200


@pytest.mark.parametrize(("query", "category", "expected"), [
    ("konferansbord", "", "konferansebord"),  # a typo of a known word
    ("gipsplatter", "", "gipsplater"),
    ("kontorstolputer", "", "puter"),  # a compound of a known head
    ("xyzzy", "office-chair", "kontorstol"),  # the chosen category's name
    ("xyzzy", "", ""),
])
def test_suggestions(app, query, category, expected):
    assert suggestion(query, category) == expected


# --- the empty page ----------------------------------------------------------------------


class _FormValues(HTMLParser):
    """What a browser would submit from the first form whose tag contains ``marker``."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker, self.inside, self.done = marker, False, False
        self.values: dict[str, list[str]] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and self.marker in self.get_starttag_text():
            self.inside = True
        if self.inside and tag == "option" and self.select and "selected" in a:
            self.values.setdefault(self.select, []).append(a.get("value") or "")
        if not self.inside or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.values.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select":
            self.select = name
        elif tag == "textarea":
            self.textarea = name
            self.values.setdefault(name, []).append("")

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def _form_values(html: str, marker: str) -> dict[str, list[str]]:
    parser = _FormValues(marker)
    parser.feed(html)
    assert parser.done, f"no form with {marker}"
    return parser.values


def _save_link(html: str) -> str:
    match = re.search(r'<a class="ds-button" data-variant="primary" id="save-as-wanted" '
                      r'href="([^"]+)">([^<]+)</a>', html)
    assert match, "no save-as-wanted link"
    return match.group(1).replace("&amp;", "&"), match.group(2)


def test_empty_page_offers_to_save_a_wanted_request(app, client, make, auth, categories):
    org = make.org("business", name="Søker AS")
    user = make.user(org, "member", email="soker@example.com")
    auth.login(user.email)
    html = client.get("/search?q=hev-senk+pult+hvit&category=height-adjustable-desk"
                      "&condition=good&max_price=500&postcode=1383&radius_km=10").get_data(as_text=True)
    assert "Ingen treff." in html
    href, label = _save_link(html)
    assert label == "Lagre som ønske"
    url = urlsplit(href)
    assert url.path == "/wanted/new"
    args = parse_qs(url.query)
    assert args["q"] == ["hev-senk pult hvit"] and args["category"] == ["height-adjustable-desk"]

    form = client.get(href)
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert 'value="hev-senk pult hvit"' in page  # the title
    assert re.search(r'value="height-adjustable-desk"[^>]*checked|checked[^>]*'
                     r'value="height-adjustable-desk"|<option[^>]*selected[^>]*value='
                     r'"height-adjustable-desk"|<option[^>]*value="height-adjustable-desk"'
                     r'[^>]*selected', page)
    # the form works as prefilled: send back what the browser would, plus a quantity
    data = _form_values(page, 'action="/wanted/new"')
    assert data["title"] == ["hev-senk pult hvit"]
    assert data["categories"] == ["height-adjustable-desk"]
    assert data["min_condition"] == ["good"] and data["max_price_nok"] == ["500"]
    assert data["postcode"] == ["1383"] and data["radius_km"] == ["10"]
    data["quantity"] = ["2"]
    response = client.post("/wanted/new", data=data)
    assert response.status_code == 302, re.findall(r"-error\"[^>]*>([^<]+)",
                                                   response.get_data(as_text=True))
    wanted = db.session.scalar(sa.select(WantedRequest))
    assert wanted.title == "hev-senk pult hvit" and wanted.postcode == "1383"


def test_visitors_get_a_login_link_that_comes_back(app, client, auth, make, categories):
    html = client.get("/search?q=ukjent+ting").get_data(as_text=True)
    href, label = _save_link(html)
    assert label == "Logg inn for å lagre som ønske"
    url = urlsplit(href)
    assert url.path == "/login"
    back = parse_qs(url.query)["next"][0]
    assert back.startswith("/wanted/new?") and "q=ukjent+ting" in back
    org = make.org("business", name="Søker AS")
    user = make.user(org, "member", email="soker@example.com")
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      client.get(href).get_data(as_text=True)).group(1)
    response = client.post(href, data={"email": user.email, "password": make.password,
                                       "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == back
    assert 'value="ukjent ting"' in client.get(back).get_data(as_text=True)


def test_no_save_link_when_there_are_hits(app, client, new_listing):
    new_listing(title="Kontorstol Håg")
    html = client.get("/search?q=kontorstol").get_data(as_text=True)
    assert 'id="save-as-wanted"' not in html
