"""The public profile of an organisation: who it is, its verification badge, its open
listings and wanted requests, and the kilograms it has given and received.

``/organizations/<id>`` is the members' admin page; this is ``/organizations/<id>/profile``.
A rejected or suspended organisation's profile is 404 for everyone but its own members
and site admins (who see it with a banner that says why): the public never sees an
organisation the platform turned away. An unverified one is shown, with its badge.

The figures count ledger records between verified organisations only (as the municipal
reports do), over all time, reversals netted (from the reporting roll-ups, which equal
the ledger to the gram).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_babel import gettext as _

from app.accounts.models import Organization, VerificationState
from app.common import owned, user_or_none
from app.db import db
from app.errors import NotFound
from app.listings.models import Listing, Status
from app.listings.postcodes import lookup
from app.pagecache import public_page
from app.reporting.periods import Period, today
from app.wanted.models import RequestStatus, WantedRequest

bp = Blueprint("profile", __name__)
LIMIT = 50
HIDDEN_STATES = (VerificationState.REJECTED.value, VerificationState.SUSPENDED.value)


def visible_organization(org_id: int, user) -> Organization:
    from app.moderation.visibility import is_site_admin

    org = db.session.get(Organization, org_id)
    if org is None or (org.verification_state in HIDDEN_STATES
                       and not owned.is_member(user, org.id) and not is_site_admin(user)):
        raise NotFound(_("Organisasjonen finnes ikke."))
    return org


def figures(org_id: int) -> dict:
    """side ("giver", "receiver") -> Figures over all time, verified records only."""
    from app.reporting import queries
    from app.reporting.models import RollupDim

    period = Period(date(2000, 1, 1), today())
    out = {}
    for side in queries.SIDES:
        row = db.session.execute(sa.select(*queries._sums(RollupDim)).where(
            RollupDim.dimension == f"{side}_org", RollupDim.key == str(org_id),
            queries._in_period(RollupDim, period, verified=True))).one()
        out[side] = queries.Figures().add(row)
    return out


def open_listings(org: Organization) -> tuple[list[Listing], int]:
    from app.moderation.visibility import listing_filter

    where = [Listing.organization_id == org.id, Listing.status == Status.PUBLISHED.value,
             *listing_filter()]
    total = db.session.scalar(sa.select(sa.func.count(Listing.id)).where(*where)) or 0
    rows = db.session.scalars(sa.select(Listing).where(*where)
                              .order_by(Listing.published_at.desc(), Listing.id.desc())
                              .limit(LIMIT))
    return list(rows), total


def open_requests(org: Organization) -> tuple[list[WantedRequest], int]:
    from app.moderation.visibility import request_filter

    where = [WantedRequest.organization_id == org.id,
             WantedRequest.status == RequestStatus.OPEN.value, *request_filter()]
    total = db.session.scalar(sa.select(sa.func.count(WantedRequest.id)).where(*where)) or 0
    rows = db.session.scalars(sa.select(WantedRequest).where(*where)
                              .order_by(WantedRequest.id.desc()).limit(LIMIT))
    return list(rows), total


@bp.get("/organizations/<int:org_id>/profile")
@public_page
def show(org_id: int):
    org = visible_organization(org_id, user_or_none())
    listings, listings_total = open_listings(org)
    requests, requests_total = open_requests(org)
    return render_template("accounts/profile.html", org=org, place=lookup(org.postcode),
                           listings=listings, listings_total=listings_total,
                           requests=requests, requests_total=requests_total,
                           figures=figures(org.id), hidden=org.verification_state
                           in HIDDEN_STATES)
