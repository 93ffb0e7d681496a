"""Hand-over: confirmations, weights, completion and the one ledger record.

The rule, precisely:

* Either side may confirm once the reservation is ``accepted`` (gift or payment at
  pickup) or ``paid`` (online payment); ``awaiting_payment`` is refused (409).
* The giver (the listing's organisation) gives the weight: weighed kilograms, or the
  estimate ``quantity x unit_weight_kg`` (``quantity`` itself for listings in kg).
  A weighed value must lie within 1/50 and 50 times the estimate (when there is one).
  Either way the total must be plausible for the quantity and the category
  (:mod:`app.listings.weights`: quantity x the unit weight range, widened to a unit
  weight a site admin approved); an implausible estimate asks for the weighed weight.
* A weighed weight together with ``weight_method`` "estimated" (the page's "Bruk
  anslaget") is a contradiction and refused (422), never silently resolved.
* The reservation completes when the giver has confirmed and either the receiver has
  confirmed too (basis ``both``) or at least ``HANDOVER_REMINDERS_BEFORE_AUTO``
  reminders have been sent (basis ``giver_alone``: the giver's confirmation then
  stands alone). With the setting at 0 the giver's confirmation always suffices.
  The receiver's confirmation alone never completes it: the giver vouches for the weight.
* Completion writes exactly one :class:`ReuseRecord` and closes the listing once nothing
  is left and no other reservation holds any of it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import formatting
from app.accounts.models import User
from app.db import db, utcnow
from app.errors import NotFound, ValidationFailed
from app.exchange import ledger
from app.exchange.models import (
    HANDOVER_STATUSES,
    HOLDING_STATUSES,
    Reservation,
    ReuseRecord,
    WeightMethod,
)
from app.exchange.models import ReservationStatus as S
from app.exchange.notify import notify, other_side
from app.exchange.services import emit, lock, setting, side_of, state_conflict
from app.listings import rules, weights
from app.listings import services as listings
from app.listings.models import Status, Unit
from app.listings.serialize import number

log = logging.getLogger(__name__)
WEIGHT_RATIO = Decimal(50)
KG_MAX = Decimal("1000000000")


def estimate_kg(reservation: Reservation) -> Decimal | None:
    """quantity x the listing's unit weight (the quantity itself for kg); None if unknown."""
    if reservation.unit == Unit.KG:
        return reservation.quantity
    unit_weight = reservation.listing.unit_weight_kg
    if unit_weight is None:
        return None
    return (reservation.quantity * unit_weight).quantize(Decimal("0.001"))


def check_weight(value: Any, estimate: Decimal | None) -> Decimal:
    """A weighed weight in kg: positive, 3 decimals at most, plausible for the quantity."""
    try:
        kg = rules.parse_decimal(value, 3)
    except rules.Invalid as exc:
        raise ValidationFailed({"weight_kg": [str(exc)]}) from None
    if kg <= 0:
        raise ValidationFailed({"weight_kg": [_("Vekten må være større enn 0 kg.")]})
    if kg > KG_MAX:
        raise ValidationFailed({"weight_kg": [_("Vekten er urimelig stor.")]})
    if estimate:
        if kg > estimate * WEIGHT_RATIO:
            raise ValidationFailed({"weight_kg": [_(
                "%(kg)s kg er mer enn 50 ganger anslaget (%(est)s kg) for dette antallet. "
                "Kontroller vekten.", kg=formatting.kg(kg, unit=False),
                est=formatting.kg(estimate, unit=False))]})
        if kg * WEIGHT_RATIO < estimate:
            raise ValidationFailed({"weight_kg": [_(
                "%(kg)s kg er under en femtiendedel av anslaget (%(est)s kg) for dette "
                "antallet. Kontroller vekten.", kg=formatting.kg(kg, unit=False),
                est=formatting.kg(estimate, unit=False))]})
    return kg


def check_total(reservation: Reservation, kg: Decimal, estimated: bool = False) -> Decimal:
    """``kg`` if it is a plausible total for the reservation's quantity and category
    (see :mod:`app.listings.weights`); a field error on ``weight_kg`` otherwise."""
    message = weights.listing_total_error(reservation.listing, kg, reservation.quantity,
                                          reservation.unit)
    if message:
        if estimated:
            message = _("Anslaget fra annonsen kan ikke brukes: %(why)s Oppgi veid vekt.",
                        why=message)
        raise ValidationFailed({"weight_kg": [message]})
    return kg


def weight_to_write(reservation: Reservation, weight_kg: Any = None,
                    weight_method: str | None = None) -> tuple[Decimal, WeightMethod]:
    """The kg and method the giver's confirmation would write, checked; 422 with a field
    error on ``weight_kg`` (or ``weight_method``) otherwise."""
    typed = weight_kg is not None and str(weight_kg).strip() != ""
    if weight_method not in (None, "", WeightMethod.WEIGHED.value, WeightMethod.ESTIMATED.value):
        raise ValidationFailed({"weight_method": [_("Bruk weighed eller estimated.")]})
    if typed and weight_method == WeightMethod.ESTIMATED:
        raise ValidationFailed({"weight_kg": [_(
            "Du har skrevet inn en veid vekt, men valgt anslaget. Velg «Vi har veid» for å "
            "bruke vekten du skrev, eller tøm feltet for å bruke anslaget.")]})
    if not typed and weight_method == WeightMethod.WEIGHED:
        raise ValidationFailed({"weight_kg": [_("Oppgi veid vekt i kg, eller velg anslaget.")]})
    if typed:
        estimate = estimate_kg(reservation)
        if estimate is not None and weights.listing_total_error(
                reservation.listing, estimate, reservation.quantity, reservation.unit):
            estimate = None  # an implausible estimate is no yardstick for a weighed weight
        kg = check_weight(weight_kg, estimate)
        return check_total(reservation, kg), WeightMethod.WEIGHED
    kg = estimate_kg(reservation)
    if kg is None:
        raise ValidationFailed({"weight_kg": [
            _("Vekten er ukjent for denne annonsen. Oppgi veid vekt i kg.")]})
    return check_total(reservation, kg, estimated=True), WeightMethod.ESTIMATED


