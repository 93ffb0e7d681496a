"""Template helpers for listings: labels and numbers in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask
from flask_babel import gettext as _

from app import formatting
from app.listings.forms import CONDITION_LABELS, UNIT_LABELS
from app.listings.models import Listing, Status
from app.listings.photos import media_url
from app.listings.services import STATUS_LABELS


def quantity_text(value: Decimal | None, unit: str | None = None) -> str:
    if value is None:
        return "–"
    text = formatting.number(value)  # integers as integers: "10", not "10,000"
    return f"{text} {UNIT_LABELS.get(unit, unit)}" if unit else text


def price_text(listing: Listing) -> str:
    if listing.is_free:
        return _("Gratis")
    kroner = formatting.money(listing.price_ore, decimals=False)
    return _("kr %(amount)s per %(unit)s", amount=kroner,
             unit=UNIT_LABELS.get(listing.unit, listing.unit))


def weight_text(listing: Listing) -> str:
    if listing.unit_weight_kg is None:
        return _("ukjent")
    per_unit = _("%(kg)s kg per %(unit)s", kg=quantity_text(listing.unit_weight_kg),
                 unit=UNIT_LABELS.get(listing.unit, listing.unit))
    total = _("%(kg)s kg totalt", kg=quantity_text(listing.total_weight_kg))
    if listing.unit == "kg":
        per_unit = total
        total = ""
    suffix = f" ({_('anslått')})" if listing.weight_estimated else ""
    return f"{per_unit}{suffix}" + (f", {total}" if total else "")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        condition_label=lambda c: CONDITION_LABELS.get(c, c),
        unit_label=lambda u: UNIT_LABELS.get(u, u),
        status_label=lambda s: STATUS_LABELS.get(Status(s), s),
        quantity_text=quantity_text,
        price_text=price_text,
        weight_text=weight_text,
        media_url=media_url,
        local_time=lambda dt, fmt="long": formatting.date(dt, fmt),
    )
