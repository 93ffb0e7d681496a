"""Search parameters from a query string (API and page share them) -> ``SearchQuery``.

Every problem is collected per parameter (``errors: {param: [message]}``) so the API can
answer 422 and the page can show the messages next to its fields.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.listings import postcodes
from app.listings.models import Condition
from app.validation import MAX_PAGE
from search import SearchQuery
from search.types import SORTS

CONDITIONS = tuple(c.value for c in Condition)
ORG_KINDS = ("business", "reuse_shop", "municipality", "nonprofit")
DISTRICTS = frozenset(place.district for place in postcodes.POSTCODES.values())
API_FACETS = ("category", "condition", "district")
MAX_PER_PAGE = 100
MAX_RADIUS_KM = 500
MAX_QUERY_CHARS = 200
MAX_PRICE_NOK = 10**9
_TRUE, _FALSE = {"1", "true", "on", "yes"}, {"0", "false", "off", "no"}


@dataclass
class SearchParams:
    """The cleaned parameters (what the page echoes back into its form)."""

    q: str = ""
    category: str | None = None
    conditions: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    org_kinds: list[str] = field(default_factory=list)
    min_price_ore: int | None = None
    max_price_ore: int | None = None
    free: bool = False
    postcode: str = ""
    origin: tuple[float, float] | None = None
    radius_km: float | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def query(self, facets: tuple[str, ...] = API_FACETS, highlight: bool | None = None,
              now: int | None = None) -> SearchQuery:
        """The engine query; always with ``active_at`` so expired listings never show."""
        geo = None
        if self.origin is not None and self.radius_km is not None:
            geo = (self.origin[0], self.origin[1], self.radius_km * 1000)
        return SearchQuery(
            q=self.q, category=self.category, conditions=list(self.conditions) or None,
            min_price_ore=self.min_price_ore, max_price_ore=self.max_price_ore,
            free_only=self.free, org_kinds=list(self.org_kinds) or None,
            districts=list(self.districts) or None, geo=geo, point=self.origin,
            sort=self.sort, page=self.page, per_page=self.per_page, facets=list(facets),
            highlight=bool(self.q.strip()) if highlight is None else highlight,
            active_at=int(time.time()) if now is None else now,
        )


def category_slugs() -> set[str]:
    """Every category's slug (per content generation from app/searching/fragments.py)."""
    from app.searching import fragments

    return fragments.category_slugs()


def _values(args: MultiDict, name: str) -> list[str]:
    """A repeatable parameter that may also be comma-separated; blanks dropped."""
    out: list[str] = []
    for raw in args.getlist(name):
        for part in raw.split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def clean_query(raw: str) -> str:
    """Whitespace runs collapsed and the start trimmed; one trailing space is kept.

    A query ending with a space means "the last word is a whole word, not a prefix"
    (``kontor `` does not find ``kontorstol``), so it must reach the engine.
    """
    words = raw.split()
    if not words:
        return ""
    return " ".join(words) + (" " if raw[-1:].isspace() else "")


def _text(args: MultiDict, name: str) -> str:
    return (args.get(name) or "").strip()


