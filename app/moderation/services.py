"""Moderation services: hiding and restoring listings and wanted requests, reports from
users and their resolution.

Hiding and restoring need a site admin and a reason the owner sees; each writes an
audit entry (before and after) in the same transaction, e-mails the owning
organisation's owners and admins in their language, and emits the domain's change
event (``listing.changed`` / ``request.changed``) so search and matching follow at once.
Nothing is deleted. Services flush and never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import Organization, Role, User
from app.db import db, paginate, utcnow
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.listings.models import Listing, ListingReport, ReportReason, ReportStatus
from app.mail import queue_mail, register_subject
from app.wanted.models import WantedRequest

MESSAGE_MAX = 2000
RESOLUTIONS = ("dismiss", "actioned")

REPORT_REASONS = {
    ReportReason.FRAUD.value: _l("Svindel eller falsk annonse"),
    ReportReason.WRONG_CATEGORY.value: _l("Feil kategori"),
    ReportReason.WRONG_WEIGHT.value: _l("Feil vekt eller mengde"),
    ReportReason.PROHIBITED.value: _l("Ulovlig eller forbudt vare"),
    ReportReason.OFFENSIVE.value: _l("Støtende innhold"),
    ReportReason.DUPLICATE.value: _l("Duplikat av en annen annonse"),
    ReportReason.OTHER.value: _l("Annet"),
}
REPORT_STATUSES = {
    ReportStatus.OPEN.value: _l("Åpen"),
    ReportStatus.DISMISSED.value: _l("Henlagt"),
    ReportStatus.ACTIONED.value: _l("Fulgt opp"),
}

register_subject("listing_hidden",
                 lambda c: _("Annonsen «%(title)s» er skjult på Kretsløp", title=c["title"]))
register_subject("listing_restored",
                 lambda c: _("Annonsen «%(title)s» vises igjen på Kretsløp", title=c["title"]))
register_subject("wanted_hidden",
                 lambda c: _("Ønsket «%(title)s» er skjult på Kretsløp", title=c["title"]))
register_subject("wanted_restored",
                 lambda c: _("Ønsket «%(title)s» vises igjen på Kretsløp", title=c["title"]))


def reason_label(reason: str) -> str:
    return str(REPORT_REASONS.get(reason, reason))


# --- shared checks -------------------------------------------------------------------


def _managers(org: Organization) -> list[User]:
    """The owners and admins of ``org`` who can be reached (active accounts)."""
    return [m.user for m in sorted(org.memberships, key=lambda m: m.id)
            if m.role in (Role.OWNER, Role.ADMIN) and m.user.active]


def _tell_managers(org: Organization, template: str, **context: Any) -> None:
    for user in _managers(org):
        queue_mail(user.email, template, user.locale, name=user.name, org_name=org.name,
                   **context)


def _hidden_snapshot(row: Listing | WantedRequest) -> dict[str, Any]:
    return {"hidden_at": row.hidden_at, "hidden_reason": row.hidden_reason,
            "hidden_by_id": row.hidden_by_id}


def _hide(row, actor: User, reason: str) -> None:
    row.hidden_at = utcnow()
    row.hidden_reason = reason
    row.hidden_by_id = actor.id


def _unhide(row, _actor: User, _reason: str) -> None:
    row.hidden_at = None
    row.hidden_reason = ""
    row.hidden_by_id = None


@dataclass(frozen=True)
class _Kind:
    """What differs between moderating a listing and a wanted request."""

    name: str  # the audit target type and the mail template prefix
    path: str  # the owner's page, with {id}
    already: dict[bool, Any]  # the conflict message when already hidden (True) / visible
    refresh: Callable[[Any], None]  # emit the domain's change event(s)


def _refresh_listing(listing: Listing) -> None:
    from app.listings import services as listings

    listings.changed(listing)


def _refresh_wanted(request: WantedRequest) -> None:
    from app.wanted import services as wanted

    wanted.sync_links(request)
    wanted.changed(request)


_LISTING = _Kind("listing", "/listings/{id}",
                 {True: _l("Annonsen er allerede skjult."), False: _l("Annonsen er ikke skjult.")},
                 _refresh_listing)
_WANTED = _Kind("wanted", "/wanted/{id}",
                {True: _l("Ønsket er allerede skjult."), False: _l("Ønsket er ikke skjult.")},
                _refresh_wanted)


def _set_hidden(row, kind: _Kind, actor: User, reason: str, hide: bool) -> None:
    """Hide or restore ``row``: the checks, the change, its audit entry, the change event
    and the e-mail to the owning organisation's managers, in one transaction."""
    audit.require_site_admin(actor)
    reason = audit.checked_reason(reason)
    if (row.hidden_at is not None) == hide:
        raise Conflict(str(kind.already[hide]), state="hidden" if hide else "visible")
    before = _hidden_snapshot(row)
    (_hide if hide else _unhide)(row, actor, reason)
    kind.refresh(row)
    audit.record(f"{kind.name}.{'hide' if hide else 'restore'}", kind.name, row.id,
                 actor=actor, organization_id=row.organization_id, reason=reason,
                 before=before, after=_hidden_snapshot(row))
    _tell_managers(row.organization, f"{kind.name}_{'hidden' if hide else 'restored'}",
                   title=row.title, reason=reason, path=kind.path.format(id=row.id))


