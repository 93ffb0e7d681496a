"""Maps: the data a page embeds for ``static/js/map.js`` (Leaflet over Kartverket's tiles).

The list stays the primary view. A page with a map embeds its markers as JSON
(``templates/_map.html``) and the browser draws them; tiles come straight from
``MAP_TILE_URL`` to the visitor's browser, so nothing on our servers calls the tile host.
``MAP_TILE_URL=""`` turns the maps off: the pages render no map element and no map data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for

#: Leaflet's default subdomains for a ``{s}`` in the tile URL.
SUBDOMAINS = "abc"


def tile_url() -> str:
    return (current_app.config.get("MAP_TILE_URL") or "").strip()


def maps_enabled() -> bool:
    """A tile URL the CSP can allow: absolute http(s) with one host, or a path on our own
    origin (tiles served or proxied by us). Anything else turns the maps off rather than
    drawing a map whose tiles the browser would refuse."""
    url = tile_url()
    return bool(tile_origins(url)) or (url.startswith("/") and not url.startswith("//"))


def tile_origins(url: str | None = None) -> list[str]:
    """The origins tiles load from, for the CSP's ``img-src``: exactly the tile host
    (each of Leaflet's subdomains when the URL has ``{s}``), nothing broader; [] when maps
    are off or the URL is not an absolute http(s) URL."""
    url = tile_url() if url is None else (url or "").strip()
    if not url:
        return []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return []
    hosts = ([parts.netloc.replace("{s}", s) for s in SUBDOMAINS] if "{s}" in parts.netloc
             else [parts.netloc])
    if any(ch in host for host in hosts for ch in "{}* '\";"):
        return []
    return [f"{parts.scheme}://{host}" for host in hosts]


def _config() -> dict[str, str]:
    return {"tiles": tile_url(),
            "attribution": current_app.config.get("MAP_ATTRIBUTION") or ""}


def _coords(lat: Any, lng: Any) -> tuple[float, float] | None:
    try:
        lat_f, lng_f = float(lat), float(lng)
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180):
        return None
    return round(lat_f, 6), round(lng_f, 6)


def marker(listing_id: int, title: str, lat: Any, lng: Any, label: str = "",
           url: str | None = None) -> dict[str, Any] | None:
    coords = _coords(lat, lng)
    if coords is None:
        return None
    return {"id": listing_id, "title": title, "lat": coords[0], "lon": coords[1],
            "url": url or url_for("listings.detail", listing_id=listing_id),
            "label": label}


def search_map_data(cards: Iterable[Mapping[str, Any]],
                    origin: tuple[float, float] | None = None,
                    radius_km: float | None = None) -> dict[str, Any] | None:
    """The markers of the result page's listings (``cards`` from the search page, each
    with ``lat``/``lng``), and the search centre with its radius when a distance filter
    is on. None when maps are off or no listing on the page has a position."""
    if not maps_enabled():
        return None
    markers = []
    for card in cards:
        label = " · ".join(str(p) for p in (card.get("price"), card.get("district"),
                                             card.get("distance")) if p)
        item = marker(card["id"], card.get("title") or "", card.get("lat"), card.get("lng"),
                      label, card.get("url"))
        if item is not None:
            markers.append(item)
    if not markers:
        return None
    data: dict[str, Any] = {**_config(), "markers": markers, "centre": None}
    centre = _coords(*origin) if origin is not None else None
    if centre is not None:
        data["centre"] = {"lat": centre[0], "lon": centre[1],
                          "radius_m": round(radius_km * 1000) if radius_km else None}
    return data


def listing_map_data(listing: Any) -> dict[str, Any] | None:
    """The pickup point of one listing; None when maps are off."""
    if not maps_enabled():
        return None
    place = ", ".join(p for p in (listing.address,
                                  f"{listing.postcode} {listing.district}".strip()) if p)
    item = marker(listing.id, listing.title, listing.lat, listing.lng, place)
    if item is None:
        return None
    return {**_config(), "markers": [item], "centre": None}
