"""Payments: card payments through Stripe for priced reservations, Stripe Connect for sellers.

How money moves (the rules, in one place):

* A priced reservation is paid online when Stripe is configured (secret, publishable and
  webhook keys), its total is at least kr 3 (``MINIMUM_ORE``, Stripe's NOK minimum) and the
  seller can take card payments: either it is the organisation that runs the platform
  (``PLATFORM_OPERATOR_ORGNR``: paid directly on the platform account) or it has a ready
  Stripe Connect Express account (a *destination charge*: ``transfer_data.destination``,
  ``on_behalf_of`` and ``application_fee_amount`` = ``PLATFORM_FEE_PERCENT`` of the total,
  rounded half up to whole øre; no fee parameter when it is 0). Otherwise - including a
  total below kr 3, which is explained on the pages - it is paid at pickup, as without
  Stripe. The choice is made once, when the seller accepts (``exchange.services``
  asks :func:`app.payments.services.choose_method`).
* The buyer pays on the reservation page (Stripe.js card element); the server creates one
  PaymentIntent per *attempt* with the idempotency key ``reservation-<id>-payment-<n>``.
  A failed attempt is cancelled at Stripe and the next try gets a new PaymentIntent and a
  new key (``n + 1``), so every attempt is a row in ``payment_attempts``.
* Only a verified webhook makes a reservation ``paid``: ``/stripe/webhook`` verifies the
  signature, stores the event id (unique; repeats are ignored) and writes an outbox row;
  the outbox handler re-fetches the PaymentIntent and acts on its current state, after
  cross-checking amount, currency and reservation. A mismatch is logged, never applied.
* A reservation that ends after it was paid is refunded by the ``reservation.changed``
  handler (destination charges with ``reverse_transfer`` and ``refund_application_fee``);
  ``charge.refunded`` is handled too. Open PaymentIntents of an ended reservation are
  cancelled.
* ``/stripe/connect-webhook`` keeps connected accounts' status from ``account.updated``.

Only :mod:`app.payments.gateway` imports stripe-python.
"""

EVENT_RECEIVED = "stripe.event_received"
MINIMUM_ORE = 300
