"""Payment rules: who can be paid online, one PaymentIntent per attempt, refunds, cancels.

Services flush and never commit; every Stripe call goes through :mod:`.gateway`. The
reservation row is locked (``exchange.services.lock``) while a PaymentIntent is created,
so two clicks on "Betal" never make two attempts.

Fee rounding: ``application_fee_amount = round_half_up(amount_ore x PLATFORM_FEE_PERCENT /
100)`` in whole øre, never more than the amount; a fee of 0 is not sent at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Organization, User
from app.db import db, utcnow
from app.errors import Conflict, ServiceError
from app.exchange import services as exchange
from app.exchange.models import ENDED_STATUSES, PaymentMethod, Reservation
from app.exchange.models import ReservationStatus as S
from app.payments import MINIMUM_ORE, gateway
from app.payments.models import AttemptStatus, ConnectedAccount, PaymentAttempt

log = logging.getLogger(__name__)
A = AttemptStatus
CURRENCY = "nok"


class PaymentUnavailable(ServiceError):
    status = 503
    title = _l("Betalingstjenesten svarer ikke")


# --- who can be paid online -----------------------------------------------------------------


def stripe_enabled() -> bool:
    """Online payment needs all three keys: without the webhook secret nothing could ever
    be confirmed, so the marketplace falls back to payment at pickup."""
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_PUBLISHABLE_KEY")
                and config.get("STRIPE_WEBHOOK_SECRET"))


def is_platform_operator(org: Organization) -> bool:
    operator = (current_app.config.get("PLATFORM_OPERATOR_ORGNR") or "").replace(" ", "")
    return bool(operator and org.orgnr and org.orgnr == operator)


def connected_account(org_id: int) -> ConnectedAccount | None:
    return db.session.scalar(sa.select(ConnectedAccount).where(
        ConnectedAccount.organization_id == org_id))


@dataclass(frozen=True)
class Route:
    """How a seller is paid: "direct" (platform account) or "destination" (Connect)."""

    kind: str
    destination: str | None = None


def route_for(org: Organization) -> Route | None:
    """The way ``org`` can take card payments now, or None (then: payment at pickup)."""
    if not stripe_enabled():
        return None
    if is_platform_operator(org):
        return Route("direct")
    account = connected_account(org.id)
    if account is not None and account.charges_enabled and account.payouts_enabled:
        return Route("destination", account.stripe_account_id)
    return None


def choose_method(reservation: Reservation) -> str:
    """The exchange's payment chooser (called when a priced reservation is accepted)."""
    if reservation.amount_ore < MINIMUM_ORE or route_for(reservation.seller_org) is None:
        return PaymentMethod.AT_PICKUP.value
    return PaymentMethod.STRIPE.value


def fee_percent() -> Decimal:
    return parse_fee_percent(current_app.config.get("PLATFORM_FEE_PERCENT"))


def parse_fee_percent(raw) -> Decimal:
    raw = raw or 0
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise RuntimeError(f"PLATFORM_FEE_PERCENT is not a number: {raw!r}") from None
    if not Decimal(0) <= value < Decimal(100):
        raise RuntimeError(f"PLATFORM_FEE_PERCENT must be at least 0 and below 100: {raw}")
    return value


def application_fee_ore(amount_ore: int, percent: Decimal | None = None) -> int:
    percent = fee_percent() if percent is None else percent
    fee = (Decimal(amount_ore) * percent / 100).quantize(Decimal(1), ROUND_HALF_UP)
    return int(min(max(fee, Decimal(0)), Decimal(amount_ore)))


def payment_intent_params(reservation: Reservation, attempt: int, route: Route) -> dict:
    """Exactly what is sent to create the PaymentIntent of ``attempt``."""
    params: dict = {
        "amount": reservation.amount_ore,
        "currency": CURRENCY,
        "payment_method_types": ["card"],
        "metadata": {
            "reservation_id": str(reservation.id),
            "listing_id": str(reservation.listing_id),
            "buyer_org_id": str(reservation.buyer_org_id),
            "seller_org_id": str(reservation.seller_org_id),
            "attempt": str(attempt),
        },
    }
    if route.kind == "destination":
        params["transfer_data"] = {"destination": route.destination}
        params["on_behalf_of"] = route.destination
        fee = application_fee_ore(reservation.amount_ore)
        if fee:
            params["application_fee_amount"] = fee
    return params


# --- attempts -------------------------------------------------------------------------------


