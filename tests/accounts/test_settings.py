"""Min konto: name and language, e-mail change by link, password change; the password
rules everywhere a password is chosen. Mail goes to a real SMTP server (aiosmtpd)."""

import json
import re

import pytest
import sqlalchemy as sa

from app.accounts import passwords
from app.accounts.models import User
from app.audit import AuditEntry
from app.db import db
from tests.conftest import Auth, Builders
from tests.mailserver import body_of

NEW_PASSWORD = "sju grønne epler i kurven"  # noqa: S105 - test data


@pytest.fixture
def app_config(app_config, smtp):
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port}


def _link(message) -> str:
    match = re.search(r"http://kretslop\.test(/\S+)", body_of(message))
    assert match, body_of(message)
    return match.group(1)


def _to(messages, address):
    return [m for m in messages if m["To"] == address]


def _post(client, auth, path, **data):
    return client.post(path, data={"csrf_token": auth.csrf(path), **data})


def _actions(user_id):
    return set(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.target_type == "user", AuditEntry.target_id == user_id)))


# --- name and language ----------------------------------------------------------------


def test_profile_changes_name_and_language_and_the_session_follows(client, auth, make):
    user = make.user(make.org(), name="Kari Nordmann")
    auth.login(user.email)
    page = client.get("/account/profile").get_data(as_text=True)
    assert 'value="Kari Nordmann"' in page
    response = _post(client, auth, "/account/profile", name="  Kari Hansen ", locale="en")
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale) == ("Kari Hansen", "en")
    page = client.get("/account/profile").get_data(as_text=True)
    assert '<html lang="en"' in page


def test_profile_bad_input_is_422_and_changes_nothing(client, auth, make):
    user = make.user(make.org(), name="Ola")
    auth.login(user.email)
    for data in ({"name": "", "locale": "nb"}, {"name": "Ola", "locale": "de"},
                 {"name": "x" * 201, "locale": "nb"}):
        response = _post(client, auth, "/account/profile", **data)
        assert response.status_code == 422, data
        assert "ds-error-summary" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.name, user.locale) == ("Ola", "nb")


