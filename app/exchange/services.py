"""Reservation services: request, accept, decline, cancel, expire (payment hooks are in
``payment``, the thread and pickup time in ``thread``, access rules in ``access``; all
re-exported here).

The state machine::

    requested --accept--> accepted            (gift, or priced with payment at pickup)
              --accept--> awaiting_payment --mark_paid--> paid     (online payment)
    accepted | paid --hand-over confirmed (see handover.py)--> completed
    requested --decline--> declined
    requested --listing withdrawn--> declined (end_reason "listing_withdrawn")
    any open state --cancel--> cancelled;  --expire--> expired;  (decline too, by the lister)

Acceptance *holds* the quantity: one conditional ``UPDATE listings SET quantity_available
= quantity_available - q WHERE id = :id AND status = 'published' AND quantity_available >=
q`` - on PostgreSQL a concurrent acceptance waits for the row and re-checks the condition,
on SQLite writers are serialised - so a listing is never oversold. Ending a holding
reservation gives the quantity back. Every change of ``quantity_available`` goes through
``listings.services.sync_availability`` (published <-> reserved) and emits
``listing.changed``; every reservation change emits ``reservation.changed``.

Reservation rows are locked (``SELECT ... FOR UPDATE`` on PostgreSQL) before their state
is checked, always before the listing row, so two transitions never interleave and never
deadlock. Services flush and never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import formatting
from app.accounts.models import Organization, User
from app.db import db, utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

# Re-exported: other domains (payments, the API, pages) call them as ``services.<name>``.
from app.exchange.access import (  # noqa: F401
    DEFAULTS,
    MESSAGE_MAX,
    REASON_MAX,
    STATUS_LABELS,
    emit,
    lock,
    require_side,
    setting,
    side_of,
    state_conflict,
    visible_reservation,
)
from app.exchange.models import (
    LISTING_WITHDRAWN,
    OPEN_STATUSES,
    PaymentMethod,
    Reservation,
    ReservationMessage,
)
from app.exchange.models import ReservationStatus as S
from app.exchange.notify import notify, other_side
from app.exchange.payment import (  # noqa: F401
    mark_paid,
    mark_refunded,
    payment_method_for,
    payment_status,
    set_payment_method_chooser,
)
from app.exchange.thread import check_pickup, post_message, set_pickup  # noqa: F401
from app.listings import rules
from app.listings import services as listings
from app.listings.models import Listing, Status, Unit
from app.listings.serialize import number
from app.pickup import agreement as pickup

# --- quantity ------------------------------------------------------------------------------


def _take(listing: Listing, quantity: Decimal, now: datetime) -> bool:
    """Hold ``quantity`` of a published listing; False when there is not enough."""
    result = db.session.execute(
        sa.update(Listing)
        .where(Listing.id == listing.id, Listing.status == Status.PUBLISHED.value,
               Listing.quantity_available >= quantity)
        .values(quantity_available=Listing.quantity_available - quantity, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount == 1:
        _availability_changed(listing)
        return True
    return False


def _give_back(listing: Listing, quantity: Decimal, now: datetime) -> None:
    db.session.execute(
        sa.update(Listing).where(Listing.id == listing.id)
        .values(quantity_available=Listing.quantity_available + quantity, updated_at=now)
        .execution_options(synchronize_session=False))
    _availability_changed(listing)


def _availability_changed(listing: Listing) -> None:
    db.session.refresh(listing)
    listings.sync_availability(listing)
    listings.changed(listing)


def amount_for(unit_price_ore: int, quantity: Decimal) -> int:
    return int((Decimal(unit_price_ore) * quantity).quantize(Decimal(1), ROUND_HALF_UP))


# --- request -------------------------------------------------------------------------------


def _buyer_org(user: User, listing: Listing, organization_id: Any) -> Organization:
    memberships = sorted(user.memberships, key=lambda m: m.organization_id)
    if not memberships:
        raise PermissionDenied(_("Du må være medlem av en organisasjon for å reservere."))
    own = _("Du kan ikke reservere din egen organisasjons annonse.")
    if organization_id not in (None, ""):
        chosen = [m.organization for m in memberships
                  if str(m.organization_id) == str(organization_id)]
        if not chosen:
            raise ValidationFailed({"organization_id": [
                _("Du er ikke medlem av denne organisasjonen.")]})
        if chosen[0].id == listing.organization_id:
            raise ValidationFailed({"listing_id": [own]})
        return chosen[0]
    others = [m.organization for m in memberships
              if m.organization_id != listing.organization_id]
    if not others:
        raise ValidationFailed({"listing_id": [own]})
    return others[0]


def parse_quantity(value: Any, unit: str) -> Decimal:
    """A positive quantity with at most 3 decimals (whole for pieces); 422 otherwise."""
    try:
        quantity = rules.parse_decimal(value, 3)
    except rules.Invalid as exc:
        raise ValidationFailed({"quantity": [str(exc)]}) from None
    if quantity <= 0:
        raise ValidationFailed({"quantity": [_("Må være større enn 0.")]})
    if unit == Unit.PCS and quantity != quantity.to_integral_value():
        raise ValidationFailed({"quantity": [_("Antall stykk må være et heltall.")]})
    return quantity


def _check_match(match_id: Any, listing: Listing, buyer: Organization) -> int | None:
    """The match a reservation came from must pair this listing with one of the buyer
    organisation's own wanted requests; 422 on ``match_id`` otherwise (also when it does
    not exist: whose it is stays unsaid)."""
    if match_id in (None, ""):
        return None
    from app.matching.models import Match
    from app.wanted.models import WantedRequest

    found = db.session.scalar(
        sa.select(Match.id).join(WantedRequest, WantedRequest.id == Match.request_id)
        .where(Match.id == match_id, Match.listing_id == listing.id,
               WantedRequest.organization_id == buyer.id)) \
        if isinstance(match_id, int) and not isinstance(match_id, bool) else None
    if found is None:
        raise ValidationFailed({"match_id": [_(
            "Treffet hører ikke til et ønske fra %(org)s for denne annonsen.", org=buyer.name)]})
    return found


def open_request_of(listing_id: int, buyer_org_id: int) -> Reservation | None:
    """The buyer organisation's request for the listing that still waits for an answer."""
    return db.session.scalar(sa.select(Reservation).where(
        Reservation.listing_id == listing_id, Reservation.buyer_org_id == buyer_org_id,
        Reservation.status == S.REQUESTED.value))


