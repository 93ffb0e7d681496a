"""Listing services: create, change, publish, withdraw, close, expire; who may see and change.

Permissions, the same for pages and API:

* draft and withdrawn listings exist only for members of the owning organisation;
  for anyone else they are 404, for reading and for changing;
* published, reserved, closed and expired listings are visible to everyone; changing
  one without being a member of its organisation is 403.

Every change that could affect search or matching emits ``listing.changed`` in the
same transaction. Services flush and never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from app import formatting, outbox
from app.accounts.models import Organization, User
from app.common import owned
from app.db import db, paginate, utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.listings import CHANGED, rules
from app.listings.categories import category_lookup
from app.listings.models import EDITABLE_STATUSES, Listing, Status

STATUS_LABELS = {
    Status.DRAFT: _l("utkast"), Status.PUBLISHED: _l("publisert"),
    Status.RESERVED: _l("reservert"), Status.CLOSED: _l("avsluttet"),
    Status.WITHDRAWN: _l("trukket tilbake"), Status.EXPIRED: _l("utløpt"),
}
PUBLISHABLE_FROM = frozenset({Status.DRAFT, Status.EXPIRED})
WITHDRAWABLE_FROM = frozenset({Status.DRAFT, Status.PUBLISHED, Status.EXPIRED})
CLOSABLE_FROM = frozenset({Status.PUBLISHED, Status.RESERVED, Status.EXPIRED})

#: Called by :func:`withdraw` in its transaction, before the listing row is written.
_withdraw_hooks: list[Callable[[Listing, datetime], None]] = []


def on_withdraw(hook: Callable[[Listing, datetime], None]) -> Callable[[Listing, datetime], None]:
    """Let another domain act on a withdrawal in the same transaction (the exchange
    declines the requests still waiting for an answer). ``hook(listing, now)`` runs before
    the listing row is written, so it may lock its own rows first."""
    _withdraw_hooks.append(hook)
    return hook


# --- events ------------------------------------------------------------------------


def emit_changed(listing_ids: Iterable[int]) -> None:
    """Write ``listing.changed`` outbox rows for many listings in one bulk INSERT."""
    outbox.emit_many(CHANGED, [{"listing_id": listing_id} for listing_id in listing_ids])


def changed(listing: Listing) -> None:
    db.session.flush()
    outbox.emit(CHANGED, listing_id=listing.id)


# --- who may see and change ----------------------------------------------------------


def is_member(user: User | None, listing: Listing) -> bool:
    return owned.is_member(user, listing.organization_id)


def get_listing(listing_id: int) -> Listing | None:
    """The listing with what every page shows of it (category, organisation, photos)."""
    return db.session.get(Listing, listing_id, options=[
        joinedload(Listing.category), joinedload(Listing.organization),
        selectinload(Listing.images)])


def visible_listing(listing_id: int, user: User | None) -> Listing:
    """The listing if ``user`` may see it; NotFound otherwise (also for private ones)."""
    from app.moderation import visibility

    listing = get_listing(listing_id)
    if listing is None or not visibility.can_see_listing(listing, user):
        raise NotFound(_("Annonsen finnes ikke."))
    return listing


def listing_for_change(listing_id: int, user: User | None) -> Listing:
    """The listing if ``user`` may change it: 404 when they may not see it, else 403."""
    listing = visible_listing(listing_id, user)
    if not is_member(user, listing):
        raise PermissionDenied(_("Bare medlemmer av organisasjonen som eier annonsen kan "
                                 "endre den."))
    return listing


def choose_organization(user: User, organization_id: Any = None) -> Organization:
    """The organisation a new listing belongs to: the given one (must be the user's), or
    the user's first."""
    return owned.choose_organization(
        user, organization_id,
        _("Du må være medlem av en organisasjon for å legge ut annonser."))


def _state_conflict(listing: Listing, message: str) -> Conflict:
    return Conflict(message % {"status": STATUS_LABELS[Status(listing.status)]},
                    current_status=listing.status)


# --- changes -----------------------------------------------------------------------


def create_listing(user: User, organization: Organization, data: Mapping[str, Any],
                   publish: bool = False, now: datetime | None = None) -> Listing:
    """Check ``data`` (API field names) and add a draft, or a published listing."""
    clean, errors = rules.check(data, category_lookup(), now=now)
    if errors:
        raise ValidationFailed(errors)
    listing = Listing(organization=organization, created_by=user, status=Status.DRAFT.value,
                      **{**_defaults(), **clean})
    db.session.add(listing)
    if publish:
        _publish(listing, now)
    changed(listing)
    return listing


def _defaults() -> dict[str, Any]:
    return {"description": "", "address": "", "material": "", "dimensions": "",
            "pickup_instructions": "", "waste_origin": False, "weight_estimated": False}


def update_listing(listing: Listing, data: Mapping[str, Any],
                   now: datetime | None = None) -> Listing:
    """Change the given fields; the whole change is checked before anything is set.

    A new quantity is checked against what reservations hold *now*: the listing row is
    locked first (``SELECT ... FOR UPDATE``; SQLite serialises writers), so an acceptance
    running at the same time either finished before (and its hold is counted) or waits
    for this change (and re-checks what is left). Less than is held is a 409."""
    if "quantity" in data:
        lock_listing(listing)
    if listing.status not in EDITABLE_STATUSES:
        raise _state_conflict(listing, _("Annonsen kan ikke endres fordi den er %(status)s."))
    clean, errors = rules.check(data, category_lookup(), current=listing, now=now)
    if errors:
        raise ValidationFailed(errors)
    if clean.get("quantity_available", 0) < 0:
        from app.listings.serialize import number  # serialize imports this module

        held = listing.quantity - listing.quantity_available
        message = _("Antallet kan ikke være mindre enn det som allerede er holdt av "
                    "(%(n)s).", n=formatting.number(held))
        conflict = Conflict(message, held=number(held), quantity=number(listing.quantity),
                            quantity_available=number(listing.quantity_available))
        conflict.errors = {"quantity": [message]}
        raise conflict
    for name, value in clean.items():
        setattr(listing, name, value)
    sync_availability(listing)
    changed(listing)
    return listing


def lock_listing(listing: Listing) -> Listing:
    """Lock the listing's row for this transaction and read it again (fresh quantities)."""
    db.session.execute(sa.select(Listing.id).where(Listing.id == listing.id)
                       .with_for_update())
    db.session.refresh(listing)
    return listing


def _publish(listing: Listing, now: datetime | None = None) -> None:
    now = now or utcnow()
    if listing.available_until is not None and listing.available_until <= now:
        raise ValidationFailed({"available_until": [
            _("Sett en ny dato fram i tid før du publiserer.")]})
    listing.status = Status.PUBLISHED.value
    listing.published_at = now
    sync_availability(listing)


def publish(listing: Listing, now: datetime | None = None) -> Listing:
    """Draft (or expired, after its end date was moved) -> published."""
    if listing.status not in PUBLISHABLE_FROM:
        raise _state_conflict(listing, _("Annonsen kan ikke publiseres fordi den er "
                                         "%(status)s."))
    _publish(listing, now)
    changed(listing)
    return listing


def withdraw(listing: Listing, now: datetime | None = None) -> Listing:
    """Take a listing off the market for good (not while it is reserved). Requests still
    waiting for an answer are declined by the exchange's hook; accepted reservations stay
    (see :func:`on_withdraw`)."""
    if listing.status not in WITHDRAWABLE_FROM:
        raise _state_conflict(listing, _("Annonsen kan ikke trekkes tilbake fordi den er "
                                         "%(status)s."))
    now = now or utcnow()
    for hook in _withdraw_hooks:
        hook(listing, now)
    listing.status = Status.WITHDRAWN.value
    changed(listing)
    return listing


def close(listing: Listing) -> Listing:
    """Everything is handed over (or the owner ends it): published/reserved -> closed."""
    if listing.status not in CLOSABLE_FROM:
        raise _state_conflict(listing, _("Annonsen kan ikke avsluttes fordi den er "
                                         "%(status)s."))
    listing.status = Status.CLOSED.value
    changed(listing)
    return listing


def sync_availability(listing: Listing) -> None:
    """published <-> reserved as ``quantity_available`` reaches 0 or comes back.

    The reservation service calls this after it changes ``quantity_available``."""
    if listing.status == Status.PUBLISHED and listing.quantity_available <= 0:
        listing.status = Status.RESERVED.value
    elif listing.status == Status.RESERVED and listing.quantity_available > 0:
        listing.status = Status.PUBLISHED.value


def expire_due(now: datetime | None = None) -> list[int]:
    """Mark published listings whose ``available_until`` has passed as expired."""
    now = now or utcnow()
    query = sa.select(Listing.id).where(Listing.status == Status.PUBLISHED,
                                        Listing.available_until.is_not(None),
                                        Listing.available_until <= now)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(
            sa.update(Listing).where(Listing.id.in_(ids), Listing.status == Status.PUBLISHED)
            .values(status=Status.EXPIRED.value, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
        emit_changed(ids)
    return ids


# --- queries -------------------------------------------------------------------------


def _with_relations(query):
    return query.options(joinedload(Listing.category), joinedload(Listing.organization),
                         selectinload(Listing.images))


def published_listings(page: int, per_page: int,
                       category_ids: list[int] | None = None) -> tuple[list[Listing], int]:
    """Published listings, newest first (none hidden or of a suspended organisation)."""
    from app.moderation import visibility

    where = [Listing.status == Status.PUBLISHED, *visibility.listing_filter()]
    if category_ids:
        where.append(Listing.category_id.in_(category_ids))
    query = (sa.select(Listing).where(*where)
             .order_by(Listing.published_at.desc(), Listing.id.desc()))
    return paginate(_with_relations(query), page, per_page)


def organization_listings(user: User, page: int, per_page: int,
                          status: str | None = None) -> tuple[list[Listing], int]:
    """Every listing (any status) of the organisations ``user`` belongs to."""
    return owned.organization_rows(Listing, user, page, per_page, status, _with_relations)
