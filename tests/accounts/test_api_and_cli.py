"""API foundation (Bearer tokens, problem+json, /me, tokens) and the account CLI."""

import sqlalchemy as sa

from app.accounts.models import ApiToken, Organization, User
from app.db import db
from tests.conftest import bearer
from tests.openapi_check import check_response


def test_me_with_bearer_token(client, make):
    org = make.org("municipality", name="Asker kommune")
    user = make.user(org, "admin", site_admin=False)
    response = client.get("/api/v1/me", headers=bearer(make.token(user)))
    check_response(response)
    body = response.get_json()
    assert body["organizations"] == [{
        "id": org.id, "name": "Asker kommune", "kind": "municipality", "orgnr": org.orgnr,
        "postcode": "", "municipality_number": "3203", "role": "admin",
        "verification": "verified", "registry_form": "KOMM", "has_municipal_access": True}]
    assert body["can_see_reporting"] is True


def test_bad_credentials_are_401_problems(client, make):
    for headers in ({}, {"Authorization": "Bearer kl_nope"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer "}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 401


def test_token_lifecycle_and_revocation(client, make):
    user = make.user(make.org())
    first = make.token(user)
    created = client.post("/api/v1/tokens", json={"name": "ERP"}, headers=bearer(first))
    assert created.status_code == 201
    assert created.headers["Location"] == f"/api/v1/tokens/{created.get_json()['id']}"
    raw = created.get_json()["token"]
    stored = db.session.get(ApiToken, created.get_json()["id"])
    assert stored.token_hash != raw and raw not in stored.token_hash  # only a hash is kept
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{stored.id}", headers=bearer(first))
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    again = client.delete(f"/api/v1/tokens/{stored.id}", headers=bearer(first))
    assert again.status_code == 409


def test_token_endpoint_bad_input_changes_nothing(client, make):
    user = make.user(make.org())
    token = make.token(user)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken))
    cases = [
        (dict(json={"name": "x" * 101}), 422, "name"),
        (dict(json={"name": 5}), 422, "name"),
        (dict(json={"nme": "typo"}), 422, "nme"),
        (dict(json=["a"]), 422, "_body"),
        (dict(data="name=x", content_type="application/x-www-form-urlencoded"), 415, None),
        (dict(data="{bad json", content_type="application/json"), 400, None),
    ]
    for kwargs, status, field in cases:
        response = client.post("/api/v1/tokens", headers=bearer(token), **kwargs)
        assert response.status_code == status, (kwargs, response.get_json())
        assert response.mimetype == "application/problem+json"
        if field:
            assert field in response.get_json()["errors"]
        check_response(response)
    other = make.user(make.org())
    other_token = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)).one()
    stolen = client.delete(f"/api/v1/tokens/{other_token.id}", headers=bearer(make.token(other)))
    assert stolen.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == count + 1


def test_oversize_body_is_413(app, client, make):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    token = make.token(make.user(make.org()))
    response = client.post("/api/v1/tokens", json={"name": "x" * 5000}, headers=bearer(token))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_session_writes_need_the_csrf_header(client, auth, make):
    user = make.user(make.org())
    auth.login(user.email)
    refused = client.post("/api/v1/tokens", json={"name": "x"})
    assert refused.status_code == 403
    allowed = client.post("/api/v1/tokens", json={"name": "x"},
                          headers={"X-CSRFToken": auth.csrf("/")})
    assert allowed.status_code == 201


def test_unknown_api_path_and_method_are_problems(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.put("/api/v1/me")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]


def test_cli_users_create_joins_existing_org_and_tokens_create(app, runner):
    result = runner.invoke(args=["users", "create", "eier@heggedal.no", "--password",
                                 "passord-passord", "--org", "Heggedal Bygg AS", "--org-kind",
                                 "business", "--orgnr", "984851006"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "ansatt@heggedal.no", "--password",
                                 "passord-passord", "--org", "heggedal bygg as", "--org-kind",
                                 "business", "--role", "member"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 1
    member = db.session.scalar(sa.select(User).where(User.email == "ansatt@heggedal.no"))
    assert member.role_in(member.memberships[0].organization_id) == "member"

    token = runner.invoke(args=["tokens", "create", "ansatt@heggedal.no"])
    raw = token.output.strip().splitlines()[-1]
    client = app.test_client()
    assert client.get("/api/v1/me", headers=bearer(raw)).get_json()["email"] == \
        "ansatt@heggedal.no"


def test_cli_refuses_bad_input(runner):
    bad_orgnr = runner.invoke(args=["users", "create", "a@b.no", "--password", "passord-passord",
                                    "--org", "X", "--org-kind", "business", "--orgnr",
                                    "123456789"])
    assert bad_orgnr.exit_code == 2
    assert "orgnr" in bad_orgnr.output
    short = runner.invoke(args=["users", "create", "a@b.no", "--password", "kort", "--org", "X",
                                "--org-kind", "nonprofit"])
    assert short.exit_code == 2
    missing = runner.invoke(args=["tokens", "create", "nobody@example.no"])
    assert missing.exit_code == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
