"""The index follows the database through the outbox, also when the engine is down."""

from __future__ import annotations

import socket
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import jobs
from app.db import commit, db, utcnow
from app.listings import services
from app.listings.models import Listing
from app.outbox import DELIVERED, PENDING, OutboxEvent
from app.searching.indexer import HANDLER, sync_listing
from search import SearchQuery
from search.embedded import EmbeddedBackend
from tests.searching.conftest import index_docs


def _search_events(status=None):
    query = sa.select(OutboxEvent).where(OutboxEvent.handler == HANDLER)
    if status:
        query = query.where(OutboxEvent.status == status)
    return db.session.scalars(query.order_by(OutboxEvent.id)).all()


def _published_in_db() -> dict[int, str]:
    rows = db.session.execute(sa.select(Listing.id, Listing.title).where(
        Listing.status == "published", Listing.quantity_available > 0)).all()
    return dict(rows)


def test_every_status_change_updates_the_index(new_listing, backend):
    draft = new_listing(publish=False, title="Skrivebord")
    assert draft.id not in index_docs(backend)
    services.publish(draft)
    commit()
    assert index_docs(backend)[draft.id]["title"] == "Skrivebord"
    services.update_listing(draft, {"title": "Skrivebord i bjørk", "price_nok": 200})
    commit()
    doc = index_docs(backend)[draft.id]
    assert (doc["title"], doc["price_ore"]) == ("Skrivebord i bjørk", 20000)
    services.withdraw(draft)
    commit()
    assert draft.id not in index_docs(backend)
    closed = new_listing(title="Reol")
    services.close(closed)
    commit()
    assert closed.id not in index_docs(backend)
    assert all(e.status == DELIVERED for e in _search_events())


def test_reserved_when_quantity_reaches_zero_and_back(new_listing, backend):
    listing = new_listing(quantity=2)
    assert listing.id in index_docs(backend)
    # What the reservation service does (app.listings.services.sync_availability).
    listing.quantity_available = Decimal(0)
    services.sync_availability(listing)
    services.changed(listing)
    commit()
    assert listing.status == "reserved"
    assert listing.id not in index_docs(backend)
    listing.quantity_available = Decimal(1)
    services.sync_availability(listing)
    services.changed(listing)
    commit()
    assert index_docs(backend)[listing.id]["quantity_available"] == 1


def test_expiry_removes_listings_and_queries_hide_them_before(new_listing, backend, runner):
    soon = utcnow() + timedelta(hours=1)
    listing = new_listing(available_until=soon.isoformat())
    keep = new_listing(title="Bord")
    assert listing.id in index_docs(backend)
    # Before the nightly job runs, queries (active_at) already hide a listing past its end.
    later = int((soon + timedelta(minutes=1)).timestamp())
    hits = backend.search(SearchQuery(active_at=later, per_page=100)).hits
    assert {h.id for h in hits} == {keep.id}
    # The nightly job emits listing.changed, and the handler deletes the document.
    db.session.get(Listing, listing.id).available_until = utcnow() - timedelta(minutes=1)
    commit()
    result = runner.invoke(args=["listings", "expire"])
    assert "1 listings expired" in result.output
    assert set(index_docs(backend)) == {keep.id}


def test_deleted_listing_leaves_the_index(new_listing, backend):
    listing = new_listing()
    listing_id = listing.id
    db.session.delete(listing)
    commit()
    assert listing_id in index_docs(backend)  # a delete emits nothing by itself ...
    assert sync_listing(listing_id) is False  # ... but the handler copes with a gone row
    assert listing_id not in index_docs(backend)


