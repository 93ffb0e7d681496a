"""Two-factor sign-in (TOTP) through the real pages: set-up with a code from the secret
shown on the page, the second sign-in step, recovery codes, replay, turning it off, the
organisation requirement and the site-admin rule."""

import re

import pyotp
import sqlalchemy as sa

from app.accounts import two_factor
from app.accounts.sessions import UserSession
from app.audit import AuditEntry
from app.db import db
from tests.conftest import TOTP_SECRETS, Builders


def _csrf(client, path) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _password_step(client, email, password=Builders.password):
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": _csrf(client, "/login")})


def _turn_on(client) -> tuple[str, list[str]]:
    """Set up two-factor as a person would: read the key off the page, type a code."""
    page = client.get("/account/security/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "<svg" in page  # the QR code, drawn by the server
    response = client.post("/account/security/two-factor", data={
        "code": pyotp.TOTP(secret).now(),
        "csrf_token": re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>",
                       response.get_data(as_text=True))
    return secret, codes


def test_turn_on_then_sign_in_with_a_code(app, client, auth, make):
    user = make.user(make.org())
    auth.login(user.email)
    secret, codes = _turn_on(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    row = two_factor.setup_of(user)
    assert row.confirmed_at is not None
    assert secret not in row.secret_encrypted  # encrypted at rest
    assert two_factor.secret_of(row) == secret
    stored = db.session.scalars(sa.select(two_factor.RecoveryCode.code_hash)).all()
    assert not any(code.replace("-", "") in h for code in codes for h in stored)
    assert db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "user.two_factor_on", AuditEntry.target_id == user.id))
    auth.logout()

    other = app.test_client()
    response = _password_step(other, user.email)
    assert response.status_code == 302 and "/login/two-factor" in response.headers["Location"]
    assert other.get("/api/v1/me").status_code == 401  # the password alone is not enough
    wrong = other.post("/login/two-factor", data={"code": "000000",
                                                  "csrf_token": _csrf(other, "/login/two-factor")})
    assert wrong.status_code == 422
    assert "Feil kode" in wrong.get_data(as_text=True)
    totp = pyotp.TOTP(secret)
    step = totp.timecode(two_factor.utcnow()) + 1  # the step after set-up's (no replay)
    right = other.post("/login/two-factor", data={
        "code": totp.generate_otp(step), "csrf_token": _csrf(other, "/login/two-factor")})
    assert right.status_code == 302
    assert other.get("/api/v1/me").get_json()["email"] == user.email
    db.session.expire_all()
    live = db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))).all()
    assert [s.two_factor_passed for s in live] == [True]


def test_the_same_code_is_refused_a_second_time(app, client, auth, make):
    user = make.user(make.org(), two_factor=True)
    totp = pyotp.TOTP(TOTP_SECRETS[user.email])
    code = totp.now()
    first = app.test_client()
    _password_step(first, user.email)
    assert first.post("/login/two-factor", data={
        "code": code, "csrf_token": _csrf(first, "/login/two-factor")}).status_code == 302
    second = app.test_client()
    _password_step(second, user.email)
    replay = second.post("/login/two-factor", data={
        "code": code, "csrf_token": _csrf(second, "/login/two-factor")})
    assert replay.status_code == 422
    assert second.get("/api/v1/me").status_code == 401


def test_a_recovery_code_works_once(app, client, auth, make):
    user = make.user(make.org())
    auth.login(user.email)
    _secret, codes = _turn_on(client)
    auth.logout()
    first = app.test_client()
    _password_step(first, user.email)
    response = first.post("/login/two-factor", data={
        "code": codes[3].upper(), "csrf_token": _csrf(first, "/login/two-factor")})
    assert response.status_code == 302
    assert first.get("/api/v1/me").status_code == 200
    assert two_factor.recovery_codes_left(user) == 9
    again = app.test_client()
    _password_step(again, user.email)
    response = again.post("/login/two-factor", data={
        "code": codes[3], "csrf_token": _csrf(again, "/login/two-factor")})
    assert response.status_code == 422
    assert again.get("/api/v1/me").status_code == 401


