"""Plausible weights: the range of a unit weight per category and unit, the range of a
hand-over's total, and a site admin's approval of an outlier.

One rule for every route to the ledger (the API, the pages, the bulk import, the command
line, hand-overs, reversals and corrections):

* a listing in ``kg`` weighs exactly 1 kg per unit;
* in the category's ``typical_unit``, a unit weighs between 1/20 and 20 times the
  typical weight (``categories.WEIGHT_RANGE_FACTOR``);
* in any other unit, or in a category without a typical weight, the unit's wide but
  finite default applies (``categories.UNIT_WEIGHT_DEFAULTS``);
* a site admin may approve one exact unit weight for one listing
  (:func:`approve_unit_weight`, written to the audit log); the listing may then use that
  weight, and its hand-overs are checked against a range widened to include it.

A hand-over (or a correction) of ``quantity`` must record between ``quantity x low`` and
``quantity x high`` kg; for a listing in kg the stated kilograms are the estimate and a
weighed total may differ from it by the same factor of 20.

This module imports no other listings module at import time (``rules`` imports it).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import get_locale
from flask_babel import gettext as _

from app import formatting
from app.listings.categories import UNIT_WEIGHT_DEFAULTS, WEIGHT_RANGE_FACTOR

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.listings.models import Category, Listing

KG = "kg"
REASON_MAX = 1000
_MILLI = Decimal("0.001")


def _language() -> str:
    try:
        locale = get_locale()
    except RuntimeError:  # pragma: no cover - outside an app context
        locale = None
    return locale.language if locale is not None else "nb"


def _kg(value: Decimal) -> str:
    return formatting.number(value, 3)


def category_label(category: Category | None) -> str:
    if category is None:
        return _("ukjent kategori")
    return category.name(_language())


def unit_weight_range(category: Category | None, unit: str | None) -> tuple[Decimal, Decimal]:
    """(low, high) kg per ``unit`` for a listing of ``category``; the one place that
    says what is plausible."""
    unit = str(unit) if unit is not None else "pcs"
    typical = category.typical_unit_weight_kg if category is not None else None
    if unit != KG and typical is not None and category.typical_unit == unit:
        factor = Decimal(WEIGHT_RANGE_FACTOR)
        low = (typical / factor).quantize(_MILLI, ROUND_FLOOR)
        return max(low, _MILLI), (typical * factor).quantize(_MILLI, ROUND_CEILING)
    low, high = UNIT_WEIGHT_DEFAULTS.get(unit, UNIT_WEIGHT_DEFAULTS["pcs"])
    return Decimal(low), Decimal(high)


def listing_unit_range(category: Category | None, unit: str | None,
                       approved_kg: Decimal | None = None) -> tuple[Decimal, Decimal]:
    """The unit weight range, widened to include an approved unit weight."""
    low, high = unit_weight_range(category, unit)
    if approved_kg is not None and str(unit) != KG:
        low, high = min(low, approved_kg), max(high, approved_kg)
    return low, high


def unit_weight_error(weight: Decimal, category: Category | None, unit: str | None,
                      approved_kg: Decimal | None = None) -> str | None:
    """None if ``weight`` kg per unit is plausible (or exactly the approved one), else
    the message naming the range."""
    if approved_kg is not None and weight == approved_kg and str(unit) != KG:
        return None
    low, high = unit_weight_range(category, unit)
    if low <= weight <= high:
        return None
    return _("Vekt per enhet må være mellom %(low)s og %(high)s kg for %(category)s. Er "
             "vekten riktig, kan en administrator godkjenne den.",
             low=_kg(low), high=_kg(high), category=category_label(category))


def total_range(category: Category | None, unit: str | None, quantity: Decimal,
                approved_kg: Decimal | None = None) -> tuple[Decimal, Decimal]:
    """(low, high) total kg that a hand-over or correction of ``quantity`` may record."""
    quantity = abs(quantity)
    if str(unit) == KG:
        factor = Decimal(WEIGHT_RANGE_FACTOR)
        low, high = Decimal(1) / factor, factor
    else:
        low, high = listing_unit_range(category, unit, approved_kg)
    return (max((quantity * low).quantize(_MILLI, ROUND_FLOOR), _MILLI),
            (quantity * high).quantize(_MILLI, ROUND_CEILING))


def total_error(kg: Decimal, category: Category | None, unit: str | None, quantity: Decimal,
                approved_kg: Decimal | None = None) -> str | None:
    """None if ``kg`` in total is plausible for ``quantity``, else the message."""
    from app.listings.forms import UNIT_LABELS  # forms is a heavier import

    low, high = total_range(category, unit, quantity, approved_kg)
    if low <= kg <= high:
        return None
    return _("%(kg)s kg er ikke rimelig for %(quantity)s %(unit)s %(category)s: vekten må være "
             "mellom %(low)s og %(high)s kg. Kontroller vekten.",
             kg=_kg(kg), quantity=_kg(abs(quantity)), unit=UNIT_LABELS.get(unit, unit),
             category=category_label(category), low=_kg(low), high=_kg(high))


def listing_total_error(listing: Listing, kg: Decimal, quantity: Decimal,
                        unit: str | None = None) -> str | None:
    """:func:`total_error` for a hand-over of ``quantity`` of ``listing``."""
    return total_error(kg, listing.category, unit or listing.unit, quantity,
                       listing.weight_approved_kg)


# --- approval -------------------------------------------------------------------------


def approve_unit_weight(listing: Listing, unit_weight_kg: Any, reason: str, actor: User | None,
                        *, actor_label: str | None = None,
                        now: datetime | None = None) -> Listing:
    """A site admin approves ``unit_weight_kg`` for ``listing`` (outside its category's
    range): the listing takes that unit weight (no longer estimated), and the approval,
    with the reason, is written to the audit log with before and after. Flushes."""
    from app import audit
    from app.db import db, utcnow
    from app.errors import PermissionDenied, ValidationFailed
    from app.listings import rules
    from app.listings import services as listing_services

    if actor is None or not actor.is_site_admin:
        raise PermissionDenied(_("Bare nettstedets administratorer kan godkjenne en vekt."))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Skriv hvorfor vekten godkjennes.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("Kan ikke være lengre enn %(n)s tegn.", n=REASON_MAX)]
    kg = None
    try:
        kg = rules.parse_decimal(unit_weight_kg, 3)
        if kg <= 0:
            raise rules.Invalid(_("Vekten må være større enn 0."))
        if kg > rules.UNIT_WEIGHT_MAX:
            raise rules.Invalid(_("Vekten er urimelig stor."))
        if listing.unit == KG:
            raise rules.Invalid(_("For enheten kg er vekten per enhet alltid 1 kg."))
    except rules.Invalid as exc:
        errors["unit_weight_kg"] = [str(exc)]
    if errors:
        raise ValidationFailed(errors)
    kg = kg.quantize(_MILLI)  # as the column keeps it (and the audit log shows it)
    now = now or utcnow()
    db.session.refresh(listing)

    def state() -> dict[str, Any]:
        return {"unit_weight_kg": listing.unit_weight_kg,
                "weight_estimated": listing.weight_estimated,
                "weight_approved_kg": listing.weight_approved_kg,
                "weight_approved_reason": listing.weight_approved_reason,
                "weight_approved_by_id": listing.weight_approved_by_id}

    before = state()
    listing.unit_weight_kg = kg
    listing.weight_estimated = False
    listing.weight_approved_kg = kg
    listing.weight_approved_reason = reason
    listing.weight_approved_by_id = actor.id
    listing.weight_approved_at = now
    low, high = unit_weight_range(listing.category, listing.unit)
    after = {**state(), "category": listing.category.slug if listing.category else None,
             "unit": listing.unit, "range_kg": [low, high]}
    audit.record("listing.approve_weight", "listing", listing.id, actor=actor,
                 actor_label=actor_label, organization_id=listing.organization_id,
                 reason=reason, before=before, after=after)
    listing_services.changed(listing)
    return listing
