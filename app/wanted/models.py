"""Wanted requests and their categories (one row per category, indexed for matching)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organization, User
from app.db import TimestampMixin, UTCDateTime, db
from app.listings.models import QUANTITY, Category, Condition, Unit


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    CLOSED = "closed"
    EXPIRED = "expired"


#: The higher, the better; a request's ``min_condition_rank`` is the least it accepts.
CONDITION_RANK = {Condition.NEW: 5, Condition.LIKE_NEW: 4, Condition.GOOD: 3,
                  Condition.FAIR: 2, Condition.FOR_PARTS: 1}


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class WantedRequest(TimestampMixin, db.Model):
    __tablename__ = "wanted_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    #: The least the requester would take from one listing.
    min_quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(sa.String(4), default=Unit.PCS.value)
    #: Highest price per unit in øre; 0 = only free; None = any price.
    max_price_ore: Mapped[int | None] = mapped_column(sa.BigInteger)
    min_condition: Mapped[str | None] = mapped_column(sa.String(12))
    #: ``CONDITION_RANK`` of ``min_condition`` (0 = any), so SQL can filter on it.
    min_condition_rank: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    postcode: Mapped[str] = mapped_column(sa.String(4), default="")
    district: Mapped[str] = mapped_column(sa.String(100), default="")
    lat: Mapped[float] = mapped_column(sa.Float)
    lng: Mapped[float] = mapped_column(sa.Float)
    radius_km: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    #: The circle's bounding box: a listing outside it is never a candidate.
    min_lat: Mapped[float] = mapped_column(sa.Float)
    max_lat: Mapped[float] = mapped_column(sa.Float)
    min_lng: Mapped[float] = mapped_column(sa.Float)
    max_lng: Mapped[float] = mapped_column(sa.Float)
    needed_by: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default=RequestStatus.OPEN.value)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Hidden by a site admin with a reason the owner sees; restored by clearing it.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    hidden_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: Folded, stemmed title words with their synonyms (see app.matching.text).
    match_terms: Mapped[str] = mapped_column(sa.Text, default="")
    #: The receiving building project this request is for (app.projects), if any.
    project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="SET NULL"), index=True)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()
    category_links: Mapped[list[WantedRequestCategory]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by="WantedRequestCategory.position")

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_in(RequestStatus)})", name="status"),
        sa.CheckConstraint(f"unit IN ({_in(Unit)})", name="unit"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("min_quantity > 0 AND min_quantity <= quantity",
                           name="min_quantity_range"),
        sa.CheckConstraint("max_price_ore IS NULL OR max_price_ore >= 0",
                           name="max_price_not_negative"),
        sa.CheckConstraint("radius_km > 0 AND radius_km <= 500", name="radius_range"),
        sa.Index("ix_wanted_requests_org_status", "organization_id", "status"),
        sa.Index("ix_wanted_requests_status_needed_by", "status", "needed_by"),
        sa.Index("ix_wanted_requests_status_created", "status", "created_at"),
        sa.Index("ix_wanted_requests_bbox_lat", "min_lat", "max_lat"),
        sa.Index("ix_wanted_requests_bbox_lng", "min_lng", "max_lng"),
    )

    @property
    def categories(self) -> list[Category]:
        return [link.category for link in self.category_links]

    @property
    def category_slugs(self) -> list[str]:
        return [link.category.slug for link in self.category_links]

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    def __repr__(self) -> str:
        return f"<WantedRequest {self.id} {self.status} {self.title!r}>"


class WantedRequestCategory(db.Model):
    """One category of a request, with a copy of what matching reads about the request.

    A new listing finds the open requests it could serve by reading only this table:
    its primary key starts with the category and SQLite stores it without rowid, so the
    requests of a category are one contiguous range, filtered (openness, bounding box,
    price, condition, least quantity) without a look-up per row in ``wanted_requests``.
    ``services.sync_links`` keeps the copy in step with the request."""

    __tablename__ = "wanted_request_categories"

    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="RESTRICT"), primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wanted_requests.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    # The copy (see the class docstring).
    is_open: Mapped[bool] = mapped_column(default=True)
    organization_id: Mapped[int]
    match_terms: Mapped[str] = mapped_column(sa.Text, default="")
    unit: Mapped[str] = mapped_column(sa.String(4))
    quantity: Mapped[float] = mapped_column(sa.Float)
    min_quantity: Mapped[float] = mapped_column(sa.Float)
    max_price_ore: Mapped[int | None] = mapped_column(sa.BigInteger)
    min_condition_rank: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    lat: Mapped[float] = mapped_column(sa.Float)
    lng: Mapped[float] = mapped_column(sa.Float)
    radius_km: Mapped[float] = mapped_column(sa.Float)
    min_lat: Mapped[float] = mapped_column(sa.Float)
    max_lat: Mapped[float] = mapped_column(sa.Float)
    min_lng: Mapped[float] = mapped_column(sa.Float)
    max_lng: Mapped[float] = mapped_column(sa.Float)
    needed_by: Mapped[date | None] = mapped_column(sa.Date)

    request: Mapped[WantedRequest] = relationship(back_populates="category_links")
    category: Mapped[Category] = relationship()

    __table_args__ = (
        sa.Index("ix_wanted_request_categories_request", "request_id"),
        # For PostgreSQL, whose heap is not ordered by category: the box is checked in
        # the index, so only rows whose box holds the listing are read (SQLite keeps to
        # the primary key, see app.matching.candidates).
        sa.Index("ix_wanted_request_categories_box", "category_id", "is_open", "min_lat",
                 "max_lat", "min_lng", "max_lng"),
        {"sqlite_with_rowid": False},
    )
