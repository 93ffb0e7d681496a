"""``GET /api/v1/categories``: the category tree as a flat list with parent slugs."""

from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.openapi import component, list_of, operation
from app.listings.categories import all_categories
from app.listings.serialize import category_json

component("Category", {
    "type": "object",
    "required": ["slug", "name_nb", "name_en", "parent", "eu_category",
                 "typical_unit_weight_kg", "typical_unit"],
    "properties": {
        "slug": {"type": "string"}, "name_nb": {"type": "string"},
        "name_en": {"type": "string"},
        "parent": {"type": ["string", "null"], "description": "Slug of the parent category."},
        "eu_category": {"type": "string", "enum": ["textiles", "eee", "furniture",
                                                    "construction", "other"],
                        "description": "Re-use category of Implementing Decision (EU) 2021/19."},
        "typical_unit_weight_kg": {"type": ["number", "null"],
                                   "description": "Typical weight of one typical_unit."},
        "typical_unit": {"type": "string", "enum": ["pcs", "m", "m2", "m3", "kg"]},
    },
})


@bp.get("/categories")
def list_categories():
    items = [category_json(c) for c in all_categories()]
    return jsonify({"items": items, "total": len(items), "page": 1, "per_page": len(items)})


operation("/categories", "get", "The category tree (parents before children)",
          responses={200: list_of("Category")}, auth=False, tags=("listings",))
