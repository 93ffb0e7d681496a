"""Eighteen months of demo history for ``flask seed demo``.

A first ``make run`` should show what the marketplace is for: a dashboard, an EU table,
public statistics and open data with realistic figures, and people with things to do.
So the demo gets

* about 130 completed hand-overs spread over the last 18 months, growing as a new
  service would, among all demo organisations, weighed or estimated, free or paid at
  pickup, each with its one ledger record (written by the ledger's own function, with
  the emission factor valid on that day);
* wanted requests (open ones that the matching service pairs with today's listings,
  and fulfilled ones from the past);
* reservations in every state on today's listings: waiting for an answer, accepted,
  declined, cancelled by the buyer and expired, made through the reservation services,
  so the people involved are told as they would be.

History is written directly as finished rows (its listings are closed, nobody is
e-mailed about last year's hand-overs); what is still open goes through the services.
Everything is deterministic (one seeded random generator) and idempotent: the history
is loaded once (recognised by a ledger record older than 30 days from a demo listing),
the current reservations and requests are added only when missing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from app.accounts.models import Organization, User
from app.db import db, utcnow
from app.listings import services as listing_services
from app.listings.demo import AK, HB, LISTINGS, MS, NK, OM
from app.listings.models import Listing, Status

MONTHS = 18
HANDOVERS = 130
SEED = 2026_12_04
OSLO_NOON = 11  # UTC hour used for history times (around noon in Oslo)

#: Who takes what: receivers by the giver's organisation, with weights. Reuse shops take
#: most; the municipality takes furniture for schools; businesses trade materials.
RECEIVERS = {
    NK: ((MS, 5), (OM, 3), (AK, 2), (HB, 1)),
    HB: ((OM, 5), (MS, 1), (AK, 2), (NK, 1)),
    MS: ((NK, 3), (AK, 2), (OM, 1), (HB, 1)),
    OM: ((MS, 2), (AK, 2), (HB, 2), (NK, 1)),
    AK: ((MS, 4), (OM, 4), (HB, 1), (NK, 1)),
}

#: Open wanted requests: organisation, API data (see ``app/wanted/rules.py``).
WANTED = (
    (MS, {"title": "Kontorstoler i god stand", "categories": ["office-chair"],
          "quantity": 20, "min_quantity": 10, "max_price_nok": 100, "min_condition": "good",
          "postcode": "1384", "radius_km": 30,
          "description": "Til videresalg i butikken på Asker sentrum."}),
    (MS, {"title": "Sofaer", "categories": ["sofa"], "quantity": 6, "min_quantity": 1,
          "max_price_nok": 1500, "min_condition": "good", "postcode": "1384",
          "radius_km": 25, "description": "Helst rensede, uten dyrehår."}),
    (OM, {"title": "Hvitevarer som virker", "categories": ["refrigerator", "washing-machine"],
          "quantity": 10, "min_quantity": 1, "max_price_nok": 500, "postcode": "3470",
          "radius_km": 40, "description": "Vi tester og selger videre med garanti."}),
    (OM, {"title": "Innerdører 80 x 210", "categories": ["door"], "quantity": 15,
          "min_quantity": 2, "max_price_nok": 250, "min_condition": "fair",
          "postcode": "3470", "radius_km": 40, "description": "Med karm om mulig."}),
    (AK, {"title": "Hev-senk-pulter til ungdomsskole", "categories": ["height-adjustable-desk"],
          "quantity": 30, "min_quantity": 10, "max_price_nok": 500, "min_condition": "good",
          "postcode": "1388", "radius_km": 30,
          "description": "Til nye arbeidsplasser for lærere ved Borgen."}),
    (AK, {"title": "Stoler til fritidsklubb", "categories": ["chair", "office-chair"],
          "quantity": 25, "min_quantity": 5, "max_price_nok": 0, "postcode": "1390",
          "radius_km": 25, "description": "Gjerne stablebare."}),
    (HB, {"title": "Teglstein til fasade", "categories": ["bricks"], "quantity": 1500,
          "min_quantity": 400, "max_price_nok": 4, "min_condition": "fair",
          "postcode": "1389", "radius_km": 50, "description": "Rød tegl, rengjort."}),
    (NK, {"title": "Akustikkskjermer", "categories": ["room-divider"], "quantity": 12,
          "min_quantity": 4, "max_price_nok": 0, "postcode": "1394", "radius_km": 20,
          "description": "Til nytt kontorlandskap, helst grå."}),
)

#: Fulfilled requests from the past (closed as fulfilled).
FULFILLED = (
    (MS, {"title": "Spisestoler til kafé", "categories": ["chair"], "quantity": 12,
          "min_quantity": 6, "max_price_nok": 150, "postcode": "1384", "radius_km": 25}),
    (AK, {"title": "Skrivebord til voksenopplæringen", "categories": ["desk"], "quantity": 8,
          "min_quantity": 4, "max_price_nok": 0, "postcode": "1383", "radius_km": 25}),
)

#: Reservations on today's listings: buyer, listing title, quantity, what happens.
CURRENT = (
    (MS, "Kontorstoler, svarte (Håg H05)", 6, "requested"),
    (AK, "Hev-senk-skrivebord 160 x 80", 8, "requested"),
    (OM, "Innerdører, hvite, 80 cm", 4, "accepted"),
    (NK, "Sofa, 3-seter, grå", 1, "accepted"),
    (OM, "Teglstein, rød, rengjort", 400, "declined"),
    (HB, "Gardiner, lin, hvite", 4, "cancelled"),
    (MS, "Bokhyller, hvite", 4, "expired"),
)


def load_demo_history(orgs: dict[str, Organization]) -> dict[str, int]:
    """Add what is missing; flushes. Returns counts of what was added."""
    now = utcnow()
    added = {"handovers": 0, "requests": 0, "reservations": 0}
    if not _history_present(orgs, now):
        added["handovers"] = _history(orgs, now)
    added["requests"] = _wanted(orgs, now)
    added["reservations"] = _current(orgs, now)
    db.session.flush()
    return added


def _owner(org: Organization) -> User:
    return sorted(org.memberships, key=lambda m: m.id)[0].user


def _history_present(orgs: dict[str, Organization], now: datetime) -> bool:
    from app.exchange.models import ReuseRecord

    return db.session.scalar(sa.select(sa.func.count(ReuseRecord.id)).where(
        ReuseRecord.giver_org_id.in_([o.id for o in orgs.values()]),
        ReuseRecord.completed_at < now - timedelta(days=30))) > 0


def _pick(rng: random.Random, pairs) -> str:
    names, weights = zip(*pairs, strict=True)
    return rng.choices(names, weights=weights)[0]


def _days(rng: random.Random, now: datetime) -> list[datetime]:
    """Completion times over the last 18 months, more of them recently (adoption)."""
    span = MONTHS * 30
    times = []
    for _ in range(HANDOVERS):
        # Square root of a uniform number: density grows linearly towards today.
        ago = int(span * (1 - rng.random() ** 0.5)) + 3
        moment = (now - timedelta(days=ago)).replace(hour=OSLO_NOON, minute=0, second=0,
                                                     microsecond=0)
        while moment.weekday() >= 5:  # hand-overs happen on weekdays
            moment -= timedelta(days=1)
        times.append(moment + timedelta(minutes=rng.randrange(-150, 240, 15)))
    return sorted(times)


def _history(orgs: dict[str, Organization], now: datetime) -> int:
    from app.exchange.ledger import record_handover
    from app.exchange.models import Reservation, ReservationStatus, WeightMethod
    from app.exchange.services import amount_for

    rng = random.Random(SEED)
    templates = [row for row in LISTINGS if row[0] in orgs]
    count = 0
    for completed in _days(rng, now):
        row = rng.choice(templates)
        (org_name, title, category, condition, quantity, unit, weight, price, postcode,
         description, material, dimensions, _days_open, _picture, *rest) = row
        giver, receiver = orgs[org_name], orgs[_pick(rng, RECEIVERS[org_name])]
        published = completed - timedelta(days=rng.randint(5, 40), hours=2)
        share = Decimal(max(1, round(quantity * rng.uniform(0.15, 1.0))))
        listing = listing_services.create_listing(_owner(giver), giver, {
            "title": title, "description": description, "category": category,
            "condition": condition, "quantity": share, "unit": unit,
            "unit_weight_kg": weight, "price_nok": Decimal(str(price)), "postcode": postcode,
            "address": giver.address if giver.postcode == postcode else "",
            "material": material, "dimensions": dimensions,
            "available_until": published + timedelta(days=60),
            "waste_origin": bool(rest and rest[0]),
            "pickup_instructions": "Hverdager 08-15.",
        }, publish=True, now=published)
        listing.created_at = listing.updated_at = published - timedelta(hours=1)
        accepted = published + timedelta(days=rng.randint(1, 4))
        per_unit = (listing.unit_weight_kg or listing.category.typical_unit_weight_kg
                    or Decimal(1))
        estimate = (share * per_unit).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)
        weighed = rng.random() < 0.55
        kg = (estimate * Decimal(str(round(rng.uniform(0.85, 1.15), 3)))).quantize(
            Decimal("0.5"), rounding=ROUND_HALF_UP) if weighed else estimate
        amount = amount_for(listing.price_ore, share)
        reservation = Reservation(
            listing=listing, buyer_org=receiver, seller_org_id=giver.id,
            requested_by=_owner(receiver), status=ReservationStatus.COMPLETED.value,
            quantity=share, unit=unit, unit_price_ore=listing.price_ore, amount_ore=amount,
            payment_method="at_pickup" if amount else None,
            paid_at=completed if amount else None, pickup_at=completed,
            accepted_at=accepted, completed_at=completed,
            giver_confirmed_at=completed, giver_confirmed_by_id=_owner(giver).id,
            receiver_confirmed_at=completed + timedelta(hours=rng.randint(1, 30)),
            receiver_confirmed_by_id=_owner(receiver).id,
            weight_kg=max(kg, Decimal("0.5")),
            weight_method=(WeightMethod.WEIGHED if weighed else WeightMethod.ESTIMATED).value,
            completion_basis="both", created_at=accepted - timedelta(hours=20),
            updated_at=completed)
        db.session.add(reservation)
        listing.quantity_available = Decimal(0)
        listing.status = Status.CLOSED.value
        listing.updated_at = completed
        db.session.flush()
        record_handover(reservation, now=completed)
        count += 1
    return count


def _wanted(orgs: dict[str, Organization], now: datetime) -> int:
    from app.wanted import services as wanted
    from app.wanted.models import WantedRequest

    existing = set(db.session.execute(
        sa.select(WantedRequest.organization_id, WantedRequest.title)))
    added = 0
    today = now.date()
    for index, (org_name, data) in enumerate(WANTED + FULFILLED):
        org = orgs.get(org_name)
        if org is None or (org.id, data["title"]) in existing:
            continue
        fulfilled = index >= len(WANTED)
        made = today - timedelta(days=200 if fulfilled else 3 + 4 * index)
        request = wanted.create_request(_owner(org), org, {
            **data, "needed_by": (made + timedelta(days=120)).isoformat()}, today=made)
        db.session.flush()
        request.created_at = request.updated_at = _at(made)
        if fulfilled:
            wanted.close_request(request, fulfilled=True, now=_at(made + timedelta(days=40)))
        added += 1
    return added


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=utcnow().tzinfo)


def _current(orgs: dict[str, Organization], now: datetime) -> int:
    """Reservations on today's published demo listings, through the services."""
    from app.exchange import services as exchange
    from app.exchange.models import Reservation

    added = 0
    for buyer_name, title, quantity, outcome in CURRENT:
        buyer = orgs.get(buyer_name)
        listing = db.session.scalar(sa.select(Listing).where(
            Listing.title == title, Listing.status == Status.PUBLISHED.value,
            Listing.organization_id != (buyer.id if buyer else 0)))
        if buyer is None or listing is None:
            continue
        if db.session.scalar(sa.select(sa.func.count(Reservation.id)).where(
                Reservation.listing_id == listing.id,
                Reservation.buyer_org_id == buyer.id)):
            continue
        seller = _owner(listing.organization)
        asked = now - timedelta(days=10 if outcome == "expired" else 1, hours=3)
        reservation = exchange.request_reservation(
            _owner(buyer), listing.id, quantity, organization_id=buyer.id, now=asked,
            message="Hei! Kan vi hente i neste uke?" if outcome != "expired" else "")
        if outcome == "accepted":
            exchange.accept(reservation, seller, pickup_at=_pickup(now), now=now)
        elif outcome == "declined":
            exchange.decline(reservation, seller, "Dessverre allerede lovet bort.", now=now)
        elif outcome == "cancelled":
            exchange.cancel(reservation, _owner(buyer), "Vi fant noe nærmere.", now=now)
        elif outcome == "expired":
            exchange.expire(reservation, now=now)
        added += 1
    return added


def _pickup(now: datetime) -> datetime:
    """A weekday three or more days ahead, 10:00 in Oslo (09:00 UTC in winter)."""
    day = now + timedelta(days=3)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(hour=9, minute=0, second=0, microsecond=0)
