"""The reuse ledger: one append-only record per completed hand-over.

Nothing here (or anywhere) updates or deletes a :class:`ReuseRecord`; the database
refuses it too. A mistake is corrected by a *reversal* (the same row with quantity, kg,
price and CO2e negated, ``reverses_id`` pointing at it, a reason and who wrote it),
optionally followed by a *correction* (a new positive row, ``replaces_id`` pointing at
the reversed one). Summing every row of a period therefore gives the corrected total.
Organisation numbers, kinds and whether each organisation was verified are copied at
completion, so editing (or verifying) an organisation later changes no record; a
reversal and a correction copy the original's flags.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.accounts.models import Role, User
from app.db import db, utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.exchange import factors
from app.exchange.models import RecordKind, Reservation, ReuseRecord, WeightMethod
from app.listings import postcodes, weights
from app.listings.models import Category, Listing

CHANNEL = "online_platform"
REASON_MAX = 1000
KG_MAX = Decimal("1000000000")


def municipality_number(reservation: Reservation) -> str:
    """Where the hand-over happened: the pickup postcode's municipality when we know it,
    else the giver's registered municipality."""
    number = postcodes.municipality_number(reservation.listing.postcode)
    if number is not None:
        return number
    return (reservation.seller_org.municipality_number
            or current_app.config.get("DEFAULT_MUNICIPALITY_NUMBER", "3203"))


def record_handover(reservation: Reservation, now: datetime | None = None) -> ReuseRecord:
    """Write the one record of a completed hand-over (called by the hand-over service,
    whose ``complete_if_ready`` checks that the weight is plausible first)."""
    now = now or utcnow()
    listing = reservation.listing
    giver, receiver = reservation.seller_org, reservation.buyer_org
    factor = factors.factor_for(listing.category, now, listing.waste_origin)
    record = ReuseRecord(
        kind=RecordKind.HANDOVER.value, completed_at=now, recorded_at=now,
        reservation_id=reservation.id, listing_id=listing.id,
        giver_org_id=giver.id, giver_orgnr=giver.orgnr, giver_kind=giver.kind,
        receiver_org_id=receiver.id, receiver_orgnr=receiver.orgnr,
        receiver_kind=receiver.kind,
        # Whether each side was verified when the record was written: the EU table
        # counts records where both were, and shows the rest on a separate line.
        giver_verified=giver.is_verified, receiver_verified=receiver.is_verified,
        municipality_number=municipality_number(reservation), district=listing.district or "",
        category_slug=listing.category.slug, eu_category=listing.category.eu_category,
        quantity=reservation.quantity, unit=reservation.unit, kg=reservation.weight_kg,
        weight_method=reservation.weight_method, channel=CHANNEL,
        waste_origin=listing.waste_origin, price_ore=reservation.amount_ore,
        payment_method=reservation.payment_method,
        co2e_kg=factors.co2e(reservation.weight_kg, factor), factor_id=factor.id,
        factor_version=factor.version, factor_value=_factor_value(factor),
        factor_is_default=factor.is_default, reason="", recorded_by_id=None,
        project_id=listing.project_id,
    )
    db.session.add(record)
    db.session.flush()
    return record


def _factor_value(factor) -> Decimal:
    return factor.kg_co2e_per_kg.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# --- who may see and correct -----------------------------------------------------------


def can_reverse(user: User, record: ReuseRecord) -> bool:
    """Site admins and admins/owners of the giving organisation."""
    return bool(user.is_site_admin or user.has_role(record.giver_org_id, Role.ADMIN))


def visible_record(record_id: int, user: User) -> ReuseRecord:
    """The record if ``user`` may see it (the two sides, site admins and those who see
    municipal reporting); NotFound otherwise."""
    record = db.session.get(ReuseRecord, record_id)
    if record is None or not (
        user.is_site_admin or user.can_see_reporting
        or user.has_role(record.giver_org_id) or user.has_role(record.receiver_org_id)
    ):
        raise NotFound(_("Posten finnes ikke."))
    return record


