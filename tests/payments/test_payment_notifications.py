"""Payments and notifications against localstripe: an online payment due is the receiver's
"Til behandling" item and counts on their tab; a payment received tells the giver (in-app
entry and e-mail), once, however often Stripe repeats the event."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import sqlalchemy as sa

from app import notifications
from app.db import db
from app.notifications.models import Notification
from app.notifications.todo import todo_for, waiting_counts
from tests.payments.stripe_doubles import event, post_event
from tests.payments.test_webhooks import start


def test_a_payment_due_is_the_receivers_todo(client, auth, world, awaiting):
    reservation = awaiting(seller="connected")
    buyer = world["buyer"].user
    assert [r.id for r in todo_for(buyer).payments] == [reservation.id]
    assert waiting_counts(buyer)["buyer"] == 1
    assert todo_for(world["connected"].user).payments == []
    auth.login(buyer.email)
    html = client.get("/").get_data(as_text=True)
    assert f'href="/reservations/{reservation.id}#pay-step"' in html
    assert "kr 150,00 til Heggedal Bygg AS" in html
    tabs = client.get("/reservations").get_data(as_text=True)
    assert re.search(r'side=buyer" aria-current="page">[^<]+ <span class="tab-count">\(1<',
                     tabs)


def test_a_payment_received_tells_the_giver_once(app, client, ls, world, awaiting):
    reservation = awaiting()  # the platform operator, paid directly (localstripe has no
    # connected accounts)
    intent_id = start(client, world, reservation)
    assert ls.pay(intent_id).status_code == 200
    body = event("payment_intent.succeeded", ls.intent(intent_id))
    assert post_event(client, body).status_code == 200
    assert post_event(client, event("payment_intent.succeeded",
                                    ls.intent(intent_id))).status_code == 200  # repeated
    giver = world["operator"].user
    [entry] = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == giver.id, Notification.kind == "payment_received")).all()
    assert entry.path == f"/reservations/{reservation.id}"
    assert notifications.line(entry) == \
        "Miljøsofa Asker har betalt kr 150 for «Innerdører, hvite»"
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in Path(app.config["MAIL_DIR"]).glob("*.eml")]
    [paid] = [m for m in mails if m["To"] == giver.email
              and m["Subject"].startswith("Betaling mottatt")]
    text = paid.get_body(preferencelist=("plain",)).get_content()
    assert "Miljøsofa Asker har betalt kr 150 for 2 stk av «Innerdører, hvite»" in text
    assert todo_for(world["buyer"].user).payments == []
