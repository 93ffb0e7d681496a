"""The site admin console (/admin): only site admins reach it; every action goes through
the real services, writes its audit entry, shows a flash message, and a missing reason
is a field error next to its field."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import audit
from app.accounts.models import Organization, User
from app.audit import AuditEntry
from app.db import commit, db
from app.listings.models import Listing, ListingReport, ReportStatus
from app.moderation import services as moderation
from app.wanted.models import WantedRequest
from tests.accounts.signup import mails_to, text_of
from tests.conftest import bearer
from tests.searching.conftest import index_docs


@pytest.fixture
def admin(make):
    return make.user(None, email="vakt@kretslop.no", site_admin=True, name="Vakthavende")


@pytest.fixture
def as_admin(auth, admin):
    auth.login(admin.email)
    return auth


def _post(client, path: str, data: dict, page: str | None = None):
    """POST a console form with the page's CSRF token (as the browser does)."""
    html = client.get(page or path).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    return client.post(path, data={"csrf_token": token, **data})


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def _flash(client) -> str:
    return client.get("/admin/audit").get_data(as_text=True)


# --- who gets in ------------------------------------------------------------------------


def test_only_site_admins_reach_the_console(app, client, auth, make, admin):
    org = make.org("business", name="Vanlig AS")
    owner = make.user(org, "owner", email="eier@vanlig.no")
    assert client.get("/admin").status_code == 302  # not logged in: to the login page
    assert "/login" in client.get("/admin").headers["Location"]
    auth.login(owner.email)
    for path in ("/admin", "/admin/audit", "/admin/audit.csv", f"/admin/organizations/{org.id}",
                 "/admin/search?q=x"):
        assert client.get(path).status_code == 404, path
    assert "Administrasjon" not in client.get("/").get_data(as_text=True)
    # a POST with a valid CSRF token is refused the same way
    assert _post(client, f"/admin/organizations/{org.id}",
                 {"action": "suspend", "suspend-reason": "x"}, page="/account").status_code == 404
    assert db.session.get(Organization, org.id).verification_state == "verified"
    auth.logout()
    auth.login(admin.email)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/admin"' in home and "Administrasjon" in home
    page = client.get("/admin")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"


def test_a_post_without_csrf_is_refused(app, client, as_admin, make):
    org = make.org("business", verified=False)
    response = client.post(f"/admin/organizations/{org.id}",
                           data={"action": "verify", "verify-reason": "Sjekket"})
    assert response.status_code == 400
    assert db.session.get(Organization, org.id).verification_state == "unverified"
    assert _entries("organization.verify") == []


# --- verification queue and organisations -----------------------------------------------


def test_queue_shows_unverified_first_oldest_first_beside_the_registry(app, client, as_admin,
                                                                       make):
    rejected = make.org("business", name="Avvist Først AS", verified=False)
    rejected.verification_state = "rejected"
    older = make.org("business", name="Eldre Ubekreftet AS", verified=False)
    newer = make.org("business", name="Nyere Ubekreftet AS", verified=False,
                     address="Gamle vei 1")
    newer.registry_data = {"name": "NYERE BEKREFTET AS", "address": "Nyveien 9",
                           "form": "AS", "postcode": "1383", "city": "ASKER"}
    newer.registry_status = "found"
    make.org("business", name="Ferdig Verifisert AS")
    commit()
    html = client.get("/admin").get_data(as_text=True)
    positions = [html.index(name) for name in
                 ("Eldre Ubekreftet AS", "Nyere Ubekreftet AS", "Avvist Først AS")]
    assert positions == sorted(positions)
    assert "Ferdig Verifisert AS" not in html
    assert "NYERE BEKREFTET AS" in html and "Nyveien 9" in html  # the registry beside
    detail = client.get(f"/admin/organizations/{newer.id}").get_data(as_text=True)
    assert "Gamle vei 1" in detail and "Nyveien 9" in detail
    assert older.id  # (used for ordering above)


def test_verify_needs_a_reason_shown_at_the_field_then_writes_the_audit_log(
        app, client, as_admin, make, admin):
    org = make.org("nonprofit", name="Frivillig Lag", verified=False)
    path = f"/admin/organizations/{org.id}"
    refused = _post(client, path, {"action": "verify", "verify-reason": "  "})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="verify-reason-error"' in html and "Skriv en begrunnelse." in html
    assert re.search(r'<textarea[^>]*aria-describedby="[^"]*verify-reason-error', html)
    assert 'class="ds-error-summary"' in html and 'href="#verify-reason"' in html
    assert db.session.get(Organization, org.id).verification_state == "unverified"

    done = _post(client, path, {"action": "verify",
                                "verify-reason": "Vedtekter og styreliste sjekket"})
    assert done.status_code == 302 and done.headers["Location"].endswith(path)
    page = client.get(path).get_data(as_text=True)
    assert "Organisasjonen er verifisert." in page
    org = db.session.get(Organization, org.id)
    assert org.verification_state == "verified"
    [entry] = _entries("organization.verify")
    assert entry.actor_id == admin.id and audit.shown_actor(entry) == admin.email
    assert entry.reason == "Vedtekter og styreliste sjekket"
    assert entry.before["verification_state"] == "unverified"
    assert entry.after["verification_state"] == "verified"
    assert entry.organization_id == org.id