def confirm_handover(reservation: Reservation, user: User, weight_kg: Any = None,
                     now: datetime | None = None,
                     weight_method: str | None = None) -> ReuseRecord | None:
    """Record one side's confirmation; returns the ledger record when this completes it.

    ``weight_method`` ("weighed" or "estimated", optional) is the giver's explicit
    choice; it must agree with whether ``weight_kg`` is given."""
    now = now or utcnow()
    side = side_of(reservation, user)
    if side is None:
        raise NotFound(_("Reservasjonen finnes ikke."))
    if weight_kg is not None and weight_kg != "" and side != "seller":
        raise ValidationFailed({"weight_kg": [
            _("Bare den som gir bort oppgir vekten.")]})
    if side == "seller" and reservation.giver_confirmed_at is None \
            and reservation.status in HANDOVER_STATUSES:
        weight_to_write(reservation, weight_kg, weight_method)  # field errors first
    reservation = lock(reservation)
    if reservation.status == S.AWAITING_PAYMENT:
        raise state_conflict(reservation, _("Overleveringen kan ikke bekreftes før "
                                            "reservasjonen er betalt."))
    if reservation.status not in HANDOVER_STATUSES:
        raise state_conflict(reservation, _("Overleveringen kan ikke bekreftes fordi "
                                            "reservasjonen er %(status)s."))
    if side == "seller":
        if reservation.giver_confirmed_at is not None:
            raise state_conflict(reservation, _("Dere har allerede bekreftet overleveringen."))
        kg, method = weight_to_write(reservation, weight_kg, weight_method)
        reservation.weight_kg = kg
        reservation.weight_method = method.value
        reservation.giver_confirmed_at = now
        reservation.giver_confirmed_by_id = user.id
    else:
        if reservation.receiver_confirmed_at is not None:
            raise state_conflict(reservation, _("Dere har allerede bekreftet overleveringen."))
        reservation.receiver_confirmed_at = now
        reservation.receiver_confirmed_by_id = user.id
    reservation.updated_at = now
    db.session.flush()
    record = complete_if_ready(reservation, now)
    if record is None:
        notify(reservation, other_side(side), "handover_confirmed",
               by_org=(reservation.seller_org if side == "seller"
                       else reservation.buyer_org).name,
               giver_alone_after=setting("HANDOVER_REMINDERS_BEFORE_AUTO"))
        emit(reservation, "confirmed")
    return record


def completion_basis(reservation: Reservation) -> str | None:
    """"both", "giver_alone" or None (not ready) - see the module doc."""
    if reservation.giver_confirmed_at is None:
        return None
    if reservation.receiver_confirmed_at is not None:
        return "both"
    if reservation.reminders_sent >= setting("HANDOVER_REMINDERS_BEFORE_AUTO"):
        return "giver_alone"
    return None


def complete_if_ready(reservation: Reservation, now: datetime) -> ReuseRecord | None:
    """Complete a locked, hand-over-ready reservation if the rule allows; write the record."""
    basis = completion_basis(reservation)
    if basis is None or reservation.status not in HANDOVER_STATUSES:
        return None
    if reservation.weight_kg is not None and weights.listing_total_error(
            reservation.listing, reservation.weight_kg, reservation.quantity, reservation.unit):
        # Only a confirmation from before the weight ranges can get here: it waits (a site
        # admin may approve the listing's unit weight) instead of reaching the ledger.
        log.warning("reservation %s not completed: %s kg is outside the plausible range",
                    reservation.id, reservation.weight_kg)
        return None
    reservation.status = S.COMPLETED.value
    reservation.completed_at = now
    reservation.completion_basis = basis
    reservation.updated_at = now
    db.session.flush()
    record = ledger.record_handover(reservation, now)
    _close_listing_if_done(reservation)
    for side in ("buyer", "seller"):
        notify(reservation, side, "reservation_completed", kg=str(number(record.kg)),
               weight_method=record.weight_method, co2e_kg=str(number(record.co2e_kg)))
    emit(reservation, "completed")
    return record


def _close_listing_if_done(reservation: Reservation) -> None:
    listing = reservation.listing
    db.session.refresh(listing)
    if listing.status != Status.RESERVED or listing.quantity_available > 0:
        return
    holding = db.session.scalar(sa.select(sa.func.count(Reservation.id)).where(
        Reservation.listing_id == listing.id,
        Reservation.status.in_([s.value for s in HOLDING_STATUSES])))
    if not holding:
        listings.close(listing)