def latest_attempt(reservation_id: int) -> PaymentAttempt | None:
    return db.session.scalar(sa.select(PaymentAttempt).where(
        PaymentAttempt.reservation_id == reservation_id)
        .order_by(PaymentAttempt.attempt.desc()).limit(1))


def attempts_of(reservation_id: int) -> list[PaymentAttempt]:
    return list(db.session.scalars(sa.select(PaymentAttempt).where(
        PaymentAttempt.reservation_id == reservation_id).order_by(PaymentAttempt.attempt)))


def attempt_for_intent(intent_id: str | None) -> PaymentAttempt | None:
    if not intent_id:
        return None
    return db.session.scalar(sa.select(PaymentAttempt).where(
        PaymentAttempt.payment_intent_id == intent_id))


def sync_attempt(attempt: PaymentAttempt, intent: dict) -> None:
    """Take Stripe's current view of the PaymentIntent into the attempt row."""
    status = intent.get("status") or ""
    attempt.intent_status = status
    error = intent.get("last_payment_error") or {}
    if error.get("message"):
        attempt.last_error = str(error["message"])[:500]
    if attempt.status == A.REFUNDED:
        return
    if status == "succeeded":
        attempt.status = A.SUCCEEDED.value
    elif status == "canceled":
        if attempt.status != A.FAILED:
            attempt.status = A.CANCELED.value
    elif status == "requires_payment_method" and error:
        attempt.status = A.FAILED.value


@dataclass
class PaymentSession:
    attempt: PaymentAttempt
    client_secret: str | None
    intent_status: str


def _stripe(func, *args):
    try:
        return func(*args)
    except gateway.GatewayError as exc:
        log.error("payment gateway error: %s", exc)
        raise PaymentUnavailable(_("Betalingstjenesten svarer ikke akkurat nå. Prøv igjen om "
                                   "litt.")) from exc


def _close(attempt: PaymentAttempt) -> dict:
    """Cancel an attempt's PaymentIntent (so it can never be charged later); if Stripe
    refuses (it succeeded or was cancelled meanwhile) take its current state instead."""
    try:
        intent = gateway.cancel_payment_intent(attempt.payment_intent_id)
    except gateway.GatewayError as exc:
        if exc.unavailable:
            raise
        intent = gateway.retrieve_payment_intent(attempt.payment_intent_id)
    sync_attempt(attempt, intent)
    return intent


def start_payment(reservation: Reservation, user: User) -> PaymentSession:
    """The buyer's PaymentIntent for the current attempt: the open one, or a new attempt
    (key ``reservation-<id>-payment-<n>``) after a failed or cancelled one."""
    exchange.require_side(reservation, user, "buyer", _("Bare mottakeren kan betale."))
    if reservation.amount_ore == 0:
        raise Conflict(_("Reservasjonen er gratis. Det er ingenting å betale."),
                       state=reservation.status)
    reservation = exchange.lock(reservation)
    if reservation.payment_method == PaymentMethod.AT_PICKUP:
        raise Conflict(" ".join(filter(None, [_("Denne reservasjonen betales ved henting."),
                                              at_pickup_reason(reservation)])),
                       state=reservation.status)
    if reservation.status != S.AWAITING_PAYMENT or reservation.payment_method is None:
        raise exchange.state_conflict(reservation, _("Reservasjonen venter ikke på betaling "
                                                     "(den er %(status)s)."))
    if not stripe_enabled():
        raise PaymentUnavailable(_("Nettbetaling er ikke tilgjengelig nå."))
    previous = latest_attempt(reservation.id)
    if previous is not None and previous.status in (A.OPEN, A.SUCCEEDED):
        intent = _stripe(gateway.retrieve_payment_intent, previous.payment_intent_id)
        sync_attempt(previous, intent)
        if previous.status in (A.OPEN, A.SUCCEEDED):
            return PaymentSession(previous, intent.get("client_secret"), intent.get("status", ""))
    if previous is not None and previous.intent_status != "canceled":
        intent = _stripe(_close, previous)
        if previous.status == A.SUCCEEDED:  # it went through after all: wait for the webhook
            return PaymentSession(previous, intent.get("client_secret"), "succeeded")
    route = route_for(reservation.seller_org)
    if route is None:
        raise Conflict(_("Giveren kan ikke ta imot kortbetaling nå. Avtal betaling ved henting "
                         "i meldingstråden, eller avbryt reservasjonen."), state=reservation.status)
    number = previous.attempt + 1 if previous is not None else 1
    key = f"reservation-{reservation.id}-payment-{number}"
    params = payment_intent_params(reservation, number, route)
    intent = _stripe(gateway.create_payment_intent, params, key)
    if intent.get("amount") != reservation.amount_ore \
            or str(intent.get("currency", "")).lower() != CURRENCY:
        log.error("payment intent %s came back with %s %s, expected %s %s", intent.get("id"),
                  intent.get("amount"), intent.get("currency"), reservation.amount_ore, CURRENCY)
        raise PaymentUnavailable(_("Betalingen kunne ikke startes. Prøv igjen om litt."))
    attempt = PaymentAttempt(
        reservation_id=reservation.id, attempt=number, payment_intent_id=intent["id"],
        idempotency_key=key, amount_ore=reservation.amount_ore, currency=CURRENCY,
        destination_account_id=route.destination,
        application_fee_ore=params.get("application_fee_amount", 0))
    sync_attempt(attempt, intent)
    db.session.add(attempt)
    reservation.payment_provider_id = intent["id"]
    db.session.flush()
    return PaymentSession(attempt, intent.get("client_secret"), intent.get("status", ""))


