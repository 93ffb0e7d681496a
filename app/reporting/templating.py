"""Number formatting for the reporting pages: Norwegian decimal comma and non-breaking
spaces between thousands (CLDR via flask_babel), tonnes for large weights."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask
from flask_babel import gettext as _

from app.reporting import charts, labels


def num(value, decimals: int = 1) -> str:
    return charts.number(value if value is not None else 0, decimals)


def kg_text(value: Decimal) -> str:
    return f"{num(value, 1)}\u00a0kg"


def tonnes_text(value: Decimal, decimals: int = 1) -> str:
    return f"{num(value, decimals)}\u00a0t"


def mass_text(kg: Decimal) -> str:
    """Tonnes from one tonne up, kilograms below."""
    if abs(kg) >= 1000:
        return tonnes_text(kg / 1000)
    return kg_text(kg)


def co2e_text(kg: Decimal) -> str:
    return _("%(mass)s CO2e", mass=mass_text(kg))


def pct(part: Decimal | int, whole: Decimal | int) -> str:
    if not whole:
        return "–"
    return f"{num(Decimal(part) / Decimal(whole) * 100, 0)}\u00a0%"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        report_num=num, kg_text=kg_text, tonnes_text=tonnes_text, mass_text=mass_text,
        co2e_text=co2e_text, pct=pct, eu_label=labels.eu_label, eu_colours=charts.EU_COLOURS,
        eu_categories=labels.EU_CATEGORIES, colour_swatch=charts.swatch,
        report_org_kind_label=labels.org_kind_label, weighed_colour=charts.WEIGHED,
        estimated_colour=charts.ESTIMATED)
