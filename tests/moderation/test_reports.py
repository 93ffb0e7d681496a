""""Rapporter annonse": the page (no JavaScript needed), one open report per person and
listing, not on one's own organisation's listing, and a site admin's resolution."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.audit import AuditEntry
from app.db import commit, db
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.listings.models import Listing, ListingReport, ReportStatus
from app.moderation import services


def _post(client, path, **data):
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    token = token or re.search(r'name="csrf-token" content="([^"]+)"', html)
    return client.post(path, data={"csrf_token": token.group(1), **data})


def _reports(listing_id: int) -> list[ListingReport]:
    return list(db.session.scalars(sa.select(ListingReport).where(
        ListingReport.listing_id == listing_id)))


def test_a_logged_in_person_reports_a_listing_once(app, client, auth, make_listing,
                                                   requester):
    listing_id = make_listing(title="Kontorstoler, billig")["id"]
    auth.login(requester.user.email)
    detail = client.get(f"/listings/{listing_id}").get_data(as_text=True)
    assert f'href="/listings/{listing_id}/report"' in detail
    page = client.get(f"/listings/{listing_id}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="radio"' in html and '<legend class="ds-label">' in html
    assert 'for="message"' in html

    sent = _post(client, f"/listings/{listing_id}/report", reason="wrong_weight",
                 message="Vekten er satt til 800 kg per stol.")
    assert sent.status_code == 302 and sent.headers["Location"].endswith(
        f"/listings/{listing_id}")
    assert "Takk!" in client.get(sent.headers["Location"]).get_data(as_text=True)
    [report] = _reports(listing_id)
    assert (report.reporter_id, report.reason, report.status) == (
        requester.user.id, "wrong_weight", ReportStatus.OPEN)
    assert report.message == "Vekten er satt til 800 kg per stol."

    # a second open report by the same person: refused with a clear message (409)
    again = client.post(f"/listings/{listing_id}/report", data={
        "csrf_token": re.search(r'name="csrf-token" content="([^"]+)"',
                                client.get("/").get_data(as_text=True)).group(1),
        "reason": "fraud"})
    assert again.status_code == 409
    assert "allerede rapportert" in again.get_data(as_text=True)
    assert len(_reports(listing_id)) == 1
    # and the page says so instead of showing the form again
    assert "allerede rapportert" in client.get(
        f"/listings/{listing_id}/report").get_data(as_text=True)


def test_bad_input_is_a_field_error(app, client, auth, make_listing, requester):
    listing_id = make_listing()["id"]
    auth.login(requester.user.email)
    missing = _post(client, f"/listings/{listing_id}/report", message="hva?")
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert 'id="reason-error"' in html and "Velg en grunn." in html
    unknown = _post(client, f"/listings/{listing_id}/report", reason="spam")
    assert unknown.status_code == 422
    too_long = _post(client, f"/listings/{listing_id}/report", reason="other",
                     message="x" * 2001)
    assert too_long.status_code == 422 and 'id="message-error"' in too_long.get_data(
        as_text=True)
    assert _reports(listing_id) == []


def test_not_on_ones_own_listing_nor_anonymously(app, client, auth, make_listing, lister):
    listing_id = make_listing()["id"]
    anonymous = app.test_client(use_cookies=False)
    assert f"/listings/{listing_id}/report" not in anonymous.get(
        f"/listings/{listing_id}").get_data(as_text=True)
    assert "/login" in anonymous.get(f"/listings/{listing_id}/report").headers["Location"]
    auth.login(lister.user.email)
    assert f"/listings/{listing_id}/report" not in client.get(
        f"/listings/{listing_id}").get_data(as_text=True)
    assert client.get(f"/listings/{listing_id}/report").status_code == 403
    with pytest.raises(PermissionDenied):
        services.report_listing(db.session.get(Listing, listing_id), lister.user, "other")


def test_a_draft_cannot_be_reported_by_outsiders(app, client, auth, make_listing, requester):
    listing_id = make_listing(publish=False)["id"]
    auth.login(requester.user.email)
    assert client.get(f"/listings/{listing_id}/report").status_code == 404


def test_a_site_admin_resolves_a_report(app, make, make_listing, requester, admin):
    listing = db.session.get(Listing, make_listing()["id"])
    report = services.report_listing(listing, requester.user, "offensive", "Stygt ord")
    commit()
    with pytest.raises(PermissionDenied):
        services.resolve_report(report, requester.user, "dismiss")
    with pytest.raises(ValidationFailed):
        services.resolve_report(report, admin, "delete")
    services.resolve_report(report, admin, "dismiss", "Ikke støtende")
    commit()
    assert report.status == ReportStatus.DISMISSED and report.handled_by_id == admin.id
    with pytest.raises(Conflict):
        services.resolve_report(report, admin, "actioned")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "report.dismiss"))
    assert entry.target_id == report.id and entry.after["status"] == "dismissed"
    # once handled, the same person may report the listing again
    assert services.report_listing(listing, requester.user, "offensive").id != report.id
    reports, total = services.reports()
    assert total == 1 and reports[0].status == ReportStatus.OPEN