def test_settings_pages_need_login(client):
    for path in ("/account/profile", "/account/email", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


# --- password -------------------------------------------------------------------------


def test_password_change_ends_every_old_session_keeps_this_browser_in_and_tells_by_mail(
        app, client, auth, make, smtp):
    user = make.user(make.org())
    auth.login(user.email)
    other = app.test_client()
    Auth(other).login(user.email)
    assert other.get("/account/profile").status_code == 200
    thief = app.test_client()  # this browser's cookie, copied before the change
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/account/profile").status_code == 200
    response = _post(client, auth, "/account/password", current_password=Builders.password,
                     new_password=NEW_PASSWORD)
    assert response.status_code == 302
    assert "Passordet er endret" in client.get(response.location).get_data(as_text=True)
    assert client.get("/account/profile").status_code == 200  # this browser stays in
    assert other.get("/account/profile").status_code == 302  # the other one is out
    assert thief.get("/account/profile").status_code == 302  # issue #14: a copy dies too
    [message] = smtp.wait_for(1)
    assert message["To"] == user.email
    assert message["Subject"] == "Passordet ditt på Kretsløp er endret"
    assert "/password/forgot" in body_of(message)
    assert "user.password_changed" in _actions(user.id)
    fresh = app.test_client()
    assert Auth(fresh).login(user.email, NEW_PASSWORD).status_code == 302
    assert Auth(app.test_client()).login(user.email).status_code == 422


@pytest.mark.parametrize("current,new,message", [
    ("wrong password!", NEW_PASSWORD, "Passordet er feil."),
    (Builders.password, "kort", "minst 10 tegn"),
    (Builders.password, "qwertyuiop", "mest brukte passordene"),
    (Builders.password, "Passord2024!", "mest brukte passordene"),
    (Builders.password, "x" * 257, "lengre enn 256 tegn"),
])
def test_password_change_refusals_are_422_and_change_nothing(client, auth, make, smtp, current,
                                                             new, message):
    user = make.user(make.org())
    before = user.password_hash
    auth.login(user.email)
    response = _post(client, auth, "/account/password", current_password=current,
                     new_password=new)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == before
    assert smtp.messages == []


def test_password_built_on_the_name_or_email_is_refused(client, auth, make):
    user = make.user(make.org(), email="ingrid.solberg@example.no", name="Ingrid Solberg")
    auth.login(user.email)
    for new in ("ingrid.solberg-2026", "SolbergSolberg99", "mitt navn er ingrid"):
        response = _post(client, auth, "/account/password",
                         current_password=Builders.password, new_password=new)
        assert response.status_code == 422, new
        assert "e-postadressen eller navnet ditt" in response.get_data(as_text=True)


def test_the_page_shows_the_rules_and_the_script_gets_the_same_messages(client, auth, make):
    user = make.user(make.org())
    auth.login(user.email)
    page = client.get("/account/password").get_data(as_text=True)
    for rule in passwords.rules():
        assert str(rule).replace("å", "å") in page.replace("&#39;", "'")
    assert "password.js" in page and 'aria-live="polite"' in page
    assert 'data-msg-common="Passordet er blant de mest brukte passordene. Velg et annet."' in page
    listing = client.get("/account/password/common.json")
    words = json.loads(listing.get_data(as_text=True))
    assert "qwertyuiop" in words and "passord" in words
    assert all(len(w) >= 4 for w in words)


def test_password_rules_apply_to_reset_and_invitations(app, client, auth, make, smtp):
    user = make.user(make.org())
    client.post("/password/forgot", data={"csrf_token": auth.csrf("/password/forgot"),
                                          "email": user.email})
    link = _link(smtp.wait_for(1)[0])
    page = client.get(link).get_data(as_text=True)
    assert 'data-password-field="password"' in page and "accounts/password.js" in page
    response = client.post(link, data={"csrf_token": auth.csrf(link),
                                       "password": "password123"})
    assert response.status_code == 422
    assert "mest brukte passordene" in response.get_data(as_text=True)
    from app.accounts.services import validate_new_user

    errors = validate_new_user("per.hansen@example.no", "Per Hansen", "perhansen2026")
    assert "e-postadressen eller navnet" in errors["password"][0]


def test_password_rule_functions():
    assert passwords.is_common("qwertyuiop")
    assert passwords.is_common("PASSORD2024!!")
    assert passwords.is_common("!!sommer123")
    assert not passwords.is_common("sju grønne epler i kurven")
    assert passwords.is_personal("kari.nordmann99", "kari.nordmann@example.no", None)
    assert passwords.is_personal("hei-Nordmann-hei", None, "Kari Nordmann")
    assert not passwords.is_personal("korrekt hest batteri", "ole@example.no", "Ole Li")


# --- e-mail ---------------------------------------------------------------------------


def _request_change(client, auth, new, password=Builders.password):
    return _post(client, auth, "/account/email", email=new, password=password)


def test_email_change_by_link_tells_the_old_address_and_login_uses_the_new(
        app, client, auth, make, smtp):
    user = make.user(make.org(), email="gammel@example.no")
    auth.login(user.email)
    response = _request_change(client, auth, "  Ny@Example.no ")
    assert response.status_code == 302
    messages = smtp.wait_for(2)
    [confirm] = _to(messages, "ny@example.no")
    [notice] = _to(messages, "gammel@example.no")
    assert confirm["Subject"] == "Bekreft ny e-postadresse på Kretsløp"
    assert "24 timer" in body_of(confirm)
    assert "ny@example.no" in body_of(notice) and "Var det ikke deg" in body_of(notice)
    assert "/account/email/confirm/" not in body_of(notice)  # no link to the old address
    link = _link(confirm)
    db.session.refresh(user)
    assert user.email == "gammel@example.no"  # nothing changes before the link is used

    visitor = app.test_client()  # the link opened elsewhere, not signed in
    page = visitor.get(link)
    assert page.status_code == 200 and "Bekreft ny adresse" in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == "gammel@example.no"  # a GET (a mail scanner) changes nothing
    done = visitor.post(link, data={"csrf_token": Auth(visitor).csrf(link)})
    assert done.status_code == 302 and "/login" in done.location
    db.session.refresh(user)
    assert user.email == "ny@example.no"
    assert {"user.email_change_requested", "user.email_changed"} <= _actions(user.id)
    assert Auth(app.test_client()).login("ny@example.no").status_code == 302
    assert Auth(app.test_client()).login("gammel@example.no").status_code == 422
    # Single use: the link is bound to the address it was made for.
    again = visitor.post(link, data={"csrf_token": Auth(visitor).csrf("/login")})
    assert again.status_code == 409


def test_email_request_refusals_are_422_and_send_nothing(client, auth, make, smtp):
    user = make.user(make.org())
    auth.login(user.email)
    for new, password, text in (("ny@example.no", "feil passord her", "Passordet er feil."),
                                ("ikke-en-adresse", Builders.password, "Ugyldig e-postadresse"),
                                (user.email, Builders.password, "allerede e-postadressen din"),
                                ("", Builders.password, "Fyll inn e-post")):
        response = _request_change(client, auth, new, password)
        assert response.status_code == 422, new
        assert text in response.get_data(as_text=True)
    db.session.refresh(user)
    assert smtp.wait_for(1, timeout=0.5) == []


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_note(client, auth, make, smtp):
    org = make.org()
    make.user(org, email="opptatt@example.no")
    user = make.user(org, email="meg@example.no")
    auth.login(user.email)
    response = _request_change(client, auth, "opptatt@example.no")
    assert response.status_code == 302
    flashed = client.get(response.location).get_data(as_text=True)
    assert "Vi har sendt en lenke til opptatt@example.no" in flashed
    messages = smtp.wait_for(2)
    [note] = _to(messages, "opptatt@example.no")
    assert "/account/email/confirm/" not in body_of(note)
    assert note["Subject"] == "Du har allerede en konto på Kretsløp"
    assert _to(messages, "meg@example.no")


def test_an_address_taken_after_the_link_was_sent_is_refused(client, auth, make, smtp):
    org = make.org()
    user = make.user(org, email="forst@example.no")
    auth.login(user.email)
    _request_change(client, auth, "ledig@example.no")
    link = _link(_to(smtp.wait_for(2), "ledig@example.no")[0])
    make.user(org, email="ledig@example.no")
    response = client.post(link, data={"csrf_token": auth.csrf(link)})
    assert response.status_code == 409
    assert "kan ikke brukes" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == "forst@example.no"


def test_email_link_expired_forged_or_spent_by_a_password_change(app, client, auth, make, smtp):
    user = make.user(make.org())
    auth.login(user.email)
    _request_change(client, auth, "ny2@example.no")
    link = _link(_to(smtp.wait_for(2), "ny2@example.no")[0])
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert client.get(forged).status_code == 404
    assert client.get("/account/email/confirm/not-a-token").status_code == 404
    app.config["EMAIL_CHANGE_MAX_AGE"] = -1
    expired = client.get(link)
    assert expired.status_code == 409 and "utløpt" in expired.get_data(as_text=True)
    app.config["EMAIL_CHANGE_MAX_AGE"] = 24 * 3600
    assert client.get(link).status_code == 200
    _post(client, auth, "/account/password", current_password=Builders.password,
          new_password=NEW_PASSWORD)
    spent = client.post(link, data={"csrf_token": auth.csrf(link.replace(link, "/login"))})
    assert spent.status_code == 409
    db.session.refresh(user)
    assert user.email != "ny2@example.no"
    assert db.session.scalar(sa.select(User).where(User.email == "ny2@example.no")) is None



@pytest.mark.parametrize("path,data", [
    ("/account/profile", {"name": "A\x00b", "locale": "nb"}),
    ("/account/profile", {"name": "Ola\nBcc: x@y.no", "locale": "nb"}),
    ("/account/email", {"email": "a\x00@b.no", "password": Builders.password}),
    ("/account/email", {"email": "a@b.no\nBcc: x@y.no", "password": Builders.password}),
    ("/account/password", {"current_password": Builders.password, "new_password": "\x00" * 12}),
])
def test_nul_and_line_breaks_are_422_and_change_nothing(client, auth, make, smtp, path, data):
    user = make.user(make.org(), name="Ola")
    before = (user.name, user.email, user.password_hash)
    auth.login(user.email)
    response = _post(client, auth, path, **data)
    assert response.status_code == 422
    db.session.refresh(user)
    assert (user.name, user.email, user.password_hash) == before
    assert smtp.wait_for(1, timeout=0.3) == []
