"""The exchange's fixtures (two organisations, listings, reservations, the mailbox)."""

from tests.exchange.conftest import (  # noqa: F401
    T0,
    Api,
    Mailbox,
    _exchange_payment_default,
    accepted,
    api,
    buyer,
    categories,
    mailbox,
    make_listing,
    reserve,
    seller,
    stranger,
)