# --- refunds and cancels (called from the outbox handlers) ----------------------------------


def refund_attempt(attempt: PaymentAttempt, reservation: Reservation) -> str:
    """Refund the whole payment of ``attempt`` (idempotent: one key per PaymentIntent).
    Destination charges pull the money back from the seller and the fee from us."""
    params: dict = {"payment_intent": attempt.payment_intent_id,
                    "metadata": {"reservation_id": str(reservation.id),
                                 "attempt": str(attempt.attempt)}}
    if attempt.destination_account_id:
        params["reverse_transfer"] = True
        params["refund_application_fee"] = True
    refund = gateway.create_refund(
        params, f"reservation-{reservation.id}-refund-{attempt.payment_intent_id}")
    attempt.refund_id = refund.get("id")
    status = refund.get("status") or ""
    if status == "succeeded":
        record_refund(attempt, reservation)
    elif status in ("failed", "canceled"):
        log.error("refund %s of %s is %s: needs a person", refund.get("id"),
                  attempt.payment_intent_id, status)
    return status


def record_refund(attempt: PaymentAttempt, reservation: Reservation) -> None:
    """The whole payment is back with the buyer: note it on the attempt and, when it was
    the reservation's payment and the reservation has ended, on the reservation."""
    if attempt.status != A.REFUNDED:
        attempt.status = A.REFUNDED.value
        attempt.refunded_at = utcnow()
    if (reservation.paid_at is not None and reservation.refunded_at is None
            and reservation.payment_provider_id == attempt.payment_intent_id
            and reservation.status in ENDED_STATUSES):
        exchange.mark_refunded(reservation)
    db.session.flush()


def refund_if_due(reservation: Reservation) -> bool:
    """Refund an ended reservation's online payment; True when a refund was asked for."""
    if reservation.payment_method != PaymentMethod.STRIPE \
            or exchange.payment_status(reservation) != "refund_due":
        return False
    attempt = attempt_for_intent(reservation.payment_provider_id)
    if attempt is None:
        log.error("reservation %s is refund_due but %s is not one of our attempts",
                  reservation.id, reservation.payment_provider_id)
        return False
    if attempt.refund_id and attempt.status == A.REFUNDED:
        record_refund(attempt, reservation)
        return False
    refund_attempt(attempt, reservation)
    return True


def cancel_open_attempts(reservation: Reservation, keep: str | None = None) -> int:
    """Cancel every open PaymentIntent of the reservation except ``keep``."""
    closed = 0
    for attempt in attempts_of(reservation.id):
        if attempt.status == A.OPEN and attempt.payment_intent_id != keep:
            _close(attempt)
            closed += 1
    db.session.flush()
    return closed


# --- what the pages say ---------------------------------------------------------------------


def at_pickup_reason(reservation: Reservation) -> str | None:
    """Why a priced reservation is paid at pickup although the seller takes cards."""
    if reservation.amount_ore == 0 or reservation.amount_ore >= MINIMUM_ORE:
        return None
    if route_for(reservation.seller_org) is None:
        return None
    return _("Beløpet er under kr 3, som er minstebeløpet for kortbetaling. Det betales "
             "derfor ved henting.")
