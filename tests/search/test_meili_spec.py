"""The Meilisearch backend against the official HTTP spec, through a recording test double.

No Meilisearch server can be installed here, so every request the backend
makes through the official client is checked against
``../shared/specs/meilisearch-openapi.json`` by :mod:`.meili_double`.  Skips
without ../shared, fails instead when ``KRETSLOP_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from search import IndexSettings, SearchError, SearchQuery, SearchUnavailable, create_backend
from search.meili import MeilisearchBackend
from search.text import haversine_m

from .conftest import ASKER, MEILI_SPEC, SYNONYMS, T0, require_shared, sample_listings
from .meili_double import MeiliDouble, SpecChecker

EVERY_OPERATION = {
    "create_index", "update_all", "replace_documents", "delete_documents_by_filter",
    "search_with_post", "clear_all_documents", "get_index_stats", "get_task",
}  # fmt: skip


@pytest.fixture
def double() -> Iterator[MeiliDouble]:
    """A running test double (skips without ../shared unless services are required)."""
    with MeiliDouble(require_shared(MEILI_SPEC)) as server:
        yield server


@pytest.fixture
def meili(double: MeiliDouble) -> MeilisearchBackend:
    backend = create_backend(double.url, "test-key", "/unused", index_name="listings")
    assert isinstance(backend, MeilisearchBackend)
    return backend


def test_every_backend_operation_conforms_to_the_spec(
    double: MeiliDouble, meili: MeilisearchBackend
):
    assert meili.stats() == {"engine": "meilisearch", "documents": 0, "url": double.url}
    meili.configure(IndexSettings(synonyms=SYNONYMS))
    meili.upsert(sample_listings())
    meili.delete([11, 12])
    full = SearchQuery(
        q="Kjøkken blå", category="mobler", conditions=["good", "like_new"], min_price_ore=0,
        max_price_ore=100_000, free_only=True, org_kinds=["municipality"], postcodes=["1384"],
        districts=['Borgen "nord" \\ øst'], geo=(*ASKER, 2500.5), sort="distance", page=2,
        per_page=5, facets=["category", "condition", "district", "org_kind"], highlight=True,
        active_at=T0 + 500,
    )  # fmt: skip
    meili.search(full)
    for sort in ("relevance", "newest", "price_asc", "price_desc"):
        meili.search(SearchQuery(q="stol", sort=sort, point=ASKER))
    meili.search(SearchQuery())
    assert meili.stats()["documents"] == 10
    meili.clear()
    assert meili.stats()["documents"] == 0

    assert double.problems == []
    assert double.operations() >= EVERY_OPERATION
    assert all(r.status < 300 for r in double.requests if r.operation_id != "get_index_stats")


def test_settings_are_pinned(double: MeiliDouble, meili: MeilisearchBackend):
    meili.configure(IndexSettings(synonyms={"Kjøkken": ["kitchen"], "kitchen": ["kjøkken"]}))
    body = next(r.body for r in double.requests if r.operation_id == "update_all")
    assert body["rankingRules"][:7] == [
        "sort", "words", "typo", "proximity", "attributeRank", "wordPosition", "exactness",
    ]  # fmt: skip
    assert body["searchableAttributes"][:4] == ["title", "title_folded", "category_names",
                                                "category_names_folded"]  # fmt: skip
    assert body["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert body["localizedAttributes"] == [{"attributePatterns": ["*"], "locales": ["nob"]}]
    assert body["synonyms"] == {"kjokken": ["kitchen"], "kitchen": ["kjokken"]}
    assert {"_geo", "category_path", "available_until", "id"} <= set(body["filterableAttributes"])
    assert {"_geo", "published_at", "price_ore"} <= set(body["sortableAttributes"])
    assert body["pagination"]["maxTotalHits"] >= 100_000
    create = next(r for r in double.requests if r.operation_id == "create_index")
    assert create.body == {"uid": "listings", "primaryKey": "id"}


def test_documents_carry_geo_and_folded_copies(double: MeiliDouble, meili: MeilisearchBackend):
    meili.configure(IndexSettings())
    meili.upsert(sample_listings()[:8])
    sent = next(r for r in double.requests if r.operation_id == "replace_documents")
    assert sent.query == {"primaryKey": "id"}
    by_id = {d["id"]: d for d in sent.body}
    assert by_id[4]["title_folded"] == "kjokkenbenk i eik"
    assert by_id[4]["_geo"] == {"lat": 59.8030, "lng": 10.4820}
    assert "_geo" not in by_id[8]  # no coordinates
    assert by_id[1]["category_names_folded"][-2] == "mobler"


def test_search_request_and_response_mapping(double: MeiliDouble, meili: MeilisearchBackend):
    meili.configure(IndexSettings())
    meili.upsert(sample_listings())
    result = meili.search(SearchQuery(q="Kjøkken", point=ASKER, highlight=True, per_page=50,
                                      facets=["category"], sort="distance"))  # fmt: skip
    body = double.requests[-1].body
    assert body["q"] == "kjokken"
    assert body["page"] == 1 and body["hitsPerPage"] == 50
    assert body["matchingStrategy"] == "all" and body["locales"] == ["nob"]
    assert body["sort"] == ["_geoPoint(59.8333, 10.4351):asc"]
    assert body["facets"] == ["category_path"]
    assert result.total == 12
    assert result.facets["category"]["mobler"] == 9
    by_id = {h.id: h for h in result.hits}
    assert by_id[4].doc == sample_listings()[3]  # _geo, *_folded and _formatted removed
    assert by_id[4].distance_m == pytest.approx(haversine_m(*ASKER, 59.8030, 10.4820))
    assert by_id[8].distance_m is None
    # the double marked "kjokken" in description_folded only: mapped back to "kjøkken"
    assert by_id[4].highlights["description"] == "Pent brukt <mark>kjøkken</mark>, må demonteres."
    assert by_id[4].highlights["title"] == "<mark>Kjøkken</mark>benk i eik"


def test_filters_are_quoted(double: MeiliDouble, meili: MeilisearchBackend):
    meili.configure(IndexSettings())
    meili.search(SearchQuery(districts=['Borgen "nord" \\ øst'], geo=(59.8, 10.4, 1500),
                             active_at=T0, category="mobler", free_only=True))  # fmt: skip
    assert double.requests[-1].body["filter"] == [
        'category_path = "mobler"',
        'district IN ["Borgen \\"nord\\" \\\\ øst"]',
        "is_free = true",
        f"(available_until IS NULL OR NOT available_until EXISTS OR available_until >= {T0})",
        "_geoRadius(59.8, 10.4, 1500)",
    ]


def test_failed_task_raises_search_unavailable(double: MeiliDouble, meili: MeilisearchBackend):
    meili.configure(IndexSettings())
    double.fail_tasks = "invalid_document_fields"
    with pytest.raises(SearchUnavailable) as info:
        meili.upsert(sample_listings()[:2])
    assert info.value.code == "invalid_document_fields"
    with pytest.raises(SearchUnavailable):
        meili.delete([1])
    assert double.problems == []


def test_api_error_raises_search_error_with_code(double: MeiliDouble, meili: MeilisearchBackend):
    double.search_error = (404, "index_not_found")
    with pytest.raises(SearchError) as info:
        meili.search(SearchQuery(q="stol"))
    assert info.value.code == "index_not_found"
    assert not isinstance(info.value, SearchUnavailable)


def test_server_down_raises_search_unavailable():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = MeilisearchBackend(f"http://127.0.0.1:{port}", None, timeout_s=0.5)
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(q="stol"))
    with pytest.raises(SearchUnavailable):
        backend.upsert(sample_listings()[:1])
    with pytest.raises(SearchUnavailable):
        backend.configure(IndexSettings())


def test_the_double_rejects_requests_that_break_the_spec(double: MeiliDouble):
    bad = [
        ("patch", "/indexes/x/settings", {"rankingRules": "words"}),  # not an array
        ("post", "/indexes/x/search", {"q": "stol", "hitsPerPage": -1}),
        ("post", "/indexes/x/search", {"q": "stol", "hitsPerpage": 5}),  # unknown field
        ("post", "/indexes", {"uid": "x", "primary": "id"}),
        ("post", "/indexes/x/documents?primaryKey=id&bogus=1", [{"id": 1}]),
        ("get", "/no/such/route", None),
    ]
    for method, path, body in bad:
        response = getattr(requests, method)(double.url + path, json=body, timeout=5)
        assert response.status_code in (400, 404)
    assert len({r.path for r in double.requests if r.problems}) == 5
    assert all(r.problems for r in double.requests)


def test_spec_erratum_for_facets_is_still_needed():
    """The raw spec rejects ``"facets": [..]`` (documented usage); drop the erratum when fixed."""
    raw = SpecChecker(require_shared(MEILI_SPEC), errata={})
    assert raw.errors(["genres"], "components", "schemas", "AttributePatterns")
    patched = SpecChecker(require_shared(MEILI_SPEC))
    assert patched.errors(["genres"], "components", "schemas", "AttributePatterns") == []


def test_missing_shared_skips_or_fails_when_services_are_required(tmp_path, monkeypatch):
    monkeypatch.delenv("KRETSLOP_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_shared(tmp_path / "absent")
    monkeypatch.setenv("KRETSLOP_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception):
        require_shared(tmp_path / "absent")
    assert require_shared(tmp_path) == tmp_path


def test_compound_heads_are_indexed_in_their_own_attribute(
    double: MeiliDouble, meili: MeilisearchBackend
):
    meili.configure(IndexSettings())
    body = next(r.body for r in double.requests if r.operation_id == "update_all")
    assert body["searchableAttributes"][-1] == "compound_heads"  # below every text field
    meili.upsert(sample_listings())
    sent = {d["id"]: d for d in
            next(r for r in double.requests if r.operation_id == "replace_documents").body}
    assert sent[1]["compound_heads"] == "stol"  # "Kontorstol" (title and category names)
    assert sent[4]["compound_heads"] == "benk"  # "Kjøkkenbenk"
    assert "compound_heads" not in sent[12]  # "Stol i bjørk": no compound
    result = meili.search(SearchQuery(q="stol"))
    assert all("compound_heads" not in hit.doc for hit in result.hits)
    assert double.problems == []


@pytest.mark.parametrize(
    ("q", "sent"),
    [
        ("Kjøkken", "kjokken"),  # a prefix of three letters or more stays a prefix
        ("pc", "pc "),  # shorter: a whole word ("pc" must not find "pcs")
        ("kontorstol sv", "kontorstol sv "),
        ("kontor  stol ", "kontor stol "),
        ("konferansbord", "konferansebord"),  # a typo of a synonym key becomes the key
        ("konferansebord", "konferansebord"),
        ("", ""),
    ],
)
def test_query_text_sent(double: MeiliDouble, meili: MeilisearchBackend, q: str, sent: str):
    meili.configure(IndexSettings(synonyms={"konferansebord": ["møtebord"]}))
    meili.search(SearchQuery(q=q))
    assert double.requests[-1].body["q"] == sent


def test_a_process_that_did_not_configure_still_rewrites(double: MeiliDouble):
    """The app calls remember_settings() when the server already has the settings."""
    backend = create_backend(double.url, "test-key", "/unused", index_name="listings")
    backend.configure(IndexSettings())
    fresh = create_backend(double.url, "test-key", "/unused", index_name="listings")
    fresh.remember_settings(IndexSettings(synonyms={"konferansebord": ["møtebord"]}))
    fresh.search(SearchQuery(q="konferansbord"))
    assert double.requests[-1].body["q"] == "konferansebord"
