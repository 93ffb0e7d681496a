"""Listings: create, read, change, publish, withdraw, list.

Permissions (as on the pages): published, reserved, closed and expired listings are
public; drafts and withdrawn listings are 404 for anyone outside the owning
organisation; changing a visible listing of another organisation is 403.
"""

from __future__ import annotations

import dataclasses

from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.api import bp
from app.api.helpers import act_on, created, json_body, login_required, scoped_list
from app.api.openapi import ORGANIZATION, component, list_of, operation, path_id, scoped_list_params
from app.common import user_or_none
from app.listings import rules, services
from app.listings.models import Condition, Status, Unit
from app.listings.serialize import listing_json
from app.pickup.windows import WINDOW_SCHEMA, WindowsField
from app.validation import Field, Schema

CONDITIONS = tuple(c.value for c in Condition)
UNITS = tuple(u.value for u in Unit)
STATUSES = tuple(s.value for s in Status)

_FIELDS = {
    "title": Field("string", required=True, max_length=rules.TITLE_MAX),
    "description": Field("text", max_length=rules.DESCRIPTION_MAX),
    "category": Field("string", required=True, max_length=60,
                      description="Category slug (GET /api/v1/categories)."),
    "condition": Field("string", required=True, choices=CONDITIONS),
    "quantity": Field("number", required=True, min=0, exclusive_min=True),
    "unit": Field("string", required=True, choices=UNITS),
    "unit_weight_kg": Field("number", nullable=True, min=0, exclusive_min=True,
                            description="Weight of one unit; default: the category's "
                            "typical weight (then weight_estimated is true)."),
    "price_nok": Field("money", min=0, description="Price per unit in NOK; 0 = free."),
    "postcode": Field("string", required=True, pattern=r"\d{4}",
                      extra={"pattern_message": _l("Postnummer må være fire siffer.")},
                      description="Four digits; an unknown postcode needs lat and lng."),
    "lat": Field("number", nullable=True, min=-90, max=90),
    "lng": Field("number", nullable=True, min=-180, max=180),
    "address": Field("string", max_length=rules.SHORT_TEXT_MAX),
    "material": Field("string", max_length=rules.SHORT_TEXT_MAX),
    "dimensions": Field("string", max_length=rules.SHORT_TEXT_MAX),
    "available_from": Field("datetime", nullable=True),
    "available_until": Field("datetime", nullable=True),
    "pickup_instructions": Field("text", max_length=rules.INSTRUCTIONS_MAX),
    "waste_origin": Field("boolean", description="Came from the waste stream."),
    "pickup_windows": WindowsField(),
}


class ListingCreate(Schema):
    fields = {
        **_FIELDS,
        "publish": Field("boolean", default=False, description="Publish at once."),
        "organization_id": Field("id", description="Owner; default: your first."),
    }


class ListingUpdate(Schema):
    fields = {name: dataclasses.replace(f, required=False) for name, f in _FIELDS.items()}