def _refuse_second_request(listing_id: int, buyer_org_id: int) -> None:
    """One unanswered request per organisation and listing (in the database too: the
    partial unique index ``uq_reservations_one_open_request``): 409 naming the existing
    one (``reservation_id``)."""
    existing = open_request_of(listing_id, buyer_org_id)
    if existing is not None:
        raise Conflict(_("Dere har allerede en forespørsel på denne annonsen som venter på "
                         "svar."), state=existing.status, reservation_id=existing.id)


def request_reservation(user: User, listing_id: int, quantity: Any, *, message: str = "",
                        match_id: int | None = None, organization_id: Any = None,
                        pickup_at: datetime | None = None,
                        now: datetime | None = None) -> Reservation:
    """A buyer organisation asks for ``quantity`` of a published listing (``pickup_at``:
    the time it proposes, inside the listing's pickup windows when it has any)."""
    now = now or utcnow()
    listing = listings.visible_listing(listing_id, user)
    amount = parse_quantity(quantity, listing.unit)
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ValidationFailed({"message": [
            _("Kan ikke være lengre enn %(n)s tegn.", n=MESSAGE_MAX)]})
    buyer = _buyer_org(user, listing, organization_id)
    match_id = _check_match(match_id, listing, buyer)
    if listing.status != Status.PUBLISHED:
        label = listings.STATUS_LABELS.get(Status(listing.status), listing.status)
        raise Conflict(_("Annonsen kan ikke reserveres fordi den er %(status)s.", status=label),
                       state=listing.status, listing_status=listing.status)
    if amount > listing.quantity_available:
        raise ValidationFailed({"quantity": [_("Det er bare %(n)s igjen.",
                                               n=formatting.number(listing.quantity_available))]})
    pickup_at = pickup.check_time(listing, pickup_at, now, buyer=True)
    _refuse_second_request(listing.id, buyer.id)
    reservation = Reservation(
        listing=listing, buyer_org=buyer, seller_org_id=listing.organization_id,
        requested_by=user, match_id=match_id, status=S.REQUESTED.value, quantity=amount,
        unit=listing.unit, unit_price_ore=listing.price_ore,
        amount_ore=amount_for(listing.price_ore, amount), created_at=now, updated_at=now)
    pickup.propose(reservation, pickup_at)
    try:
        with db.session.begin_nested():  # a parallel request got in first: 409, not 500
            db.session.add(reservation)
            db.session.flush()
    except sa.exc.IntegrityError:
        if reservation in db.session:
            db.session.expunge(reservation)
        _refuse_second_request(listing.id, buyer.id)
        raise
    if message:
        db.session.add(ReservationMessage(reservation=reservation, author=user,
                                          author_org_id=buyer.id, body=message, created_at=now))
    notify(reservation, "seller", "reservation_requested", message=message[:500])
    emit(reservation, "requested")
    return reservation


