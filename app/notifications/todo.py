""""Til behandling": what waits for the signed-in person's organisations.

* requests waiting for our answer (we give; accept or decline);
* hand-overs to confirm (the pickup time has passed, or the other side has confirmed);
* payments due (we receive; accepted, priced, paid online, not yet paid);
* questions unanswered (from ``app.questions.todo.unanswered_for(org_id)`` when that
  package exists: an iterable of items with ``title`` and ``path``);
* new matches (unread match notifications of this person).

Someone in both organisations of a reservation acts as the giver, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.db import db, utcnow
from app.exchange.models import HANDOVER_STATUSES, Reservation
from app.exchange.models import ReservationStatus as S
from app.notifications.models import Notification

MATCH_KINDS = ("match_for_request", "request_for_listing")
LIMIT = 10


@dataclass
class Todo:
    requests: list[Reservation] = field(default_factory=list)
    handovers: list[tuple[Reservation, str]] = field(default_factory=list)
    payments: list[Reservation] = field(default_factory=list)
    questions: list[Any] = field(default_factory=list)
    matches: list[Notification] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.requests or self.handovers or self.payments or self.questions
                    or self.matches)


def _org_ids(user) -> list[int]:
    return sorted(m.organization_id for m in user.memberships)


def _requests(org_ids: list[int]):
    return sa.and_(Reservation.status == S.REQUESTED.value,
                   Reservation.seller_org_id.in_(org_ids))


def _payments(org_ids: list[int]):
    return sa.and_(Reservation.status == S.AWAITING_PAYMENT.value,
                   Reservation.buyer_org_id.in_(org_ids),
                   Reservation.seller_org_id.not_in(org_ids))


def _handovers(org_ids: list[int], side: str, now: datetime):
    """Ours to confirm on ``side`` (the giver side wins for someone in both)."""
    if side == "seller":
        ours = sa.and_(Reservation.seller_org_id.in_(org_ids),
                       Reservation.giver_confirmed_at.is_(None))
        theirs_done = Reservation.receiver_confirmed_at.is_not(None)
    else:
        ours = sa.and_(Reservation.buyer_org_id.in_(org_ids),
                       Reservation.seller_org_id.not_in(org_ids),
                       Reservation.receiver_confirmed_at.is_(None))
        theirs_done = Reservation.giver_confirmed_at.is_not(None)
    return sa.and_(Reservation.status.in_([s.value for s in HANDOVER_STATUSES]), ours,
                   sa.or_(Reservation.pickup_at <= now, theirs_done))


def unanswered_questions(org_ids: list[int]) -> list[Any]:
    """The questions helper's hook (``app.questions.todo.unanswered_for``), if present."""
    try:
        from app.questions.todo import unanswered_for
    except ImportError:
        return []
    items: list[Any] = []
    for org_id in org_ids:
        items.extend(unanswered_for(org_id))
    return items


def todo_for(user, now: datetime | None = None) -> Todo:
    """Everything waiting for ``user``'s organisations, oldest first (at most ``LIMIT``
    of each)."""
    now = now or utcnow()
    org_ids = _org_ids(user)
    todo = Todo()
    if org_ids:
        def rows(where, order=Reservation.created_at):
            return list(db.session.scalars(sa.select(Reservation).where(where)
                                           .order_by(order, Reservation.id).limit(LIMIT)))

        todo.requests = rows(_requests(org_ids))
        todo.payments = rows(_payments(org_ids), Reservation.accepted_at)
        for side in ("seller", "buyer"):
            todo.handovers += [(r, side) for r in rows(_handovers(org_ids, side, now),
                                                        Reservation.pickup_at)]
        todo.questions = unanswered_questions(org_ids)
    todo.matches = list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id,
                                      Notification.kind.in_(MATCH_KINDS),
                                      Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(LIMIT)))
    return todo


def waiting_counts(user, now: datetime | None = None) -> dict[str, int]:
    """How many reservations wait for us as giver ("seller": requests to answer,
    hand-overs to confirm) and as receiver ("buyer": payments due, hand-overs)."""
    now = now or utcnow()
    org_ids = _org_ids(user)
    if not org_ids:
        return {"seller": 0, "buyer": 0}

    def count(where) -> int:
        return db.session.scalar(sa.select(sa.func.count(Reservation.id)).where(where)) or 0

    return {"seller": count(sa.or_(_requests(org_ids), _handovers(org_ids, "seller", now))),
            "buyer": count(sa.or_(_payments(org_ids), _handovers(org_ids, "buyer", now)))}
