"""Exchange: reservations, hand-over and the reuse ledger.

Public names other parts use:

* models (:mod:`app.exchange.models`): ``Reservation``, ``ReservationMessage``,
  ``ReuseRecord``, ``EmissionFactor`` and the status constants;
* reservation services (:mod:`app.exchange.services`): ``request_reservation``,
  ``accept``, ``decline``, ``cancel``, ``expire``, ``mark_paid``, ``mark_refunded``,
  ``set_payment_method_chooser``; hand-over in :mod:`app.exchange.handover`;
* the ledger (:mod:`app.exchange.ledger`): ``record_handover`` (called on completion),
  ``reverse``; factors in :mod:`app.exchange.factors`;
* the outbox topic ``reservation.changed`` (payload ``{"reservation_id": id,
  "event": "requested" | "accepted" | ... }``), emitted in the same transaction as every
  state change, so payments (refunds) and matching can hook in.
"""

CHANGED = "reservation.changed"
