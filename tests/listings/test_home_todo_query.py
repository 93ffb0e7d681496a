"""'Til behandling' on the home page reads its four reservation lists in one statement
(app/notifications/todo.py, session 6): the same rows, each list in its own order and cut
at LIMIT, as one query per list gave."""

from __future__ import annotations

import sqlalchemy as sa

from app.db import commit, db, utcnow
from app.exchange import services
from app.exchange.models import Reservation
from app.notifications import todo
from tests.exchange import conftest as exchange
from tests.listings.test_page_speed import Statements

# The exchange's parties and builders, as the notifications tests use them.
_exchange_payment_default = exchange._exchange_payment_default
accepted, buyer, seller, stranger = (exchange.accepted, exchange.buyer, exchange.seller,
                                     exchange.stranger)
categories, make_listing, reserve = (exchange.categories, exchange.make_listing,
                                     exchange.reserve)


def _one_query_per_list(org_ids, now):
    def ids(where, order):
        return list(db.session.scalars(sa.select(Reservation.id).where(where)
                                       .order_by(order, Reservation.id).limit(todo.LIMIT)))

    return [ids(todo._requests(org_ids), Reservation.created_at),
            ids(todo._payments(org_ids), Reservation.accepted_at),
            ids(todo._handovers(org_ids, "seller", now), Reservation.pickup_at),
            ids(todo._handovers(org_ids, "buyer", now), Reservation.pickup_at)]


def test_the_lists_are_cut_and_ordered_as_before(request):
    make_listing, reserve, seller, buyer, stranger = (  # the fixtures' values
        request.getfixturevalue(name)
        for name in ("make_listing", "reserve", "seller", "buyer", "stranger"))
    waiting = [reserve(make_listing(title=f"Stol {n}"), 1) for n in range(todo.LIMIT + 4)]
    for reservation in waiting[:3]:  # some accepted: hand-overs once the pickup is past
        services.accept(reservation, seller.user)
    commit()
    reserve(make_listing(title="Bord"), 1, party=stranger)
    later = utcnow().replace(year=utcnow().year + 1)
    for user in (seller.user, buyer.user, stranger.user):
        org_ids = todo._org_ids(user)
        for now in (utcnow(), later):
            with Statements() as statements:
                found = todo._reservation_parts(org_ids, now)
            assert len(statements.selects) == 1
            assert [[r.id for r in part] for part in found] == _one_query_per_list(org_ids,
                                                                                     now)
    requests = todo.todo_for(seller.user).requests
    assert len(requests) == todo.LIMIT  # LIMIT + 2 wait for the seller's answer: cut
    assert todo.todo_for(seller.user, later).handovers
