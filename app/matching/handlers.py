"""Outbox handlers: matching runs after a listing or a request changed.

Each runs in the job runner's own transaction (one row per handler, retried alone);
notifications and their e-mails are written in the same transaction, so they exist
exactly when the matches do.
"""

from __future__ import annotations

from typing import Any

from app import outbox
from app.db import db
from app.exchange import CHANGED as RESERVATION_CHANGED
from app.listings import CHANGED as LISTING_CHANGED
from app.matching import notify, services
from app.matching.models import Match, MatchState
from app.wanted import CHANGED as REQUEST_CHANGED


@outbox.handler(LISTING_CHANGED, name="matching.listing")
def on_listing_changed(payload: dict[str, Any]) -> None:
    outcome = services.match_listing(int(payload["listing_id"]))
    notify.notify_matches(outcome.kept)


@outbox.handler(REQUEST_CHANGED, name="matching.request")
def on_request_changed(payload: dict[str, Any]) -> None:
    outcome = services.match_request(int(payload["request_id"]))
    notify.notify_matches(outcome.kept)


@outbox.handler(RESERVATION_CHANGED, name="matching.reservation")
def on_reservation_changed(payload: dict[str, Any]) -> None:
    """A reservation made from a match marks the match ``interested``."""
    from app.exchange.models import Reservation

    if payload.get("event") != "requested":
        return
    reservation = db.session.get(Reservation, int(payload["reservation_id"]))
    if reservation is None or reservation.match_id is None:
        return
    match = db.session.get(Match, reservation.match_id)
    if (match is not None and match.listing_id == reservation.listing_id
            and match.request.organization_id == reservation.buyer_org_id
            and match.state == MatchState.SUGGESTED):
        services.mark_interested(match)
