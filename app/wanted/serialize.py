"""Wanted requests as JSON-ready dicts (the API)."""

from __future__ import annotations

from app.listings.serialize import iso, number
from app.wanted.models import WantedRequest


def price_nok(ore: int | None) -> int | float | None:
    if ore is None:
        return None
    return ore / 100 if ore % 100 else ore // 100


def request_json(request: WantedRequest) -> dict:
    return {
        "id": request.id,
        "status": request.status,
        "title": request.title,
        "description": request.description,
        "categories": request.category_slugs,
        "project_id": request.project_id,
        "quantity": number(request.quantity),
        "min_quantity": number(request.min_quantity),
        "unit": request.unit,
        "max_price_nok": price_nok(request.max_price_ore),
        "min_condition": request.min_condition,
        "postcode": request.postcode,
        "district": request.district,
        "lat": request.lat,
        "lng": request.lng,
        "radius_km": number(request.radius_km),
        "needed_by": request.needed_by.isoformat() if request.needed_by else None,
        "organization_id": request.organization_id,
        "organization": {"id": request.organization_id, "name": request.organization.name,
                         "verification": request.organization.verification_state},
        "created_at": iso(request.created_at),
        "updated_at": iso(request.updated_at),
        "closed_at": iso(request.closed_at),
        "url": f"/wanted/{request.id}",
    }
