"""``GET /api/v1/search``: full-text search over published listings, with facets and distance.

Public (published listings are public). Answers from the index documents alone; bad
parameters are 422 with ``errors: {param: [message]}``, an unreachable engine is 503.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from app.api import bp
from app.api.openapi import ERROR_TEXT, component, operation, page_params, query
from app.errors import ValidationFailed, problem
from app.searching.params import (
    CONDITIONS,
    MAX_PER_PAGE,
    MAX_PRICE_NOK,
    MAX_QUERY_CHARS,
    MAX_RADIUS_KM,
    ORG_KINDS,
    parse,
)
from app.searching.results import result_json, run
from app.searching.zero_results import record_quietly as record_zero_result
from search import SearchUnavailable
from search.types import SORTS

RETRY_AFTER_SECONDS = 30


def unavailable():
    response = problem(503, _("Søket er midlertidig utilgjengelig"),
                       _("Søkemotoren svarer ikke akkurat nå. Prøv igjen om litt."))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@bp.get("/search")
def search_listings():
    params, errors = parse(request.args)
    if errors:
        raise ValidationFailed(errors)
    try:
        result = run(params.query())
    except SearchUnavailable:
        return unavailable()
    if not result.total and params.q and params.page == 1:
        record_zero_result(params.q, params.category)  # no personal data: see the module
    return jsonify(result_json(result))


# --- OpenAPI ------------------------------------------------------------------------------

ERROR_TEXT.setdefault(503, "Temporarily unavailable (the search engine); retry later")
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
_NULLABLE_NUMBER = {"type": ["number", "null"]}
component("SearchHit", {
    "type": "object",
    "required": ["id", "title", "category", "price_nok", "quantity_available", "unit",
                 "distance_km", "org_kind", "org_name", "district", "postcode", "thumb_url",
                 "highlight"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "category": {"type": "string", "description": "Leaf category slug."},
        "condition": {"type": "string", "enum": list(CONDITIONS)},
        "price_nok": {"type": "number", "description": "Per unit; 0 = free."},
        "is_free": {"type": "boolean"},
        "quantity_available": {"type": "number"}, "unit": {"type": "string"},
        "distance_km": {**_NULLABLE_NUMBER, "description": "From the given position; null "
                        "without a position (or for a listing without coordinates)."},
        "org_kind": {"type": "string", "enum": list(ORG_KINDS)},
        "org_name": {"type": "string"}, "district": {"type": "string"},
        "postcode": {"type": "string"},
        "thumb_url": {"type": ["string", "null"]},
        "url": {"type": "string", "description": "The listing's page."},
        "highlight": {"type": "object", "description": "With q: title and description as "
                      "HTML, matches in <mark>, everything else escaped.",
                      "additionalProperties": {"type": "string"}},
    },
})
component("SearchResponse", {
    "type": "object",
    "required": ["hits", "total", "page", "per_page", "facets", "processing_ms"],
    "properties": {
        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/SearchHit"}},
        "total": {"type": "integer", "description": "Exact number of matches."},
        "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "facets": {"type": "object", "description": "Counts over the filtered result; a "
                   "listing counts for its category and every ancestor.",
                   "required": ["category", "condition", "district"],
                   "properties": {"category": _COUNTS, "condition": _COUNTS,
                                  "district": _COUNTS}},
        "processing_ms": {"type": "number", "description": "Time in the search engine."},
    },
})
_LIST = {"type": "array", "items": {"type": "string"}}
operation(
    "/search", "get", "Search published listings (full text, filters, facets, distance)",
    params=[
        query("q", {"type": "string", "maxLength": MAX_QUERY_CHARS},
              "Words; typo tolerant; bokmål compounds match split or joined and by "
              "their head; the last word (3+ letters) also as a prefix, unless q ends "
              "with a space"),
        query("category", {"type": "string"}, "Category slug; includes its children"),
        {**query("condition", {"type": "array", "items": {"type": "string",
                                                          "enum": list(CONDITIONS)}},
                 "Repeatable or comma-separated"), "explode": True},
        {**query("district", _LIST, "Repeatable or comma-separated"), "explode": True},
        query("min_price", {"type": "number", "minimum": 0, "maximum": MAX_PRICE_NOK},
              "NOK per unit"),
        query("max_price", {"type": "number", "minimum": 0, "maximum": MAX_PRICE_NOK},
              "NOK per unit"),
        query("free", {"type": "string", "enum": ["1", "0", "true", "false"]},
              "1: only free listings"),
        {**query("org_kind", {"type": "array", "items": {"type": "string",
                                                         "enum": list(ORG_KINDS)}},
                 "Repeatable or comma-separated"), "explode": True},
        query("postcode", {"type": "string", "pattern": r"^\d{4}$"},
              "Position from the postcode table (Asker and neighbours)"),
        query("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Position (with lng)"),
        query("lng", {"type": "number", "minimum": -180, "maximum": 180},
              "Position (with lat)"),
        query("radius_km", {"type": "number", "exclusiveMinimum": 0,
                            "maximum": MAX_RADIUS_KM}, "Only within this distance; "
              "needs a position"),
        query("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"},
              "distance needs a position"),
        *page_params(MAX_PER_PAGE),
    ],
    responses={200: "SearchResponse"}, errors=(422, 503), auth=False, tags=("search",),
)