# --- the lister decides ----------------------------------------------------------------------
def accept(reservation: Reservation, user: User, pickup_at: datetime | None = None,
           now: datetime | None = None) -> Reservation:
    """requested -> accepted (or awaiting_payment for online payment); holds the quantity."""
    now = now or utcnow()
    require_side(reservation, user, "seller", _("Bare den som gir bort kan godta."))
    pickup_at = pickup.check_time(reservation.listing, pickup_at, now, buyer=False)
    events_before = list(db.session.info.get("outbox_ids", []))
    try:
        with db.session.begin_nested():
            reservation = lock(reservation)
            if reservation.status != S.REQUESTED:
                raise state_conflict(reservation, _("Reservasjonen kan ikke godtas fordi den "
                                                    "er %(status)s."))
            method = payment_method_for(reservation)
            reservation.payment_method = method
            reservation.status = (S.AWAITING_PAYMENT if method == PaymentMethod.STRIPE
                                  else S.ACCEPTED).value
            reservation.accepted_at = now
            reservation.updated_at = now
            pickup.on_accept(reservation, pickup_at, setting("PICKUP_DEFAULT_DAYS"), now)
            db.session.flush()
            notify(reservation, "buyer", "reservation_accepted")
            emit(reservation, "accepted")
            # Last, so the listing row is locked for as short a time as possible.
            listing = reservation.listing
            if not _take(listing, reservation.quantity, now):
                db.session.refresh(listing)
                if listing.status in (Status.PUBLISHED, Status.RESERVED):
                    message = _("Det er ikke nok igjen av annonsen til å godta reservasjonen.")
                else:
                    message = _("Reservasjonen kan ikke godtas fordi annonsen er %(status)s.",
                                status=listings.STATUS_LABELS[Status(listing.status)])
                raise Conflict(message, state=S.REQUESTED.value, listing_status=listing.status,
                               quantity_available=number(listing.quantity_available))
    except Conflict:
        db.session.info["outbox_ids"] = events_before  # those rows were rolled back
        raise
    return reservation


def _end(reservation: Reservation, status: S, user: User | None, reason: str,
         now: datetime, allowed=OPEN_STATUSES) -> Reservation:
    reservation = lock(reservation)
    if reservation.status not in allowed:
        raise state_conflict(reservation, _("Reservasjonen kan ikke endres fordi den er "
                                            "%(status)s."))
    held = reservation.holds_quantity
    reservation.status = status.value
    reservation.ended_at = now
    reservation.ended_by_id = user.id if user is not None else None
    reservation.end_reason = reason
    reservation.updated_at = now
    db.session.flush()
    if held:
        _give_back(reservation.listing, reservation.quantity, now)
    pickup.on_ended(reservation, now)  # an agreed time: METHOD:CANCEL to both calendars
    emit(reservation, status.value)
    return reservation


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [_("Kan ikke være lengre enn %(n)s tegn.",
                                             n=REASON_MAX)]})
    return reason


def decline(reservation: Reservation, user: User, reason: str = "",
            now: datetime | None = None) -> Reservation:
    """The lister says no (from any open state; what was held comes back)."""
    require_side(reservation, user, "seller", _("Bare den som gir bort kan avslå."))
    reservation = _end(reservation, S.DECLINED, user, _reason(reason), now or utcnow())
    notify(reservation, "buyer", "reservation_declined", reason=reservation.end_reason)
    return reservation


