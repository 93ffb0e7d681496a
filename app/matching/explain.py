"""Reasons for matches, built when they are shown (matching stores none).

``fill(matches)`` builds the reasons of every match in the list that has none stored, from
the listings and requests as they are now, in two queries (one for the listings, one for
the requests) instead of two per match; ``Match.reasons`` calls it for a single match. The
reasons are those :func:`app.matching.scoring.score` would give the pair now (a test
compares them on random pairs); nothing is written to the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.db import utcnow


def fill(matches: Iterable, now: datetime | None = None) -> None:
    """Build and attach the reasons of ``matches`` that store none (kept on the objects
    for the rest of the request, never written)."""
    from app.matching import candidates
    from app.matching.scoring import explain

    todo = [m for m in matches
            if m.stored_reasons is None and "_built_reasons" not in m.__dict__]
    if not todo:
        return
    now = now or utcnow()
    listings = candidates.listing_facts_by_id({m.listing_id for m in todo})
    requests = candidates.request_facts_by_id({m.request_id for m in todo})
    for match in todo:
        listing, request = listings.get(match.listing_id), requests.get(match.request_id)
        match.__dict__["_built_reasons"] = ([] if listing is None or request is None
                                            else explain(request, listing, now))
