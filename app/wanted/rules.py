"""The rules for a wanted request's fields, shared by the API and the pages.

:func:`check` takes raw values (JSON types or form strings) under the API's field names
and returns model attributes plus every field error at once. Categories come in as a
lookup (slug or name -> Category), so it makes no queries of its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from app import formatting
from app.listings import postcodes
from app.listings.models import Category, Condition, Unit
from app.listings.rules import (
    FieldCheck,
    Invalid,
    check_coordinates,
    parse_category,
    parse_condition,
    parse_decimal,
    parse_postcode,
    parse_price_ore,
    parse_quantity,
    parse_unit,
)
from app.validation import check_year, parse_day
from app.wanted.models import CONDITION_RANK, WantedRequest

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
MAX_CATEGORIES = 5
RADIUS_MAX_KM = Decimal(500)
DEFAULT_RADIUS_KM = Decimal(25)
OSLO = ZoneInfo("Europe/Oslo")
FIELDS = ("title", "description", "categories", "quantity", "min_quantity", "unit",
          "max_price_nok", "min_condition", "postcode", "lat", "lng", "radius_km",
          "needed_by")


def today_in_oslo(now: datetime | None = None) -> date:
    return (now or datetime.now(OSLO)).astimezone(OSLO).date()


def bounding_box(lat: float, lng: float, radius_km: float) -> dict[str, float]:
    """A box around the circle, a little larger than it (never smaller)."""
    dlat = radius_km * 1.01 / 111.0
    cos = math.cos(math.radians(min(abs(lat) + dlat, 89.9)))
    dlng = min(180.0, radius_km * 1.01 / (111.32 * cos))
    return {"min_lat": lat - dlat, "max_lat": lat + dlat,
            "min_lng": lng - dlng, "max_lng": lng + dlng}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check(  # noqa: C901 - one block per rule, read top to bottom
    data: Mapping[str, Any],
    categories: Mapping[str, Category],
    current: WantedRequest | None = None,
    today: date | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean model attributes and field errors for ``data`` (all fields when creating,
    the given ones when ``current`` is being changed)."""
    creating = current is None
    today = today or today_in_oslo()
    checked = FieldCheck(data, creating, _blank)
    clean, errors, fail, given = checked.clean, checked.errors, checked.fail, checked.given
    checked.texts({"title": TITLE_MAX, "description": DESCRIPTION_MAX},
                  _("Skriv hva dere trenger."))

    if given("categories"):
        raw = data["categories"]
        raw = [raw] if isinstance(raw, str) else raw
        found: list[Category] = []
        if not isinstance(raw, list | tuple) or not raw:
            fail("categories", _("Velg minst én kategori."))
        elif len(raw) > MAX_CATEGORIES:
            fail("categories", _("Høyst %(n)s kategorier.", n=MAX_CATEGORIES))
        else:
            for key in raw:
                try:
                    category = parse_category(key, categories)
                except Invalid as exc:
                    fail("categories", str(exc))
                    continue
                if category not in found:
                    found.append(category)
            if "categories" not in errors:
                clean["categories"] = found
    elif creating:
        fail("categories", _("Velg minst én kategori."))

    unit = current.unit if current else Unit.PCS.value
    if given("unit"):
        unit = checked.take("unit", parse_unit) or unit
    elif creating:
        clean["unit"] = unit

    for name in ("quantity", "min_quantity"):
        if given(name):
            if "unit" in errors:
                continue
            checked.take(name, parse_quantity, unit)
        elif creating and name == "quantity":
            fail("quantity", _("Oppgi hvor mye dere trenger."))
    if not errors.keys() & {"quantity", "min_quantity", "unit"}:
        quantity = clean.get("quantity", current.quantity if current else None)
        least = clean.get("min_quantity", current.min_quantity if current else None)
        if creating and "min_quantity" not in clean and quantity is not None:
            least = clean["min_quantity"] = min(Decimal(1), quantity)
        if quantity is not None and least is not None and least > quantity:
            fail("min_quantity", _("Kan ikke være større enn antallet dere ønsker (%(n)s).",
                                   n=formatting.number(quantity)))
        elif current is not None and "unit" in clean and unit == Unit.PCS and (
                quantity % 1 or least % 1):
            fail("quantity", _("Antall stykk må være et heltall."))

    if "max_price_nok" in data:
        raw = data["max_price_nok"]
        if _blank(raw):
            clean["max_price_ore"] = None
        elif isinstance(raw, str) and raw.strip().lower() in ("gratis", "free"):
            clean["max_price_ore"] = 0
        else:
            try:
                clean["max_price_ore"] = parse_price_ore(raw, _("Makspris kan ikke være negativ."))
            except Invalid as exc:
                fail("max_price_nok", str(exc))
    elif creating:
        clean["max_price_ore"] = None

    if "min_condition" in data:
        raw = data["min_condition"]
        if _blank(raw):
            clean["min_condition"], clean["min_condition_rank"] = None, 0
        elif checked.take("min_condition", parse_condition) is not None:
            clean["min_condition_rank"] = CONDITION_RANK[Condition(raw)]
    elif creating:
        clean["min_condition"], clean["min_condition_rank"] = None, 0

    if given("radius_km"):
        try:
            radius = parse_decimal(data["radius_km"], 2)
            if radius <= 0:
                raise Invalid(_("Radiusen må være større enn 0 km."))
            if radius > RADIUS_MAX_KM:
                raise Invalid(_("Radiusen kan ikke være over %(n)s km.", n=RADIUS_MAX_KM))
            clean["radius_km"] = radius
        except Invalid as exc:
            fail("radius_km", str(exc))
    elif creating:
        clean["radius_km"] = DEFAULT_RADIUS_KM

    if "needed_by" in data:
        raw = data["needed_by"]
        if _blank(raw):
            clean["needed_by"] = None
        else:
            try:
                day = raw if isinstance(raw, date) else parse_day(str(raw))
                check_year(day)
            except ValueError as exc:
                fail("needed_by", str(exc))
            else:
                if day < today:
                    fail("needed_by", _("Datoen kan ikke være passert."))
                else:
                    clean["needed_by"] = day
    elif creating:
        clean["needed_by"] = None

    _check_place(data, clean, current, checked)
    if not errors and ("radius_km" in clean or "lat" in clean):
        lat = clean.get("lat", current.lat if current else None)
        lng = clean.get("lng", current.lng if current else None)
        radius = clean.get("radius_km", current.radius_km if current else None)
        clean.update(bounding_box(lat, lng, float(radius)))
    return clean, errors


