"""Running a query and presenting hits: JSON for the API, labels for the page.

Everything here works from the index documents alone, so a search never reads a
listing row from the database.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app import formatting
from app.errors import ValidationFailed
from app.listings.forms import UNIT_LABELS
from search import Hit, SearchError, SearchQuery, SearchResult
from search.text import haversine_m

from .backend import search_backend


def run(query: SearchQuery) -> SearchResult:
    """The engine's answer; ``SearchUnavailable`` propagates (the caller answers 503)."""
    backend = search_backend()
    try:
        return backend.search(query)
    except SearchError as exc:
        if exc.code == "invalid_search_query":  # the parser should have caught it
            raise ValidationFailed({"query": [str(exc)]}) from exc
        raise


def price_nok(price_ore: int) -> int | float:
    return price_ore // 100 if price_ore % 100 == 0 else round(price_ore / 100, 2)


def distance_km(hit: Hit) -> float | None:
    return None if hit.distance_m is None else round(hit.distance_m / 1000, 2)


def hit_json(hit: Hit) -> dict[str, Any]:
    """One hit in the API's shape (from the stored document only)."""
    doc = hit.doc
    return {
        "id": hit.id,
        "title": doc.get("title") or "",
        "category": doc.get("category") or "",
        "condition": doc.get("condition") or "",
        "price_nok": price_nok(int(doc.get("price_ore") or 0)),
        "is_free": bool(doc.get("is_free")),
        "quantity_available": doc.get("quantity_available") or 0,
        "unit": doc.get("unit") or "",
        "distance_km": distance_km(hit),
        "org_kind": doc.get("org_kind") or "",
        "org_name": doc.get("org_name") or "",
        "district": doc.get("district") or "",
        "postcode": doc.get("postcode") or "",
        "thumb_url": doc.get("thumb_url"),
        "url": f"/listings/{hit.id}",
        "highlight": dict(hit.highlights),
    }


def result_json(result: SearchResult) -> dict[str, Any]:
    return {
        "hits": [hit_json(hit) for hit in result.hits],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "facets": {name: dict(result.facets.get(name, {})) for name in
                   ("category", "condition", "district")},
        "processing_ms": round(result.processing_ms, 2),
    }


# --- labels for the page -----------------------------------------------------------------


def _unit(unit: str, locale: str | None = None) -> str:
    if locale is None:
        return str(UNIT_LABELS.get(unit, unit))
    from app.searching.fragments import labels

    return labels(locale, "unit", UNIT_LABELS).get(unit, unit)


#: The grouping separator of ``formatting.number`` per language (bokmål: U+202F).
_GROUPING = {"nb": "\u202f", "en": ","}
_WHOLE_LIMIT = 10**15  # floats are exact integers far beyond this


def whole_number(value: Any, locale: str | None) -> str:
    """``formatting.number(value, locale=locale)``, without Babel for the common case
    of a whole number >= 0 (quantities, whole kroner) in a known language; the same text
    (tests/searching/test_search_caches.py compares them)."""
    separator = _GROUPING.get(formatting.language(locale)) if locale else None
    if (separator is not None and isinstance(value, int | float)
            and not isinstance(value, bool) and 0 <= value < _WHOLE_LIMIT
            and value == int(value)):
        return f"{int(value):,}".replace(",", separator)
    return formatting.number(value, locale=locale)


def price_label(doc: dict[str, Any], locale: str | None = None) -> str:
    """"Gratis", or "kr 1 500 / stk" with Norwegian number formatting."""
    price_ore = int(doc.get("price_ore") or 0)
    if price_ore == 0:
        return _("Gratis")
    if price_ore % 100 == 0 and locale:
        text = whole_number(price_ore // 100, locale)
    else:
        text = formatting.money(price_ore, decimals=False, locale=locale)
    return _("kr %(amount)s / %(unit)s", amount=text,
             unit=_unit(doc.get("unit") or "", locale))


def distance_label(distance_m: float | None) -> str:
    """"3,2 km unna" (one decimal), or "" without a distance."""
    if distance_m is None:
        return ""
    return _("%(km)s km unna", km=formatting.number(distance_m / 1000, 1, fixed=True))


def quantity_label(doc: dict[str, Any], locale: str | None = None) -> str:
    """"12 stk igjen"."""
    text = whole_number(doc.get("quantity_available") or 0, locale)
    return _("%(quantity)s %(unit)s igjen", quantity=text,
             unit=_unit(doc.get("unit") or "", locale))


def distance_between(doc: dict[str, Any], lat: float, lng: float) -> float | None:
    """Metres from (lat, lng) to the document's position; None without coordinates."""
    if doc.get("lat") is None or doc.get("lng") is None:
        return None
    return haversine_m(lat, lng, float(doc["lat"]), float(doc["lng"]))
