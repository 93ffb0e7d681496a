"""Each sign-in is a row in user_sessions: logging out ends every row of the person (a copied
cookie stops working, on every device), a password change ends them all and gives this browser
a fresh one, a reset can revoke the API tokens; the list under /account/security ends one
session or all but this one."""

import email
import re
from pathlib import Path

from app.db import db


def _copy_session(source, target) -> None:
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value, domain=cookie.domain)


def _csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _reset_link(app, address: str) -> str:
    """The newest reset link mailed to ``address`` (no MAIL_SERVER: .eml files)."""
    files = sorted(Path(app.config["MAIL_DIR"]).glob("*.eml"), key=lambda p: p.stat().st_mtime)
    for path in reversed(files):
        message = email.message_from_bytes(path.read_bytes())
        if message["To"] == address:
            body = message.get_payload(decode=True).decode()
            return re.search(r"http://kretslop\.test(/password/reset/\S+)", body).group(1)
    raise AssertionError(f"no mail to {address}")


def test_a_copied_cookie_stops_working_after_logout(app, client, auth, make):
    user = make.user(make.org())
    assert auth.login(user.email).status_code == 302
    thief = app.test_client()
    _copy_session(client, thief)
    assert thief.get("/api/v1/me").status_code == 200  # the copy works while logged in

    response = auth.logout()
    assert response.status_code == 302
    assert thief.get("/api/v1/me").status_code == 401
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Du er logget ut på alle enheter" in page


def test_logout_ends_the_other_devices_too_and_login_again_works(app, client, auth, make):
    user = make.user(make.org())
    laptop = app.test_client()
    laptop.post("/login", data={"email": user.email, "password": make.password,
                                "csrf_token": _csrf(laptop)})
    assert laptop.get("/api/v1/me").status_code == 200
    auth.login(user.email)
    auth.logout()
    assert client.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 401  # issue #14: logout ends every device
    assert auth.login(user.email).status_code == 302
    assert client.get("/api/v1/me").get_json()["email"] == user.email


def test_a_password_change_ends_copied_sessions(app, client, auth, make):
    from app.accounts.services import set_password
    from app.db import commit

    user = make.user(make.org())
    auth.login(user.email)
    copy = app.test_client()
    _copy_session(client, copy)
    set_password(user, "et helt annet passord")
    commit()
    assert copy.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_reset_revokes_every_api_token_when_ticked(app, client, auth, make):
    user = make.user(make.org(), email="nokler@example.no")
    tokens = [make.token(user), make.token(user)]
    client.post("/password/forgot", data={"csrf_token": auth.csrf("/password/forgot"),
                                          "email": user.email})
    link = _reset_link(app, user.email)
    page = client.get(link).get_data(as_text=True)
    assert "Trekk tilbake alle API-nøkler" in page
    assert re.search(r'<input[^>]*checked[^>]*name="revoke_tokens"|'
                     r'<input[^>]*name="revoke_tokens"[^>]*checked', page)  # on by default
    response = client.post(link, data={"csrf_token": auth.csrf(link),
                                       "password": "helt nytt passord", "revoke_tokens": "y"})
    assert response.status_code == 302
    for token in tokens:
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 401


def test_reset_keeps_api_tokens_when_unticked(app, client, auth, make):
    user = make.user(make.org(), email="behold@example.no")
    token = make.token(user)
    client.post("/password/forgot", data={"csrf_token": auth.csrf("/password/forgot"),
                                          "email": user.email})
    link = _reset_link(app, user.email)
    response = client.post(link, data={"csrf_token": auth.csrf(link),
                                       "password": "helt nytt passord"})
    assert response.status_code == 302
    db.session.expire_all()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200


def test_a_reset_link_survives_a_logout_elsewhere(app, client, auth, make):
    """Logging out replaces the session token; reset links are bound to the password."""
    user = make.user(make.org(), email="glemsk2@example.no")
    client.post("/password/forgot", data={"csrf_token": auth.csrf("/password/forgot"),
                                          "email": user.email})
    link = _reset_link(app, user.email)
    phone = app.test_client()
    phone.post("/login", data={"email": user.email, "password": make.password,
                               "csrf_token": _csrf(phone)})
    phone.post("/logout", data={"csrf_token": _csrf(phone, "/")})
    assert client.get(link).status_code == 200


# --- the list under /account/security ----------------------------------------------------