def _number(text: str) -> Decimal:
    value = Decimal(text.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    if not value.is_finite():
        raise InvalidOperation
    return value


def _price(args: MultiDict, name: str, errors: dict[str, list[str]]) -> int | None:
    text = _text(args, name)
    if not text:
        return None
    try:
        value = _number(text)
    except (InvalidOperation, ValueError):
        errors[name] = [_("Må være et beløp i kroner, for eksempel 150 eller 99,50.")]
        return None
    if value < 0:
        errors[name] = [_("Beløpet kan ikke være negativt.")]
    elif value > MAX_PRICE_NOK:  # before quantize, which fails on a huge number
        errors[name] = [_("Beløpet er for stort.")]
    elif value != value.quantize(Decimal("0.01")):
        errors[name] = [_("Bruk høyst to desimaler.")]
    else:
        return int(value * 100)
    return None


def _int(args: MultiDict, name: str, default: int, low: int, high: int | None,
         errors: dict[str, list[str]]) -> int:
    text = _text(args, name)
    if not text:
        return default
    if not re.fullmatch(r"\d{1,9}", text) or int(text) < low or (high and int(text) > high):
        errors[name] = [_("Må være et heltall fra %(low)s til %(high)s.", low=low, high=high)
                        if high else _("Må være et heltall fra %(low)s.", low=low)]
        return default
    return int(text)


def _choices(args: MultiDict, name: str, allowed, errors: dict[str, list[str]],
             message: Callable[[str], str]) -> list[str]:
    values = _values(args, name)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors[name] = [message(", ".join(unknown))]
        return [v for v in values if v in allowed]
    return values


def _position(args: MultiDict, params: SearchParams, errors: dict[str, list[str]]) -> None:
    postcode, lat_text, lng_text = _text(args, "postcode"), _text(args, "lat"), _text(args, "lng")
    if postcode:
        if lat_text or lng_text:
            errors["postcode"] = [_("Oppgi enten postnummer eller lat og lng, ikke begge.")]
            return
        place = postcodes.lookup(postcode)
        if not re.fullmatch(r"\d{4}", postcode):
            errors["postcode"] = [_("Postnummer må være fire siffer.")]
        elif place is None:
            errors["postcode"] = [_("Ukjent postnummer. Vi kjenner postnumrene i og rundt "
                                    "Asker; bruk ellers lat og lng.")]
        else:
            params.postcode, params.origin = postcode, (place.lat, place.lng)
        return
    if not (lat_text or lng_text):
        return
    coords: dict[str, float] = {}
    for name, text, limit in (("lat", lat_text, 90), ("lng", lng_text, 180)):
        if not text:
            errors[name] = [_("Oppgi både lat og lng.")]
            continue
        try:
            value = float(_number(text))
        except (InvalidOperation, ValueError):
            errors[name] = [_("Må være et tall.")]
            continue
        if not -limit <= value <= limit:
            errors[name] = [_("Må være mellom -%(n)s og %(n)s.", n=limit)]
            continue
        coords[name] = value
    if len(coords) == 2:
        params.origin = (coords["lat"], coords["lng"])


def parse(args: MultiDict, max_per_page: int = MAX_PER_PAGE,
          known_categories: set[str] | None = None) -> tuple[SearchParams, dict[str, list[str]]]:
    """Clean search parameters and the problems found, per parameter name."""
    errors: dict[str, list[str]] = {}
    params = SearchParams()
    params.q = clean_query(args.get("q") or "")
    if len(params.q) > MAX_QUERY_CHARS:
        errors["q"] = [_("Søket kan ikke være lengre enn %(n)s tegn.", n=MAX_QUERY_CHARS)]
        params.q = params.q[:MAX_QUERY_CHARS]
    category = _text(args, "category").lower()
    if category:
        if category not in (known_categories if known_categories is not None
                            else category_slugs()):
            errors["category"] = [_("Ukjent kategori.")]
        else:
            params.category = category
    params.conditions = _choices(args, "condition", CONDITIONS, errors, lambda v: _(
        "Ukjent tilstand: %(v)s. Gyldige verdier: %(valid)s.", v=v,
        valid=", ".join(CONDITIONS)))
    params.org_kinds = _choices(args, "org_kind", ORG_KINDS, errors, lambda v: _(
        "Ukjent organisasjonstype: %(v)s. Gyldige verdier: %(valid)s.", v=v,
        valid=", ".join(ORG_KINDS)))
    params.districts = _choices(args, "district", DISTRICTS, errors,
                                lambda v: _("Ukjent område: %(v)s.", v=v))
    params.min_price_ore = _price(args, "min_price", errors)
    params.max_price_ore = _price(args, "max_price", errors)
    if (params.min_price_ore is not None and params.max_price_ore is not None
            and params.min_price_ore > params.max_price_ore):
        errors["min_price"] = [_("Laveste pris kan ikke være høyere enn høyeste pris.")]
    free = _text(args, "free").lower()
    if free in _TRUE:
        params.free = True
    elif free not in _FALSE and free:
        errors["free"] = [_("Bruk free=1 for bare gratis annonser.")]
    _position(args, params, errors)
    radius = _text(args, "radius_km")
    if radius:
        try:
            value = float(_number(radius))
        except (InvalidOperation, ValueError):
            errors["radius_km"] = [_("Må være et tall (kilometer).")]
        else:
            if not 0 < value <= MAX_RADIUS_KM:
                errors["radius_km"] = [_("Må være større enn 0 og høyst %(n)s km.",
                                         n=MAX_RADIUS_KM)]
            elif params.origin is None:
                if not _has_position_error(errors):
                    errors["radius_km"] = [_("Avstand krever et postnummer (eller lat og "
                                             "lng).")]
            else:
                params.radius_km = value
    sort = _text(args, "sort") or "relevance"
    if sort not in SORTS:
        errors["sort"] = [_("Ukjent sortering. Gyldige verdier: %(v)s.", v=", ".join(SORTS))]
    elif sort == "distance" and params.origin is None:
        if not _has_position_error(errors):  # else the position's own error says it
            errors["sort"] = [_("Sortering etter avstand krever et postnummer (eller lat og "
                                "lng).")]
    else:
        params.sort = sort
    params.page = _int(args, "page", 1, 1, MAX_PAGE, errors)
    params.per_page = _int(args, "per_page", 20, 1, max_per_page, errors)
    return params, errors


def _has_position_error(errors: dict[str, Any]) -> bool:
    return any(name in errors for name in ("postcode", "lat", "lng"))
