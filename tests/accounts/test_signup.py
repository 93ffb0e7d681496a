"""Registration does not reveal whether an e-mail address has an account: both answers
are the same page; a new address gets a confirmation link, an existing one a note. The
sign-up form has no password: it is chosen on the page the link opens, so neither the
password nor any hash of it is ever in an e-mail, a mail log or a URL."""

import re
from urllib.parse import unquote

import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from app.accounts.models import Membership, Organization, User
from app.accounts.services import REGISTRATION_FIELDS
from app.db import db
from app.outbox import OutboxEvent
from tests.accounts import signup


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _counts() -> tuple[int, int, int]:
    return _count(User), _count(Organization), _count(Membership)


def _data(auth, **overrides):
    data = {"csrf_token": auth.csrf("/register"), "name": "Kari Nordmann",
            "email": "kari@kontor.no",
            "org_name": "Nesbru Kontor AS", "org_kind": "business", "orgnr": "984 851 006",
            "address": "Nesbruveien 1", "postcode": "1394", "city": "Nesbru"}
    data.update(overrides)
    return data


def _main(response) -> str:
    html = response.get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    return re.sub(r'value="[^"]*"|content="[^"]*"', "", main)


def test_the_form_asks_for_no_password(client):
    html = client.get("/register").get_data(as_text=True)
    assert 'type="password"' not in html
    assert "Passord" not in _main(client.get("/register"))


def test_new_and_existing_addresses_get_the_same_answer(client, auth, make):
    make.user(make.org(), email="finnes@kontor.no", name="Frida Finnes")
    before = _counts()

    known = client.post("/register", data=_data(auth, email="finnes@kontor.no"))
    new = client.post("/register", data=_data(auth, email="ny@kontor.no"))
    assert known.status_code == new.status_code == 200
    assert _main(known).replace("finnes@kontor.no", "X") == _main(new).replace("ny@kontor.no",
                                                                              "X")
    assert "Sjekk e-posten din" in _main(new)
    assert _counts() == before  # nothing is created before the link is used

    [note] = signup.mails_to("finnes@kontor.no")
    assert "allerede en konto" in signup.text_of(note)
    assert "/register/confirm/" not in signup.text_of(note)
    [confirmation] = signup.mails_to("ny@kontor.no")
    assert "/register/confirm/" in signup.text_of(confirmation)


def test_neither_answer_hashes_anything(client, auth, make, monkeypatch):
    """Both answers do the same work and hash nothing (there is no password yet). The
    real hash function is wrapped only to count its calls."""
    from app.accounts import services

    make.user(make.org(), email="finnes@kontor.no")
    calls = []
    real = services.generate_password_hash
    monkeypatch.setattr(services, "generate_password_hash",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    for email in ("finnes@kontor.no", "ny@kontor.no"):
        assert client.post("/register", data=_data(auth, email=email)).status_code == 200
    assert calls == []
    assert signup.confirm(client, "ny@kontor.no").status_code == 302
    assert len(calls) == 1  # once, for the password chosen on the link's page


def test_neither_the_link_nor_the_mail_holds_the_password_or_a_hash_of_it(app, client, auth):
    client.post("/register", data=_data(auth))
    [message] = signup.mails_to("kari@kontor.no")
    raw_mail = message.as_string()
    path = signup.confirmation_path("kari@kontor.no")
    token = unquote(path.rsplit("/", 1)[1])

    # The token is signed, not encrypted: anyone holding the link can read it, without
    # the key. It must carry the sign-up fields and nothing else.
    _valid, payload = URLSafeTimedSerializer("not the key").loads_unsafe(token)
    assert isinstance(payload, dict)
    assert set(payload) <= set(REGISTRATION_FIELDS)
    assert not {"pw", "password", "password_hash", "hash"} & set(payload)
    for key, value in payload.items():
        assert not re.search(r"pass|pw|hash|secret", key, re.I), key
        text = str(value or "")
        assert not re.match(r"(scrypt|pbkdf2)[:$]", text), (key, text)
        assert "$" not in text, (key, text)

    assert signup.confirm(client, "kari@kontor.no", password="et langt hemmelig passord") \
        .status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "kari@kontor.no"))
    assert user.password_hash.startswith("scrypt:")
    salt_and_digest = user.password_hash.split("$", 1)[1]
    for secret in ("et langt hemmelig passord", user.password_hash, salt_and_digest):
        assert secret not in raw_mail
        assert secret not in signup.text_of(message)
        assert secret not in path
        assert all(secret not in str(value) for value in payload.values())


def test_the_link_asks_for_the_password_creates_the_account_once_and_logs_in(client, auth):
    client.post("/register", data=_data(auth))
    path = signup.confirmation_path("kari@kontor.no")
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Nesbru Kontor AS" in html and "kari@kontor.no" in html  # what will be created
    assert re.search(r'<label class="ds-label" for="password">'
                     r'Passord \(minst 10 tegn\)</label>',
                     html)
    assert 'autocomplete="new-password"' in html
    assert _count(User) == 0  # opening the link (a mail scanner) creates nothing

    response = signup.confirm(client, "kari@kontor.no", password="mitt eget passord")
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "kari@kontor.no"))
    assert user.memberships[0].role == "owner"
    assert user.memberships[0].organization.orgnr == "984851006"
    assert client.get("/api/v1/me").get_json()["email"] == "kari@kontor.no"
    auth.logout()
    assert auth.login("kari@kontor.no", "mitt eget passord").status_code == 302

    again = client.get(path)
    assert again.status_code == 409
    assert "allerede fullført" in again.get_data(as_text=True)
    used = client.post(path, data={"csrf_token": auth.csrf("/"), "password": "et annet passord"})
    assert used.status_code == 409
    assert _counts() == (1, 1, 1)


def test_a_weak_password_on_the_link_page_is_a_field_error_and_creates_nothing(client, auth):
    client.post("/register", data=_data(auth))
    before = _counts()
    for password, message in (("kort", "minst 10 tegn"), ("", "Velg et passord"),
                              ("x" * 257, "")):
        response = signup.confirm(client, "kari@kontor.no", password=password)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        error = re.search(r'<p class="ds-validation-message" data-field="validation" '
                          r'id="password-error">([^<]*)</p>', html)
        assert error and message in error.group(1)
        field = re.search(r'<input[^>]*id="password"[^>]*>', html).group(0)
        assert 'aria-describedby="password-error"' in field
        assert 'aria-invalid="true"' in field and 'value=""' in field  # never echoed back
        summary = re.search(r'<div class="ds-error-summary".*?</div>', html, re.S).group(0)
        assert 'href="#password"' in summary and message in summary
        assert _counts() == before
        assert client.get("/api/v1/me").status_code == 401

    # the link still works with a good password
    assert signup.confirm(client, "kari@kontor.no").status_code == 302
    assert _counts() == (before[0] + 1, before[1] + 1, before[2] + 1)


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
                                                   postcode="13a4"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Postnummer må være fire siffer" in html
    assert "Det finnes allerede en bruker" not in html
    assert _count(OutboxEvent) == events  # no mail, and the trial registration left nothing
    assert _count(Organization) == 1
