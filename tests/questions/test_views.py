"""The question pages: the block on the listing page, asking with errors kept, the thread
page for both sides, "Spørsmål", the thread on the reservation page, and the refusal of a
second waiting reservation request (page, API and database)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.exchange.models import Reservation
from app.questions import services
from app.questions.models import QuestionMessage, QuestionThread


def _login(auth, party):
    auth.login(party.user.email)


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _messages() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(QuestionMessage.id)))


def test_ask_from_the_listing_page_and_the_lister_answers(client, auth, make_listing, seller,
                                                          buyer):
    listing = make_listing()
    _login(auth, buyer)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'id="questions-heading"' in page and f'action="/listings/{listing.id}/questions"' in page
    assert '<label class="ds-label" for="ask-body">' in page
    token = _csrf(client, f"/listings/{listing.id}")
    response = client.post(f"/listings/{listing.id}/questions",
                           data={"csrf_token": token, "ask-body": "Hvor dype er setene?",
                                 "ask-organization_id": str(buyer.org.id)})
    assert response.status_code == 302
    thread = db.session.scalars(sa.select(QuestionThread)).one()
    assert response.headers["Location"].endswith(f"/questions/{thread.id}#question-thread")
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Hvor dype er setene?" in page  # the asker's thread on the listing page
    assert f'action="/questions/{thread.id}/messages"' in page
    assert 'action="/listings/' + str(listing.id) + '/questions"' not in page  # continues
    auth.logout()
    _login(auth, seller)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Spørsmål om annonsen" in page and f"/questions/{thread.id}" in page
    assert "Venter på svar" in page
    mine = client.get("/questions").get_data(as_text=True)  # opens on the lister's side
    assert 'aria-current="page">Til våre annonser' in mine and buyer.org.name in mine
    token = _csrf(client, f"/questions/{thread.id}")
    response = client.post(f"/questions/{thread.id}/messages",
                           data={"csrf_token": token, "body": "Ca. 48 cm."})
    assert response.status_code == 302
    auth.logout()
    _login(auth, buyer)
    page = client.get(f"/questions/{thread.id}").get_data(as_text=True)
    assert "Hvor dype er setene?" in page and "Ca. 48 cm." in page
    assert page.index("Hvor dype er setene?") < page.index("Ca. 48 cm.")
    mine = client.get("/questions?role=asker").get_data(as_text=True)
    assert "Answered" in mine and listing.title in mine  # the buyer reads English


def test_bad_input_keeps_what_was_typed_and_changes_nothing(client, auth, make_listing,
                                                             buyer, seller):
    listing = make_listing()
    _login(auth, buyer)
    token = _csrf(client, f"/listings/{listing.id}")
    long = "lang tekst " * 200  # 2200 characters
    response = client.post(f"/listings/{listing.id}/questions",
                           data={"csrf_token": token, "ask-body": long})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="ds-error-summary"' in html and 'id="ask-body-error"' in html
    assert "lang tekst lang tekst" in html  # kept
    response = client.post(f"/listings/{listing.id}/questions",
                           data={"csrf_token": token, "ask-body": "  "})
    assert response.status_code == 422
    assert _messages() == 0
    thread_id = services.ask(buyer.user, listing.id, "Hei").thread_id
    commit()
    response = client.post(f"/questions/{thread_id}/messages",
                           data={"csrf_token": token, "body": ""})
    assert response.status_code == 422 and 'id="body-error"' in response.get_data(as_text=True)
    assert _messages() == 1


def test_too_many_messages_are_said_next_to_the_field(app, client, auth, make_listing, buyer):
    app.config["QUESTION_MESSAGES_PER_HOUR"] = 1
    listing = make_listing()
    thread_id = services.ask(buyer.user, listing.id, "Første").thread_id
    commit()
    _login(auth, buyer)
    token = _csrf(client, f"/questions/{thread_id}")
    response = client.post(f"/questions/{thread_id}/messages",
                           data={"csrf_token": token, "body": "Andre"})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert 'id="body-error"' in html and "Andre" in html
    assert _messages() == 1


def test_others_get_404_and_the_lister_cannot_ask(client, auth, make_listing, seller, buyer,
                                                  stranger):
    listing = make_listing()
    thread_id = services.ask(buyer.user, listing.id, "Hemmelig spørsmål").thread_id
    commit()
    _login(auth, stranger)
    assert client.get(f"/questions/{thread_id}").status_code == 404
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Hemmelig spørsmål" not in page
    token = _csrf(client, "/questions")
    assert client.post(f"/questions/{thread_id}/messages",
                       data={"csrf_token": token, "body": "Hei"}).status_code == 404
    auth.logout()
    _login(auth, seller)
    token = _csrf(client, "/questions")
    assert client.post(f"/listings/{listing.id}/questions",
                       data={"csrf_token": token, "ask-body": "Hei"}).status_code == 403
    assert client.get(f"/listings/{listing.id}/questions").status_code == 200
    auth.logout()
    assert client.get(f"/questions/{thread_id}").status_code == 302  # to the login page
    anonymous = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "Logg inn for å stille et spørsmål" in anonymous
    assert _messages() == 1


def test_the_reservation_page_shows_the_questions_asked_before(client, auth, make_listing,
                                                                seller, buyer, reserve):
    listing = make_listing()
    thread = db.session.get(QuestionThread,
                            services.ask(buyer.user, listing.id, "Er setene hele?").thread_id)
    services.reply(thread, seller.user, "Ja, alle fem.")
    commit()
    reservation = reserve(listing, 2, message="Vi tar to")
    _login(auth, seller)
    page = client.get(f"/reservations/{reservation.id}").get_data(as_text=True)
    block = page[page.index('id="questions-before"'):page.index('id="thread"')]
    assert "Er setene hele?" in block and "Ja, alle fem." in block
    assert f"/questions/{thread.id}" in block
    thread_page = client.get(f"/questions/{thread.id}").get_data(as_text=True)
    assert f"/reservations/{reservation.id}" in thread_page


# --- one waiting request per organisation and listing ------------------------------------


def test_a_second_waiting_request_is_refused_on_the_page(client, auth, make_listing, buyer,
                                                         reserve):
    listing = make_listing()
    first = reserve(listing, 1)
    _login(auth, buyer)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert f'href="/reservations/{first.id}"' in page  # the listing page links to it
    token = _csrf(client, f"/listings/{listing.id}")
    response = client.post(f"/listings/{listing.id}/reserve",
                           data={"csrf_token": token, "quantity": "1",
                                 "organization_id": str(buyer.org.id)})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="existing-request"' in html and f'href="/reservations/{first.id}"' in html
    assert db.session.scalar(sa.select(sa.func.count(Reservation.id))) == 1


def test_a_second_waiting_request_is_409_in_the_api(api, make_listing, seller, buyer):
    listing = make_listing()
    first = api.post("/reservations", buyer.token,
                     json={"listing_id": listing.id, "quantity": 1}).get_json()
    response = api.post("/reservations", buyer.token,
                        json={"listing_id": listing.id, "quantity": 2})
    assert response.status_code == 409
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.get_json()["reservation_id"] == first["id"]
    # once answered, the organisation may ask again
    api.post(f"/reservations/{first['id']}/decline", seller.token, json={"reason": "Nei"})
    assert api.post("/reservations", buyer.token,
                    json={"listing_id": listing.id, "quantity": 1}).status_code == 201


def test_the_database_refuses_a_second_waiting_request(make_listing, buyer, reserve):
    listing = make_listing()
    first = reserve(listing, 1)
    copy = Reservation(listing_id=listing.id, buyer_org_id=buyer.org.id,
                       seller_org_id=first.seller_org_id, status="requested", quantity=1,
                       unit="pcs")
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(copy)
        db.session.flush()
    first.status = "declined"
    db.session.flush()
    with db.session.begin_nested():  # not waiting any more: a new request may be written
        db.session.add(Reservation(listing_id=listing.id, buyer_org_id=buyer.org.id,
                                   seller_org_id=first.seller_org_id, status="requested",
                                   quantity=1, unit="pcs"))
        db.session.flush()


def test_our_listings_page_links_to_the_questions_waiting(client, auth, make_listing, seller,
                                                          buyer):
    listing = make_listing()
    _login(auth, seller)
    assert "venter på svar" not in client.get("/listings/mine").get_data(as_text=True)
    services.ask(buyer.user, listing.id, "Hei")
    commit()
    page = client.get("/listings/mine").get_data(as_text=True)
    assert 'href="/questions?role=lister"' in page and "(1 venter på svar)" in page
