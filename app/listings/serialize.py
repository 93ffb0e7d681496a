"""Listings, photos and categories as plain JSON-ready dicts (API and search indexer)."""

from __future__ import annotations

from decimal import Decimal

from app.listings.categories import category_path
from app.listings.models import Category, Listing, ListingImage
from app.listings.photos import media_url
from app.pickup.windows import windows_json


def number(value: Decimal | None) -> int | float | None:
    """A Decimal as a JSON number: an int when whole, else a float (3 decimals at most)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def iso(dt) -> str | None:
    return dt.isoformat() if dt is not None else None


def image_json(image: ListingImage) -> dict:
    return {
        "id": image.id, "position": image.position, "width": image.width,
        "height": image.height,
        "urls": {"original": media_url(image.original_path),
                 "medium": media_url(image.medium_path),
                 "thumb": media_url(image.thumb_path)},
    }


def category_json(category: Category) -> dict:
    return {
        "slug": category.slug, "name_nb": category.name_nb, "name_en": category.name_en,
        "parent": category.parent.slug if category.parent else None,
        "eu_category": category.eu_category,
        "typical_unit_weight_kg": number(category.typical_unit_weight_kg),
        "typical_unit": category.typical_unit,
    }


def listing_json(listing: Listing) -> dict:
    category = listing.category
    return {
        "id": listing.id,
        "status": listing.status,
        "title": listing.title,
        "description": listing.description,
        "category": category.slug,
        "category_path": category_path(category),
        "eu_category": category.eu_category,
        "condition": listing.condition,
        "quantity": number(listing.quantity),
        "quantity_available": number(listing.quantity_available),
        "unit": listing.unit,
        "unit_weight_kg": number(listing.unit_weight_kg),
        "weight_estimated": listing.weight_estimated,
        "total_weight_kg": number(listing.total_weight_kg),
        "price_nok": listing.price_ore / 100 if listing.price_ore % 100 else
        listing.price_ore // 100,
        "is_free": listing.is_free,
        "postcode": listing.postcode,
        "district": listing.district,
        "lat": listing.lat,
        "lng": listing.lng,
        "address": listing.address,
        "material": listing.material,
        "dimensions": listing.dimensions,
        "pickup_instructions": listing.pickup_instructions,
        "waste_origin": listing.waste_origin,
        "available_from": iso(listing.available_from),
        "available_until": iso(listing.available_until),
        "organization_id": listing.organization_id,
        "organization": {"id": listing.organization_id, "name": listing.organization.name,
                         "verification": listing.organization.verification_state},
        "published_at": iso(listing.published_at),
        "created_at": iso(listing.created_at),
        "updated_at": iso(listing.updated_at),
        "images": [image_json(image) for image in listing.images],
        "pickup_windows": windows_json(listing),
        "url": f"/listings/{listing.id}",
    }
