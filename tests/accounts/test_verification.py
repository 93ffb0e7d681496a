"""Verified organisations and municipal privileges: registration checked against a local
Enhetsregisteret (tests/registry_server.py), the check completed later through the outbox
when the registry is slow, down or answers garbage, and a site admin's services."""

import pytest
import sqlalchemy as sa

from app import audit
from app.accounts import verification
from app.accounts.models import Organization, User
from app.audit import AuditEntry
from app.db import commit, db
from app.errors import ValidationFailed
from app.jobs import run_due
from app.outbox import OutboxEvent
from tests import registry_server as brreg
from tests.accounts import signup
from tests.conftest import bearer

REPORTING = ("/reporting", "/reporting/download?table=eu&format=csv",
             "/reporting/download?table=records&format=csv")
REPORTING_API = ("/api/v1/reports/eu-2021-19", "/api/v1/reports/reuse",
                 "/api/v1/reports/records?format=csv")


@pytest.fixture
def server():
    with brreg.RegistryServer() as running:
        yield running


@pytest.fixture
def app_config(app_config, server):
    return {**app_config, "BRREG_API_URL": server.url, "BRREG_TIMEOUT_SECONDS": 0.5}


def _register(client, auth, orgnr, kind="municipality", org_name="Asker kommune", **extra):
    data = {"csrf_token": auth.csrf("/register"), "name": "Kari Nordmann",
            "email": "kari@asker.no", "org_name": org_name,
            "org_kind": kind, "orgnr": orgnr, "address": "", "postcode": "", "city": ""}
    data.update(extra)
    return signup.register(client, data)  # confirmed through the mailed link


def _org(orgnr) -> Organization:
    db.session.expire_all()
    return db.session.scalar(sa.select(Organization).where(Organization.orgnr == orgnr))


def _pending(org_id):
    return db.session.scalars(sa.select(OutboxEvent).where(
        OutboxEvent.topic == verification.TOPIC)).all()


def _make_due():
    db.session.execute(sa.update(OutboxEvent).values(next_attempt_at=OutboxEvent.created_at))
    commit()


def _token(client, auth, email="kari@asker.no"):
    from app.accounts.services import create_api_token

    user = db.session.scalar(sa.select(User).where(User.email == email))
    _t, raw = create_api_token(user, "t")
    commit()
    return raw


def test_self_registered_kommune_is_unverified_and_gets_403_everywhere(client, auth, app):
    app.config["BRREG_API_URL"] = ""  # the registry off: nothing vouches for the number
    from app.accounts.orgnr import make

    response = _register(client, auth, make(97654321))
    assert response.status_code == 302
    org = _org(make(97654321))
    assert org.kind == "municipality" and org.verification_state == "unverified"
    assert not org.has_municipal_access
    for path in REPORTING:
        assert client.get(path).status_code == 403, path
    raw = _token(client, auth)
    for path in REPORTING_API:
        assert client.get(path, headers=bearer(raw)).status_code == 403, path
    assert client.get("/api/v1/me", headers=bearer(raw)).get_json()["can_see_reporting"] is False


def test_komm_from_the_registry_is_verified_and_reads_the_reports(client, auth, server):
    response = _register(client, auth, brreg.KOMM, org_name="")  # the name comes from there
    assert response.status_code == 302
    org = _org(brreg.KOMM)
    assert (org.name, org.verification_state, org.registry_form) == ("ASKER KOMMUNE",
                                                                      "verified", "KOMM")
    assert (org.address, org.postcode, org.city, org.municipality_number) == (
        "Postboks 353", "1372", "ASKER", "3203")
    assert org.registry_data["sector"] == "6500" and org.registry_status == "found"
    assert org.has_municipal_access
    for path in REPORTING:
        assert client.get(path).status_code == 200, path
    raw = _token(client, auth)
    for path in REPORTING_API:
        assert client.get(path, headers=bearer(raw)).status_code == 200, path
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.target_id == org.id))
    assert entry.action == "organization.registry_check" and entry.actor_label == "system"
    assert entry.before["verification_state"] == "unverified"
    assert entry.after["verification_state"] == "verified"


