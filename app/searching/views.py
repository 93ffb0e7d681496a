"""The search page ``/search``: a GET form that works without JavaScript.

Facet counts are *disjunctive* where it helps: while a filter group (say, condition)
is active, that group's counts come from the same search without it, so the other
choices in the group still show how many they would add. Bad parameters are shown next
to their fields and left out of the search, which still runs with the rest.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    get_template_attribute,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app import formatting
from app.listings.forms import CONDITION_LABELS
from app.maps import search_map_data
from app.pagecache import public_page
from app.searching import fragments
from app.searching.params import CONDITIONS, ORG_KINDS, SearchParams, parse
from app.searching.results import distance_label, price_label, quantity_label, run
from app.searching.zero_results import record_quietly as record_zero_result
from app.templating import ORG_KIND_LABELS, money
from search import Hit, SearchResult, SearchUnavailable

bp = Blueprint("searching", __name__)
PER_PAGE = 20
MAX_PAGE_DEPTH = 10_000  # results beyond this are not worth paging to
FACETS = ("category", "condition", "district", "org_kind")
SORT_LABELS = {"relevance": _l("Relevans"), "newest": _l("Nyeste"),
               "price_asc": _l("Pris stigende"), "price_desc": _l("Pris synkende"),
               "distance": _l("Avstand")}
RADII_KM = (1, 2, 5, 10, 20, 50)
#: The "wanted request" feature registers this endpoint; the empty state links to it then.
WANTED_ENDPOINT = "wanted.create"


def _without(params: SearchParams, group: str) -> SearchParams:
    field = {"category": "category", "condition": "conditions", "district": "districts",
             "org_kind": "org_kinds"}[group]
    return dataclasses.replace(params, **{field: None if group == "category" else []},
                               page=1, per_page=1)


def _active(params: SearchParams, group: str) -> bool:
    return bool({"category": params.category, "condition": params.conditions,
                 "district": params.districts, "org_kind": params.org_kinds}[group])


def _facets(params: SearchParams, result: SearchResult) -> dict[str, dict[str, int]]:
    facets = {name: dict(result.facets.get(name, {})) for name in FACETS}
    for group in FACETS:
        if _active(params, group):
            other = run(_without(params, group).query(facets=(group,), highlight=False))
            facets[group] = dict(other.facets.get(group, {}))
    return facets


def _category_tree(counts: dict[str, int], selected: str | None,
                   locale: str) -> list[dict[str, Any]]:
    """Roots with their children, keeping those with matches, the selected one and its
    ancestors."""
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for category in fragments.categories(locale):  # tree order: parents come first
        node = {"slug": category.slug, "name": category.name,
                "count": counts.get(category.slug, 0), "children": [],
                "selected": category.slug == selected, "open": category.slug == selected}
        nodes[category.id] = node
        parent = nodes.get(category.parent_id) if category.parent_id else None
        (parent["children"] if parent else roots).append(node)

    def keep(node: dict[str, Any]) -> bool:
        node["children"] = [child for child in node["children"] if keep(child)]
        node["open"] = node["open"] or any(c["open"] for c in node["children"])
        return node["count"] > 0 or node["open"]

    return [root for root in roots if keep(root)]


def _listing_url(listing_id: int) -> str:
    """``url_for("listings.detail", listing_id=...)``, built once per request."""
    prefix = g.get("search_listing_url")
    if prefix is None:
        probe = url_for("listings.detail", listing_id=1)
        prefix = g.search_listing_url = probe[:-1] if probe.endswith("/1") else ""
    return f"{prefix}{listing_id}" if prefix else url_for("listings.detail",
                                                          listing_id=listing_id)


def _card(hit: Hit, category_names: dict[str, str], locale: str) -> dict[str, Any]:
    """The card's values and its HTML (``html``), from the per-process cache when this
    very card (same document values, highlight, distance and language) was made before."""
    doc = hit.doc
    category = category_names.get(doc.get("category") or "", "")
    key = (locale, request.script_root, hit.id, hit.highlights.get("title"), hit.distance_m,
           category, *(doc.get(name) for name in _CARD_FIELDS))

    def build() -> tuple[dict[str, Any], Markup]:
        values = _card_values(hit, category, locale)
        return values, get_template_attribute("searching/_macros.html", "card")(values)

    values, html = fragments.cached_card(key, build)
    return {**values, "html": html}


#: The document fields a card is made from (with the highlight, distance and category name).
_CARD_FIELDS = ("title", "thumb_url", "price_ore", "unit", "quantity_available", "org_name",
                "org_kind", "district", "postcode", "lat", "lng")


def _card_values(hit: Hit, category: str, locale: str) -> dict[str, Any]:
    doc = hit.doc
    org_kinds = fragments.labels(locale, "org_kind", ORG_KIND_LABELS)
    return {
        "id": hit.id, "title": doc.get("title") or "",
        "title_html": hit.highlights.get("title"),
        "url": _listing_url(hit.id),
        "thumb_url": doc.get("thumb_url"),
        "price": price_label(doc, locale), "is_free": not doc.get("price_ore"),
        "quantity": quantity_label(doc, locale), "distance": distance_label(hit.distance_m),
        "org_name": doc.get("org_name") or "",
        "org_kind": org_kinds.get(doc.get("org_kind"), doc.get("org_kind") or ""),
        "district": doc.get("district") or doc.get("postcode") or "",
        "category": category,
        "lat": doc.get("lat"), "lng": doc.get("lng"),  # for the map (app.maps)
    }


def _page_url(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for("searching.search_page", **args)


def _price_text(price_ore: int | None) -> str:
    if price_ore is None:
        return ""
    return (f"{price_ore / 100:.2f}" if price_ore % 100 else str(price_ore // 100)).replace(
        ".", ",")


def _form_values(params: SearchParams, errors: dict[str, list[str]]) -> dict[str, str]:
    """What the text inputs show: the cleaned value, or what was typed when it was wrong."""
    raw = request.args
    return {
        "min_price": raw.get("min_price", "") if "min_price" in errors
        else _price_text(params.min_price_ore),
        "max_price": raw.get("max_price", "") if "max_price" in errors
        else _price_text(params.max_price_ore),
        "postcode": raw.get("postcode", "") if "postcode" in errors else params.postcode,
    }


def _chip_url(drop: str, value: str | None = None) -> str:
    """This search without one filter (one value of a repeated one), from page 1."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    if value is None:
        args.pop(drop, None)
    else:
        args[drop] = [v for v in args.get(drop, []) if v != value]
    return url_for("searching.search_page", **args)


