"""Each sign-in is a row in user_sessions: logging out ends that row (a copied cookie stops
working), a password change ends the others, a reset can revoke the API tokens; the list
under /account/security ends one session or all but this one."""

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
    assert "Du er logget ut." in page


def test_logout_ends_only_this_session_and_login_again_works(app, client, auth, make):
    user = make.user(make.org())
    laptop = app.test_client()
    laptop.post("/login", data={"email": user.email, "password": make.password,
                                "csrf_token": _csrf(laptop)})
    assert laptop.get("/api/v1/me").status_code == 200
    auth.login(user.email)
    auth.logout()
    assert client.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 200  # the laptop's session is its own
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
