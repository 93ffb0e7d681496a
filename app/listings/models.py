"""Categories (a seeded tree), listings and their photos."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organization, User
from app.db import TimestampMixin, UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from app.projects.models import Project


class EUCategory(enum.StrEnum):
    """The five product categories of Implementing Decision (EU) 2021/19."""

    TEXTILES = "textiles"
    EEE = "eee"
    FURNITURE = "furniture"
    CONSTRUCTION = "construction"
    OTHER = "other"


class Status(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RESERVED = "reserved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Condition(enum.StrEnum):
    NEW = "new"
    LIKE_NEW = "like_new"
    GOOD = "good"
    FAIR = "fair"
    FOR_PARTS = "for_parts"


class Unit(enum.StrEnum):
    PCS = "pcs"
    M = "m"
    M2 = "m2"
    M3 = "m3"
    KG = "kg"


#: Anyone may see these (they were published once); the others only the owners see.
PUBLIC_STATUSES = frozenset({Status.PUBLISHED, Status.RESERVED, Status.CLOSED, Status.EXPIRED})
#: Statuses in which the owners may still change fields and photos.
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.PUBLISHED, Status.RESERVED, Status.EXPIRED})

QUANTITY = sa.Numeric(12, 3)


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_nb: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    eu_category: Mapped[str] = mapped_column(sa.String(20))
    #: Typical weight of one ``typical_unit`` (kg); None where a typical weight means nothing.
    typical_unit_weight_kg: Mapped[Decimal | None] = mapped_column(QUANTITY)
    typical_unit: Mapped[str] = mapped_column(sa.String(4), default=Unit.PCS.value)
    sort_order: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.sort_order"
    )

    __table_args__ = (
        sa.CheckConstraint(f"eu_category IN ({_in(EUCategory)})", name="eu_category"),
        sa.CheckConstraint(f"typical_unit IN ({_in(Unit)})", name="typical_unit"),
    )

    def name(self, locale: str = "nb") -> str:
        return self.name_en if locale == "en" else self.name_nb

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Listing(TimestampMixin, db.Model):
    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id", ondelete="RESTRICT"))
    condition: Mapped[str] = mapped_column(sa.String(12))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    #: Decremented atomically by reservations; ``reserved`` when it reaches 0.
    quantity_available: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(sa.String(4))
    unit_weight_kg: Mapped[Decimal | None] = mapped_column(QUANTITY)
    #: True when the weight came from the category's typical weight, not from the owner.
    weight_estimated: Mapped[bool] = mapped_column(default=False)
    dimensions: Mapped[str] = mapped_column(sa.String(200), default="")
    material: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    postcode: Mapped[str] = mapped_column(sa.String(4))
    district: Mapped[str] = mapped_column(sa.String(100), default="")
    lat: Mapped[float] = mapped_column(sa.Float)
    lng: Mapped[float] = mapped_column(sa.Float)
    available_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    available_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    price_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    pickup_instructions: Mapped[str] = mapped_column(sa.Text, default="")
    #: The item came from the waste stream (e.g. a recycling station): preparing for re-use.
    waste_origin: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(10), default=Status.DRAFT.value)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Hidden by a site admin (with a reason the owner sees): out of search and public
    #: pages until restored; nothing else about the listing changes.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    hidden_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: A unit weight outside the category's plausible range, approved by a site admin
    #: (audit log): the listing may use exactly this unit weight.
    weight_approved_kg: Mapped[Decimal | None] = mapped_column(QUANTITY)
    weight_approved_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    weight_approved_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    weight_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The building project it was mapped in (app.projects), shown on the listing.
    project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="SET NULL"), index=True)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()
    category: Mapped[Category] = relationship()
    project: Mapped[Project | None] = relationship("Project")
    images: Mapped[list[ListingImage]] = relationship(
        back_populates="listing", order_by="ListingImage.position, ListingImage.id",
        cascade="all, delete-orphan",
    )
    #: When the items may be fetched (app.pickup); replaced as a whole when changed.
    pickup_windows: Mapped[list[PickupWindow]] = relationship(
        order_by="PickupWindow.position, PickupWindow.id", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_in(Status)})", name="status"),
        sa.CheckConstraint(f"condition IN ({_in(Condition)})", name="condition"),
        sa.CheckConstraint(f"unit IN ({_in(Unit)})", name="unit"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("quantity_available >= 0 AND quantity_available <= quantity",
                           name="quantity_available_range"),
        sa.CheckConstraint("price_ore >= 0", name="price_not_negative"),
        sa.CheckConstraint("unit_weight_kg IS NULL OR unit_weight_kg > 0",
                           name="unit_weight_positive"),
        sa.Index("ix_listings_org_status", "organization_id", "status"),
        sa.Index("ix_listings_status_published", "status", "published_at"),
        sa.Index("ix_listings_status_until", "status", "available_until"),
        sa.Index("ix_listings_category", "category_id"),
    )

    @property
    def total_weight_kg(self) -> Decimal | None:
        if self.unit_weight_kg is None:
            return None
        return (self.quantity * self.unit_weight_kg).quantize(Decimal("0.001"))

    @property
    def is_free(self) -> bool:
        return self.price_ore == 0

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def __repr__(self) -> str:
        return f"<Listing {self.id} {self.status} {self.title!r}>"


class ListingImage(db.Model):
    __tablename__ = "listing_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    #: sha256 of the stored original's bytes; the files are named after their own hashes.
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    original_path: Mapped[str] = mapped_column(sa.String(120))
    medium_path: Mapped[str] = mapped_column(sa.String(120))
    thumb_path: Mapped[str] = mapped_column(sa.String(120))
    width: Mapped[int]
    height: Mapped[int]
    bytes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    listing: Mapped[Listing] = relationship(back_populates="images")

    @property
    def paths(self) -> tuple[str, str, str]:
        return self.original_path, self.medium_path, self.thumb_path


class ReportReason(enum.StrEnum):
    FRAUD = "fraud"
    WRONG_CATEGORY = "wrong_category"
    WRONG_WEIGHT = "wrong_weight"
    PROHIBITED = "prohibited"
    OFFENSIVE = "offensive"
    DUPLICATE = "duplicate"
    OTHER = "other"


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    ACTIONED = "actioned"


class ListingReport(db.Model):
    """"Rapporter annonse": a person tells the site admins something is wrong."""

    __tablename__ = "listing_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(20))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default=ReportStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    resolution: Mapped[str] = mapped_column(sa.Text, default="")

    listing: Mapped[Listing] = relationship()
    reporter: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(f"reason IN ({_in(ReportReason)})", name="reason"),
        sa.CheckConstraint(f"status IN ({_in(ReportStatus)})", name="status"),
        sa.CheckConstraint("length(message) <= 2000", name="message_length"),
        sa.Index("ix_listing_reports_status_created", "status", "created_at"),
    )


class ImportJobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(db.Model):
    """A bulk import too large for one request: run as a job, its progress on a page."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    #: Where the uploaded file waits (under the instance directory) until the job ran.
    file_path: Mapped[str] = mapped_column(sa.String(500), default="")
    publish: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(10), default=ImportJobStatus.QUEUED.value)
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    #: Row and column errors, as the page shows them: [{"row": 3, "field": ..., ...}].
    errors: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_in(ImportJobStatus)})", name="status"),
    )


from app.pickup.models import PickupWindow  # noqa: E402 - pickup windows of a listing
