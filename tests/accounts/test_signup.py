"""Registration does not reveal whether an e-mail address has an account: both answers
are the same page; a new address gets a confirmation link, an existing one a note."""

import re

import sqlalchemy as sa

from app.accounts.models import Membership, Organization, User
from app.db import db
from app.outbox import OutboxEvent
from tests.accounts import signup


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _data(auth, **overrides):
    data = {"csrf_token": auth.csrf("/register"), "name": "Kari Nordmann",
            "email": "kari@kontor.no", "password": "lang-nok-passord",
            "org_name": "Nesbru Kontor AS", "org_kind": "business", "orgnr": "984 851 006",
            "address": "Nesbruveien 1", "postcode": "1394", "city": "Nesbru"}
    data.update(overrides)
    return data


def _main(response) -> str:
    html = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    return re.sub(r'value="[^"]*"|content="[^"]*"', "", main)


def test_new_and_existing_addresses_get_the_same_answer(client, auth, make):
    make.user(make.org(), email="finnes@kontor.no", name="Frida Finnes")
    before = (_count(User), _count(Organization), _count(Membership))

    known = client.post("/register", data=_data(auth, email="finnes@kontor.no"))
    new = client.post("/register", data=_data(auth, email="ny@kontor.no"))
    assert known.status_code == new.status_code == 200
    assert _main(known).replace("finnes@kontor.no", "X") == _main(new).replace("ny@kontor.no",
                                                                              "X")
    assert "Sjekk e-posten din" in _main(new)
    # nothing is created before the link is used
    assert (_count(User), _count(Organization), _count(Membership)) == before

    [note] = signup.mails_to("finnes@kontor.no")
    assert "allerede en konto" in signup.text_of(note)
    assert "/register/confirm/" not in signup.text_of(note)
    [confirmation] = signup.mails_to("ny@kontor.no")
    body = signup.text_of(confirmation)
    assert "/register/confirm/" in body
    assert "lang-nok-passord" not in body  # the link carries a hash, never the password


def test_the_link_creates_the_account_once_and_logs_in(client, auth, make):
    client.post("/register", data=_data(auth))
    path = signup.confirmation_path("kari@kontor.no")
    assert client.get(path).status_code == 200
    assert _count(User) == 0  # opening the link (a mail scanner) creates nothing

    response = signup.confirm(client, "kari@kontor.no")
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "kari@kontor.no"))
    assert user.memberships[0].role == "owner"
    assert user.memberships[0].organization.orgnr == "984851006"
    assert client.get("/api/v1/me").get_json()["email"] == "kari@kontor.no"
    auth.logout()
    assert auth.login("kari@kontor.no", "lang-nok-passord").status_code == 302  # its password

    again = client.get(path)
    assert again.status_code == 409
    assert "allerede fullført" in again.get_data(as_text=True)


def test_forged_and_expired_links_are_refused(app, client, auth):
    client.post("/register", data=_data(auth))
    path = signup.confirmation_path("kari@kontor.no")
    assert client.get(path[:-4] + "abcd").status_code == 404
    app.config["REGISTRATION_CONFIRM_MAX_AGE"] = -1
    expired = client.get(path)
    assert expired.status_code == 409
    assert "utløpt" in expired.get_data(as_text=True)


def test_bad_input_still_shows_field_errors_and_the_check_leaves_nothing(client, auth, make):
    make.user(make.org(), email="finnes@kontor.no")
    events = _count(OutboxEvent)
    response = client.post("/register", data=_data(auth, email="finnes@kontor.no",
                                                   password="kort"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "minst 10 tegn" in html
    assert "Det finnes allerede en bruker" not in html
    assert _count(OutboxEvent) == events  # no mail, and the trial registration left nothing
    assert _count(Organization) == 1