def correction_error(record: ReuseRecord, kg: Decimal) -> str | None:
    """None if ``kg`` is a plausible weight for the record's quantity, category and unit
    (a unit weight the listing's approval allows included), else the message."""
    listing = db.session.get(Listing, record.listing_id)
    category = db.session.scalar(sa.select(Category).where(
        Category.slug == record.category_slug)) or (listing.category if listing else None)
    return weights.total_error(kg, category, record.unit, record.quantity,
                               listing.weight_approved_kg if listing else None)


def reversal_of(record: ReuseRecord) -> ReuseRecord | None:
    return db.session.scalar(sa.select(ReuseRecord).where(ReuseRecord.reverses_id == record.id))


def reverse(record: ReuseRecord, user: User, reason: str, corrected_kg=None,
            now: datetime | None = None) -> tuple[ReuseRecord, ReuseRecord | None]:
    """Write a reversal of ``record`` and, with ``corrected_kg``, a corrected record.

    The correction keeps everything but the weight (now ``weighed``) and the CO2e, which
    is computed with the original's factor version."""
    now = now or utcnow()
    if not can_reverse(user, record):
        raise PermissionDenied(_("Bare administratorer i organisasjonen som ga bort, eller "
                                 "nettstedets administratorer, kan reversere poster."))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Skriv hvorfor posten reverseres.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("Kan ikke være lengre enn %(n)s tegn.", n=REASON_MAX)]
    kg = None
    if corrected_kg is not None:
        try:
            kg = Decimal(str(corrected_kg))
        except InvalidOperation:
            kg = None
        if kg is None or not kg.is_finite() or kg <= 0 or kg > KG_MAX:
            errors["corrected_kg"] = [_("Må være et tall større enn 0.")]
        elif kg.as_tuple().exponent < -3:
            errors["corrected_kg"] = [_("Høyst %(n)s desimaler.", n=3)]
        else:
            message = correction_error(record, kg)
            if message:
                errors["corrected_kg"] = [message]
    if errors:
        raise ValidationFailed(errors)
    if record.kind == RecordKind.REVERSAL:
        raise Conflict(_("En reversering kan ikke reverseres."), state=record.kind)
    if reversal_of(record) is not None:
        raise Conflict(_("Posten er allerede reversert."), state="reversed")
    reversal = _copy(record, kind=RecordKind.REVERSAL.value, reverses_id=record.id,
                     quantity=-record.quantity, kg=-record.kg, price_ore=-record.price_ore,
                     co2e_kg=-record.co2e_kg, reason=reason, recorded_by_id=user.id,
                     recorded_at=now)
    db.session.add(reversal)
    db.session.flush()
    correction = None
    if kg is not None:
        co2e = (kg * record.factor_value).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        correction = _copy(record, kind=RecordKind.CORRECTION.value, replaces_id=record.id,
                           kg=kg, weight_method=WeightMethod.WEIGHED.value, co2e_kg=co2e,
                           reason=reason, recorded_by_id=user.id, recorded_at=now)
        db.session.add(correction)
        db.session.flush()
    return reversal, correction


_COPIED = ("completed_at", "reservation_id", "listing_id", "giver_org_id", "giver_orgnr",
           "giver_kind", "receiver_org_id", "receiver_orgnr", "receiver_kind",
           "giver_verified", "receiver_verified", "municipality_number", "district",
           "category_slug", "eu_category", "quantity",
           "unit", "kg", "weight_method", "channel", "waste_origin", "price_ore",
           "payment_method", "co2e_kg", "factor_id", "factor_version", "factor_value",
           "factor_is_default", "project_id")


def _copy(record: ReuseRecord, **changes) -> ReuseRecord:
    values = {name: getattr(record, name) for name in _COPIED}
    values.update(reverses_id=None, replaces_id=None)
    values.update(changes)
    return ReuseRecord(**values)


def record_for_reservation(reservation_id: int) -> ReuseRecord | None:
    """The original hand-over record of a reservation."""
    return db.session.scalar(sa.select(ReuseRecord).where(
        ReuseRecord.reservation_id == reservation_id,
        ReuseRecord.kind == RecordKind.HANDOVER.value))
