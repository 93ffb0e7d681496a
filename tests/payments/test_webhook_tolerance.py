"""The webhook's timestamp tolerance applies both ways (issue #14, item 18): a properly
signed event signed more than 300 s in the past or in the future is refused with 400 and
nothing is stored; inside the window on either side it is accepted. The events are of a
type the endpoint only records ("ignored"), so no Stripe server is involved; signatures
are made with stripe-python's own signing code."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from app.db import db
from app.payments.models import ProcessedStripeEvent
from tests.payments.stripe_doubles import CONNECT_SECRET, event, post_event


def _stored() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(ProcessedStripeEvent.id))) or 0


@pytest.mark.parametrize("path, secret", [("/stripe/webhook", None),
                                          ("/stripe/connect-webhook", CONNECT_SECRET)])
@pytest.mark.parametrize("offset", [600, 361, -600, -361])
def test_a_timestamp_outside_the_tolerance_is_refused(app, client, path, secret, offset):
    body = event("customer.created", {"id": "cus_1", "object": "customer"})
    kwargs = {"secret": secret} if secret else {}
    response = post_event(client, body, timestamp=int(time.time()) + offset, path=path,
                          **kwargs)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert _stored() == 0


@pytest.mark.parametrize("offset", [240, 0, -240])
def test_a_timestamp_inside_the_tolerance_is_accepted(app, client, offset):
    body = event("customer.created", {"id": "cus_2", "object": "customer"})
    response = post_event(client, body, timestamp=int(time.time()) + offset)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"received": True, "duplicate": False}
    assert _stored() == 1
