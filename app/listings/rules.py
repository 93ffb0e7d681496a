"""The rules for a listing's fields, shared by the API, the pages and the bulk import.

:func:`check` takes raw values (JSON types, form strings or spreadsheet cells) under the
API's field names and returns model attributes plus every field error at once. It makes
no database queries (categories come in as a lookup), so the importer can check
thousands of rows quickly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from app.db import utcnow
from app.listings import postcodes
from app.listings.models import Category, Condition, Listing, Unit

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
SHORT_TEXT_MAX = 200
INSTRUCTIONS_MAX = 2000
QUANTITY_MAX = Decimal("1000000000")
UNIT_WEIGHT_MAX = Decimal("1000000")
PRICE_MAX_NOK = Decimal("10000000")
POSTCODE_RE = re.compile(r"^\d{4}$")

FIELDS = ("title", "description", "category", "condition", "quantity", "unit",
          "unit_weight_kg", "price_nok", "postcode", "lat", "lng", "address", "material",
          "dimensions", "available_from", "available_until", "pickup_instructions",
          "waste_origin")
TEXT_LIMITS = {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "address": SHORT_TEXT_MAX,
               "material": SHORT_TEXT_MAX, "dimensions": SHORT_TEXT_MAX,
               "pickup_instructions": INSTRUCTIONS_MAX}
TRUE_WORDS = {"true", "1", "ja", "j", "yes", "y", "x", "sann"}
FALSE_WORDS = {"false", "0", "nei", "n", "no", ""}


class Invalid(ValueError):
    """A field's value is wrong; the message is for the person who typed it."""


def parse_decimal(value: Any, places: int, what: str = "") -> Decimal:
    """A number from JSON, a form ("1 234,5") or a spreadsheet cell, with at most ``places``
    decimals."""
    if isinstance(value, bool) or value is None:
        raise Invalid(_("Må være et tall."))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        text = re.sub(r"[\s\u00a0\u202f]", "", value)
        if "," in text and "." in text:
            raise Invalid(_("Bruk enten komma eller punktum som desimaltegn."))
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise Invalid(_("Må være et tall.")) from None
    else:
        raise Invalid(_("Må være et tall."))
    if not number.is_finite():
        raise Invalid(_("Må være et tall."))
    number = number.normalize() if number == number.to_integral_value() else number
    if number.as_tuple().exponent < -places:
        raise Invalid(_("Høyst %(n)s desimaler.", n=places))
    return number


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise Invalid(_("Må være ja eller nei."))


def parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(_("Ugyldig tidspunkt; bruk ISO 8601.")) from None
    else:
        raise Invalid(_("Ugyldig tidspunkt; bruk ISO 8601."))
    if parsed.tzinfo is None:
        raise Invalid(_("Tidspunktet må ha tidssone (for eksempel +01:00)."))
    return parsed.astimezone(UTC)


def parse_text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(_("Må være tekst."))
    value = value.strip()
    if len(value) > limit:
        raise Invalid(_("Kan ikke være lengre enn %(n)s tegn.", n=limit))
    return value


def _coordinate(value: Any, limit: int) -> float:
    number = parse_decimal(value, 8)
    if not -limit <= number <= limit:
        raise Invalid(_("Må være mellom %(lo)s og %(hi)s.", lo=-limit, hi=limit))
    return float(number)


