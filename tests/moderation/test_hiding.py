"""Site admins hide and restore listings and wanted requests (app/moderation): the rule
in one place (app/moderation/visibility.py) keeps a hidden listing, or one of a
suspended organisation, out of search, matching, the public pages and lists and the API,
while its organisation and site admins still see it with the reason."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit import AuditEntry
from app.db import commit, db
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.listings.models import Listing, ReportStatus
from app.matching.models import Match
from app.matching.services import VISIBLE_STATES
from app.moderation import services
from app.wanted.models import WantedRequest, WantedRequestCategory
from tests.accounts.signup import mails_to, text_of
from tests.conftest import bearer
from tests.searching.conftest import index_docs


def _listing(listing_id: int) -> Listing:
    return db.session.get(Listing, listing_id)


def _visible_matches(listing_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Match.id)).where(
        Match.listing_id == listing_id, Match.state.in_(VISIBLE_STATES))) or 0


def test_only_a_site_admin_with_a_reason_may_hide(app, make_listing, lister, lister_owner,
                                                  admin):
    listing = _listing(make_listing()["id"])
    with pytest.raises(PermissionDenied):
        services.hide_listing(listing, lister_owner, "Spam")
    with pytest.raises(ValidationFailed) as refused:
        services.hide_listing(listing, admin, "   ")
    assert "reason" in refused.value.errors
    assert listing.hidden_at is None


def test_a_hidden_listing_leaves_search_pages_api_and_matching_at_once(
        app, client, auth, make_listing, make_request, lister, lister_owner, requester,
        admin, backend):
    make_request(title="Kontorstoler")
    listing_json = make_listing(title="Kontorstoler, svarte")
    listing_id = listing_json["id"]
    assert listing_id in index_docs(backend)
    assert _visible_matches(listing_id) == 1
    anonymous = app.test_client(use_cookies=False)
    path = f"/listings/{listing_id}"
    anonymous.get(path)
    assert anonymous.get(path).headers["X-Page-Cache"] == "hit"  # a stored copy exists

    services.hide_listing(_listing(listing_id), admin, "Annonsen er et duplikat")
    commit()

    # out of search (outbox listing.changed, delivered after the commit) and matching
    assert listing_id not in index_docs(backend)
    assert _visible_matches(listing_id) == 0
    # 404 for anonymous visitors (the stored page is not served), in the public lists
    # and for other organisations through the API
    assert anonymous.get(path).status_code == 404
    assert "Kontorstoler, svarte" not in anonymous.get("/listings").get_data(as_text=True)
    assert client.get(f"/api/v1{path}",
                      headers=bearer(requester.token)).status_code == 404
    items = client.get("/api/v1/listings").get_json()["items"]
    assert listing_id not in [item["id"] for item in items]
    # ... but the organisation sees it, with a banner and the reason
    assert client.get(f"/api/v1{path}", headers=bearer(lister.token)).status_code == 200
    auth.login(lister.user.email)
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # the lister reads English
    assert 'class="ds-alert moderation-banner" data-color="warning"' in html
    assert "Annonsen er et duplikat" in html
    assert f"/listings/{listing_id}/report" not in html  # not on one's own listing
    # the audit log has before and after
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "listing.hide"))
    assert entry.target_id == listing_id and entry.actor_id == admin.id
    assert entry.before["hidden_at"] is None and entry.after["hidden_at"] is not None
    assert entry.reason == "Annonsen er et duplikat"
    # the owners and admins are told, in their language (the plain member is not)
    mail = mails_to(lister_owner.email)[-1]
    assert mail["Content-Language"] == "en"
    assert "Annonsen er et duplikat" in text_of(mail)
    assert not [m for m in mails_to(lister.user.email) if "skjult" in m["Subject"]]


def test_a_site_admin_sees_a_hidden_listing_and_restoring_brings_it_back(
        app, client, auth, make_listing, lister_owner, admin, backend):
    listing_id = make_listing(title="Skrivebord med hev/senk")["id"]
    services.hide_listing(_listing(listing_id), admin, "Feil kategori")
    commit()
    auth.login(admin.email)
    assert "Feil kategori" in client.get(f"/listings/{listing_id}").get_data(as_text=True)
    with pytest.raises(Conflict):
        services.hide_listing(_listing(listing_id), admin, "igjen")

    services.restore_listing(_listing(listing_id), admin, "Kategorien er rettet")
    commit()
    assert listing_id in index_docs(backend)
    anonymous = app.test_client(use_cookies=False)
    assert anonymous.get(f"/listings/{listing_id}").status_code == 200
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.target_id == listing_id, AuditEntry.target_type == "listing")).all()
    assert actions == ["listing.hide", "listing.restore"]
    assert "Kategorien er rettet" in text_of(mails_to(lister_owner.email)[-1])
    with pytest.raises(Conflict):
        services.restore_listing(_listing(listing_id), admin, "igjen")


def test_hiding_marks_the_listings_open_reports_actioned(app, make_listing, requester,
                                                        stranger, admin):
    listing = _listing(make_listing()["id"])
    first = services.report_listing(listing, requester.user, "fraud", "Ser falsk ut")
    second = services.report_listing(listing, stranger.user, "duplicate")
    commit()
    services.hide_listing(listing, admin, "Falsk annonse")
    commit()
    for report in (first, second):
        db.session.refresh(report)
        assert report.status == ReportStatus.ACTIONED
        assert report.handled_by_id == admin.id and report.resolution == "Falsk annonse"


def test_a_hidden_wanted_request_leaves_the_lists_the_api_and_matching(
        app, client, make_request, make_listing, requester, lister, admin):
    wanted = make_request(title="Kontorstoler til skolen")
    request_id = wanted["id"]
    services.hide_wanted(db.session.get(WantedRequest, request_id), admin, "Ikke et ønske")
    commit()
    anonymous = app.test_client(use_cookies=False)
    assert anonymous.get(f"/wanted/{request_id}").status_code == 404
    assert "Kontorstoler til skolen" not in anonymous.get("/wanted").get_data(as_text=True)
    items = client.get("/api/v1/requests").get_json()["items"]
    assert request_id not in [item["id"] for item in items]
    assert client.get(f"/api/v1/requests/{request_id}",
                      headers=bearer(lister.token)).status_code == 404
    assert client.get(f"/api/v1/requests/{request_id}",
                      headers=bearer(requester.token)).status_code == 200
    # matching: no longer a candidate for a new listing
    assert not db.session.scalar(sa.select(WantedRequestCategory.is_open).where(
        WantedRequestCategory.request_id == request_id))
    listing_id = make_listing(title="Kontorstoler")["id"]
    assert _visible_matches(listing_id) == 0
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "wanted.hide"))
    assert entry.target_id == request_id and entry.reason == "Ikke et ønske"

    services.restore_wanted(db.session.get(WantedRequest, request_id), admin, "OK likevel")
    commit()
    assert anonymous.get(f"/wanted/{request_id}").status_code == 200
    # restored: the request matches again (request.changed re-ran matching)
    assert _visible_matches(listing_id) == 1


def test_a_suspended_organisations_listings_are_excluded_the_same_way(
        app, client, make_listing, make_request, lister, admin, backend):
    from app.accounts import verification
    from app.searching.documents import count_indexable, is_indexable

    make_request(title="Kontorstoler")
    listing_id = make_listing(title="Kontorstoler, grå")["id"]
    assert _visible_matches(listing_id) == 1
    before = count_indexable()
    verification.suspend(lister.org, admin, "Svindel meldt av politiet")
    commit()
    anonymous = app.test_client(use_cookies=False)
    assert anonymous.get(f"/listings/{listing_id}").status_code == 404
    assert listing_id not in [i["id"] for i in client.get("/api/v1/listings").get_json()["items"]]
    assert listing_id not in index_docs(backend)
    assert not is_indexable(_listing(listing_id))
    assert count_indexable() == before - 1
    assert _visible_matches(listing_id) == 0
    assert db.session.get(Listing, listing_id) is not None  # nothing deleted



def test_a_suspended_organisations_wanted_requests_lose_their_matches_at_once(
        app, make_listing, make_request, requester, admin):
    """Suspension re-runs matching for the organisation's wanted requests too, so a match
    it had is withdrawn at once (not at the request's next change), and comes back when
    the organisation is reinstated."""
    from app.accounts import verification

    make_request(title="Kontorstoler")
    listing_id = make_listing(title="Kontorstoler, grå")["id"]
    assert _visible_matches(listing_id) == 1
    verification.suspend(requester.org, admin, "Falsk organisasjon")
    commit()
    assert _visible_matches(listing_id) == 0
    verification.reinstate(requester.org, admin, "Avklart med politiet")
    commit()
    assert _visible_matches(listing_id) == 1


def test_the_owner_of_a_hidden_wanted_request_sees_why_on_its_page(
        app, make, make_request, requester, admin):
    request_id = make_request(title="Kontorstoler til skolen")["id"]
    services.hide_wanted(db.session.get(WantedRequest, request_id), admin, "Ser ut som reklame")
    commit()
    owner = app.test_client()
    from tests.conftest import Auth

    Auth(owner).login(requester.user.email)
    html = owner.get(f"/wanted/{request_id}").get_data(as_text=True)
    assert "Ønsket er skjult av Kretsløp" in html and "Ser ut som reklame" in html
