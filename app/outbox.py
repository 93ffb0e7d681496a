"""The transactional outbox: side effects are written as rows in the same transaction.

``emit(topic, payload)`` writes one row per handler registered for the topic, so
every consumer (search indexer, matching, e-mail, ...) is retried on its own and a
failing one never re-runs the others. Payloads carry ids, never ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db, utcnow

Handler = Callable[[dict[str, Any]], None]
_HANDLERS: dict[str, dict[str, Handler]] = {}

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


class OutboxEvent(db.Model):
    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(80))
    handler: Mapped[str] = mapped_column(sa.String(120))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_outbox_events_due", "status", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<OutboxEvent {self.id} {self.topic}->{self.handler} {self.status}>"


def handler(topic: str, name: str | None = None) -> Callable[[Handler], Handler]:
    """Register ``func`` as a consumer of ``topic``; the name identifies it in the table."""

    def decorator(func: Handler) -> Handler:
        key = name or f"{func.__module__}.{func.__qualname__}"
        _HANDLERS.setdefault(topic, {})[key] = func
        return func

    return decorator


def handlers_for(topic: str) -> dict[str, Handler]:
    return dict(_HANDLERS.get(topic, {}))


def resolve(topic: str, name: str) -> Handler | None:
    return _HANDLERS.get(topic, {}).get(name)


def emit(topic: str, **payload: Any) -> list[OutboxEvent]:
    """Write one outbox row per consumer of ``topic`` in the current transaction."""
    session = db.session()
    events = [
        OutboxEvent(topic=topic, handler=name, payload=payload) for name in handlers_for(topic)
    ]
    if not events:
        return []
    session.add_all(events)
    session.flush()
    session.info.setdefault("outbox_ids", []).extend(e.id for e in events)
    return events


def emit_many(topic: str, payloads: list[dict[str, Any]]) -> int:
    """Like :func:`emit` for many payloads at once, in one bulk INSERT (bulk import)."""
    names = list(handlers_for(topic))
    if not names or not payloads:
        return 0
    rows = [{"topic": topic, "handler": name, "payload": payload, "status": PENDING,
             "attempts": 0, "next_attempt_at": utcnow(), "created_at": utcnow()}
            for payload in payloads for name in names]
    session = db.session()
    event_ids = session.scalars(sa.insert(OutboxEvent).returning(OutboxEvent.id), rows).all()
    session.info.setdefault("outbox_ids", []).extend(event_ids)
    return len(event_ids)
