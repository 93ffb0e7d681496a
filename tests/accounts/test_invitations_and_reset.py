"""Invitations and password reset, with e-mail delivered to a real SMTP server (aiosmtpd)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Invitation, User
from app.db import db, utcnow
from tests.mailserver import body_of


@pytest.fixture
def app_config(app_config, smtp):
    return {**app_config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port}


def _link(message) -> str:
    match = re.search(r"http://kretslop\.test(/\S+)", body_of(message))
    assert match, body_of(message)
    return match.group(1)


def test_owner_invites_a_new_person_who_registers_and_joins(client, auth, make, smtp):
    org = make.org("reuse_shop", name="Miljøsofa")
    owner = make.user(org, "owner")
    auth.login(owner.email)
    response = client.post(f"/organizations/{org.id}", data={
        "csrf_token": auth.csrf(f"/organizations/{org.id}"), "email": "Ny@Example.no",
        "role": "admin"})
    assert response.status_code == 302
    [message] = smtp.wait_for(1)
    assert message["To"] == "ny@example.no"
    assert "Miljøsofa" in message["Subject"]
    link = _link(message)
    auth.logout()

    page = client.get(link)
    assert page.status_code == 200
    assert "ny@example.no" in page.get_data(as_text=True)
    joined = client.post(link, data={"csrf_token": auth.csrf(link), "name": "Nora Ny",
                                     "password": "et langt passord"})
    assert joined.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "ny@example.no"))
    assert user.role_in(org.id) == "admin"
    assert client.get("/api/v1/me").get_json()["email"] == "ny@example.no"

    reused = client.get(link)
    assert reused.status_code == 409
    assert "allerede brukt" in reused.get_data(as_text=True)


def test_member_cannot_invite_and_bad_invitations_change_nothing(client, auth, make, smtp):
    org = make.org()
    owner = make.user(org, "owner")
    member = make.user(org, "member")
    auth.login(member.email)
    response = client.post(f"/organizations/{org.id}", data={
        "csrf_token": auth.csrf(f"/organizations/{org.id}"), "email": "x@example.no",
        "role": "member"})
    assert response.status_code == 403
    auth.logout()
    auth.login(owner.email)
    for data, message in [({"email": "not-mail", "role": "member"}, "Ugyldig e-postadresse"),
                          ({"email": member.email, "role": "member"}, "allerede medlem")]:
        response = client.post(f"/organizations/{org.id}", data={
            "csrf_token": auth.csrf(f"/organizations/{org.id}"), **data})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    assert smtp.messages == []


def test_expired_invitation_is_refused(client, auth, make, smtp):
    from app.accounts.services import invite
    from app.db import commit

    org = make.org()
    owner = make.user(org, "owner")
    invitation = invite(org, "late@example.no", "member", owner)
    commit()
    link = _link(smtp.wait_for(1)[0])
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    commit()
    response = client.get(link)
    assert response.status_code == 409
    assert "utløpt" in response.get_data(as_text=True)


def test_password_reset_is_single_use_and_logs_out_other_sessions(app, client, auth, make,
                                                                   smtp):
    user = make.user(make.org(), email="glemsk@example.no")
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": make.password,
                                      "csrf_token": _csrf(other_device)})
    assert other_device.get("/api/v1/me").status_code == 200

    client.post("/password/forgot", data={"csrf_token": auth.csrf("/password/forgot"),
                                          "email": "GLEMSK@example.no"})
    link = _link(smtp.wait_for(1)[0])
    response = client.post(link, data={"csrf_token": auth.csrf(link),
                                       "password": "helt nytt passord"})
    assert response.status_code == 302
    assert auth.login(user.email, "helt nytt passord").status_code == 302
    assert other_device.get("/api/v1/me").status_code == 401  # old session is gone

    again = client.get(link)
    assert again.status_code == 409
    assert "allerede brukt" in again.get_data(as_text=True)


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(client, auth, smtp):
    response = client.post("/password/forgot", data={
        "csrf_token": auth.csrf("/password/forgot"), "email": "ingen@example.no"},
        follow_redirects=True)
    assert "Hvis adressen har en konto" in response.get_data(as_text=True)
    assert smtp.messages == []


def test_reset_with_short_password_or_forged_token(client, auth, make, smtp):
    user = make.user(make.org())
    client.post("/password/forgot", data={"csrf_token": auth.csrf("/password/forgot"),
                                          "email": user.email})
    link = _link(smtp.wait_for(1)[0])
    old_hash = user.password_hash
    short = client.post(link, data={"csrf_token": auth.csrf(link), "password": "kort"})
    assert short.status_code == 422
    db.session.refresh(user)
    assert user.password_hash == old_hash
    forged = client.get(link[:-3] + "xyz")
    assert forged.status_code == 404


def test_reset_link_expires(app, client, auth, make, smtp):
    user = make.user(make.org())
    client.post("/password/forgot", data={"csrf_token": auth.csrf("/password/forgot"),
                                          "email": user.email})
    link = _link(smtp.wait_for(1)[0])
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(link)
    assert response.status_code == 409
    assert "utløpt" in response.get_data(as_text=True)


def test_mail_is_in_the_recipients_language(client, auth, make, smtp):
    make.user(make.org(), email="english@example.no", locale="en")
    client.post("/password/forgot", data={"csrf_token": auth.csrf("/password/forgot"),
                                          "email": "english@example.no"})
    [message] = smtp.wait_for(1)
    assert message["Content-Language"] == "en"
    assert message["Subject"] == "New password for Kretsløp"


def _csrf(client) -> str:
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
