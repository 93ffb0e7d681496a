"""Listings as search documents (the shape in ``docs/search.md``), and which ones belong.

A listing is in the index while it is published, has quantity left, has not passed
its ``available_until``, is not hidden by a site admin and its organisation is not
suspended (``app.moderation.visibility``); every other listing is deleted from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.db import db, utcnow
from app.listings import postcodes
from app.listings.models import Category, Condition, Listing, Status
from app.listings.photos import media_url
from app.listings.serialize import number

#: Higher is better; matching asks for "at least" a condition.
CONDITION_RANK = {Condition.NEW.value: 5, Condition.LIKE_NEW.value: 4, Condition.GOOD.value: 3,
                  Condition.FAIR.value: 2, Condition.FOR_PARTS.value: 1}


def unix(dt: datetime | None) -> int | None:
    return int(dt.timestamp()) if dt is not None else None


def is_indexable(listing: Listing, now: datetime | None = None) -> bool:
    """Published, with quantity left, not past its end date, and neither hidden nor of
    a suspended organisation."""
    from app.moderation import visibility

    now = now or utcnow()
    return (listing.status == Status.PUBLISHED.value
            and listing.quantity_available is not None
            and Decimal(listing.quantity_available) > 0
            and (listing.available_until is None or listing.available_until > now)
            and not visibility.listing_excluded(listing))


def indexable_filter(now: datetime | None = None) -> list[Any]:
    """The same rule as :func:`is_indexable`, as SQL conditions on ``Listing``."""
    from app.moderation import visibility

    now = now or utcnow()
    return [Listing.status == Status.PUBLISHED.value, Listing.quantity_available > 0,
            sa.or_(Listing.available_until.is_(None), Listing.available_until > now),
            *visibility.listing_filter()]


def _lineage(category: Category) -> list[Category]:
    """The category and its ancestors, leaf first."""
    chain: list[Category] = []
    node: Category | None = category
    while node is not None and node not in chain:
        chain.append(node)
        node = node.parent
    return chain


def category_fields(category: Category) -> tuple[str, list[str], list[str]]:
    """(leaf slug, path root..leaf, nb+en names of the category and its ancestors)."""
    chain = _lineage(category)
    names: list[str] = []
    for node in chain:
        for name in (node.name_nb, node.name_en):
            if name and name not in names:
                names.append(name)
    return category.slug, [c.slug for c in reversed(chain)], names


def listing_document(listing: Listing,
                     category: tuple[str, list[str], list[str]] | None = None) -> dict[str, Any]:
    """The search document for ``listing`` (whatever its status; see :func:`is_indexable`).

    ``category`` is :func:`category_fields` of its category, when the caller has it."""
    slug, path, names = category or category_fields(listing.category)
    organization = listing.organization
    place = postcodes.lookup(listing.postcode)
    thumb = listing.images[0] if listing.images else None
    return {
        "id": listing.id,
        "title": listing.title,
        "description": listing.description or "",
        "material": listing.material or "",
        "category": slug,
        "category_path": list(path),
        "category_names": list(names),
        "condition": listing.condition,
        "condition_rank": CONDITION_RANK.get(listing.condition, 0),
        "price_ore": int(listing.price_ore or 0),
        "is_free": not listing.price_ore,
        "quantity_available": number(Decimal(listing.quantity_available)),
        "unit": listing.unit,
        "org_id": listing.organization_id,
        "org_name": organization.name,
        "org_kind": organization.kind,
        "postcode": listing.postcode,
        "district": listing.district or (place.district if place else ""),
        "lat": listing.lat,
        "lng": listing.lng,
        "published_at": unix(listing.published_at),
        "available_until": unix(listing.available_until),
        "thumb_url": media_url(thumb.thumb_path) if thumb else None,
    }


def load_listing(listing_id: int) -> Listing | None:
    """One listing with what its document needs, read fresh from the database."""
    return db.session.scalars(
        sa.select(Listing).where(Listing.id == listing_id)
        .options(joinedload(Listing.organization), joinedload(Listing.category),
                 selectinload(Listing.images))
        .execution_options(populate_existing=True)
    ).first()


def count_indexable(now: datetime | None = None) -> int:
    return db.session.scalar(sa.select(sa.func.count(Listing.id))
                             .where(*indexable_filter(now))) or 0


def indexable_documents(batch_size: int = 2000,
                        now: datetime | None = None) -> Iterator[list[dict[str, Any]]]:
    """Documents of every listing that belongs in the index, in batches (keyset by id).

    Category paths and names are worked out once; a batch's rows are dropped once its
    documents are built (the session holds them weakly), so memory stays flat.
    """
    now = now or utcnow()
    fields = {c.id: category_fields(c) for c in db.session.scalars(sa.select(Category))}
    last_id = 0
    while True:
        batch = db.session.scalars(
            sa.select(Listing).where(*indexable_filter(now), Listing.id > last_id)
            .order_by(Listing.id).limit(batch_size)
            .options(joinedload(Listing.organization), selectinload(Listing.images))
        ).all()
        if not batch:
            break
        docs = [listing_document(listing, fields[listing.category_id]) for listing in batch]
        last_id = batch[-1].id
        del batch  # the session's identity map is weak: the batch's objects go with it
        yield docs