@pytest.mark.parametrize(("orgnr", "kind", "access"), [
    (brreg.AS, "municipality", False),  # a verified company that chose "kommune"
    (brreg.FYLK, "business", True),  # privileges follow the registry, not the choice
    (brreg.FLI, "nonprofit", False),
])
def test_privileges_come_from_the_registry_form_not_the_chosen_kind(client, auth, orgnr,
                                                                     kind, access):
    assert _register(client, auth, orgnr, kind=kind, org_name="X").status_code == 302
    org = _org(orgnr)
    assert org.verification_state == "verified" and org.has_municipal_access is access
    assert client.get("/reporting").status_code == (200 if access else 403)


@pytest.mark.parametrize(("orgnr", "message"), [
    (brreg.UNKNOWN, "finnes ikke i Enhetsregisteret"),
    (brreg.REMOVED, "slettet fra Enhetsregisteret (2024-05-31)"),
    (brreg.REMOVED_200, "slettet fra Enhetsregisteret (2023-12-31)"),
    (brreg.BANKRUPT, "konkurs"),
    (brreg.LIQUIDATION, "under avvikling"),
])
def test_refused_numbers_get_a_field_error_and_nothing_is_made(client, auth, orgnr, message):
    response = _register(client, auth, orgnr, kind="business")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'id="orgnr-error"' in page
    assert _org(orgnr) is None
    assert db.session.scalar(sa.select(User).where(User.email == "kari@asker.no")) is None


@pytest.mark.parametrize("trouble", ["down", "500", "garbage", "slow"])
def test_registry_trouble_never_blocks_sign_up_and_the_check_completes_later(
        client, auth, server, trouble):
    orgnr = brreg.KOMM
    if trouble == "down":
        server.down = True
    else:
        source = {"500": brreg.ERROR_500, "garbage": brreg.GARBAGE, "slow": brreg.SLOW}
        server.answers[orgnr] = server.answers[source[trouble]]
        if trouble == "slow":
            server.slow.add(orgnr)
    response = _register(client, auth, orgnr, org_name="Asker kommune")
    assert response.status_code == 302  # signed up
    org = _org(orgnr)
    assert org.verification_state == "unverified" and not org.has_municipal_access
    [event] = _pending(org.id)
    assert event.status == "pending" and event.attempts == 1  # tried after commit, failed
    assert "Enhetsregisteret" in event.last_error
    assert event.next_attempt_at > event.created_at  # backoff
    assert client.get("/reporting").status_code == 403
    # The registry recovers; the retry completes the check.
    server.down = False
    server.slow.discard(orgnr)
    server.answers[orgnr] = brreg.NUMBERS[brreg.KOMM]
    _make_due()
    assert run_due() == 1
    org = _org(orgnr)
    assert org.verification_state == "verified" and org.has_municipal_access
    assert client.get("/reporting").status_code == 200


def test_a_definitive_answer_found_later_rejects_and_tells_the_owner(client, auth, server,
                                                                      app, tmp_path):
    server.down = True
    assert _register(client, auth, brreg.BANKRUPT, kind="business").status_code == 302
    server.down = False
    _make_due()
    run_due()  # the e-mail is delivered inline in the same loop
    org = _org(brreg.BANKRUPT)
    assert org.verification_state == "rejected" and org.registry_status == "bankrupt"
    mails = [p.read_text("utf-8") for p in (tmp_path / "mail").glob("*.eml")]
    assert any("ikke godkjent" in m and "kari@asker.no" in m for m in mails)


