"""The rules for a listing's fields, shared by the API, the pages and the bulk import.

:func:`check` takes raw values (JSON types, form strings or spreadsheet cells) under the
API's field names and returns model attributes plus every field error at once. It makes
no database queries (categories come in as a lookup), so the importer can check
thousands of rows quickly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from app.db import utcnow
from app.listings import postcodes, weights
from app.listings.models import Category, Condition, Listing, Unit
from app.validation import check_year

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
SHORT_TEXT_MAX = 200
INSTRUCTIONS_MAX = 2000
QUANTITY_MAX = Decimal("999999999.999")  # the most a Numeric(12, 3) column holds
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
    try:
        check_year(parsed)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    return parsed.astimezone(UTC)


#: Texts shown on one line (titles, and in e-mail subjects): CR and LF are refused.
SINGLE_LINE = frozenset({"title", "address", "material", "dimensions"})


def parse_text(value: Any, limit: int, single_line: bool = False) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(_("Må være tekst."))
    value = value.strip()
    if single_line and ("\n" in value or "\r" in value):
        raise Invalid(_("Kan ikke inneholde linjeskift."))
    if "\x00" in value:
        raise Invalid(_("Inneholder et tegn som ikke er tillatt (NUL eller ugyldig "
                        "Unicode)."))
    if len(value) > limit:
        raise Invalid(_("Kan ikke være lengre enn %(n)s tegn.", n=limit))
    return value


# --- shared with app.wanted.rules ----------------------------------------------------


class FieldCheck:
    """What one ``check`` collects: clean attributes and every field's errors.

    A field is *given* when ``data`` has it, and, when creating, it is not empty (what
    counts as empty is ``empty``'s to say)."""

    def __init__(self, data: Mapping[str, Any], creating: bool,
                 empty: Callable[[Any], bool]) -> None:
        self.data, self.creating, self.empty = data, creating, empty
        self.clean: dict[str, Any] = {}
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(str(message))

    def given(self, name: str) -> bool:
        return name in self.data and not (self.creating and self.empty(self.data[name]))

    def take(self, name: str, parse: Callable[..., Any], *args: Any) -> Any:
        """``parse(data[name], *args)``, kept as ``clean[name]``; None (the error noted)
        if it is wrong."""
        try:
            value = self.clean[name] = parse(self.data[name], *args)
        except Invalid as exc:
            self.fail(name, str(exc))
            return None
        return value

    def texts(self, limits: Mapping[str, int], no_title: str) -> None:
        """The given text fields within their limits; a title is required when creating
        (``no_title`` says so) and cannot be emptied."""
        for name, limit in limits.items():
            if self.given(name):
                self.take(name, parse_text, limit, name in SINGLE_LINE)
        if (self.creating or "title" in self.data) and not self.clean.get("title") \
                and "title" not in self.errors:
            self.fail("title", no_title)



def parse_quantity(value: Any, unit: str | None) -> Decimal:
    """A positive amount, whole for pieces."""
    quantity = parse_decimal(value, 3)
    if quantity <= 0:
        raise Invalid(_("Antallet må være større enn 0."))
    if quantity > QUANTITY_MAX:
        raise Invalid(_("Antallet er urimelig stort."))
    if unit == Unit.PCS and quantity != quantity.to_integral_value():
        raise Invalid(_("Antall stykk må være et heltall."))
    return quantity


def parse_price_ore(value: Any, negative: str) -> int:
    """A price in kroner (two decimals at most) as øre; ``negative`` is the message for a
    price below 0."""
    price = parse_decimal(value, 2)
    if price < 0:
        raise Invalid(negative)
    if price > PRICE_MAX_NOK:
        raise Invalid(_("Prisen er urimelig høy."))
    return int(price * 100)


def parse_unit(value: Any) -> str:
    if value in {u.value for u in Unit}:
        return value
    raise Invalid(_("Ukjent enhet. Gyldige enheter: %(v)s.", v=", ".join(u.value for u in Unit)))


def parse_condition(value: Any) -> str:
    if value in {c.value for c in Condition}:
        return value
    raise Invalid(_("Ukjent tilstand. Gyldige verdier: %(v)s.",
                    v=", ".join(c.value for c in Condition)))


def parse_category(key: Any, categories: Mapping[str, Category]) -> Category:
    """The category with slug or name ``key`` (any case)."""
    found = categories.get(key.strip().lower()) if isinstance(key, str) else None
    if found is None:
        raise Invalid(_("Ukjent kategori «%(c)s».", c=key))
    return found


def parse_postcode(value: Any) -> str:
    """Four digits (a whole number is padded: 150 -> "0150")."""
    postcode = f"{value:04d}" if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(postcode, str) or not POSTCODE_RE.match(postcode.strip()):
        raise Invalid(_("Postnummer må være fire siffer."))
    return postcode.strip()


def parse_coordinate(value: Any, limit: int) -> float:
    number = parse_decimal(value, 8)
    if not -limit <= number <= limit:
        raise Invalid(_("Må være mellom %(lo)s og %(hi)s.", lo=-limit, hi=limit))
    return float(number)


def check_coordinates(values: Mapping[str, Any],
                      checked: FieldCheck) -> tuple[dict[str, float], bool]:
    """``lat`` and ``lng`` among ``values`` (the ones given) as floats, and whether just
    one of them came (noted as an error, unless the other one was wrong)."""
    coordinates: dict[str, float] = {}
    for name, limit in (("lat", 90), ("lng", 180)):
        if name in values:
            try:
                coordinates[name] = parse_coordinate(values[name], limit)
            except Invalid as exc:
                checked.fail(name, str(exc))
    if len(coordinates) == 1 and "lat" not in checked.errors and "lng" not in checked.errors:
        checked.fail("lng" if "lat" in coordinates else "lat", _("Oppgi både lat og lng."))
        return coordinates, True
    return coordinates, False


def check(  # noqa: C901 - one block per rule, read top to bottom
    data: Mapping[str, Any],
    categories: Mapping[str, Category],
    current: Listing | None = None,
    now: datetime | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean model attributes and field errors for ``data`` (all fields when creating,
    the given ones when ``current`` is being changed)."""
    creating = current is None
    now = now or utcnow()
    checked = FieldCheck(data, creating, lambda value: value is None)
    clean, errors, fail, given = checked.clean, checked.errors, checked.fail, checked.given
    checked.texts(TEXT_LIMITS, _("Skriv en tittel."))

    category = current.category if current else None
    if given("category"):
        category = checked.take("category", parse_category, categories) or category
    elif creating:
        fail("category", _("Velg en kategori."))

    if given("condition"):
        checked.take("condition", parse_condition)
    elif creating:
        fail("condition", _("Velg tilstand."))

    unit = current.unit if current else None
    if given("unit"):
        unit = checked.take("unit", parse_unit) or unit
    elif creating:
        fail("unit", _("Velg enhet."))

    if given("quantity"):
        try:
            quantity = parse_quantity(data["quantity"], unit)
            if current is not None:
                # Below zero when less than what is held: the listing service refuses
                # that with 409 once it has the row locked (the holds may have moved).
                clean["quantity_available"] = (current.quantity_available + quantity
                                               - current.quantity)
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
                clean["price_ore"] = parse_price_ore(raw, _("Prisen kan ikke være negativ."))
            except Invalid as exc:
                fail("price_nok", str(exc))
    elif creating:
        clean["price_ore"] = 0

    _check_place(data, clean, current, checked)

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
        checked.take("waste_origin", parse_bool)
    if data.get("pickup_windows") is not None:  # the whole list, replacing the old one
        from app.pickup.windows import check_windows

        clean["pickup_windows"], window_errors = check_windows(data["pickup_windows"], now)
        for message in window_errors:
            fail("pickup_windows", message)
    return clean, errors


def _check_weight(data, clean, errors, category, unit, current, fail) -> None:
    """Explicit weight wins; otherwise the category's typical weight, marked estimated.

    Every unit weight, given, kept or implied, must be plausible for the category and
    unit (:mod:`app.listings.weights`), or be the one a site admin approved."""
    if "unit_weight_kg" in errors or "unit" in errors or "category" in errors:
        return
    _choose_weight(data, clean, category, unit, current, fail)
    if "unit_weight_kg" in errors:
        return
    weight = clean.get("unit_weight_kg", current.unit_weight_kg if current else None)
    touched = "unit_weight_kg" in clean or "category" in clean or "unit" in clean
    if weight is None or not touched:
        return
    message = weights.unit_weight_error(
        weight, category, unit, current.weight_approved_kg if current else None)
    if message:
        fail("unit_weight_kg", message)


def _choose_weight(data, clean, category, unit, current, fail) -> None:
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


def _check_place(data, clean, current, checked: FieldCheck) -> None:
    """Postcode gives district and a point; lat/lng may always be given directly."""
    given, fail = checked.given, checked.fail
    coordinates, _half = check_coordinates(
        {name: data[name] for name in ("lat", "lng")
         if given(name) and data[name] is not None and data[name] != ""}, checked)
    postcode = None
    if given("postcode"):
        try:
            postcode = parse_postcode(data["postcode"])
        except Invalid as exc:
            fail("postcode", str(exc))
            return
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