component("ListingImage", {
    "type": "object",
    "required": ["id", "position", "width", "height", "urls"],
    "properties": {
        "id": {"type": "integer"}, "position": {"type": "integer"},
        "width": {"type": "integer"}, "height": {"type": "integer"},
        "urls": {"type": "object", "required": ["original", "medium", "thumb"],
                 "properties": {k: {"type": "string"} for k in ("original", "medium", "thumb")}},
    },
})
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
component("Listing", {
    "type": "object",
    "required": ["id", "status", "title", "category", "condition", "quantity",
                 "quantity_available", "unit", "unit_weight_kg", "weight_estimated",
                 "price_nok", "postcode", "lat", "lng", "images", "organization_id"],
    "properties": {
        "id": {"type": "integer"}, "status": {"type": "string", "enum": list(STATUSES)},
        "title": {"type": "string"}, "description": {"type": "string"},
        "category": {"type": "string"},
        "category_path": {"type": "array", "items": {"type": "string"}},
        "eu_category": {"type": "string"},
        "condition": {"type": "string", "enum": list(CONDITIONS)},
        "quantity": {"type": "number"}, "quantity_available": {"type": "number"},
        "unit": {"type": "string", "enum": list(UNITS)},
        "unit_weight_kg": {"type": ["number", "null"]},
        "weight_estimated": {"type": "boolean"},
        "total_weight_kg": {"type": ["number", "null"]},
        "price_nok": {"type": "number"}, "is_free": {"type": "boolean"},
        "postcode": {"type": "string"}, "district": {"type": "string"},
        "lat": {"type": "number"}, "lng": {"type": "number"},
        "address": {"type": "string"}, "material": {"type": "string"},
        "dimensions": {"type": "string"}, "pickup_instructions": {"type": "string"},
        "waste_origin": {"type": "boolean"},
        "available_from": _NULLABLE_TIME, "available_until": _NULLABLE_TIME,
        "organization_id": {"type": "integer"},
        "organization": ORGANIZATION,
        "published_at": _NULLABLE_TIME,
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "images": {"type": "array", "items": {"$ref": "#/components/schemas/ListingImage"}},
        "pickup_windows": {"type": "array", "items": WINDOW_SCHEMA},
        "url": {"type": "string", "description": "The listing's page."},
    },
})


@bp.post("/listings")
@login_required
def create_listing():
    data = ListingCreate.load(json_body())
    publish = data.pop("publish", False)
    organization = services.choose_organization(current_user, data.pop("organization_id", None))
    listing = services.create_listing(current_user, organization, data, publish=publish)
    return created(listing_json(listing), f"/api/v1/listings/{listing.id}")


@bp.get("/listings")
def list_listings():
    return scoped_list(STATUSES, public=services.published_listings,
                       mine=services.organization_listings, to_json=listing_json)


@bp.get("/listings/<int:listing_id>")
def get_listing(listing_id: int):
    return jsonify(listing_json(services.visible_listing(listing_id, user_or_none())))


def _update(listing):
    return services.update_listing(listing, ListingUpdate.load(json_body(), partial=True))


@bp.patch("/listings/<int:listing_id>")
@login_required
def update_listing(listing_id: int):
    return act_on(listing_id, services.listing_for_change, _update, listing_json)


@bp.post("/listings/<int:listing_id>/publish")
@login_required
def publish_listing(listing_id: int):
    return act_on(listing_id, services.listing_for_change, services.publish, listing_json)


@bp.post("/listings/<int:listing_id>/withdraw")
@login_required
def withdraw_listing(listing_id: int):
    return act_on(listing_id, services.listing_for_change, services.withdraw, listing_json)


_ID = [path_id("listing_id")]
_TAGS = ("listings",)
operation("/listings", "post", "Create a listing (a draft, or published with publish=true)",
          body=ListingCreate, responses={201: "Listing"}, errors=(403,), tags=_TAGS)
operation("/listings", "get", "Published listings, or all of my organisations' (org=mine)",
          params=scoped_list_params("listing", STATUSES),
          responses={200: list_of("Listing")}, errors=(401, 422), auth=False, tags=_TAGS)
operation("/listings/{listing_id}", "get", "One listing (drafts only for its organisation)",
          params=_ID, responses={200: "Listing"}, errors=(404,), auth=False, tags=_TAGS)
operation("/listings/{listing_id}", "patch", "Change some fields of a listing",
          params=_ID, body=ListingUpdate, responses={200: "Listing"}, errors=(403, 404, 409),
          tags=_TAGS)
operation("/listings/{listing_id}/publish", "post", "Publish a draft (or an expired listing)",
          params=_ID, responses={200: "Listing"}, errors=(403, 404, 409, 422), tags=_TAGS)
operation("/listings/{listing_id}/withdraw", "post", "Withdraw a listing for good",
          params=_ID, responses={200: "Listing"}, errors=(403, 404, 409), tags=_TAGS)