def test_the_second_step_without_a_password_or_after_five_minutes(app, client, make):
    user = make.user(make.org(), two_factor=True)
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    _password_step(client, user.email)
    with client.session_transaction() as sess:
        pending = dict(sess["two_factor_pending"])
        pending["at"] -= 301
        sess["two_factor_pending"] = pending
    code = pyotp.TOTP(TOTP_SECRETS[user.email]).now()
    response = client.post("/login/two-factor", data={"code": code,
                                                      "csrf_token": _csrf(client, "/login")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/api/v1/me").status_code == 401


def test_turning_off_needs_password_and_code(app, client, auth, make):
    user = make.user(make.org())
    auth.login(user.email)
    secret, codes = _turn_on(client)
    token = _csrf(client, "/account/security")
    bad = client.post("/account/security/two-factor/off", data={
        "password": "feil passord her", "code": "123456", "csrf_token": token})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Feil passord." in html and "Feil kode." in html
    assert two_factor.is_enabled(user)
    good = client.post("/account/security/two-factor/off", data={
        "password": Builders.password, "code": codes[0], "csrf_token": token})
    assert good.status_code == 302
    db.session.expire_all()
    assert not two_factor.is_enabled(user)
    assert two_factor.recovery_codes_left(user) == 0


def test_new_recovery_codes_replace_the_old(app, client, auth, make):
    user = make.user(make.org())
    auth.login(user.email)
    secret, old = _turn_on(client)
    response = client.post("/account/security/two-factor/recovery-codes", data={
        "password": Builders.password, "code": old[0],
        "csrf_token": _csrf(client, "/account/security")})
    assert response.status_code == 200
    new = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert two_factor.verify(user, old[1]) is None
    assert two_factor.verify(user, new[1]) == "recovery"


def test_a_wrong_set_up_code_is_422_and_leaves_it_off(client, auth, make):
    user = make.user(make.org())
    auth.login(user.email)
    client.get("/account/security/two-factor")
    response = client.post("/account/security/two-factor", data={
        "code": "12ab", "csrf_token": _csrf(client, "/account/security")})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert not two_factor.is_enabled(user)


def test_an_organisation_can_require_it(app, client, auth, make):
    org = make.org()
    owner = make.user(org, "owner")
    member = make.user(org, "member")
    auth.login(owner.email)
    assert "Krev tofaktor for alle medlemmer" in client.get(
        f"/organizations/{org.id}").get_data(as_text=True)
    response = client.post(f"/organizations/{org.id}/two-factor", data={
        "require": "1", "csrf_token": _csrf(client, f"/organizations/{org.id}")})
    assert response.status_code == 302
    db.session.expire_all()
    assert org.require_two_factor is True
    assert db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "organization.require_two_factor"))

    phone = app.test_client()
    _password_step(phone, member.email)
    blocked = phone.get("/listings/mine")
    assert blocked.status_code == 302
    assert blocked.headers["Location"].endswith("/account/security/two-factor")
    assert phone.get("/account/security/two-factor").status_code == 200
    _turn_on(phone)
    assert phone.get("/listings/mine").status_code == 200
    # A member cannot change the rule; an owner can lift it.
    assert phone.post(f"/organizations/{org.id}/two-factor", data={
        "require": "0", "csrf_token": _csrf(phone, "/")}).status_code == 403


def test_a_site_admin_must_use_it_and_needs_it_for_admin(app, client, make):
    from app.accounts.services import _new_user
    from app.db import commit

    admin = _new_user("ny-admin@example.no", "Ny Admin", Builders.password, site_admin=True)
    commit()
    _password_step(client, admin.email)
    response = client.get("/admin")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/security/two-factor")
    _turn_on(client)  # the code just given counts for this session
    assert client.get("/admin").status_code == 200


def test_a_site_admin_signs_in_with_the_second_step(app, client, auth, make):
    admin = make.user(None, site_admin=True)
    response = _password_step(client, admin.email)
    assert "/login/two-factor" in response.headers["Location"]
    assert client.get("/admin").status_code in (302, 401)
    auth.login(admin.email)  # the builders' helper gives the code
    assert client.get("/admin").status_code == 200


def test_an_admin_session_that_did_not_pass_the_second_step_cannot_reach_admin(
        app, client, auth, make):
    from app.db import commit
    from tests.conftest import enroll_two_factor

    user = make.user(None)
    auth.login(user.email)  # no two-factor yet: a session without the second step
    user.is_site_admin = True
    enroll_two_factor(user)
    commit()
    response = client.get("/admin")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/security")
    auth.logout()
    auth.login(user.email)  # now through the second step
    assert client.get("/admin").status_code == 200


def test_min_konto_shows_who_you_are_your_organisations_and_two_factor(client, auth, make):
    org = make.org(name="Gjenbruk Vest AS")
    user = make.user(org, "admin", name="Kari Nordmann")
    auth.login(user.email)
    page = client.get("/account").get_data(as_text=True)
    assert "Kari Nordmann" in page and user.email in page and "Norsk bokmål" in page
    assert "Gjenbruk Vest AS" in page and "Administrator" in page
    assert re.search(r'data-color="warning">Av<', page)
    _turn_on(client)
    assert re.search(r'data-color="success">På<', client.get("/account").get_data(as_text=True))


def test_the_operator_can_reset_two_factor_for_a_locked_out_person(app, client, auth, make,
                                                                    runner):
    user = make.user(make.org(), two_factor=True)
    auth.login(user.email)
    assert client.get("/api/v1/me").status_code == 200
    result = runner.invoke(args=["users", "reset-two-factor", user.email])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not two_factor.is_enabled(user)
    assert client.get("/api/v1/me").status_code == 401  # every session ended
    assert db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "user.two_factor_reset", AuditEntry.target_id == user.id))
    assert runner.invoke(args=["users", "reset-two-factor", "ingen@example.no"]).exit_code == 2
