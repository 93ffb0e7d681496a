"""Wanted requests in the API: create, read, change, close, list.

Open requests are public; fulfilled, closed and expired ones are 404 outside the owning
organisation; changing a visible request of another organisation is 403.
"""

from __future__ import annotations

import dataclasses

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.api import bp
from app.api.helpers import act_on, created, json_body, login_required, scoped_list
from app.api.openapi import (
    ORGANIZATION,
    component,
    list_of,
    operation,
    path_id,
    query,
    scoped_list_params,
)
from app.common import user_or_none
from app.errors import ValidationFailed
from app.listings.models import Condition, Unit
from app.validation import Field, Schema
from app.wanted import rules, services
from app.wanted.models import RequestStatus
from app.wanted.serialize import request_json

CONDITIONS = tuple(c.value for c in Condition)
UNITS = tuple(u.value for u in Unit)
STATUSES = tuple(s.value for s in RequestStatus)

_FIELDS = {
    "title": Field("string", required=True, max_length=rules.TITLE_MAX),
    "description": Field("text", max_length=rules.DESCRIPTION_MAX),
    "categories": Field("list", required=True, max_items=rules.MAX_CATEGORIES,
                        items=Field("string", max_length=60),
                        description="Category slugs (GET /api/v1/categories); a parent "
                        "category takes listings in its children."),
    "quantity": Field("number", required=True, min=0, exclusive_min=True),
    "min_quantity": Field("number", min=0, exclusive_min=True,
                          description="The least you would take from one listing; default "
                          "1 (or the quantity, when smaller)."),
    "unit": Field("string", choices=UNITS, description="Default pcs."),
    "max_price_nok": Field("money", nullable=True, min=0,
                           description="Highest price per unit; 0 = only free; null = any."),
    "min_condition": Field("string", nullable=True, choices=CONDITIONS,
                           description="The worst condition you accept; null = any."),
    "postcode": Field("string", nullable=True, pattern=r"\d{4}",
                      description="Four digits; or give lat and lng."),
    "lat": Field("number", nullable=True, min=-90, max=90),
    "lng": Field("number", nullable=True, min=-180, max=180),
    "radius_km": Field("number", min=0, exclusive_min=True, max=500,
                       description="How far you would fetch; default 25."),
    "needed_by": Field("date", nullable=True, description="Not in the past."),
    "project_id": Field("id", nullable=True,
                        description="The receiving building project (/api/v1/projects) "
                        "of the owner organisation, as owner or partner; null = none."),
}


class RequestCreate(Schema):
    fields = {**_FIELDS,
              "organization_id": Field("id", description="Owner; default: your first.")}


class RequestUpdate(Schema):
    fields = {name: dataclasses.replace(f, required=False) for name, f in _FIELDS.items()}


_NULLABLE_NUMBER = {"type": ["number", "null"]}
component("WantedRequest", {
    "type": "object",
    "required": ["id", "status", "title", "categories", "quantity", "min_quantity", "unit",
                 "max_price_nok", "min_condition", "lat", "lng", "radius_km", "needed_by",
                 "organization_id"],
    "properties": {
        "id": {"type": "integer"}, "status": {"type": "string", "enum": list(STATUSES)},
        "title": {"type": "string"}, "description": {"type": "string"},
        "categories": {"type": "array", "items": {"type": "string"}},
        "quantity": {"type": "number"}, "min_quantity": {"type": "number"},
        "unit": {"type": "string", "enum": list(UNITS)},
        "max_price_nok": _NULLABLE_NUMBER,
        "min_condition": {"type": ["string", "null"]},
        "postcode": {"type": "string"}, "district": {"type": "string"},
        "lat": {"type": "number"}, "lng": {"type": "number"},
        "radius_km": {"type": "number"},
        "needed_by": {"type": ["string", "null"], "format": "date"},
        "organization_id": {"type": "integer"},
        "project_id": {"type": ["integer", "null"],
                       "description": "The receiving building project, if any."},
        "organization": ORGANIZATION,
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "url": {"type": "string", "description": "The request's page."},
    },
})


@bp.post("/requests")
@login_required
def create_request():
    data = RequestCreate.load(json_body())
    organization = services.choose_organization(current_user, data.pop("organization_id", None))
    wanted = services.create_request(current_user, organization, data)
    return created(request_json(wanted), f"/api/v1/requests/{wanted.id}")


@bp.get("/requests")
def list_requests():
    return scoped_list(STATUSES, public=services.open_requests,
                       mine=services.organization_requests, to_json=request_json)


@bp.get("/requests/<int:request_id>")
def get_request(request_id: int):
    return jsonify(request_json(services.visible_request(request_id, user_or_none())))


def _update(wanted):
    return services.update_request(wanted, RequestUpdate.load(json_body(), partial=True))


def _close(wanted):
    fulfilled = request.args.get("fulfilled") or "false"  # empty counts as absent
    if fulfilled not in ("true", "false"):
        raise ValidationFailed({"fulfilled": [_("Må være true eller false.")]})
    return services.close_request(wanted, fulfilled=fulfilled == "true")


@bp.patch("/requests/<int:request_id>")
@login_required
def update_request(request_id: int):
    return act_on(request_id, services.request_for_change, _update, request_json)


@bp.post("/requests/<int:request_id>/close")
@login_required
def close_request(request_id: int):
    return act_on(request_id, services.request_for_change, _close, request_json)


_ID = [path_id("request_id")]
_TAGS = ("requests",)
operation("/requests", "post", "Post a wanted request (open at once; matching starts)",
          body=RequestCreate, responses={201: "WantedRequest"}, errors=(403,), tags=_TAGS)
operation("/requests", "get", "Open requests, or all of my organisations' (org=mine)",
          params=scoped_list_params("request", STATUSES),
          responses={200: list_of("WantedRequest")}, errors=(401, 422), auth=False,
          tags=_TAGS)
operation("/requests/{request_id}", "get", "One request (closed ones only for its organisation)",
          params=_ID, responses={200: "WantedRequest"}, errors=(404,), auth=False, tags=_TAGS)
operation("/requests/{request_id}", "patch",
          "Change some fields (an expired request with a new date opens again)",
          params=_ID, body=RequestUpdate, responses={200: "WantedRequest"},
          errors=(403, 404, 409), tags=_TAGS)
operation("/requests/{request_id}/close", "post",
          "Close a request (fulfilled=true: we got what we needed)",
          params=[*_ID, query("fulfilled", {"type": "boolean"}, "Default false")],
          responses={200: "WantedRequest"}, errors=(403, 404, 409, 422), tags=_TAGS)