def test_no_change_is_lost_while_the_engine_is_down(app, new_listing, switchable, municipality,
                                                    monkeypatch):
    """Failure by a backend wrapper raising SearchUnavailable (tests/searching/conftest.py)."""
    switchable.down = True
    listings = [new_listing(title=f"Stol {n}", quantity=3) for n in range(20)]
    drafts = [new_listing(publish=False, title=f"Bord {n}", owner=municipality)
              for n in range(10)]
    for n, listing in enumerate(listings[:15]):
        services.update_listing(listing, {"title": f"Stol {n} (ny tittel)"})
        commit()
    for listing in listings[15:]:
        services.withdraw(listing)
        commit()
    for draft in drafts[:6]:
        services.publish(draft)
        commit()
    for listing in listings[:3]:  # reserved: nothing left
        listing.quantity_available = Decimal(0)
        services.sync_availability(listing)
        services.changed(listing)
        commit()
    services.update_listing(drafts[0], {"title": "Bord 0, nytt navn", "price_nok": 50})
    commit()
    changes = 20 + 10 + 15 + 5 + 6 + 3 + 1
    pending = _search_events(PENDING)
    assert len(pending) == changes >= 50
    assert all(e.attempts == 1 and "search engine down" in e.last_error for e in pending)
    switchable.down = False
    assert index_docs(switchable) == {}
    assert jobs.run_due() == 0  # nothing is due before the backoff has passed

    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(jobs, "utcnow", lambda: later)
    assert jobs.run_due() == changes
    assert _search_events(PENDING) == []
    docs = index_docs(switchable)
    expected = _published_in_db()
    assert set(docs) == set(expected)
    assert {i: d["title"] for i, d in docs.items()} == expected
    assert len(expected) == 20 - 5 - 3 + 6
    assert docs[drafts[0].id]["price_ore"] == 5000
    assert "Stol 3 (ny tittel)" in expected.values()


def test_an_unreachable_meilisearch_keeps_events_pending(app_config, tmp_path):
    """Failure by the real Meilisearch client against a closed port."""
    from app import create_app
    from app.listings.categories import ensure_categories
    from app.searching.indexer import outbox_state
    from tests.conftest import Builders

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends
    application = create_app({**app_config, "MEILI_URL": f"http://127.0.0.1:{port}"})
    with application.app_context():
        try:
            ensure_categories()
            commit()
            make = Builders(application)
            org = make.org("business")
            user = make.user(org)
            from tests.searching.conftest import listing_data

            services.create_listing(user, org, listing_data(), publish=True)
            commit()
            state = outbox_state()
            assert state.pending == 1
            assert "Meilisearch" in state.last_error.last_error
            response = application.test_client().get("/api/v1/search?q=stol")
            assert response.status_code == 503
            assert response.mimetype == "application/problem+json"
        finally:
            db.session.rollback()
            from tests.conftest import truncate_all

            truncate_all(db.engine)
            db.session.remove()
            db.engine.dispose()


def test_a_second_process_sees_the_writes_of_the_first(tmp_path):
    """Redis mode: workers write, the web process's embedded index catches up."""
    writer = EmbeddedBackend(tmp_path / "shared")
    reader = EmbeddedBackend(tmp_path / "shared")
    try:
        assert reader.search(SearchQuery(q="stol")).total == 0
        writer.upsert([{"id": 1, "title": "Kontorstol"}, {"id": 2, "title": "Skrivebord"}])
        assert [h.id for h in reader.search(SearchQuery(q="kontorstol")).hits] == [1]
        writer.upsert([{"id": 1, "title": "Lenestol"}])
        writer.delete([2])
        assert reader.search(SearchQuery(q="kontorstol")).total == 0
        assert [h.doc["title"] for h in reader.search(SearchQuery()).hits] == ["Lenestol"]
    finally:
        writer.close()
        reader.close()


def test_a_worker_backend_writes_the_app_backend_reads(app, new_listing, backend, tmp_path):
    listing = new_listing(publish=False, title="Takstein")
    listing.status = "published"
    listing.published_at = utcnow()
    commit()  # no event: as if a worker in another process will index it
    backend.delete([listing.id])
    worker = EmbeddedBackend(app.config["SEARCH_PATH"])
    try:
        assert listing.id not in index_docs(backend)
        assert sync_listing(listing.id, backend=worker) is True
        assert index_docs(backend)[listing.id]["title"] == "Takstein"
    finally:
        worker.close()


@pytest.mark.parametrize("status", ["draft", "withdrawn", "closed", "expired"])
def test_handler_deletes_listings_that_are_not_published(new_listing, backend, status):
    listing = new_listing()
    assert listing.id in index_docs(backend)
    listing.status = status
    services.changed(listing)
    commit()
    assert listing.id not in index_docs(backend)