def _chips(params: SearchParams, categories: dict[str, str]) -> list[dict[str, str]]:
    """The applied filters as removable chips above the results: label and remove link."""
    chips: list[dict[str, str]] = []
    if params.category:
        chips.append({"label": categories.get(params.category, params.category),
                      "url": _chip_url("category")})
    for value in params.conditions:
        chips.append({"label": str(CONDITION_LABELS.get(value, value)),
                      "url": _chip_url("condition", value)})
    for value in params.districts:
        chips.append({"label": value, "url": _chip_url("district", value)})
    for value in params.org_kinds:
        chips.append({"label": str(ORG_KIND_LABELS.get(value, value)),
                      "url": _chip_url("org_kind", value)})
    if params.min_price_ore is not None:
        chips.append({"label": _("Fra %(price)s kr", price=money(params.min_price_ore)),
                      "url": _chip_url("min_price")})
    if params.max_price_ore is not None:
        chips.append({"label": _("Til %(price)s kr", price=money(params.max_price_ore)),
                      "url": _chip_url("max_price")})
    if params.free:
        chips.append({"label": _("Bare gratis"), "url": _chip_url("free")})
    if params.postcode and params.radius_km:
        chips.append({"label": _("Innenfor %(km)s km fra %(postcode)s",
                                 km=formatting.number(params.radius_km), postcode=params.postcode),
                      "url": _chip_url("radius_km")})
    elif params.postcode:
        chips.append({"label": _("Fra postnummer %(postcode)s", postcode=params.postcode),
                      "url": _chip_url("postcode")})
    return chips


