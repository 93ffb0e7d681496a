"""Hand-over reminders (``flask --app wsgi exchange remind``, nightly from cron).

For each reservation that may be handed over (``accepted`` or ``paid``) whose
``pickup_at`` has passed, once per Europe/Oslo day at most:

1. if the giver has confirmed and ``HANDOVER_REMINDERS_BEFORE_AUTO`` reminders have
   been sent, it completes on the giver's confirmation alone (no reminder);
2. otherwise, while fewer than ``HANDOVER_REMINDERS_MAX`` reminders have been sent, each
   side that has not confirmed gets an e-mail, ``reminders_sent`` goes up by one and
   ``last_reminded_on`` becomes today.

A second run on the same day finds nothing to do (idempotent); rows are locked, so two
runs at once cannot both remind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.accounts.models import Membership, Organization, User
from app.db import db, utcnow
from app.exchange.handover import complete_if_ready, completion_basis
from app.exchange.models import HANDOVER_STATUSES, Reservation
from app.exchange.notify import notify
from app.exchange.services import emit, lock, setting
from app.listings.models import Listing
from app.pickup.agreement import send_day_before

OSLO = ZoneInfo("Europe/Oslo")


def _preload(ids: list[int]) -> list:
    held: list = []
    for start in range(0, len(ids), 500):
        held.extend(db.session.scalars(
            sa.select(Reservation).where(Reservation.id.in_(ids[start:start + 500]))
            .options(joinedload(Reservation.listing).joinedload(Listing.created_by)
                     .selectinload(User.memberships),
                     joinedload(Reservation.requested_by).selectinload(User.memberships),
                     joinedload(Reservation.buyer_org).selectinload(Organization.memberships)
                     .joinedload(Membership.user),
                     joinedload(Reservation.seller_org).selectinload(Organization.memberships)
                     .joinedload(Membership.user))).unique().all())
    return held


@dataclass
class ReminderRun:
    reminded: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    #: Agreed pickups reminded the day before (app.pickup.agreement.send_day_before).
    pickups: list[int] = field(default_factory=list)


def _due(today, now):
    not_today = sa.or_(Reservation.last_reminded_on.is_(None),
                       Reservation.last_reminded_on < today)
    return sa.and_(
        Reservation.status.in_([s.value for s in HANDOVER_STATUSES]),
        Reservation.pickup_at <= now,
        not_today,
        sa.or_(Reservation.reminders_sent < setting("HANDOVER_REMINDERS_MAX"),
               Reservation.giver_confirmed_at.is_not(None)),
    )


def send_reminders(now: datetime | None = None) -> ReminderRun:
    """Remind or complete every due reservation (see the module doc). Flushes."""
    now = now or utcnow()
    today = now.astimezone(OSLO).date()
    before_auto = setting("HANDOVER_REMINDERS_BEFORE_AUTO")
    most = max(setting("HANDOVER_REMINDERS_MAX"), before_auto)
    run = ReminderRun()
    ids = list(db.session.scalars(sa.select(Reservation.id).where(_due(today, now))
                                  .order_by(Reservation.id)))
    # What the e-mails need, loaded in a few queries and held here: the identity map
    # only keeps objects something refers to, else every row would load them again.
    _held = _preload(ids)  # noqa: F841
    for reservation_id in ids:
        reservation = lock(db.session.get(Reservation, reservation_id))
        if db.session.scalar(sa.select(Reservation.id).where(
                Reservation.id == reservation_id, _due(today, now))) is None:
            continue  # changed since the query, or reminded by a parallel run
        if completion_basis(reservation) is not None:
            if complete_if_ready(reservation, now) is not None:
                run.completed.append(reservation_id)
            continue
        if reservation.reminders_sent >= most:
            continue
        reservation.reminders_sent += 1
        reservation.last_reminded_on = today
        giver_alone = reservation.reminders_sent >= before_auto
        if reservation.giver_confirmed_at is None:
            notify(reservation, "seller", "handover_reminder", role="giver",
                   number=reservation.reminders_sent, giver_alone=giver_alone)
        if reservation.receiver_confirmed_at is None:
            notify(reservation, "buyer", "handover_reminder", role="receiver",
                   number=reservation.reminders_sent, giver_alone=giver_alone)
        emit(reservation, "reminded")
        run.reminded.append(reservation_id)
    run.pickups = send_day_before(now)
    return run
