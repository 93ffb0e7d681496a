"""Emission factors: the seeded, versioned table and the lookup used on completion.

CO2e avoided by re-using one kilogram = ``value`` x ``substitution_rate``. ``value`` is
what the source gives (gross: the footprint of a new equivalent; net: already the saving);
``substitution_rate`` is the share of a new product's footprint the re-use is credited
with (1 for net factors and where the source claims full displacement).

Lookup (:func:`factor_for`): the most specific match wins - the platform category, then
its parents, then the EU 2021/19 category, then the single documented default (flagged
``is_default`` so reports can say how much rests on it). Among the versions of that key,
the highest version whose ``valid_from`` is on or before the completion date (Oslo) is
used. Records store the factor's id, version and the computed CO2e, so a new version
never changes an old record. Versions are never edited: :func:`add_version` adds one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from app.db import db
from app.errors import ValidationFailed
from app.exchange.models import EmissionFactor
from app.listings.models import Category

OSLO = ZoneInfo("Europe/Oslo")
#: The date the values below were taken from the project's domain notes.
TAKEN = date(2026, 11, 27)
#: First version applies from the first EU reference year for re-use (2021).
VALID_FROM = date(2021, 1, 1)
UNVERIFIED = "Ikke kontrollert mot primærkilden av prosjektet ennå."

#: Version 1 of every factor. Values and sources from the project's domain notes.
SEED: tuple[dict, ...] = (
    dict(scope="category", key="sofa", value="1.45", kind="net",
         source="WRAP (2011), via Furniture Bank", source_url="https://furniturebank.org/",
         notes="Direkte ombruk av sofa. " + UNVERIFIED),
    dict(scope="category", key="sofa", route="preparing_for_reuse", value="1.05", kind="net",
         source="WRAP (2011), via Furniture Bank", source_url="https://furniturebank.org/",
         notes="Sofa ombrukt etter klargjøring for ombruk (kom fra avfallsstrømmen). "
         + UNVERIFIED),
    dict(scope="eu_category", key="furniture", value="2.25", kind="gross",
         source="The Restart Project, environmental-impact-data (67.1 kg CO2e per 29.8 kg "
         "item, furniture mixed)",
         source_url="https://github.com/TheRestartProject/environmental-impact-data",
         notes="Brutto fotavtrykk for et nytt, tilsvarende møbel; regnet med full "
         "erstatning (substitusjonsgrad 1). " + UNVERIFIED),
    dict(scope="eu_category", key="textiles", value="4.0", kind="net",
         source="WRAP, clothing knowledge hub", source_url="https://wrap.org.uk/",
         notes=UNVERIFIED),
    dict(scope="category", key="steel", value="2.5", kind="gross", substitution_rate="0.95",
         source="ambitmoat.com (new steel, blast furnace, about 2.5); norskstaal.no "
         "ombruksstaal (re-use saves 95-98 %)", source_url="https://norskstaal.no/",
         notes="Forutsetter at ombruket erstatter nytt stål fra masovn og bruker laveste "
         "besparelse (95 %). Stål fra lysbueovn (0,3-0,6) ville gitt langt lavere "
         "besparelse. " + UNVERIFIED),
    dict(scope="category", key="bricks", value="0.30", kind="gross", substitution_rate="0.933",
         source="reclaimedbrickcompany.co.uk EPD page; Aalborg University (2020)",
         source_url="https://www.reclaimedbrickcompany.co.uk/",
         notes="Ny teglstein 0,25-0,35 (0,30 brukt); gjenbrukt stein om lag 0,02, så "
         "ombruk unngår om lag 0,28 av 0,30 (substitusjonsgrad 0,933). " + UNVERIFIED),
    dict(scope="default", key="default", value="0.51", kind="net", is_default=True,
         source="Freegle, from WRAP 'Benefits of Reuse' (0.51 t CO2e per t)",
         source_url="https://www.ilovefreegle.org/",
         notes="Én faktor for alle kategorier, brukt som dokumentert reserve der det ikke "
         "finnes en kontrollert faktor (for eksempel trelast, dører, vinduer, fliser og "
         "elektrisk og elektronisk utstyr per kg). " + UNVERIFIED),
)


def ensure_emission_factors() -> int:
    """Insert the seeded factors that are missing (by scope, key, route, version).

    Never changes an existing row: a changed value needs a new version. Flushes."""
    existing = {(f.scope, f.key, f.route, f.version)
                for f in db.session.scalars(sa.select(EmissionFactor))}
    added = 0
    for seed in SEED:
        values = _seed_values(seed)
        identity = (values["scope"], values["key"], values["route"], values["version"])
        if identity in existing:
            continue
        db.session.add(EmissionFactor(**values))
        existing.add(identity)
        added += 1
    db.session.flush()
    return added


def _seed_values(seed: dict) -> dict:
    values = dict(route="reuse", version=1, substitution_rate="1", is_default=False,
                  valid_from=VALID_FROM, taken_on=TAKEN, source_url="", notes="")
    values.update(seed)
    values["value"] = Decimal(values["value"])
    values["substitution_rate"] = Decimal(values["substitution_rate"])
    return values


def add_version(scope: str, key: str, value: Decimal, kind: str, source: str, *,
                valid_from: date, taken_on: date, route: str = "reuse",
                substitution_rate: Decimal = Decimal(1), source_url: str = "",
                notes: str = "", is_default: bool = False) -> EmissionFactor:
    """A new version of a factor (version = the highest so far + 1). Flushes."""
    errors: dict[str, list[str]] = {}
    if value is None or Decimal(value) < 0:
        errors["value"] = [_("Må være null eller mer.")]
    if not Decimal(0) < Decimal(substitution_rate) <= 1:
        errors["substitution_rate"] = [_("Må være større enn 0 og høyst 1.")]
    if kind not in ("gross", "net"):
        errors["kind"] = [_("Bruk gross eller net.")]
    if errors:
        raise ValidationFailed(errors)
    latest = db.session.scalar(
        sa.select(sa.func.max(EmissionFactor.version)).where(
            EmissionFactor.scope == scope, EmissionFactor.key == key,
            EmissionFactor.route == route)) or 0
    factor = EmissionFactor(scope=scope, key=key, route=route, version=latest + 1,
                            value=Decimal(value), kind=kind,
                            substitution_rate=Decimal(substitution_rate), source=source,
                            source_url=source_url, valid_from=valid_from, taken_on=taken_on,
                            notes=notes, is_default=is_default)
    db.session.add(factor)
    db.session.flush()
    return factor


def candidates(category: Category) -> list[tuple[str, str]]:
    """(scope, key) from the most specific to the default."""
    keys = []
    node: Category | None = category
    while node is not None:
        keys.append(("category", node.slug))
        node = node.parent
    keys.append(("eu_category", category.eu_category))
    keys.append(("default", "default"))
    return keys


def factor_for(category: Category, at: datetime, waste_origin: bool = False) -> EmissionFactor:
    """The factor for a hand-over of ``category`` completed at ``at`` (see module doc).

    Seeds the table first if it has no default yet, so a record always gets a factor."""
    day = at.astimezone(OSLO).date()
    order = candidates(category)
    routes = ["preparing_for_reuse", "reuse"] if waste_origin else ["reuse"]
    for attempt in range(2):
        rows = db.session.scalars(
            sa.select(EmissionFactor).where(
                sa.tuple_(EmissionFactor.scope, EmissionFactor.key).in_(order),
                EmissionFactor.route.in_(routes),
                EmissionFactor.valid_from <= day,
            )
        ).all()
        best: dict[tuple[str, str, str], EmissionFactor] = {}
        for row in rows:
            identity = (row.scope, row.key, row.route)
            if identity not in best or row.version > best[identity].version:
                best[identity] = row
        for scope, key in order:
            for route in routes:
                if (scope, key, route) in best:
                    return best[(scope, key, route)]
        if attempt == 0:
            ensure_emission_factors()
    raise LookupError("no emission factor valid at this date")  # only before 2021


def co2e(kg: Decimal, factor: EmissionFactor) -> Decimal:
    return (kg * factor.kg_co2e_per_kg).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def all_factors() -> list[EmissionFactor]:
    return list(db.session.scalars(
        sa.select(EmissionFactor).order_by(EmissionFactor.is_default, EmissionFactor.scope,
                                           EmissionFactor.key, EmissionFactor.route,
                                           EmissionFactor.version)))