def _wanted_url(params: SearchParams) -> str | None:
    """"Save this search as a wanted request", with the search's criteria filled in."""
    if WANTED_ENDPOINT not in current_app.view_functions:
        return None
    args: dict[str, Any] = {"q": params.q or None, "category": params.category,
                            "condition": params.conditions or None,
                            "free": "1" if params.free else None,
                            "max_price": _price_text(params.max_price_ore) or None,
                            "radius_km": f"{params.radius_km:g}" if params.radius_km else None}
    if params.postcode:
        args["postcode"] = params.postcode
    elif params.origin is not None:
        args["lat"], args["lng"] = params.origin
    return url_for(WANTED_ENDPOINT, **{k: v for k, v in args.items() if v is not None})


@bp.get("/search")
@public_page
def search_page():
    args = request.args.copy()
    args.pop("per_page", None)  # the page shows a fixed number of results
    params, errors = parse(args)
    params.per_page = PER_PAGE
    locale = str(get_locale() or "nb")
    try:
        result = run(params.query(facets=FACETS))
        facets = _facets(params, result)
    except SearchUnavailable:
        current_app.logger.warning("search page: the search engine is unavailable")
        return render_template("searching/unavailable.html"), 503
    if not result.total and params.q and params.page == 1:
        record_zero_result(params.q, params.category)  # no personal data: see the module
    categories = {c.slug: c.name for c in fragments.categories(locale)}
    pages = max(1, min(math.ceil(result.total / PER_PAGE), MAX_PAGE_DEPTH // PER_PAGE))
    condition_labels = fragments.labels(locale, "condition", CONDITION_LABELS)
    org_kind_labels = fragments.labels(locale, "org_kind", ORG_KIND_LABELS)
    cards = [_card(hit, categories, locale) for hit in result.hits]
    chips = _chips(params, categories)
    version = fragments.categories_version()
    filter_panel = fragments.rendered("searching/_filters.html", {
        "params": {"q": params.q, "category": params.category,
                   "conditions": params.conditions, "districts": params.districts,
                   "org_kinds": params.org_kinds, "free": params.free,
                   "radius_km": params.radius_km},
        "errors": errors, "form_values": _form_values(params, errors),
        "chip_count": len(chips),
        # the tree is made from these on a miss (the categories of this generation)
        "categories_version": version, "category_counts": facets["category"],
        "condition_options": [(c, condition_labels[c], facets["condition"].get(c, 0))
                              for c in CONDITIONS],
        "district_options": [(d, n) for d, n in sorted(facets["district"].items())
                             if n or d in params.districts]
        + [(d, 0) for d in params.districts if d not in facets["district"]],
        "org_kind_options": [(k, org_kind_labels[k], facets["org_kind"].get(k, 0))
                             for k in ORG_KINDS],
        "radii": sorted(set(RADII_KM) | ({params.radius_km} if params.radius_km else set())),
    }, derived=lambda: {"category_tree": _category_tree(facets["category"], params.category,
                                                        locale)},
        cacheable=version is not None)
    map_data = search_map_data(cards, params.origin, params.radius_km)
    return render_template(
        "searching/search.html", **fragments.request_gettext(),
        params=params, errors=errors, filter_panel=filter_panel,
        result=result, pages=pages, page_url=_page_url,
        cards=cards,
        results_map=fragments.macro("_map.html", "search_map", map_data, map_data,
                                    ".search-grid"),
        sort_options=list(fragments.labels(locale, "sort", SORT_LABELS).items()),
        chips=chips,
        wanted_url=(wanted_url := _wanted_url(params)),
        wanted_login_url=url_for("accounts.login", next=wanted_url) if wanted_url else None,
        title=_("Søk"),
    )
