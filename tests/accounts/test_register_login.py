"""Registration, login, logout, rate limiting and session safety through real pages."""

import re

import pytest
import sqlalchemy as sa

from app.accounts.models import Membership, Organization, User
from app.db import db
from tests.accounts import signup


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _register_data(auth, **overrides):
    data = {
        "csrf_token": auth.csrf("/register"),
        "name": "Kari Nordmann",
        "email": "kari@kontor.no",
        "org_name": "Nesbru Kontor AS",
        "org_kind": "business",
        "orgnr": "984 851 006",
        "address": "Nesbruveien 1",
        "postcode": "1394",
        "city": "Nesbru",
    }
    data.update(overrides)
    return data


def test_register_creates_user_and_org_with_owner_role_and_logs_in(client, auth):
    response = signup.register(client, _register_data(auth))  # through the mailed link
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "kari@kontor.no"))
    assert user is not None and user.password_hash.startswith("scrypt:")
    assert user.password_hash != "lang-nok-passord"
    [membership] = user.memberships
    assert membership.role == "owner"
    assert membership.organization.orgnr == "984851006"
    assert membership.organization.municipality_number == "3203"
    me = client.get("/api/v1/me").get_json()
    assert me["email"] == "kari@kontor.no"
    assert me["organizations"][0]["role"] == "owner"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Ugyldig e-postadresse"),
        ("orgnr", "984851007", "Ugyldig organisasjonsnummer"),
        ("orgnr", "", "Organisasjonsnummer må fylles ut"),
        ("postcode", "13a4", "Postnummer må være fire siffer"),
        ("org_kind", "bank", "Ikke et gyldig valg"),
        ("name", "", "Fyll inn navn"),
    ],
)
def test_register_bad_input_shows_field_error_and_changes_nothing(client, auth, field, value,
                                                                 message):
    before = (_count(User), _count(Organization), _count(Membership))
    response = client.post("/register", data=_register_data(auth, **{field: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert (_count(User), _count(Organization), _count(Membership)) == before


def test_nonprofit_may_register_without_orgnr(client, auth):
    response = signup.register(client, _register_data(auth, org_kind="nonprofit", orgnr=""))
    assert response.status_code == 302


def test_duplicate_orgnr_is_refused_and_an_existing_email_is_not_revealed(client, auth, make):
    org = make.org("business")
    make.user(org, email="kari@kontor.no")
    before = _count(User)
    response = client.post("/register", data=_register_data(auth, orgnr=org.orgnr))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Det finnes allerede en bruker med denne e-postadressen" not in html
    assert "allerede registrert" in html  # organisation numbers are public anyway
    assert _count(User) == before


def test_missing_csrf_token_is_refused(client):
    response = client.post("/register", data={"name": "x"})
    assert response.status_code == 400
    assert "sikkerhetsnøkkel" in response.get_data(as_text=True)


def test_login_logout_and_wrong_password(client, auth, make):
    user = make.user(make.org())
    bad = auth.login(user.email, "wrong password!")
    assert bad.status_code == 422
    assert "Feil e-post eller passord" in bad.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401
    good = auth.login(user.email)
    assert good.status_code == 302
    assert client.get("/api/v1/me").status_code == 200
    auth.logout()
    assert client.get("/api/v1/me").status_code == 401


def test_login_redirect_only_to_local_paths(client, auth, make):
    user = make.user(make.org())
    for target, expected in [("/account", "/account"), ("https://evil.example/", "/"),
                             ("//evil.example/x", "/"), ("/\\evil.example", "/")]:
        token = auth.csrf()
        response = client.post(f"/login?next={target}", data={
            "email": user.email, "password": make.password, "csrf_token": token})
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target
        auth.logout()


def test_session_is_renewed_at_login(client, auth, make):
    """Session fixation: data planted before login does not survive it."""
    user = make.user(make.org())
    with client.session_transaction() as session:
        session["planted"] = "attacker"
    auth.login(user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id", "").startswith(f"{user.id}:")


def test_pages_are_labelled_and_have_lang(client):
    for path in ("/login", "/register", "/password/forgot"):
        html = client.get(path).get_data(as_text=True)
        assert re.search(r'<html lang="nb">', html)
        ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
        for control_id in ids:
            if control_id == "csrf_token":
                continue
            assert f'for="{control_id}"' in html, f"{path}: #{control_id} has no label"
