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

import functools
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


def _reservation_parts(org_ids: list[int], now: datetime) -> list[list[Reservation]]:
    """Requests, payments, seller hand-overs, buyer hand-overs: each at most ``LIMIT``,
    in its own order, in one statement built once (was one query each, built anew)."""
    found: list[list[Reservation]] = [[] for _ in range(4)]
    rows = db.session.execute(_parts_statement(), {"org_ids": org_ids, "now": now})
    for reservation, part in rows:
        found[part].append(reservation)
    return found


@functools.cache
def _parts_statement():
    org_ids = sa.bindparam("org_ids", expanding=True)
    now = sa.bindparam("now")
    parts = ((_requests(org_ids), Reservation.created_at),
             (_payments(org_ids), Reservation.accepted_at),
             (_handovers(org_ids, "seller", now), Reservation.pickup_at),
             (_handovers(org_ids, "buyer", now), Reservation.pickup_at))
    ranked = []
    for index, (where, order) in enumerate(parts):
        inner = sa.select(
            Reservation.id.label("rid"), sa.literal(index).label("part"),
            sa.func.row_number().over(order_by=(order, Reservation.id)).label("pos"),
        ).where(where).subquery()
        ranked.append(sa.select(inner.c.rid, inner.c.part, inner.c.pos)
                      .where(inner.c.pos <= LIMIT))
    union = sa.union_all(*ranked).subquery()
    return (sa.select(Reservation, union.c.part).join(union, union.c.rid == Reservation.id)
            .order_by(union.c.part, union.c.pos))


def todo_for(user, now: datetime | None = None) -> Todo:
    """Everything waiting for ``user``'s organisations, oldest first (at most ``LIMIT``
    of each)."""
    now = now or utcnow()
    org_ids = _org_ids(user)
    todo = Todo()
    if org_ids:
        parts = _reservation_parts(org_ids, now)
        todo.requests, todo.payments = parts[0], parts[1]
        for index, side in ((2, "seller"), (3, "buyer")):
            todo.handovers += [(r, side) for r in parts[index]]
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