def test_suspend_and_reinstate_from_the_console(app, client, as_admin, make, backend,
                                                make_listing, lister):
    listing_id = make_listing(title="Reoler, grå")["id"]
    assert listing_id in index_docs(backend)
    member_client = app.test_client()
    path = f"/admin/organizations/{lister.org.id}"
    response = _post(client, path, {"action": "suspend",
                                    "suspend-reason": "Falske annonser meldt av flere"})
    assert response.status_code == 302
    assert db.session.get(Organization, lister.org.id).verification_state == "suspended"
    assert listing_id not in index_docs(backend)  # out of search at once (outbox)
    # its people cannot log in; its listing is kept
    html = member_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    login = member_client.post("/login", data={"email": lister.user.email,
                                                "password": "correct horse battery",
                                                "csrf_token": token})
    assert login.status_code != 302
    assert db.session.get(Listing, listing_id) is not None
    # suspending twice is refused with a message, not an error page
    again = _post(client, path, {"action": "suspend", "suspend-reason": "igjen"},
                  page="/admin")
    assert again.status_code == 302
    assert "allerede suspendert" in client.get(path).get_data(as_text=True)
    assert _post(client, path, {"action": "reinstate",
                                "reinstate-reason": "Ryddet opp"}).status_code == 302
    assert db.session.get(Organization, lister.org.id).verification_state == "verified"
    assert listing_id in index_docs(backend)
    assert [e.action for e in db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.organization_id == lister.org.id,
                                    AuditEntry.action.like("organization.%"))
        .order_by(AuditEntry.id))] == ["organization.suspend", "organization.reinstate"]


def test_grant_and_revoke_municipal_access(app, client, as_admin, make):
    org = make.org("business", name="Interkommunalt Selskap IKS")
    path = f"/admin/organizations/{org.id}"
    assert not db.session.get(Organization, org.id).has_municipal_access
    assert _post(client, path, {"action": "grant", "grant-reason": "Eid av kommunene"}
                 ).status_code == 302
    assert db.session.get(Organization, org.id).has_municipal_access
    refused = _post(client, path, {"action": "revoke", "revoke-reason": ""})
    assert refused.status_code == 422 and 'id="revoke-reason-error"' in refused.get_data(
        as_text=True)
    assert _post(client, path, {"action": "revoke", "revoke-reason": "Avtalen er over"}
                 ).status_code == 302
    assert not db.session.get(Organization, org.id).has_municipal_access
    assert [e.reason for e in _entries("organization.grant_municipal_access")] == [
        "Eid av kommunene"]
    assert len(_entries("organization.revoke_municipal_access")) == 1


def test_unknown_action_is_a_clear_4xx(app, client, as_admin, make):
    org = make.org("business")
    response = _post(client, f"/admin/organizations/{org.id}", {"action": "delete"})
    assert response.status_code == 422
    assert "Ukjent handling." in response.get_data(as_text=True)


def test_registry_check_when_the_registry_is_off_says_so(app, client, as_admin, make):
    org = make.org("business", verified=False)
    response = _post(client, f"/admin/organizations/{org.id}/registry-check", {},
                     page=f"/admin/organizations/{org.id}")
    assert response.status_code == 302
    assert "BRREG_API_URL" in client.get(f"/admin/organizations/{org.id}").get_data(
        as_text=True)


# --- users ------------------------------------------------------------------------------


