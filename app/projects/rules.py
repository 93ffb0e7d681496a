"""The rules for a project's and a component's fields, shared by the pages, the API and
the spreadsheet import.

Like ``app.listings.rules.check``: raw values (JSON, form strings or spreadsheet cells)
under the API's field names in, model attributes and every field error out, without a
database query (categories come in as a lookup), so an import checks many rows quickly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from app.listings import postcodes
from app.listings.models import Category
from app.listings.rules import (
    FieldCheck,
    Invalid,
    parse_category,
    parse_condition,
    parse_decimal,
    parse_postcode,
    parse_quantity,
    parse_text,
    parse_unit,
)
from app.projects import ns3451
from app.projects.models import Hazard, PartnerRole, Suitability, WorkKind
from app.validation import parse_day

NAME_MAX = 160
COMPONENT_NAME_MAX = 120
DESCRIPTION_MAX = 5000
SHORT_MAX = 200
MAPPED_BY_MAX = 300
REASON_MAX = 1000
MATRIKKEL_MAX = 99999
UNIT_WEIGHT_MAX = Decimal("1000000")
MUNICIPALITY_RE = re.compile(r"^\d{4}$")
CLIENT_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

PROJECT_FIELDS = ("name", "description", "work_kind", "address", "postcode",
                  "municipality_number", "gnr", "bnr", "fnr", "snr", "building_year",
                  "former_use", "area_m2", "reuse_target_percent", "mapping_date",
                  "access_date", "demolition_start", "mapped_by")
COMPONENT_FIELDS = ("building_part", "name", "description", "category", "quantity", "unit",
                    "unit_weight_kg", "dimensions", "material", "condition", "floor", "room",
                    "drawing_mark", "suitability", "suitability_reason", "hazards",
                    "client_key")
_PROJECT_TEXTS = {"name": NAME_MAX, "description": DESCRIPTION_MAX, "address": SHORT_MAX,
                  "former_use": SHORT_MAX, "mapped_by": MAPPED_BY_MAX}
_COMPONENT_TEXTS = {"name": COMPONENT_NAME_MAX, "description": DESCRIPTION_MAX,
                    "dimensions": SHORT_MAX, "material": SHORT_MAX, "floor": 40, "room": 80,
                    "drawing_mark": 80, "suitability_reason": REASON_MAX}
_SINGLE_LINE = {"name", "address", "former_use", "mapped_by", "dimensions", "material",
                "floor", "room", "drawing_mark"}


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _choice(value: Any, enum_type, message: str) -> str:
    if isinstance(value, str) and value.strip() in {v.value for v in enum_type}:
        return value.strip()
    raise Invalid(message % {"v": ", ".join(v.value for v in enum_type)})


def parse_whole(value: Any, low: int, high: int) -> int:
    number = parse_decimal(value, 0)
    if not low <= number <= high:
        raise Invalid(_("Må være et heltall fra %(lo)s til %(hi)s.", lo=low, hi=high))
    return int(number)


def parse_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise Invalid(_("Ugyldig dato; bruk ÅÅÅÅ-MM-DD."))
    try:
        return parse_day(value[:10] if "T" in value else value)
    except ValueError as exc:
        raise Invalid(str(exc)) from None


def parse_municipality(value: Any) -> str:
    text = f"{value:04d}" if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not MUNICIPALITY_RE.match(text.strip()):
        raise Invalid(_("Kommunenummer må være fire siffer (for eksempel 3203 for Asker)."))
    return text.strip()


def parse_hazards(value: Any) -> list[str]:
    """A list (or a comma/semicolon-separated text) of ``Hazard`` values, without repeats."""
    if isinstance(value, str):
        value = [v for v in re.split(r"[,;]", value) if v.strip()]
    if not isinstance(value, list):
        raise Invalid(_("Må være en liste."))
    known = {h.value for h in Hazard}
    found: list[str] = []
    for item in value:
        item = item.strip().lower() if isinstance(item, str) else item
        if item not in known:
            raise Invalid(_("Ukjent miljøgift «%(h)s». Gyldige verdier: %(v)s.", h=item,
                            v=", ".join(sorted(known))))
        if item not in found:
            found.append(item)
    return found


def parse_building_part(value: Any) -> str:
    code = str(value).strip() if isinstance(value, int | str) else ""
    if not ns3451.known(code):
        raise Invalid(_("Ukjent bygningsdel «%(c)s»: bruk en kode fra NS 3451 med to eller "
                        "tre siffer, for eksempel 23 eller 234.", c=code))
    return code


def check_project(data: Mapping[str, Any], current=None) -> tuple[dict[str, Any],
                                                                    dict[str, list[str]]]:
    """Clean attributes and errors for a new project (``current`` None: the required
    fields must come) or a change to ``current`` (only the given fields)."""
    checked = FieldCheck(data, current is None, _empty)
    for name, limit in _PROJECT_TEXTS.items():
        if checked.given(name):
            checked.take(name, parse_text, limit, name in _SINGLE_LINE)
    if (current is None or "name" in data) and not checked.clean.get("name") \
            and "name" not in checked.errors:
        checked.fail("name", _("Gi prosjektet et navn."))
    required = {"work_kind": _("Velg hva slags arbeid det er."),
                "gnr": _("Oppgi gårdsnummer."), "bnr": _("Oppgi bruksnummer.")}
    for name, message in required.items():
        missing = not checked.given(name) if current is None else (
            name in data and _empty(data[name]))
        if missing:
            checked.fail(name, message)
    if checked.given("work_kind"):
        checked.take("work_kind", _choice, WorkKind, _("Ukjent arbeid. Gyldige verdier: %(v)s."))
    for name in ("gnr", "bnr"):
        if checked.given(name):
            checked.take(name, parse_whole, 1, MATRIKKEL_MAX)
    for name in ("fnr", "snr"):
        if name in data:
            if _empty(data[name]):
                checked.clean[name] = None
            else:
                checked.take(name, parse_whole, 1, MATRIKKEL_MAX)
    if "building_year" in data:
        if _empty(data["building_year"]):
            checked.clean["building_year"] = None
        else:
            checked.take("building_year", parse_whole, 1000, date.today().year + 10)
    for name, high in (("area_m2", Decimal("10000000")), ("reuse_target_percent",
                                                          Decimal("100"))):
        if name in data:
            if _empty(data[name]):
                checked.clean[name] = None
            else:
                number = checked.take(name, parse_decimal, 1)
                if number is not None and not 0 <= number <= high:
                    checked.fail(name, _("Må være mellom 0 og %(hi)s.", hi=high))
    for name in ("mapping_date", "access_date", "demolition_start"):
        if name in data:
            if _empty(data[name]):
                checked.clean[name] = None
            else:
                checked.take(name, parse_date)
    _check_dates(checked, current)
    _check_place(data, checked, current)
    return checked.clean, checked.errors


def _check_dates(checked: FieldCheck, current) -> None:
    def value(name):
        if name in checked.clean:
            return checked.clean[name]
        return getattr(current, name, None) if current is not None else None

    access, start = value("access_date"), value("demolition_start")
    if access and start and access > start and "access_date" not in checked.errors:
        checked.fail("access_date", _("Tilgangsdatoen må være før rivingen starter."))


def _check_place(data: Mapping[str, Any], checked: FieldCheck, current) -> None:
    """Postcode gives the place and, where we know it, the municipality number; a given
    municipality number wins."""
    place = None
    if "postcode" in data:
        if _empty(data["postcode"]):
            checked.clean.update(postcode="", district="", lat=None, lng=None)
        else:
            code = checked.take("postcode", parse_postcode)
            if code is not None:
                place = postcodes.lookup(code)
                checked.clean.update(district=place.district if place else "",
                                     lat=place.lat if place else None,
                                     lng=place.lng if place else None)
    if checked.given("municipality_number"):
        checked.take("municipality_number", parse_municipality)
    elif current is None or ("municipality_number" in data
                             and _empty(data["municipality_number"])):
        number = postcodes.municipality_number(place.postcode) if place else None
        if number:
            checked.clean["municipality_number"] = number
        elif "postcode" not in checked.errors:
            checked.fail("municipality_number",
                         _("Oppgi kommunenummeret (fire siffer); vi fant det ikke fra "
                           "postnummeret."))


def check_component(data: Mapping[str, Any], categories: Mapping[str, Category],
                    current=None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean attributes and errors for a new component or a change to ``current``."""
    checked = FieldCheck(data, current is None, _empty)
    for name, limit in _COMPONENT_TEXTS.items():
        if checked.given(name):
            checked.take(name, parse_text, limit, name in _SINGLE_LINE)
    if (current is None or "name" in data) and not checked.clean.get("name") \
            and "name" not in checked.errors:
        checked.fail("name", _("Skriv hva komponenten er."))
    if checked.given("building_part"):
        checked.take("building_part", parse_building_part)
    elif current is None or "building_part" in data:
        checked.fail("building_part", _("Velg bygningsdel (NS 3451)."))
    if checked.given("category"):
        category = checked.take("category", parse_category, categories)
        if category is not None:
            checked.clean["category_id"] = category.id
            del checked.clean["category"]
    elif "category" in data:
        checked.clean.pop("category", None)
        checked.clean["category_id"] = None
    if checked.given("unit"):
        checked.take("unit", parse_unit)
    unit = checked.clean.get("unit") or (current.unit if current is not None else "pcs")
    if checked.given("quantity"):
        checked.take("quantity", parse_quantity, unit)
    elif current is None or "quantity" in data:
        checked.fail("quantity", _("Oppgi mengden."))
    if "unit_weight_kg" in data:
        if _empty(data["unit_weight_kg"]):
            checked.clean["unit_weight_kg"] = None
        else:
            weight = checked.take("unit_weight_kg", parse_decimal, 3)
            if weight is not None and not 0 < weight <= UNIT_WEIGHT_MAX:
                checked.fail("unit_weight_kg", _("Vekten per enhet må være over 0 og høyst "
                                                 "%(n)s kg.", n=UNIT_WEIGHT_MAX))
    if checked.given("condition"):
        checked.take("condition", parse_condition)
    if checked.given("suitability"):
        checked.take("suitability", _choice, Suitability,
                     _("Ukjent egnethet. Gyldige verdier: %(v)s."))
    if "hazards" in data:
        checked.clean["hazards"] = [] if _empty(data["hazards"]) else None
        if not _empty(data["hazards"]):
            checked.take("hazards", parse_hazards)
    if "client_key" in data and not _empty(data["client_key"]):
        key = data["client_key"]
        if current is not None:
            checked.clean.pop("client_key", None)
        elif not isinstance(key, str) or not CLIENT_KEY_RE.match(key):
            checked.fail("client_key", _("8 til 64 tegn: bokstaver, sifre, - og _."))
        else:
            checked.clean["client_key"] = key
    _check_suitability(checked, current)
    return checked.clean, checked.errors


def _check_suitability(checked: FieldCheck, current) -> None:
    """Not suitable needs a reason; a hazardous substance rules out "suitable"."""
    def value(name, default):
        if name in checked.clean:
            return checked.clean[name]
        return getattr(current, name) if current is not None else default

    suitability = value("suitability", Suitability.SUITABLE.value)
    hazards = value("hazards", [])
    reason = value("suitability_reason", "")
    if "suitability" in checked.errors or "hazards" in checked.errors:
        return
    if hazards and suitability != Suitability.NOT_SUITABLE:
        checked.fail("suitability", _("Komponenter med miljøgifter kan ikke ombrukes: "
                                      "sett egnethet til «ikke egnet»."))
    elif suitability == Suitability.NOT_SUITABLE and not reason:
        checked.fail("suitability_reason", _("Skriv hvorfor komponenten ikke er egnet."))


def parse_partner_role(value: Any) -> str:
    return _choice(value, PartnerRole, _("Ukjent rolle. Gyldige verdier: %(v)s."))
