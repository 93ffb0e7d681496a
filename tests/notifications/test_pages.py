"""The pages: /inbox with every kind, the settings per kind, the unread count in the
header (one query), "Til behandling" on the home page per role, and "Mine reservasjoner"
opening on the side that has something to do."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import notifications
from app.db import commit, db, utcnow
from app.exchange import handover, services
from app.exchange.models import Reservation
from app.notifications.models import Notification, NotificationChoice
from tests.exchange.conftest import T0


def _post(client, auth, path, data=None, page="/inbox"):
    return client.post(path, data={"csrf_token": auth.csrf(page), **(data or {})})


def _entries(user):
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.id)))


# --- the inbox ---------------------------------------------------------------------------


def test_inbox_lists_every_kind_newest_first_and_reads(client, auth, make_listing, reserve,
                                                       seller, buyer):
    first = reserve(make_listing(title="Kontorstoler Håg"), now=T0)
    second = reserve(make_listing(title="Gipsplater"), now=T0 + timedelta(hours=1))
    services.post_message(second, buyer.user, "Hei", now=T0 + timedelta(hours=2))
    commit()
    auth.login(seller.user.email)
    html = client.get("/inbox").get_data(as_text=True)
    lines = ["Ny melding fra Per Mottaker om «Gipsplater»",
             "Miljøsofa Asker ber om å reservere «Gipsplater»",
             "Miljøsofa Asker ber om å reservere «Kontorstoler Håg»"]
    positions = [html.index(f"<p>{line}</p>") for line in lines]
    assert positions == sorted(positions)  # newest first
    assert html.count('class="notification unread"') == 3
    assert "3 uleste varsler" in html
    oldest = _entries(seller.user)[0]
    opened = _post(client, auth, f"/inbox/{oldest.id}/read")
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/reservations/{first.id}"
    message = _entries(seller.user)[2]
    stay = _post(client, auth, f"/inbox/{message.id}/read",
                 {"next": f"/inbox?page=1#notification-{message.id}"})
    assert stay.headers["Location"] == f"/inbox?page=1#notification-{message.id}"
    html = client.get("/inbox").get_data(as_text=True)
    assert html.count('class="notification unread"') == 1 and "1 ulest varsel" in html
    assert _post(client, auth, "/inbox/read-all").status_code == 302
    html = client.get("/inbox").get_data(as_text=True)
    assert 'class="notification unread"' not in html and 'class="badge"' not in html
    assert all(n.read_at is not None for n in _entries(seller.user))


def test_someone_elses_entry_is_404_and_stays_unread(client, auth, make_listing, reserve,
                                                     seller, buyer):
    reserve(make_listing())
    [theirs] = _entries(seller.user)
    auth.login(buyer.user.email)
    assert _post(client, auth, f"/inbox/{theirs.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


# --- settings ----------------------------------------------------------------------------


def test_settings_group_the_kinds_and_save_a_choice_per_kind(client, auth, seller):
    auth.login(seller.user.email)
    page = client.get("/inbox/settings").get_data(as_text=True)
    for heading in ("Reservasjoner", "Meldinger og spørsmål",
                    "Henting, overlevering og betaling", "Treff mellom annonser og ønsker"):
        assert f">{heading}</h2>" in page
    assert '<legend class="ds-label">Noen ber om å reservere fra oss</legend>' in page
    assert page.count("<fieldset") == len(notifications.KINDS)
    saved = _post(client, auth, "/inbox/settings",
                  {"reservation_requested": "off", "reservation_message": "daily",
                   "match_for_request": "immediate"}, page="/inbox/settings")
    assert saved.status_code == 302
    chosen = dict(db.session.execute(sa.select(NotificationChoice.kind,
                                               NotificationChoice.email_mode)
                                     .where(NotificationChoice.user_id == seller.user.id))
                  .all())
    # Only what differs from the default is stored (a later default applies to the rest).
    assert chosen == {"reservation_requested": "off", "reservation_message": "daily"}
    page = client.get("/inbox/settings").get_data(as_text=True)
    assert ('<input checked class="ds-input" id="reservation_requested-2" '
            'name="reservation_requested" type="radio" value="off">') in page


def test_a_bad_choice_is_a_field_error_and_changes_nothing(client, auth, seller):
    auth.login(seller.user.email)
    bad = _post(client, auth, "/inbox/settings",
                {"reservation_requested": "off", "reservation_message": "hourly"},
                page="/inbox/settings")
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'class="ds-error-summary"' in html and "Velg ett av alternativene." in html
    assert 'id="reservation_message-error"' in html
    # what was typed is kept on the page; nothing is stored
    assert ('<input checked class="ds-input" id="reservation_requested-2" '
            'name="reservation_requested" type="radio" value="off">') in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationChoice)) == 0


# --- the header --------------------------------------------------------------------------


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def test_the_header_count_is_one_query(client, auth, make_listing, reserve, seller,
                                       statements):
    reserve(make_listing(title="A"))
    reserve(make_listing(title="B"))
    auth.login(seller.user.email)
    statements.clear()
    html = client.get("/wanted").get_data(as_text=True)
    assert re.search(r'Innboks <span class="badge"><span aria-hidden="true">2</span>'
                     r'<span class="visually-hidden">2 uleste varsler</span></span>', html)
    about_notifications = [s for s in statements if "notifications" in s]
    assert len(about_notifications) == 1
    assert about_notifications[0].lower().startswith("select count(")
    auth.logout()
    assert "uleste varsler" not in client.get("/wanted").get_data(as_text=True)


# --- Til behandling ---------------------------------------------------------------------


def _todo(client) -> str:
    html = client.get("/").get_data(as_text=True)
    start = html.index('<section class="todo ds-card"')
    return html[start:html.index("</section>", start)]


def test_the_giver_sees_the_request_and_accepts_from_the_home_page(client, auth, make_listing,
                                                                   reserve, seller, buyer):
    reservation = reserve(make_listing(title="Kontorstoler Håg"), 2)
    auth.login(seller.user.email)
    todo = _todo(client)
    assert "Forespørsler som venter på svar" in todo
    assert "Miljøsofa Asker ber om 2 stk" in todo
    assert f'action="/reservations/{reservation.id}/accept"' in todo
    assert f'href="/reservations/{reservation.id}#decide-heading"' in todo
    accepted = _post(client, auth, f"/reservations/{reservation.id}/accept", page="/")
    assert accepted.status_code == 302
    assert db.session.get(Reservation, reservation.id).status == "accepted"
    assert "Ingenting venter på dere nå." in _todo(client)
    auth.logout()
    auth.login(buyer.user.email)  # reads English
    assert "Nothing is waiting for you right now." in _todo(client)  # pickup days away


def test_handovers_to_confirm_for_each_side(client, auth, make_listing, accepted, seller,
                                            buyer):
    reservation = accepted(make_listing(title="Dører"))  # pickup at T0 + 3 days: passed
    # The seller reads bokmål, the buyer English.
    for party, heading in ((seller, "Overleveringer å bekrefte"),
                           (buyer, "Hand-overs to confirm")):
        auth.login(party.user.email)
        todo = _todo(client)
        assert heading in todo
        assert f'href="/reservations/{reservation.id}#handover-heading"' in todo
        auth.logout()
    handover.confirm_handover(reservation, buyer.user)
    commit()
    auth.login(buyer.user.email)
    todo = _todo(client)
    assert "Hand-overs to confirm" not in todo and "#handover-heading" not in todo
    auth.logout()
    auth.login(seller.user.email)
    assert "Overleveringer å bekrefte" in _todo(client)


def test_a_handover_waits_until_the_pickup_unless_the_other_side_confirmed(
        client, auth, make_listing, reserve, seller, buyer):
    reservation = reserve(make_listing())
    services.accept(reservation, seller.user)  # pickup in three days
    commit()
    auth.login(buyer.user.email)  # reads English
    todo = _todo(client)
    assert "Hand-overs to confirm" not in todo and "#handover-heading" not in todo
    handover.confirm_handover(reservation, seller.user)
    commit()
    assert "Hand-overs to confirm" in _todo(client)


def test_new_matches_are_listed_with_their_line(client, auth, seller):
    notifications.notify(seller.user, "request_for_listing", path="/listings/1#matches",
                         params={"listing_title": "Stoler", "request_title": "Kontorstoler",
                                 "listing_org": "Heggedal Bygg AS",
                                 "request_org": "Miljøsofa Asker"})
    commit()
    auth.login(seller.user.email)
    todo = _todo(client)
    assert "Nye treff" in todo
    assert "Ønsket «Kontorstoler» fra Miljøsofa Asker passer annonsen «Stoler»" in todo


def test_anonymous_home_has_no_todo(client):
    assert '<section class="todo"' not in client.get("/").get_data(as_text=True)


def test_unanswered_questions_are_listed_until_answered(client, auth, make_listing, seller,
                                                       buyer):
    """Through the questions package's hook (``app.questions.todo.unanswered_for``)."""
    questions = pytest.importorskip("app.questions.services")
    listing = make_listing(title="Kontorstoler Håg")
    message = questions.ask(buyer.user, listing.id, "Er de hele?")
    commit()
    auth.login(seller.user.email)
    todo = _todo(client)
    assert "Spørsmål som venter på svar" in todo
    assert f'href="/questions/{message.thread_id}"' in todo
    assert "Miljøsofa Asker spør om «Kontorstoler Håg»" in todo
    questions.reply(message.thread, seller.user, "Ja, alle fem.")
    commit()
    assert "Spørsmål som venter på svar" not in _todo(client)