def test_disable_ends_sessions_and_login_then_enable(app, client, as_admin, make, admin):
    org = make.org("business", name="Kontor AS")
    person = make.user(org, "member", email="ansatt@kontor.no")
    token = make.token(person)
    theirs = app.test_client()
    html = theirs.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    theirs.post("/login", data={"email": person.email, "password": "correct horse battery",
                                "csrf_token": csrf})
    assert theirs.get("/account").status_code == 200
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    path = f"/admin/users/{person.id}"

    refused = _post(client, path, {"action": "disable", "disable-reason": ""})
    assert refused.status_code == 422
    assert 'id="disable-reason-error"' in refused.get_data(as_text=True)
    assert db.session.get(User, person.id).active

    assert _post(client, path, {"action": "disable",
                                "disable-reason": "Kontoen er overtatt"}).status_code == 302
    assert "alle innlogginger er avsluttet" in client.get(path).get_data(as_text=True)
    person = db.session.get(User, person.id)
    assert not person.active and person.disabled_reason == "Kontoen er overtatt"
    assert theirs.get("/account").status_code == 302  # the session ended
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    html = theirs.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    assert theirs.post("/login", data={"email": person.email,
                                       "password": "correct horse battery",
                                       "csrf_token": csrf}).status_code != 302
    [entry] = _entries("user.disable")
    assert entry.before == {"active": True, "disabled_reason": ""}
    assert entry.after == {"active": False, "disabled_reason": "Kontoen er overtatt"}
    assert entry.actor_id == admin.id and entry.organization_id == org.id

    assert _post(client, path, {"action": "enable", "enable-reason": "Avklart med leder"}
                 ).status_code == 302
    assert db.session.get(User, person.id).active
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    # the session that was open when the account was disabled stays ended
    assert theirs.get("/account").status_code == 302
    assert [e.reason for e in _entries("user.enable")] == ["Avklart med leder"]


def test_an_admin_cannot_disable_themselves(app, client, as_admin, admin):
    response = _post(client, f"/admin/users/{admin.id}",
                     {"action": "disable", "disable-reason": "test"})
    assert response.status_code == 302
    assert db.session.get(User, admin.id).active
    assert "egen konto" in client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert _entries("user.disable") == []


def test_send_reset_link_mails_the_person_and_is_audited(app, client, as_admin, make):
    org = make.org("business")
    person = make.user(org, "member", email="glemsk@kontor.no")
    response = _post(client, f"/admin/users/{person.id}", {"action": "reset_link"})
    assert response.status_code == 302
    [mail] = mails_to(person.email, app.config["MAIL_DIR"])
    assert "/password/reset/" in text_of(mail)
    [entry] = _entries("user.send_reset_link")
    assert entry.target_id == person.id and entry.organization_id == org.id


# --- listings, wanted requests, reports -------------------------------------------------


def test_hide_a_reported_listing_marks_the_report_actioned(
        app, client, as_admin, make, make_listing, lister, requester, backend, admin):
    listing_id = make_listing(title="Skrivebord, hevesenk")["id"]
    other_id = make_listing(title="Arkivskap")["id"]
    report = moderation.report_listing(db.session.get(Listing, listing_id), requester.user,
                                       "fraud", "Bildene er fra en nettbutikk")
    old = moderation.report_listing(db.session.get(Listing, other_id), requester.user,
                                    "duplicate")
    moderation.resolve_report(old, admin, "dismiss", "")
    commit()
    reports = client.get("/admin/reports?status=all").get_data(as_text=True)
    assert reports.index("Skrivebord, hevesenk") < reports.index("Arkivskap")  # open first
    assert "Bildene er fra en nettbutikk" in reports
    path = f"/admin/listings/{listing_id}"
    page = client.get(path).get_data(as_text=True)
    assert "Svindel eller falsk annonse" in page

    refused = _post(client, path, {"action": "hide", "hide-reason": ""})
    assert refused.status_code == 422 and 'id="hide-reason-error"' in refused.get_data(
        as_text=True)
    assert _post(client, path, {"action": "hide", "hide-reason": "Falsk annonse"}
                 ).status_code == 302
    listing = db.session.get(Listing, listing_id)
    assert listing.hidden_reason == "Falsk annonse"
    assert listing_id not in index_docs(backend)
    assert db.session.get(ListingReport, report.id).status == ReportStatus.ACTIONED.value
    assert [e.action for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action.in_(("listing.hide", "report.action"))).order_by(AuditEntry.id))] \
        == ["listing.hide", "report.action"]
    # restore
    assert _post(client, path, {"action": "restore", "restore-reason": "Eieren viste kvittering"}
                 ).status_code == 302
    assert db.session.get(Listing, listing_id).hidden_at is None
    assert listing_id in index_docs(backend)


def test_dismiss_a_report(app, client, as_admin, make_listing, requester):
    listing_id = make_listing(title="Lamper")["id"]
    report = moderation.report_listing(db.session.get(Listing, listing_id), requester.user,
                                       "other", "")
    commit()
    response = _post(client, f"/admin/reports/{report.id}",
                     {"action": "dismiss", f"report{report.id}-resolution": "Ser riktig ut"},
                     page="/admin/reports")
    assert response.status_code == 302
    report = db.session.get(ListingReport, report.id)
    assert report.status == "dismissed" and report.resolution == "Ser riktig ut"
    assert db.session.get(Listing, listing_id).hidden_at is None
    assert len(_entries("report.dismiss")) == 1
    assert "Ingen rapporter." in client.get("/admin/reports").get_data(as_text=True)