# --- listings ------------------------------------------------------------------------


def hide_listing(listing: Listing, actor: User, reason: str) -> Listing:
    """Take a listing off search, matching and the public pages, with a reason its
    organisation sees; its open reports are marked actioned."""
    _set_hidden(listing, _LISTING, actor, reason, hide=True)
    for report in open_reports_for(listing):
        _resolve(report, actor, ReportStatus.ACTIONED, listing.hidden_reason)
    return listing


def restore_listing(listing: Listing, actor: User, reason: str) -> Listing:
    _set_hidden(listing, _LISTING, actor, reason, hide=False)
    return listing


# --- wanted requests -----------------------------------------------------------------


def hide_wanted(request: WantedRequest, actor: User, reason: str) -> WantedRequest:
    """Take a wanted request off the public lists, the API lists and matching."""
    _set_hidden(request, _WANTED, actor, reason, hide=True)
    return request


def restore_wanted(request: WantedRequest, actor: User, reason: str) -> WantedRequest:
    _set_hidden(request, _WANTED, actor, reason, hide=False)
    return request


# --- reports from users --------------------------------------------------------------


def open_report_of(listing: Listing, reporter: User) -> ListingReport | None:
    """The reporter's open report on ``listing``, if any."""
    return db.session.scalar(sa.select(ListingReport).where(
        ListingReport.listing_id == listing.id, ListingReport.reporter_id == reporter.id,
        ListingReport.status == ReportStatus.OPEN.value))


def open_reports_for(listing: Listing) -> list[ListingReport]:
    return list(db.session.scalars(sa.select(ListingReport).where(
        ListingReport.listing_id == listing.id,
        ListingReport.status == ReportStatus.OPEN.value).order_by(ListingReport.id)))


def report_listing(listing: Listing, reporter: User, reason: str,
                   message: str = "") -> ListingReport:
    """"Rapporter annonse": any logged-in person outside the listing's organisation, one
    open report per person and listing (a second one is a 409)."""
    from app.common import owned

    if reporter is None or not getattr(reporter, "is_authenticated", False):
        raise PermissionDenied(_("Logg inn for å rapportere en annonse."))
    if owned.is_member(reporter, listing.organization_id):
        raise PermissionDenied(_("Du kan ikke rapportere din egen organisasjons annonse."))
    errors: dict[str, list[str]] = {}
    if reason not in REPORT_REASONS:
        errors["reason"] = [_("Velg en grunn.")]
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        errors["message"] = [_("Kan ikke være lengre enn %(n)s tegn.", n=MESSAGE_MAX)]
    if errors:
        raise ValidationFailed(errors)
    # One report at a time per listing: two clicks at once cannot both pass the check
    # (PostgreSQL locks the listing's row; SQLite serialises writers).
    db.session.execute(sa.select(Listing.id).where(Listing.id == listing.id).with_for_update())
    if open_report_of(listing, reporter) is not None:
        raise Conflict(_("Du har allerede rapportert denne annonsen. Vi ser på saken."),
                       state="reported")
    report = ListingReport(listing_id=listing.id, reporter_id=reporter.id, reason=reason,
                           message=message, status=ReportStatus.OPEN.value)
    db.session.add(report)
    db.session.flush()
    return report


def _resolve(report: ListingReport, actor: User, status: ReportStatus,
             resolution: str) -> None:
    before = {"status": report.status, "resolution": report.resolution}
    report.status = status.value
    report.handled_at = utcnow()
    report.handled_by_id = actor.id
    report.resolution = resolution
    db.session.flush()
    audit.record(f"report.{'dismiss' if status == ReportStatus.DISMISSED else 'action'}",
                 "listing_report", report.id, actor=actor,
                 organization_id=report.listing.organization_id, reason=resolution,
                 before=before, after={"status": report.status,
                                       "resolution": report.resolution,
                                       "listing_id": report.listing_id})


def resolve_report(report: ListingReport, actor: User, action: str,
                   resolution: str = "") -> ListingReport:
    """Close an open report: ``dismiss`` (nothing wrong) or ``actioned`` (dealt with)."""
    audit.require_site_admin(actor)
    if action not in RESOLUTIONS:
        raise ValidationFailed({"action": [_("Velg «dismiss» eller «actioned».")]})
    resolution = (resolution or "").strip()
    if len(resolution) > audit.REASON_MAX:
        raise ValidationFailed({"resolution": [_("Kan ikke være lengre enn %(n)s tegn.",
                                                 n=audit.REASON_MAX)]})
    if report.status != ReportStatus.OPEN.value:
        raise Conflict(_("Rapporten er allerede behandlet."), state=report.status)
    _resolve(report, actor,
             ReportStatus.DISMISSED if action == "dismiss" else ReportStatus.ACTIONED,
             resolution)
    return report


def reports(page: int = 1, per_page: int = 50,
            status: str | None = ReportStatus.OPEN.value) -> tuple[list[ListingReport], int]:
    """Reports for the console, oldest open first (or every report of ``status``)."""
    from sqlalchemy.orm import joinedload

    where = [ListingReport.status == status] if status else []
    query = (sa.select(ListingReport).where(*where)
             .options(joinedload(ListingReport.listing).joinedload(Listing.organization),
                      joinedload(ListingReport.reporter))
             .order_by(ListingReport.created_at, ListingReport.id))
    return paginate(query, page, per_page)
