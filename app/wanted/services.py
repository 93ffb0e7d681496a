"""Wanted-request services: create, change, close, expire; who may see and change.

Permissions, the same for pages and API:

* open requests are visible to everyone (listers look for demand);
* fulfilled, closed and expired requests exist only for members of the owning
  organisation (404 for anyone else);
* changing a visible request without being a member of its organisation is 403.

Every change emits ``request.changed`` in the same transaction; matching listens.
Services flush and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from app import outbox
from app.accounts.models import Organization, User
from app.common import owned
from app.db import db, paginate, utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.listings.categories import category_lookup
from app.wanted import CHANGED, rules
from app.wanted.models import RequestStatus, WantedRequest, WantedRequestCategory

STATUS_LABELS = {
    RequestStatus.OPEN: _l("åpen"), RequestStatus.FULFILLED: _l("oppfylt"),
    RequestStatus.CLOSED: _l("lukket"), RequestStatus.EXPIRED: _l("utløpt"),
}
EDITABLE = frozenset({RequestStatus.OPEN, RequestStatus.EXPIRED})
CLOSABLE = frozenset({RequestStatus.OPEN, RequestStatus.EXPIRED})


def changed(request: WantedRequest) -> None:
    db.session.flush()
    outbox.emit(CHANGED, request_id=request.id)


# --- who may see and change ----------------------------------------------------------


def is_member(user: User | None, request: WantedRequest) -> bool:
    return owned.is_member(user, request.organization_id)


def visible_request(request_id: int, user: User | None) -> WantedRequest:
    """The request if ``user`` may see it; NotFound otherwise."""
    from app.moderation import visibility

    request = db.session.get(WantedRequest, request_id)
    if request is None or not visibility.can_see_request(request, user):
        raise NotFound(_("Ønsket finnes ikke."))
    return request


def request_for_change(request_id: int, user: User | None) -> WantedRequest:
    """404 when ``user`` may not see the request, 403 when they may see but not change it."""
    request = visible_request(request_id, user)
    if not is_member(user, request):
        raise PermissionDenied(_("Bare medlemmer av organisasjonen som eier ønsket kan "
                                 "endre det."))
    return request


def choose_organization(user: User, organization_id: Any = None) -> Organization:
    """The given organisation (must be the user's), or the user's first."""
    return owned.choose_organization(
        user, organization_id,
        _("Du må være medlem av en organisasjon for å legge inn ønsker."))


def _conflict(request: WantedRequest, message: str) -> Conflict:
    label = STATUS_LABELS[RequestStatus(request.status)]
    return Conflict(message % {"status": label}, current_status=request.status)


# --- changes -------------------------------------------------------------------------


#: Request attributes copied onto each category row for matching.
LINK_COPY = ("organization_id", "match_terms", "unit", "max_price_ore", "min_condition_rank",
             "lat", "lng", "min_lat", "max_lat", "min_lng", "max_lng", "needed_by")


def sync_links(request: WantedRequest) -> None:
    """Copy what matching reads onto the request's category rows (see the model)."""
    if request.organization_id is None and request.organization is not None:
        request.organization_id = request.organization.id
    for link in request.category_links:
        # a request hidden by a site admin is no candidate for matching
        link.is_open = request.status == RequestStatus.OPEN and request.hidden_at is None
        for name in LINK_COPY:
            setattr(link, name, getattr(request, name))
        link.quantity, link.min_quantity = float(request.quantity), float(request.min_quantity)
        link.radius_km = float(request.radius_km)


def _apply(request: WantedRequest, clean: dict[str, Any]) -> None:
    from app.matching.text import request_terms

    categories = clean.pop("categories", None)
    for name, value in clean.items():
        setattr(request, name, value)
    if categories is not None:
        request.category_links = [
            WantedRequestCategory(category=c, position=i) for i, c in enumerate(categories)]
    if "title" in clean:
        request.match_terms = request_terms(request.title)


def _check_project(data: Mapping[str, Any], organization_id: int | None,
                   clean: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """``project_id``: a receiving building project of the request's organisation."""
    if "project_id" not in data:
        return
    from app.projects.publish import check_receiving_project

    project_id, error = check_receiving_project(organization_id, data["project_id"])
    if error:
        errors["project_id"] = [error]
    else:
        clean["project_id"] = project_id


def create_request(user: User, organization: Organization, data: Mapping[str, Any],
                   today: date | None = None) -> WantedRequest:
    """Check ``data`` (API field names) and add an open request."""
    clean, errors = rules.check(data, category_lookup(), today=today)
    _check_project(data, organization.id, clean, errors)
    if errors:
        raise ValidationFailed(errors)
    request = WantedRequest(organization=organization, created_by=user, description="",
                            status=RequestStatus.OPEN.value)
    _apply(request, clean)
    sync_links(request)
    db.session.add(request)
    changed(request)
    return request


def update_request(request: WantedRequest, data: Mapping[str, Any],
                   today: date | None = None) -> WantedRequest:
    """Change the given fields; an expired request with a new date opens again."""
    if request.status not in EDITABLE:
        raise _conflict(request, _("Ønsket kan ikke endres fordi det er %(status)s."))
    clean, errors = rules.check(data, category_lookup(), current=request, today=today)
    _check_project(data, request.organization_id, clean, errors)
    if errors:
        raise ValidationFailed(errors)
    _apply(request, clean)
    today = today or rules.today_in_oslo()
    if request.status == RequestStatus.EXPIRED and (
            request.needed_by is None or request.needed_by >= today):
        request.status = RequestStatus.OPEN.value
    sync_links(request)
    changed(request)
    return request


def close_request(request: WantedRequest, fulfilled: bool = False,
                  now: datetime | None = None) -> WantedRequest:
    """open/expired -> closed (or fulfilled: the organisation got what it needed)."""
    if request.status not in CLOSABLE:
        raise _conflict(request, _("Ønsket kan ikke lukkes fordi det er %(status)s."))
    request.status = (RequestStatus.FULFILLED if fulfilled else RequestStatus.CLOSED).value
    request.closed_at = now or utcnow()
    sync_links(request)
    changed(request)
    return request


def expire_due(today: date | None = None) -> list[int]:
    """Open requests whose needed-by date has passed become expired."""
    today = today or rules.today_in_oslo()
    query = sa.select(WantedRequest.id).where(WantedRequest.status == RequestStatus.OPEN,
                                              WantedRequest.needed_by.is_not(None),
                                              WantedRequest.needed_by < today)
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(
            sa.update(WantedRequest)
            .where(WantedRequest.id.in_(ids), WantedRequest.status == RequestStatus.OPEN)
            .values(status=RequestStatus.EXPIRED.value, updated_at=utcnow())
            .execution_options(synchronize_session="fetch"))
        db.session.execute(
            sa.update(WantedRequestCategory).where(WantedRequestCategory.request_id.in_(ids))
            .values(is_open=False).execution_options(synchronize_session="fetch"))
        for request_id in ids:
            outbox.emit(CHANGED, request_id=request_id)
    return ids


# --- queries -------------------------------------------------------------------------


def _with_relations(query):
    return query.options(joinedload(WantedRequest.organization),
                         selectinload(WantedRequest.category_links)
                         .joinedload(WantedRequestCategory.category))


def open_requests(page: int, per_page: int,
                  category_ids: list[int] | None = None) -> tuple[list[WantedRequest], int]:
    """Open requests, newest first (optionally in some categories); none hidden or of a
    suspended organisation."""
    from app.moderation import visibility

    where = [WantedRequest.status == RequestStatus.OPEN, *visibility.request_filter()]
    if category_ids:
        where.append(WantedRequest.id.in_(
            sa.select(WantedRequestCategory.request_id)
            .where(WantedRequestCategory.category_id.in_(category_ids))))
    query = (sa.select(WantedRequest).where(*where)
             .order_by(WantedRequest.created_at.desc(), WantedRequest.id.desc()))
    return paginate(_with_relations(query), page, per_page)


def organization_requests(user: User, page: int, per_page: int,
                          status: str | None = None) -> tuple[list[WantedRequest], int]:
    """Every request (any status) of the organisations ``user`` belongs to."""
    return owned.organization_rows(WantedRequest, user, page, per_page, status,
                                   _with_relations)