def test_approve_an_outlier_unit_weight(app, client, as_admin, make_listing, admin):
    listing_id = make_listing(title="Tunge stoler")["id"]
    path = f"/admin/listings/{listing_id}"
    refused = _post(client, path, {"action": "approve_weight",
                                   "approve_weight-unit_weight_kg": "38",
                                   "approve_weight-reason": ""})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="approve_weight-reason-error"' in html
    bad = _post(client, path, {"action": "approve_weight",
                               "approve_weight-unit_weight_kg": "tung",
                               "approve_weight-reason": "Veid"})
    assert bad.status_code == 422
    assert 'id="approve_weight-unit_weight_kg-error"' in bad.get_data(as_text=True)
    assert _post(client, path, {"action": "approve_weight",
                                "approve_weight-unit_weight_kg": "38",
                                "approve_weight-reason": "Veid på stedet: stål"}
                 ).status_code == 302
    listing = db.session.get(Listing, listing_id)
    assert str(listing.weight_approved_kg) in ("38", "38.000")
    [entry] = _entries("listing.approve_weight")
    assert entry.actor_id == admin.id and entry.reason == "Veid på stedet: stål"


def test_hide_and_restore_a_wanted_request(app, client, as_admin, make_request):
    request_id = make_request(title="Sofaer ønskes")["id"]
    path = f"/admin/wanted/{request_id}"
    assert _post(client, path, {"action": "hide", "hide-reason": ""}).status_code == 422
    assert _post(client, path, {"action": "hide", "hide-reason": "Reklame"}).status_code == 302
    assert db.session.get(WantedRequest, request_id).hidden_reason == "Reklame"
    assert _post(client, path, {"action": "restore", "restore-reason": "Rettet"}
                 ).status_code == 302
    assert db.session.get(WantedRequest, request_id).hidden_at is None
    assert [e.action for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.target_type == "wanted").order_by(AuditEntry.id))] == [
        "wanted.hide", "wanted.restore"]


# --- search and lists -------------------------------------------------------------------


def test_search_over_everything(app, client, as_admin, make, make_listing, make_request,
                                lister):
    org = make.org("business", name="Søkbar Snekker AS")
    make.user(org, "owner", email="mester@snekker.no", name="Ole Snekkermester")
    listing_id = make_listing(title="Eikeplanker 100 % ubehandlet")["id"]
    make_request(title="Planker ønskes")
    html = client.get("/admin/search", query_string={"q": org.orgnr}).get_data(as_text=True)
    assert "Søkbar Snekker AS" in html
    html = client.get("/admin/search", query_string={"q": "snekkermester"}).get_data(
        as_text=True)
    assert "mester@snekker.no" in html
    html = client.get("/admin/search", query_string={"q": "planker"}).get_data(as_text=True)
    assert "Eikeplanker" in html and "Planker ønskes" in html
    html = client.get("/admin/search", query_string={"q": str(listing_id)}).get_data(
        as_text=True)
    assert f"/admin/listings/{listing_id}" in html
    # LIKE wildcards are literal
    html = client.get("/admin/search", query_string={"q": "100 %"}).get_data(as_text=True)
    assert "Eikeplanker" in html
    assert "Søkbar Snekker AS" not in client.get(
        "/admin/search", query_string={"q": "%"}).get_data(as_text=True)
    listings = client.get("/admin/listings", query_string={"q": "eik"}).get_data(as_text=True)
    assert f'href="/admin/listings/{listing_id}"' in listings and "Eikeplanker" in listings
    assert "<h1>Annonser</h1>" in listings and "Planker ønskes" not in listings
    wanted = client.get("/admin/wanted", query_string={"q": "planker"}).get_data(as_text=True)
    assert 'href="/admin/wanted/' in wanted and "Planker ønskes" in wanted
    assert "<h1>Ønsker</h1>" in wanted and "Eikeplanker" not in wanted
    for path in ("/admin/organizations?q=snekker", "/admin/users?q=mester",
                 "/admin/listings?q=eik", "/admin/wanted?q=planker",
                 f"/admin/listings?org={lister.org.id}&state=hidden",
                 "/admin/users?state=disabled", "/admin/organizations?state=suspended",
                 "/admin/reports?status=bogus", "/admin?page=abc"):
        assert client.get(path).status_code == 200, path
