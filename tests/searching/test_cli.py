"""flask search status | reindex | init."""

from __future__ import annotations

from app.db import commit, db
from app.listings.models import Listing
from app.searching.backend import raw_backend
from tests.searching.conftest import index_docs


def test_status_shows_engine_documents_and_backlog(runner, new_listing, switchable):
    new_listing(title="Kontorstol")
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 0, result.output
    assert "engine:    embedded" in result.output
    assert "documents: 1" in result.output
    assert "outbox (search.index): 0 pending, 0 dead" in result.output
    switchable.down = True
    listing = new_listing(title="Skrivebord")
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 1
    assert "unavailable" in result.output
    assert "1 pending, 0 dead" in result.output
    assert f"listing {listing.id}" in result.output and "search engine down" in result.output


def test_reindex_rebuilds_from_the_database(runner, new_listing, app):
    listings = [new_listing(title=f"Hylle {n}", category="shelving") for n in range(5)]
    draft = new_listing(publish=False, title="Utkast")
    backend = raw_backend(app)
    backend.clear()
    backend.upsert([{"id": draft.id, "title": "Gammelt dokument"}, {"id": 999_999,
                                                                      "title": "Borte"}])
    # A change made without an event (a direct SQL fix, say) is picked up too.
    db.session.get(Listing, listings[0].id).title = "Hylle i eik"
    commit()
    result = runner.invoke(args=["search", "reindex", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "indexed 5 listings" in result.output
    docs = index_docs(backend)
    assert set(docs) == {listing.id for listing in listings}
    assert docs[listings[0].id]["title"] == "Hylle i eik"
    # Synonyms were applied first: "shelf" finds "Hylle".
    assert runner.invoke(args=["search", "status"]).output.count("documents: 5") == 1
    from search import SearchQuery

    assert backend.search(SearchQuery(q="shelf")).total == 5


def test_reindex_reports_an_unavailable_engine(runner, categories, switchable):
    switchable.down = True
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 1
    assert "reindex failed" in result.output


def test_init_applies_the_settings(runner, categories, app):
    result = runner.invoke(args=["search", "init"])
    assert result.exit_code == 0, result.output
    assert "search index configured" in result.output
    raw_backend(app).upsert([{"id": 1, "title": "Skrivebord"}])
    from search import SearchQuery

    assert raw_backend(app).search(SearchQuery(q="desk")).total == 1