def _check_place(data, clean, current, checked: FieldCheck) -> None:
    """A postcode (which gives a point) or coordinates, or both."""
    errors, fail = checked.errors, checked.fail
    coordinates, half = check_coordinates(
        {name: data[name] for name in ("lat", "lng") if name in data and not _blank(data[name])},
        checked)
    if half:
        return
    postcode = None
    if "postcode" in data and not _blank(data["postcode"]):
        try:
            postcode = parse_postcode(data["postcode"])
        except Invalid as exc:
            fail("postcode", str(exc))
            return
    if postcode is None and not coordinates:
        if current is None:
            fail("postcode", _("Oppgi postnummer eller kartposisjon (lat og lng)."))
        return
    place = postcodes.lookup(postcode) if postcode else None
    if postcode is not None:
        clean["postcode"], clean["district"] = postcode, place.district if place else ""
    elif current is None:
        clean["postcode"], clean["district"] = "", ""
    if len(coordinates) == 2:
        clean["lat"], clean["lng"] = coordinates["lat"], coordinates["lng"]
    elif place is not None:
        clean["lat"], clean["lng"] = place.lat, place.lng
    elif postcode is not None and "lat" not in errors and "lng" not in errors:
        fail("postcode", _("Ukjent postnummer %(p)s; oppgi kartposisjon (lat og lng).",
                           p=postcode))
