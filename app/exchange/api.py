"""``/api/v1/reservations``, ``/api/v1/ledger`` and ``/api/v1/emission-factors``.

Only the two sides of a reservation see it or act on it (anyone else: 404); the wrong
side for an action gets 403; a wrong state gets 409 with ``state`` in the problem body.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.api import bp
from app.api.helpers import created, envelope, json_body, login_required, page_args
from app.api.openapi import (
    _OPERATIONS,
    component,
    list_of,
    operation,
    page_params,
    path_id,
    query,
    ref,
)
from app.errors import ValidationFailed
from app.exchange import factors, handover, ledger, services
from app.exchange.models import ReservationStatus
from app.exchange.serialize import factor_json, message_json, record_json, reservation_json
from app.validation import Field, Schema

STATUSES = tuple(s.value for s in ReservationStatus)


class ReservationCreate(Schema):
    fields = {
        "listing_id": Field("id", required=True),
        "quantity": Field("number", required=True, min=0, exclusive_min=True,
                          description="In the listing's unit; whole for pieces."),
        "match_id": Field("id", nullable=True, description="The match it came from."),
        "message": Field("text", max_length=services.MESSAGE_MAX,
                         description="First message in the thread."),
        "organization_id": Field("id", description="Buyer organisation; default: your "
                                 "first that does not own the listing."),
        "pickup_at": Field("datetime", nullable=True, description="Proposed pickup; inside "
                           "the listing's pickup_windows when it has any. Agreed when the "
                           "seller accepts without another time."),
    }


class Accept(Schema):
    fields = {"pickup_at": Field("datetime", nullable=True, description="Agreed pickup; "
                                 "default: accepted_at + 3 days.")}


class Reason(Schema):
    fields = {"reason": Field("text", max_length=services.REASON_MAX)}


class Handover(Schema):
    fields = {
        "weight_kg": Field("number", nullable=True, min=0, exclusive_min=True,
                           description="Weighed kg (giver only); omit to accept the "
                           "estimate quantity x unit_weight_kg. The total must lie within "
                           "quantity x the category's plausible unit weight range."),
        "weight_method": Field("string", choices=("weighed", "estimated"), nullable=True,
                               description="The giver's explicit choice (optional); "
                               "\"estimated\" with a weight_kg, or \"weighed\" without "
                               "one, is refused (422)."),
    }


class Pickup(Schema):
    fields = {"pickup_at": Field("datetime", required=True)}


class MessageCreate(Schema):
    fields = {"body": Field("text", required=True, max_length=services.MESSAGE_MAX)}


class Reverse(Schema):
    fields = {
        "reason": Field("text", required=True, max_length=ledger.REASON_MAX),
        "corrected_kg": Field("number", nullable=True, min=0, exclusive_min=True,
                              description="Write a corrected record with this weight; it "
                              "must lie within quantity x the category's plausible unit "
                              "weight range."),
    }


_TIME = {"type": ["string", "null"], "format": "date-time"}
_NUM = {"type": ["number", "null"]}
_ORG = {"type": "object", "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
_PARTY = {"type": "object", "properties": {"org_id": {"type": "integer"},
                                           "orgnr": {"type": ["string", "null"]},
                                           "kind": {"type": "string"}}}
component("ReuseRecord", {
    "type": "object",
    "required": ["id", "kind", "completed_at", "kg", "weight_method", "co2e_kg", "eu_category",
                 "reservation_id", "listing_id", "factor"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["handover", "reversal", "correction"]},
        "completed_at": {"type": "string", "format": "date-time"},
        "recorded_at": {"type": "string", "format": "date-time"},
        "reservation_id": {"type": "integer"}, "listing_id": {"type": "integer"},
        "giver": _PARTY, "receiver": _PARTY,
        "municipality_number": {"type": "string"}, "district": {"type": "string"},
        "category": {"type": "string"},
        "eu_category": {"type": "string",
                        "enum": ["textiles", "eee", "furniture", "construction", "other"]},
        "quantity": {"type": "number"}, "unit": {"type": "string"},
        "kg": {"type": "number"},
        "weight_method": {"type": "string", "enum": ["weighed", "estimated"]},
        "channel": {"type": "string"}, "waste_origin": {"type": "boolean"},
        "price_nok": {"type": "number"}, "is_gift": {"type": "boolean"},
        "payment_method": {"type": ["string", "null"]},
        "co2e_kg": {"type": "number"},
        "factor": {"type": "object", "properties": {
            "id": {"type": "integer"}, "version": {"type": "integer"},
            "kg_co2e_per_kg": {"type": "number"}, "is_default": {"type": "boolean"}}},
        "reverses_id": {"type": ["integer", "null"]},
        "replaces_id": {"type": ["integer", "null"]},
        "reason": {"type": "string"},
        "correction": {"anyOf": [ref("ReuseRecord"), {"type": "null"}],
                       "description": "Only in the answer to reverse."},
    },
})
component("Reservation", {
    "type": "object",
    "required": ["id", "status", "listing_id", "quantity", "buyer_org_id", "seller_org_id",
                 "price_nok", "total_nok", "payment", "pickup_at", "created_at",
                 "accepted_at", "completed_at", "giver_confirmed_at", "receiver_confirmed_at",
                 "messages_count"],
    "properties": {
        "id": {"type": "integer"}, "status": {"type": "string", "enum": list(STATUSES)},
        "listing_id": {"type": "integer"}, "listing_title": {"type": "string"},
        "quantity": {"type": "number"}, "unit": {"type": "string"},
        "buyer_org_id": {"type": "integer"}, "seller_org_id": {"type": "integer"},
        "buyer_org": _ORG, "seller_org": _ORG,
        "match_id": {"type": ["integer", "null"]},
        "price_nok": {"type": "number", "description": "Per unit."},
        "total_nok": {"type": "number"},
        "payment": {"type": "object", "required": ["method", "provider_id", "amount_nok",
                                                   "status"], "properties": {
            "method": {"type": ["string", "null"], "enum": ["stripe", "at_pickup", None]},
            "provider_id": {"type": ["string", "null"]}, "amount_nok": {"type": "number"},
            "status": {"type": "string", "enum": [
                "not_required", "pending", "due_at_pickup", "paid_at_pickup", "paid",
                "refund_due", "refunded", "void"]},
            "paid_at": _TIME}},
        "pickup_at": _TIME, "created_at": {"type": "string", "format": "date-time"},
        "pickup_end_at": _TIME,
        "pickup_agreed_at": {**_TIME, "description": "When the current pickup time was "
                             "agreed (both sides got a calendar invitation); null: only "
                             "a proposal or the default."},
        "pickup_calendar_url": {"type": ["string", "null"],
                                "description": "The pickup as an .ics file (tentative "
                                "until agreed); null without a time or once ended."},
        "updated_at": {"type": "string", "format": "date-time"},
        "accepted_at": _TIME, "completed_at": _TIME, "ended_at": _TIME,
        "end_reason": {"type": "string", "description": (
            "Why it was declined or cancelled, in the decider's words; "
            "\"listing_withdrawn\" when the lister withdrew the listing.")},
        "giver_confirmed_at": _TIME, "receiver_confirmed_at": _TIME,
        "completion_basis": {"type": ["string", "null"], "enum": ["both", "giver_alone", None]},
        "weight_kg": _NUM, "weight_method": {"type": ["string", "null"]},
        "estimated_weight_kg": _NUM, "reminders_sent": {"type": "integer"},
        "messages_count": {"type": "integer"},
        "my_side": {"type": ["string", "null"], "enum": ["buyer", "seller", None]},
        "url": {"type": "string"},
        "reuse_record": {"anyOf": [ref("ReuseRecord"), {"type": "null"}],
                         "description": "The ledger record once completed (single reads "
                         "and actions only)."},
    },
})
component("ReservationMessage", {
    "type": "object", "required": ["id", "reservation_id", "author", "body", "created_at"],
    "properties": {
        "id": {"type": "integer"}, "reservation_id": {"type": "integer"},
        "author": {"type": "object", "properties": {"id": {"type": ["integer", "null"]},
                                                    "name": {"type": ["string", "null"]}}},
        "organization": _ORG, "body": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
    },
})
component("EmissionFactor", {
    "type": "object",
    "required": ["id", "scope", "key", "version", "value", "kind", "substitution_rate",
                 "source", "valid_from", "taken_on", "is_default"],
    "properties": {
        "id": {"type": "integer"},
        "scope": {"type": "string", "enum": ["category", "eu_category", "default"]},
        "key": {"type": "string"},
        "route": {"type": "string", "enum": ["reuse", "preparing_for_reuse"]},
        "version": {"type": "integer"}, "value": {"type": "number"},
        "kind": {"type": "string", "enum": ["gross", "net"]},
        "substitution_rate": {"type": "number"}, "kg_co2e_per_kg": {"type": "number"},
        "source": {"type": "string"}, "source_url": {"type": "string"},
        "valid_from": {"type": "string", "format": "date"},
        "taken_on": {"type": "string", "format": "date"},
        "notes": {"type": "string"}, "is_default": {"type": "boolean"},
    },
})


def _optional_body() -> dict:
    """Actions may be posted with no body at all."""
    if not request.get_data(cache=True):
        return {}
    return json_body()


def _one(reservation, record=None) -> dict:
    side = services.side_of(reservation, current_user)
    count = services.message_counts([reservation.id]).get(reservation.id, 0)
    body = reservation_json(reservation, count, side)
    record = record or ledger.record_for_reservation(reservation.id)
    body["reuse_record"] = record_json(record) if record is not None else None
    return body


@bp.post("/reservations")
@login_required
def create_reservation():
    data = ReservationCreate.load(json_body())
    reservation = services.request_reservation(
        current_user, data["listing_id"], data["quantity"], message=data.get("message", ""),
        match_id=data.get("match_id"), organization_id=data.get("organization_id"),
        pickup_at=data.get("pickup_at"))
    return created(_one(reservation), f"/api/v1/reservations/{reservation.id}")


@bp.get("/reservations")
@login_required
def list_reservations():
    page, per_page = page_args()
    role = request.args.get("role") or None
    status = request.args.get("status") or None
    errors = {}
    if role not in (None, "buyer", "seller"):
        errors["role"] = [_("Bruk role=buyer eller role=seller.")]
    if status is not None and status not in STATUSES:
        errors["status"] = [_("Ukjent verdi. Gyldige verdier: %(v)s.", v=", ".join(STATUSES))]
    if errors:
        raise ValidationFailed(errors)
    items, total = services.reservations_for(current_user, role, page, per_page, status)
    counts = services.message_counts([r.id for r in items])
    return jsonify(envelope([reservation_json(r, counts.get(r.id, 0),
                                              services.side_of(r, current_user))
                             for r in items], total, page, per_page))


@bp.get("/reservations/<int:reservation_id>")
@login_required
def get_reservation(reservation_id: int):
    return jsonify(_one(services.visible_reservation(reservation_id, current_user)))


@bp.post("/reservations/<int:reservation_id>/accept")
@login_required
def accept_reservation(reservation_id: int):
    reservation = services.visible_reservation(reservation_id, current_user)
    data = Accept.load(_optional_body())
    return jsonify(_one(services.accept(reservation, current_user, data.get("pickup_at"))))


@bp.post("/reservations/<int:reservation_id>/decline")
@login_required
def decline_reservation(reservation_id: int):
    reservation = services.visible_reservation(reservation_id, current_user)
    data = Reason.load(_optional_body())
    return jsonify(_one(services.decline(reservation, current_user, data.get("reason", ""))))


@bp.post("/reservations/<int:reservation_id>/cancel")
@login_required
def cancel_reservation(reservation_id: int):
    reservation = services.visible_reservation(reservation_id, current_user)
    data = Reason.load(_optional_body())
    return jsonify(_one(services.cancel(reservation, current_user, data.get("reason", ""))))


@bp.post("/reservations/<int:reservation_id>/handover")
@login_required
def confirm_handover(reservation_id: int):
    reservation = services.visible_reservation(reservation_id, current_user)
    data = Handover.load(_optional_body())
    record = handover.confirm_handover(reservation, current_user, data.get("weight_kg"),
                                       weight_method=data.get("weight_method"))
    return jsonify(_one(reservation, record))


@bp.post("/reservations/<int:reservation_id>/pickup")
@login_required
def set_pickup(reservation_id: int):
    reservation = services.visible_reservation(reservation_id, current_user)
    data = Pickup.load(json_body())
    return jsonify(_one(services.set_pickup(reservation, current_user, data["pickup_at"])))


@bp.get("/reservations/<int:reservation_id>/messages")
@login_required
def list_messages(reservation_id: int):
    reservation = services.visible_reservation(reservation_id, current_user)
    items = [message_json(m) for m in reservation.messages]
    return jsonify(envelope(items, len(items), 1, max(len(items), 1)))


@bp.post("/reservations/<int:reservation_id>/messages")
@login_required
def post_message(reservation_id: int):
    reservation = services.visible_reservation(reservation_id, current_user)
    data = MessageCreate.load(json_body())
    message = services.post_message(reservation, current_user, data["body"])
    return created(message_json(message),
                   f"/api/v1/reservations/{reservation.id}/messages/{message.id}")


@bp.get("/reservations/<int:reservation_id>/messages/<int:message_id>")
@login_required
def get_message(reservation_id: int, message_id: int):
    reservation = services.visible_reservation(reservation_id, current_user)
    for message in reservation.messages:
        if message.id == message_id:
            return jsonify(message_json(message))
    from app.errors import NotFound

    raise NotFound(_("Meldingen finnes ikke."))


@bp.get("/ledger/<int:record_id>")
@login_required
def get_record(record_id: int):
    return jsonify(record_json(ledger.visible_record(record_id, current_user)))


@bp.post("/ledger/<int:record_id>/reverse")
@login_required
def reverse_record(record_id: int):
    record = ledger.visible_record(record_id, current_user)
    data = Reverse.load(json_body())
    reversal, correction = ledger.reverse(record, current_user, data["reason"],
                                          data.get("corrected_kg"))
    body = record_json(reversal)
    body["correction"] = record_json(correction) if correction is not None else None
    return created(body, f"/api/v1/ledger/{reversal.id}")


@bp.get("/emission-factors")
def list_factors():
    items = [factor_json(f) for f in factors.all_factors()]
    return jsonify(envelope(items, len(items), 1, max(len(items), 1)))


# --- the document -------------------------------------------------------------------------

_ID = [path_id("reservation_id")]
_T = ("reservations",)
_ACT = (403, 404, 409)
operation("/reservations", "post", "Ask for a quantity of a listing", body=ReservationCreate,
          responses={201: "Reservation"}, errors=(403, 404, 409), tags=_T)
operation("/reservations", "get", "Reservations of my organisations",
          params=[query("role", {"type": "string", "enum": ["buyer", "seller"]},
                        "As buyer or as seller; default both."),
                  query("status", {"type": "string", "enum": list(STATUSES)}),
                  *page_params()],
          responses={200: list_of("Reservation")}, errors=(422,), tags=_T)
operation("/reservations/{reservation_id}", "get", "One reservation", params=_ID,
          responses={200: "Reservation"}, errors=(404,), tags=_T)
for _action, _schema, _summary in (
    ("accept", Accept, "Accept (the lister): holds the quantity"),
    ("decline", Reason, "Decline (the lister); gives back what was held"),
    ("cancel", Reason, "Cancel (either side); gives back what was held"),
    ("handover", Handover, "Confirm the hand-over; answers with reuse_record once completed"),
):
    operation(f"/reservations/{{reservation_id}}/{_action}", "post", _summary, params=_ID,
              body=_schema, responses={200: "Reservation"}, errors=_ACT, tags=_T)
    # The body is optional for these actions.
    _OPERATIONS[f"/reservations/{{reservation_id}}/{_action}"]["post"]["requestBody"][
        "required"] = False
operation("/reservations/{reservation_id}/pickup", "post",
          "Set or change the agreed pickup time (the buyer inside the listing's "
          "pickup_windows); both sides get a calendar invitation",
          params=_ID, body=Pickup, responses={200: "Reservation"}, errors=_ACT, tags=_T)
operation("/reservations/{reservation_id}/messages", "get", "The message thread", params=_ID,
          responses={200: list_of("ReservationMessage")}, errors=(404,), tags=_T)
operation("/reservations/{reservation_id}/messages", "post", "Write to the other side",
          params=_ID, body=MessageCreate, responses={201: "ReservationMessage"},
          errors=(404, 409), tags=_T)
operation("/reservations/{reservation_id}/messages/{message_id}", "get", "One message",
          params=[*_ID, path_id("message_id")], responses={200: "ReservationMessage"},
          errors=(404,), tags=_T)
operation("/ledger/{record_id}", "get", "One reuse record", params=[path_id("record_id")],
          responses={200: "ReuseRecord"}, errors=(404,), tags=("ledger",))
operation("/ledger/{record_id}/reverse", "post",
          "Reverse a record (site admins, admins of the giver); optionally correct it",
          params=[path_id("record_id")], body=Reverse, responses={201: "ReuseRecord"},
          errors=(403, 404, 409), tags=("ledger",))
operation("/emission-factors", "get", "Emission factors with sources and versions",
          responses={200: list_of("EmissionFactor")}, auth=False, tags=("ledger",))
