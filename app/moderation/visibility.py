"""The single rule of who sees a listing or a wanted request, in Python and as SQL.

A listing is *excluded* when a site admin hid it (``hidden_at``) or its organisation is
suspended; a wanted request when a site admin hid it or its organisation is suspended.
An excluded one leaves search, matching and every public list and page: only the
members of its own organisation and site admins see it (with a banner that says why).
Otherwise the usual rule holds: public statuses for everyone, the rest for members.

Every place that lists, indexes or matches uses :func:`listing_filter` /
:func:`request_filter` (SQL) or :func:`listing_excluded` / :func:`request_excluded`
(one row), so the pages, the API, search and matching agree.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.accounts.models import Organization, User, VerificationState
from app.common import owned
from app.listings.models import PUBLIC_STATUSES, Listing
from app.wanted.models import RequestStatus, WantedRequest


def suspended_organizations() -> sa.Select:
    """The ids of suspended organisations, as a subquery (indexed by state)."""
    return sa.select(Organization.id).where(
        Organization.verification_state == VerificationState.SUSPENDED.value)


def _suspended(organization: Organization | None) -> bool:
    return organization is not None and organization.is_suspended


def listing_excluded(listing: Listing) -> bool:
    """Hidden by a site admin, or its organisation is suspended."""
    return listing.hidden_at is not None or _suspended(listing.organization)


def request_excluded(request: WantedRequest) -> bool:
    return request.hidden_at is not None or _suspended(request.organization)


def listing_filter() -> list[Any]:
    """:func:`listing_excluded` as SQL conditions on ``Listing`` (the rows that stay)."""
    return [Listing.hidden_at.is_(None),
            Listing.organization_id.not_in(suspended_organizations())]


def request_filter() -> list[Any]:
    """:func:`request_excluded` as SQL conditions on ``WantedRequest``."""
    return [WantedRequest.hidden_at.is_(None),
            WantedRequest.organization_id.not_in(suspended_organizations())]


def is_site_admin(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and getattr(user, "is_site_admin", False))


def can_see_listing(listing: Listing, user: User | None) -> bool:
    member = owned.is_member(user, listing.organization_id)
    if listing_excluded(listing):
        return member or is_site_admin(user)
    return listing.status in PUBLIC_STATUSES or member


def can_see_request(request: WantedRequest, user: User | None) -> bool:
    member = owned.is_member(user, request.organization_id)
    if request_excluded(request):
        return member or is_site_admin(user)
    return request.status == RequestStatus.OPEN or member