FIREFOX = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 "
           "Firefox/133.0")
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def _sign_in(app, user, password, agent, address):
    browser = app.test_client()
    environ = {"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address}
    browser.environ_base.update(environ)
    response = browser.post("/login", data={"email": user.email, "password": password,
                                            "csrf_token": _csrf(browser)})
    assert response.status_code == 302
    return browser


def test_the_list_shows_each_session_with_device_and_network(app, make):
    from app.accounts.sessions import UserSession

    user = make.user(make.org())
    laptop = _sign_in(app, user, make.password, FIREFOX, "203.0.113.77")
    _sign_in(app, user, make.password, SAFARI, "2001:db8:1234:5678::9")
    page = laptop.get("/account/security").get_data(as_text=True)
    assert "Firefox (Windows)" in page and "Safari (iPhone)" in page
    assert "203.0.113.0/24" in page and "2001:db8:1234::/48" in page
    assert "203.0.113.77" not in page
    assert page.count("Denne økten") == 1
    rows = db.session.query(UserSession).filter_by(user_id=user.id).all()
    assert {r.place for r in rows} == {"203.0.113.0/24", "2001:db8:1234::/48"}


def test_end_one_session_logs_that_browser_out(app, make):
    from app.accounts.sessions import UserSession

    user = make.user(make.org())
    laptop = _sign_in(app, user, make.password, FIREFOX, "203.0.113.77")
    phone = _sign_in(app, user, make.password, SAFARI, "198.51.100.5")
    phone_row = db.session.query(UserSession).filter_by(
        user_id=user.id, device="Safari (iPhone)").one()
    response = laptop.post(f"/account/security/sessions/{phone_row.id}/end",
                           data={"csrf_token": _csrf(laptop, "/account/security")})
    assert response.status_code == 302
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 200
    # someone else's session is not found
    other = make.user(make.org())
    stranger = _sign_in(app, other, make.password, FIREFOX, "192.0.2.1")
    laptop_row = db.session.query(UserSession).filter_by(
        user_id=user.id, ended_at=None).one()
    assert stranger.post(f"/account/security/sessions/{laptop_row.id}/end", data={
        "csrf_token": _csrf(stranger, "/account/security")}).status_code == 404
    assert laptop.get("/api/v1/me").status_code == 200


def test_end_all_other_sessions_keeps_this_one(app, make):
    user = make.user(make.org())
    laptop = _sign_in(app, user, make.password, FIREFOX, "203.0.113.77")
    phone = _sign_in(app, user, make.password, SAFARI, "198.51.100.5")
    tablet = _sign_in(app, user, make.password, SAFARI, "198.51.100.6")
    response = laptop.post("/account/security/sessions/end-others",
                           data={"csrf_token": _csrf(laptop, "/account/security")})
    assert response.status_code == 302
    assert phone.get("/api/v1/me").status_code == 401
    assert tablet.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 200
    assert "2 andre økter er avsluttet" in laptop.get("/account/security").get_data(as_text=True)


def test_last_seen_is_written_at_most_every_five_minutes(app, make):
    from datetime import timedelta

    from app.accounts.sessions import UserSession

    user = make.user(make.org())
    laptop = _sign_in(app, user, make.password, FIREFOX, "203.0.113.77")
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    first = row.last_seen_at
    laptop.get("/api/v1/me")
    db.session.expire_all()
    assert row.last_seen_at == first  # no write per request
    row.last_seen_at = first - timedelta(minutes=6)
    db.session.commit()
    laptop.get("/api/v1/me")
    db.session.expire_all()
    assert row.last_seen_at > first - timedelta(minutes=1)


def test_api_tokens_are_made_and_revoked_on_the_security_page(app, client, auth, make):
    from app.accounts.models import ApiToken

    user = make.user(make.org())
    auth.login(user.email)
    response = client.post("/account/security/tokens", data={
        "name": "ERP", "csrf_token": _csrf(client, "/account/security")})
    assert response.status_code == 200
    raw = re.search(r"<code>(kl_[^<]+)</code>", response.get_data(as_text=True)).group(1)
    reader = app.test_client()
    reader.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    assert reader.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}
                      ).status_code == 200
    db.session.expire_all()
    token = db.session.query(ApiToken).filter_by(user_id=user.id).one()
    assert token.last_used_place == "198.51.100.0/24"
    page = client.get("/account/security").get_data(as_text=True)
    assert "198.51.100.0/24" in page and "ERP" in page
    assert client.post(f"/account/security/tokens/{token.id}/revoke", data={
        "csrf_token": _csrf(client, "/account/security")}).status_code == 302
    assert reader.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}
                      ).status_code == 401
    too_long = client.post("/account/security/tokens", data={
        "name": "x" * 101, "csrf_token": _csrf(client, "/account/security")})
    assert too_long.status_code == 422
    assert db.session.query(ApiToken).filter_by(user_id=user.id).count() == 1


def test_the_device_label_and_the_network():
    from app.accounts.sessions import device_label, truncate_address

    assert device_label(FIREFOX) == "Firefox (Windows)"
    assert device_label(SAFARI) == "Safari (iPhone)"
    assert device_label("") == ""
    assert truncate_address("10.1.2.3") == "10.1.2.0/24"
    assert truncate_address("::ffff:10.1.2.3") == "10.1.2.0/24"
    assert truncate_address("not an address") == ""