def test_site_admin_services_grant_revoke_and_need_a_reason(make):
    admin = make.user(None, site_admin=True)
    company = make.org("business")  # verified AS
    assert not company.has_municipal_access
    with pytest.raises(ValidationFailed) as missing:
        verification.grant_municipal_access(company, admin, "  ")
    assert "reason" in missing.value.errors
    verification.grant_municipal_access(company, admin, "Interkommunalt selskap, avtale 2026")
    assert company.has_municipal_access
    kommune = make.org("municipality")  # verified KOMM
    verification.revoke_municipal_access(kommune, admin, "Feil enhet")
    assert not kommune.has_municipal_access
    officer = make.user(kommune)
    assert not officer.can_see_reporting
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action.like("organization.%_municipal_access"))
        .order_by(AuditEntry.id)).all()
    assert [(e.action, e.before["municipal_access"], e.after["municipal_access"],
             audit.shown_actor(e)) for e in entries] == [
        ("organization.grant_municipal_access", "auto", "granted", admin.email),
        ("organization.revoke_municipal_access", "auto", "revoked", admin.email)]
    # a grant needs a verified organisation too
    unverified = make.org("municipality", verified=False)
    verification.grant_municipal_access(unverified, admin, "Kommunen, ringt og sjekket")
    assert not unverified.has_municipal_access
    verification.verify(unverified, admin, "Ringt kommunen og sjekket")
    assert unverified.has_municipal_access


def test_suspension_ends_sessions_and_refuses_login(client, auth, make):
    from app.accounts.services import add_member

    admin = make.user(None, site_admin=True)
    org = make.org("business")
    owner = make.user(org)
    raw = make.token(owner)
    other = make.org("reuse_shop")
    both = make.user(org, "member")
    add_member(both, other, "member")
    commit()
    auth.login(owner.email)
    assert client.get("/account").status_code == 200
    verification.suspend(org, admin, "Svindelmistanke")
    commit()
    assert client.get("/account").status_code == 302  # the session is over
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    assert auth.login(owner.email).status_code == 422  # and no new one
    assert auth.login(both.email).status_code == 302  # still in a live organisation
    auth.logout()
    with pytest.raises(ValidationFailed):
        verification.reinstate(org, admin, "")
    verification.reinstate(org, admin, "Avklart")
    commit()
    assert org.verification_state == "verified"
    assert auth.login(owner.email).status_code == 302
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.target_id == org.id).order_by(AuditEntry.id)).all()
    assert actions == ["organization.suspend", "organization.reinstate"]


def test_suspend_and_reinstate_emit_listing_changed_for_every_listing(app, make):
    from decimal import Decimal

    from app.listings.categories import ensure_categories
    from app.listings.models import Category, Listing

    ensure_categories()
    admin = make.user(None, site_admin=True)
    org = make.org("business")
    category = db.session.scalars(sa.select(Category)).first()
    ids = []
    for n in range(3):
        listing = Listing(organization_id=org.id, title=f"Stol {n}", category_id=category.id,
                          condition="good", quantity=Decimal(1), quantity_available=Decimal(1),
                          unit="pcs", postcode="1384", district="", lat=59.8, lng=10.4,
                          status="published")
        db.session.add(listing)
        db.session.flush()
        ids.append(listing.id)
    before = db.session.scalar(sa.select(sa.func.max(OutboxEvent.id))) or 0
    verification.suspend(org, admin, "Svindelmistanke")
    payloads = db.session.scalars(sa.select(OutboxEvent.payload).where(
        OutboxEvent.id > before, OutboxEvent.topic == "listing.changed")).all()
    assert sorted({p["listing_id"] for p in payloads}) == ids


def test_cli_organisations_are_verified_by_the_operator(app, runner):
    result = runner.invoke(args=["users", "create", "k@kommune.no", "--password",
                                 "lang-nok-passord", "--org", "Bærum kommune", "--org-kind",
                                 "municipality", "--orgnr", "911 020 009"])
    assert result.exit_code == 0, result.output
    org = _org(brreg.KOMM)
    assert org.verification_state == "verified" and org.municipal_access == "granted"
    assert org.has_municipal_access
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.target_id == org.id).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_label, e.reason) for e in entries] == [
        ("organization.verify", "cli", verification.CLI_REASON),
        ("organization.grant_municipal_access", "cli", verification.CLI_REASON)]


def test_a_site_admins_registry_check_names_the_admin_in_the_audit_log(make, server):
    admin = make.user(None, site_admin=True)
    org = make.org("business", verified=False, orgnr=brreg.AS)
    verification.check_now(org, admin)
    assert org.verification_state == "verified"
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "organization.registry_check",
        AuditEntry.target_id == org.id)).one()
    assert (entry.actor_id, audit.shown_actor(entry)) == (admin.id, admin.email)
