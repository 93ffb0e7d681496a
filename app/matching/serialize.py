"""Matches as JSON-ready dicts; reasons rendered in the caller's language."""

from __future__ import annotations

from app.listings.serialize import iso
from app.matching import reasons
from app.matching.models import Match


def match_json(match: Match) -> dict:
    listing, request = match.listing, match.request
    return {
        "id": match.id,
        "listing_id": match.listing_id,
        "request_id": match.request_id,
        "score": match.score,
        "reasons": reasons.render(match.reasons),
        "reason_codes": match.reasons,
        "state": match.state,
        "distance_km": round(match.distance_m / 1000, 1) if match.distance_m is not None
        else None,
        "created_at": iso(match.created_at),
        "updated_at": iso(match.updated_at),
        "listing": {"id": listing.id, "title": listing.title, "status": listing.status,
                    "url": f"/listings/{listing.id}",
                    "organization": {"id": listing.organization_id,
                                     "name": listing.organization.name}},
        "request": {"id": request.id, "title": request.title, "status": request.status,
                    "url": f"/wanted/{request.id}",
                    "organization": {"id": request.organization_id,
                                     "name": request.organization.name}},
        "reserve_url": f"/listings/{listing.id}/reserve?match_id={match.id}",
    }
