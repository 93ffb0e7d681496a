"""Reservations, messages, ledger records and factors as JSON-ready dicts."""

from __future__ import annotations

from decimal import Decimal

from app.exchange.handover import estimate_kg
from app.exchange.models import EmissionFactor, Reservation, ReservationMessage, ReuseRecord
from app.exchange.services import payment_status
from app.listings.serialize import iso, number


def nok(ore: int | None):
    """øre as a JSON number of kroner: an int when whole, else two decimals."""
    if ore is None:
        return None
    return ore // 100 if ore % 100 == 0 else ore / 100


def _org(org) -> dict:
    return {"id": org.id, "name": org.name}


def reservation_json(reservation: Reservation, messages_count: int = 0,
                     side: str | None = None) -> dict:
    return {
        "id": reservation.id,
        "status": reservation.status,
        "listing_id": reservation.listing_id,
        "listing_title": reservation.listing.title,
        "quantity": number(reservation.quantity),
        "unit": reservation.unit,
        "buyer_org_id": reservation.buyer_org_id,
        "seller_org_id": reservation.seller_org_id,
        "buyer_org": _org(reservation.buyer_org),
        "seller_org": _org(reservation.seller_org),
        "match_id": reservation.match_id,
        "price_nok": nok(reservation.unit_price_ore),
        "total_nok": nok(reservation.amount_ore),
        "payment": {
            "method": reservation.payment_method,
            "provider_id": reservation.payment_provider_id,
            "amount_nok": nok(reservation.amount_ore),
            "status": payment_status(reservation),
            "paid_at": iso(reservation.paid_at),
        },
        "pickup_at": iso(reservation.pickup_at),
        "pickup_end_at": iso(reservation.pickup_end_at),
        "pickup_agreed_at": iso(reservation.pickup_agreed_at),
        "pickup_calendar_url": f"/reservations/{reservation.id}/pickup.ics"
        if reservation.pickup_at and reservation.is_open else None,
        "created_at": iso(reservation.created_at),
        "updated_at": iso(reservation.updated_at),
        "accepted_at": iso(reservation.accepted_at),
        "completed_at": iso(reservation.completed_at),
        "ended_at": iso(reservation.ended_at),
        "end_reason": reservation.end_reason,
        "giver_confirmed_at": iso(reservation.giver_confirmed_at),
        "receiver_confirmed_at": iso(reservation.receiver_confirmed_at),
        "completion_basis": reservation.completion_basis,
        "weight_kg": number(reservation.weight_kg),
        "weight_method": reservation.weight_method,
        "estimated_weight_kg": number(estimate_kg(reservation)),
        "reminders_sent": reservation.reminders_sent,
        "messages_count": messages_count,
        "my_side": side,
        "url": f"/reservations/{reservation.id}",
    }


def message_json(message: ReservationMessage) -> dict:
    return {
        "id": message.id,
        "reservation_id": message.reservation_id,
        "author": {"id": message.author_id,
                   "name": message.author.name if message.author else None},
        "organization": _org(message.author_org),
        "body": message.body,
        "created_at": iso(message.created_at),
    }


def record_json(record: ReuseRecord) -> dict:
    return {
        "id": record.id,
        "kind": record.kind,
        "completed_at": iso(record.completed_at),
        "recorded_at": iso(record.recorded_at),
        "reservation_id": record.reservation_id,
        "listing_id": record.listing_id,
        "giver": {"org_id": record.giver_org_id, "orgnr": record.giver_orgnr,
                  "kind": record.giver_kind},
        "receiver": {"org_id": record.receiver_org_id, "orgnr": record.receiver_orgnr,
                     "kind": record.receiver_kind},
        "municipality_number": record.municipality_number,
        "district": record.district,
        "category": record.category_slug,
        "eu_category": record.eu_category,
        "quantity": number(record.quantity),
        "unit": record.unit,
        "kg": number(record.kg),
        "weight_method": record.weight_method,
        "channel": record.channel,
        "waste_origin": record.waste_origin,
        "price_nok": nok(record.price_ore),
        "is_gift": record.price_ore == 0,
        "payment_method": record.payment_method,
        "co2e_kg": number(record.co2e_kg),
        "factor": {"id": record.factor_id, "version": record.factor_version,
                   "kg_co2e_per_kg": number(record.factor_value),
                   "is_default": record.factor_is_default},
        "reverses_id": record.reverses_id,
        "replaces_id": record.replaces_id,
        "reason": record.reason,
    }


def factor_json(factor: EmissionFactor) -> dict:
    return {
        "id": factor.id, "scope": factor.scope, "key": factor.key, "route": factor.route,
        "version": factor.version, "value": number(factor.value), "kind": factor.kind,
        "substitution_rate": number(factor.substitution_rate),
        "kg_co2e_per_kg": number(factor.kg_co2e_per_kg.quantize(Decimal("0.0001"))),
        "source": factor.source, "source_url": factor.source_url,
        "valid_from": factor.valid_from.isoformat(), "taken_on": factor.taken_on.isoformat(),
        "notes": factor.notes, "is_default": factor.is_default,
    }