def check(  # noqa: C901 - one block per rule, read top to bottom
    data: Mapping[str, Any],
    categories: Mapping[str, Category],
    current: Listing | None = None,
    now: datetime | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean model attributes and field errors for ``data`` (all fields when creating,
    the given ones when ``current`` is being changed)."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    creating = current is None
    now = now or utcnow()

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(str(message))

    def given(name: str) -> bool:
        return name in data and not (creating and data[name] is None)

    for name, limit in TEXT_LIMITS.items():
        if given(name):
            try:
                clean[name] = parse_text(data[name], limit)
            except Invalid as exc:
                fail(name, str(exc))
    if (creating or "title" in data) and not clean.get("title") and "title" not in errors:
        fail("title", _("Skriv en tittel."))

    category = current.category if current else None
    if given("category"):
        key = data["category"]
        found = categories.get(key.strip().lower()) if isinstance(key, str) else None
        if found is None:
            fail("category", _("Ukjent kategori «%(c)s».", c=key))
        else:
            category = clean["category"] = found
    elif creating:
        fail("category", _("Velg en kategori."))

    if given("condition"):
        if data["condition"] in {c.value for c in Condition}:
            clean["condition"] = data["condition"]
        else:
            fail("condition", _("Ukjent tilstand. Gyldige verdier: %(v)s.",
                                v=", ".join(c.value for c in Condition)))
    elif creating:
        fail("condition", _("Velg tilstand."))

    unit = current.unit if current else None
    if given("unit"):
        if data["unit"] in {u.value for u in Unit}:
            unit = clean["unit"] = data["unit"]
        else:
            fail("unit", _("Ukjent enhet. Gyldige enheter: %(v)s.",
                           v=", ".join(u.value for u in Unit)))
    elif creating:
        fail("unit", _("Velg enhet."))

    if given("quantity"):
        try:
            quantity = parse_decimal(data["quantity"], 3)
            if quantity <= 0:
                raise Invalid(_("Antallet må være større enn 0."))
            if quantity > QUANTITY_MAX:
                raise Invalid(_("Antallet er urimelig stort."))
            if unit == Unit.PCS and quantity != quantity.to_integral_value():
                raise Invalid(_("Antall stykk må være et heltall."))
            if current is not None:
                available = current.quantity_available + quantity - current.quantity
                if available < 0:
                    raise Invalid(_("Kan ikke være mindre enn det som allerede er reservert "
                                    "(%(n)s).", n=current.quantity - current.quantity_available))
                clean["quantity_available"] = available
            else:
                clean["quantity_available"] = quantity
            clean["quantity"] = quantity
        except Invalid as exc:
            fail("quantity", str(exc))
    elif creating:
        fail("quantity", _("Oppgi antall."))
    elif "unit" in clean and unit == Unit.PCS and current.quantity % 1:
        fail("quantity", _("Antall stykk må være et heltall."))

    _check_weight(data, clean, errors, category, unit, current, fail)

    if given("price_nok"):
        raw = data["price_nok"]
        if isinstance(raw, str) and raw.strip().lower() in ("", "gratis", "free"):
            clean["price_ore"] = 0
        else:
            try:
                price = parse_decimal(raw, 2)
                if price < 0:
                    raise Invalid(_("Prisen kan ikke være negativ."))
                if price > PRICE_MAX_NOK:
                    raise Invalid(_("Prisen er urimelig høy."))
                clean["price_ore"] = int(price * 100)
            except Invalid as exc:
                fail("price_nok", str(exc))
    elif creating:
        clean["price_ore"] = 0

    _check_place(data, clean, errors, current, fail, given)

    for name in ("available_from", "available_until"):
        if name in data and data[name] is not None:
            try:
                clean[name] = parse_time(data[name])
            except Invalid as exc:
                fail(name, str(exc))
        elif name in data and not creating:
            clean[name] = None
    start = clean.get("available_from", current.available_from if current else None)
    end = clean.get("available_until", current.available_until if current else None)
    if clean.get("available_until") is not None and clean["available_until"] <= now:
        fail("available_until", _("Må være fram i tid."))
    elif start and end and end <= start and "available_until" not in errors:
        fail("available_until", _("Må være etter «tilgjengelig fra»."))

    if given("waste_origin"):
        try:
            clean["waste_origin"] = parse_bool(data["waste_origin"])
        except Invalid as exc:
            fail("waste_origin", str(exc))
    return clean, errors


def _check_weight(data, clean, errors, category, unit, current, fail) -> None:
    """Explicit weight wins; otherwise the category's typical weight, marked estimated."""
    if "unit_weight_kg" in errors or "unit" in errors or "category" in errors:
        return
    explicit = data.get("unit_weight_kg")
    if isinstance(explicit, str) and not explicit.strip():
        explicit = None
    if explicit is not None:
        try:
            weight = parse_decimal(explicit, 3)
            if weight <= 0:
                raise Invalid(_("Vekten må være større enn 0."))
            if weight > UNIT_WEIGHT_MAX:
                raise Invalid(_("Vekten er urimelig stor."))
            if unit == Unit.KG and weight != 1:
                raise Invalid(_("For enheten kg er vekten per enhet alltid 1 kg."))
        except Invalid as exc:
            fail("unit_weight_kg", str(exc))
            return
        clean["unit_weight_kg"], clean["weight_estimated"] = weight, False
        return
    if current is not None and "unit_weight_kg" not in data:
        if "category" not in clean and "unit" not in clean:
            return
        implied = current.weight_estimated or current.unit == Unit.KG
        if not implied and unit != Unit.KG:
            return
    if unit == Unit.KG:
        clean["unit_weight_kg"], clean["weight_estimated"] = Decimal(1), False
        return
    if category is None or unit is None:
        return
    if category.typical_unit_weight_kg is not None and category.typical_unit == unit:
        clean["unit_weight_kg"] = category.typical_unit_weight_kg
        clean["weight_estimated"] = True
        return
    fail("unit_weight_kg", _("Oppgi vekt per enhet i kg; kategorien «%(c)s» har ingen typisk "
                             "vekt for denne enheten.", c=category.name_nb))


def _check_place(data, clean, errors, current, fail, given) -> None:
    """Postcode gives district and a point; lat/lng may always be given directly."""
    coordinates: dict[str, float] = {}
    for name, limit in (("lat", 90), ("lng", 180)):
        if given(name) and data[name] is not None and data[name] != "":
            try:
                coordinates[name] = _coordinate(data[name], limit)
            except Invalid as exc:
                fail(name, str(exc))
    if len(coordinates) == 1 and "lat" not in errors and "lng" not in errors:
        missing = "lng" if "lat" in coordinates else "lat"
        fail(missing, _("Oppgi både lat og lng."))
    postcode = None
    if given("postcode"):
        raw = data["postcode"]
        postcode = f"{raw:04d}" if isinstance(raw, int) and not isinstance(raw, bool) else raw
        if not isinstance(postcode, str) or not POSTCODE_RE.match(postcode.strip()):
            fail("postcode", _("Postnummer må være fire siffer."))
            return
        postcode = postcode.strip()
    elif current is None:
        fail("postcode", _("Oppgi postnummer."))
        return
    if postcode is None and not coordinates:
        return
    place = postcodes.lookup(postcode or current.postcode)
    if postcode is not None:
        clean["postcode"] = postcode
        clean["district"] = place.district if place else ""
    if len(coordinates) == 2:
        clean["lat"], clean["lng"] = coordinates["lat"], coordinates["lng"]
    elif place is not None and not coordinates and postcode is not None:
        clean["lat"], clean["lng"] = place.lat, place.lng
    elif place is None and postcode is not None and not coordinates:
        fail("postcode", _("Ukjent postnummer %(p)s; oppgi kartposisjon (lat og lng).",
                           p=postcode))


def end_of_day(day: date, tz: str = "Europe/Oslo") -> datetime:
    """The last second of ``day`` in Oslo, as an aware datetime."""
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=ZoneInfo(tz))


def start_of_day(day: date, tz: str = "Europe/Oslo") -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