@listings.on_withdraw
def decline_for_withdrawn_listing(listing: Listing, now: datetime | None = None
                                  ) -> list[Reservation]:
    """The listing is being withdrawn: decline every request on it still waiting for an
    answer (``end_reason`` "listing_withdrawn") and tell the buyers, in the withdrawal's
    transaction. Reservations already accepted (quantity held, perhaps paid) stay as they
    are: the lister still owes the hand-over, or cancels them one by one (with a refund)."""
    now = now or utcnow()
    declined = []
    for reservation_id in list(db.session.scalars(
            sa.select(Reservation.id).where(Reservation.listing_id == listing.id,
                                            Reservation.status == S.REQUESTED.value)
            .order_by(Reservation.id))):
        reservation = lock(db.session.get(Reservation, reservation_id))
        if reservation.status != S.REQUESTED:  # accepted or ended since the query
            continue
        _end(reservation, S.DECLINED, None, LISTING_WITHDRAWN, now,
             allowed=frozenset({S.REQUESTED}))
        notify(reservation, "buyer", "reservation_listing_withdrawn")
        declined.append(reservation)
    return declined


def cancel(reservation: Reservation, user: User, reason: str = "",
           now: datetime | None = None) -> Reservation:
    """Either side calls it off (from any open state; what was held comes back)."""
    side = side_of(reservation, user)
    if side is None:
        raise NotFound(_("Reservasjonen finnes ikke."))
    reservation = _end(reservation, S.CANCELLED, user, _reason(reason), now or utcnow())
    notify(reservation, other_side(side), "reservation_cancelled",
           reason=reservation.end_reason, by_org=(reservation.seller_org if side == "seller"
                                                  else reservation.buyer_org).name)
    return reservation


def expire(reservation: Reservation, now: datetime | None = None) -> Reservation:
    """The system ends an open reservation (what was held comes back)."""
    reservation = _end(reservation, S.EXPIRED, None, "", now or utcnow())
    for side in ("buyer", "seller"):
        notify(reservation, side, "reservation_expired")
    return reservation


def expire_due(now: datetime | None = None) -> list[int]:
    """Expire requests older than RESERVATION_REQUEST_DAYS and online payments not made
    within RESERVATION_PAYMENT_DAYS of acceptance. Returns the expired ids."""
    now = now or utcnow()
    request_cutoff = now - timedelta(days=setting("RESERVATION_REQUEST_DAYS"))
    payment_cutoff = now - timedelta(days=setting("RESERVATION_PAYMENT_DAYS"))
    due = sa.or_(
        sa.and_(Reservation.status == S.REQUESTED.value, Reservation.created_at <= request_cutoff),
        sa.and_(Reservation.status == S.AWAITING_PAYMENT.value,
                Reservation.accepted_at <= payment_cutoff))
    expired = []
    for reservation_id in list(db.session.scalars(
            sa.select(Reservation.id).where(due).order_by(Reservation.id))):
        reservation = lock(db.session.get(Reservation, reservation_id))
        still_due = db.session.scalar(sa.select(Reservation.id).where(
            Reservation.id == reservation_id, due))
        if still_due is None:  # changed since the query (accepted, paid, cancelled)
            continue
        expire(reservation, now)
        expired.append(reservation_id)
    return expired
# --- queries -------------------------------------------------------------------------------


def reservations_for(user: User, role: str | None, page: int, per_page: int,
                     status: str | None = None) -> tuple[list[Reservation], int]:
    """The reservations of the user's organisations, as buyer, seller or either."""
    org_ids = [m.organization_id for m in user.memberships]
    if not org_ids:
        return [], 0
    if role == "buyer":
        where = [Reservation.buyer_org_id.in_(org_ids)]
    elif role == "seller":
        where = [Reservation.seller_org_id.in_(org_ids)]
    else:
        where = [sa.or_(Reservation.buyer_org_id.in_(org_ids),
                        Reservation.seller_org_id.in_(org_ids))]
    if status:
        where.append(Reservation.status == status)
    total = db.session.scalar(sa.select(sa.func.count(Reservation.id)).where(*where)) or 0
    items = db.session.scalars(
        sa.select(Reservation).where(*where)
        .order_by(Reservation.updated_at.desc(), Reservation.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def message_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ReservationMessage.reservation_id, sa.func.count())
        .where(ReservationMessage.reservation_id.in_(ids))
        .group_by(ReservationMessage.reservation_id)).all()
    return {reservation_id: count for reservation_id, count in rows}