# --- Mine reservasjoner ------------------------------------------------------------------


def _current_tab(html: str) -> str:
    return re.search(r'side=(\w+)" aria-current="page"', html).group(1)


def test_reservations_open_on_the_side_with_something_to_do(client, auth, make_listing,
                                                            reserve, seller, buyer):
    reservation = reserve(make_listing())
    auth.login(seller.user.email)
    html = client.get("/reservations").get_data(as_text=True)
    assert _current_tab(html) == "seller"
    assert ('Som giver <span class="tab-count">(1<span class="visually-hidden"> venter på '
            'dere</span>)</span>') in html
    assert f"/reservations/{reservation.id}" in html
    assert _current_tab(client.get("/reservations?side=buyer").get_data(as_text=True)) \
        == "buyer"
    assert _current_tab(client.get("/reservations?role=buyer").get_data(as_text=True)) \
        == "buyer"
    auth.logout()
    auth.login(buyer.user.email)
    html = client.get("/reservations").get_data(as_text=True)
    assert _current_tab(html) == "buyer" and "tab-count" not in html


def test_reservations_open_on_the_receiver_side_when_it_waits_there(
        client, auth, make_listing, accepted, reserve, seller, buyer, stranger):
    # The buyer's organisation also gives: a request to them has been answered (nothing
    # waits as giver) while a hand-over waits for them as receiver.
    theirs = make_listing(party=buyer, title="Sofa")
    request = reserve(theirs, party=stranger)
    services.decline(request, buyer.user)
    accepted(make_listing())  # pickup passed: the receiver confirms
    commit()
    auth.login(buyer.user.email)
    html = client.get("/reservations").get_data(as_text=True)
    assert _current_tab(html) == "buyer"
    assert re.search(r'side=buyer"[^>]*>[^<]+ <span class="tab-count">\(1<', html)
    assert not re.search(r'side=seller"[^>]*>[^<]+ <span class="tab-count">', html)


def test_someone_who_only_gives_opens_as_giver(client, auth, make_listing, reserve, seller,
                                               buyer):
    reservation = reserve(make_listing())
    services.decline(reservation, seller.user)
    commit()
    auth.login(seller.user.email)
    assert _current_tab(client.get("/reservations").get_data(as_text=True)) == "seller"


def test_a_payment_at_pickup_is_not_a_payment_due(app, seller, buyer, make_listing, reserve):
    """Paid at the pickup, so nothing to pay in the app (online payments due:
    tests/payments/test_payment_notifications.py)."""
    from app.notifications.todo import todo_for, waiting_counts

    reservation = reserve(make_listing(price_nok=75), 2)
    services.accept(reservation, seller.user)
    commit()
    assert db.session.get(Reservation, reservation.id).status == "accepted"  # at pickup
    assert todo_for(buyer.user).payments == []
    assert waiting_counts(buyer.user, now=utcnow()) == {"seller": 0, "buyer": 0}
