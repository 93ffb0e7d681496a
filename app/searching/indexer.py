"""Keeping the index in sync: the ``listing.changed`` outbox handler and a full reindex.

The handler reads the listing as it is *now* and upserts or deletes its document, so
events may be delivered late, twice or out of order and the index still ends up right.
When the engine is down it raises ``SearchUnavailable``: the outbox keeps the event and
retries it with backoff (``app.jobs``), so no change is lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from app import outbox
from app.db import db, utcnow
from app.listings import CHANGED
from app.outbox import DEAD, PENDING, OutboxEvent
from app.searching.backend import ensure_configured, search_backend
from app.searching.documents import (
    count_indexable,
    indexable_documents,
    is_indexable,
    listing_document,
    load_listing,
)
from search import SearchBackend

log = logging.getLogger(__name__)

#: The handler's name in the outbox table.
HANDLER = "search.index"


@outbox.handler(CHANGED, name=HANDLER)
def index_listing(payload: dict) -> None:
    """Outbox consumer of ``listing.changed``: bring one listing's document up to date."""
    sync_listing(int(payload["listing_id"]))


def sync_listing(listing_id: int, backend: SearchBackend | None = None) -> bool:
    """Upsert the listing's document when it belongs in the index, else delete it.

    Returns True when a document was written. Raises ``SearchUnavailable`` when the
    engine cannot take the write (the caller retries)."""
    backend = backend or search_backend()
    listing = load_listing(listing_id)
    if listing is not None and is_indexable(listing, utcnow()):
        backend.upsert([listing_document(listing)])
        return True
    backend.delete([listing_id])
    return False


@dataclass
class ReindexResult:
    documents: int
    seconds: float


def reindex(batch_size: int = 2000, progress: Callable[[int], None] | None = None,
            backend: SearchBackend | None = None) -> ReindexResult:
    """Rebuild the index from the database: apply settings, clear, upsert in batches."""
    started = time.perf_counter()
    backend = backend or search_backend()
    ensure_configured(backend, force=True)
    backend.clear()
    written = 0
    for docs in indexable_documents(batch_size):
        backend.upsert(docs)
        written += len(docs)
        if progress is not None:
            progress(len(docs))
    db.session.rollback()
    return ReindexResult(written, time.perf_counter() - started)


def reindex_total() -> int:
    """How many listings a reindex would write (for a progress bar)."""
    return count_indexable()


@dataclass
class OutboxState:
    pending: int
    dead: int
    last_error: OutboxEvent | None


def outbox_state() -> OutboxState:
    """Pending and dead ``search.index`` events, and the latest one that failed."""
    rows = dict(db.session.execute(
        sa.select(OutboxEvent.status, sa.func.count())
        .where(OutboxEvent.handler == HANDLER, OutboxEvent.status.in_((PENDING, DEAD)))
        .group_by(OutboxEvent.status)).all())
    last = db.session.scalars(
        sa.select(OutboxEvent)
        .where(OutboxEvent.handler == HANDLER, OutboxEvent.status.in_((PENDING, DEAD)),
               OutboxEvent.last_error.is_not(None))
        .order_by(OutboxEvent.id.desc()).limit(1)).first()
    return OutboxState(rows.get(PENDING, 0), rows.get(DEAD, 0), last)
