"""A building project, the organisations working on it, its mapped components and their
photos. See ``app/projects/__init__.py`` and docs/projects.md."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organization, User
from app.db import TimestampMixin, UTCDateTime, db
from app.listings.models import QUANTITY, Category, Condition, Unit


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class WorkKind(enum.StrEnum):
    """What happens to the building; a new build is a receiver of reused components."""

    DEMOLITION = "demolition"
    RENOVATION = "renovation"
    NEW_BUILD = "new_build"


class ProjectStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"


class PartnerRole(enum.StrEnum):
    """What another organisation does in the project (the owner is the one who made it)."""

    BUILDER = "builder"  # byggherre / tiltakshaver
    CONSULTANT = "consultant"  # rådgiver, the one who maps
    DEMOLITION = "demolition"  # riveentreprenør
    CONTRACTOR = "contractor"  # entreprenør
    RECEIVER = "receiver"  # a project or firm that takes components


class Suitability(enum.StrEnum):
    SUITABLE = "suitable"
    AFTER_WORK = "after_work"  # suitable after repair, cleaning or testing
    NOT_SUITABLE = "not_suitable"


#: Suitable for reuse, now or after work: what the § 9-7 report lists and what is published.
REUSABLE = frozenset({Suitability.SUITABLE, Suitability.AFTER_WORK})


class Hazard(enum.StrEnum):
    """Hazardous substances from the environmental mapping (miljøkartlegging) that block
    reuse of a component until it is cleared."""

    ASBESTOS = "asbestos"
    PCB = "pcb"
    LEAD = "lead"
    MERCURY = "mercury"
    CHLORINATED_PARAFFINS = "chlorinated_paraffins"
    BROMINATED_FLAME_RETARDANTS = "brominated_flame_retardants"
    PHTHALATES = "phthalates"
    PAH = "pah"
    CFC = "cfc"
    CREOSOTE = "creosote"
    HEAVY_METALS = "heavy_metals"
    OTHER = "other"


class Project(TimestampMixin, db.Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The organisation that made the project and owns its listings.
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    work_kind: Mapped[str] = mapped_column(sa.String(12))
    status: Mapped[str] = mapped_column(sa.String(10), default=ProjectStatus.ACTIVE.value)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    postcode: Mapped[str] = mapped_column(sa.String(4), default="")
    district: Mapped[str] = mapped_column(sa.String(100), default="")
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lng: Mapped[float | None] = mapped_column(sa.Float)
    #: SSB municipality number (four digits): who sees the project as its municipality.
    municipality_number: Mapped[str] = mapped_column(sa.String(4))
    #: Matrikkel: gårdsnummer, bruksnummer, and festenummer/seksjonsnummer where they exist.
    gnr: Mapped[int] = mapped_column()
    bnr: Mapped[int] = mapped_column()
    fnr: Mapped[int | None] = mapped_column()
    snr: Mapped[int | None] = mapped_column()
    building_year: Mapped[int | None] = mapped_column()
    former_use: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Gross usable area (BRA) affected, m²: over 100 m² the mapping is required.
    area_m2: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 1))
    #: The reuse target (share of mapped kilograms), e.g. a FutureBuilt project's.
    reuse_target_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 1))
    mapping_date: Mapped[date | None] = mapped_column(sa.Date)
    #: From when components may be fetched: the published listings' ``available_from``.
    access_date: Mapped[date | None] = mapped_column(sa.Date)
    demolition_start: Mapped[date | None] = mapped_column(sa.Date)
    #: Who mapped (names and firm, as the report prints them).
    mapped_by: Mapped[str] = mapped_column(sa.String(300), default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()
    partners: Mapped[list[ProjectPartner]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="ProjectPartner.id")
    components: Mapped[list[Component]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="Component.building_part, Component.id")

    __table_args__ = (
        sa.CheckConstraint(f"work_kind IN ({_in(WorkKind)})", name="work_kind"),
        sa.CheckConstraint(f"status IN ({_in(ProjectStatus)})", name="status"),
        sa.CheckConstraint("gnr > 0 AND bnr > 0", name="matrikkel_positive"),
        sa.Index("ix_projects_municipality", "municipality_number", "status"),
    )

    @property
    def matrikkel(self) -> str:
        """"gnr/bnr", with "/fnr" and "/snr" where they exist (0 stands for a missing fnr)."""
        parts = [str(self.gnr), str(self.bnr)]
        if self.fnr or self.snr:
            parts.append(str(self.fnr or 0))
        if self.snr:
            parts.append(str(self.snr))
        return "/".join(parts)

    @property
    def is_active(self) -> bool:
        return self.status == ProjectStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.name!r}>"


class ProjectPartner(TimestampMixin, db.Model):
    """Another organisation working on the project: its members may see the project and
    map components; only the owning organisation changes the project and publishes."""

    __tablename__ = "project_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(12))

    project: Mapped[Project] = relationship(back_populates="partners")
    organization: Mapped[Organization] = relationship()

    __table_args__ = (
        sa.CheckConstraint(f"role IN ({_in(PartnerRole)})", name="role"),
        sa.UniqueConstraint("project_id", "organization_id"),
    )


class Component(TimestampMixin, db.Model):
    """One mapped building component or material: what, how much, where, in what state,
    and whether it can be reused."""

    __tablename__ = "project_components"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    #: Chosen by the client for a new component (a phone that lost its connection sends
    #: the same form again): a second create with the same key returns the first.
    client_key: Mapped[str | None] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: NS 3451 code, two or three digits (app.projects.ns3451).
    building_part: Mapped[str] = mapped_column(sa.String(3))
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The marketplace category it is published under (and the EU category it counts in).
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="RESTRICT"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(sa.String(4), default=Unit.PCS.value)
    unit_weight_kg: Mapped[Decimal | None] = mapped_column(QUANTITY)
    dimensions: Mapped[str] = mapped_column(sa.String(200), default="")
    material: Mapped[str] = mapped_column(sa.String(200), default="")
    condition: Mapped[str] = mapped_column(sa.String(12), default=Condition.GOOD.value)
    floor: Mapped[str] = mapped_column(sa.String(40), default="")
    room: Mapped[str] = mapped_column(sa.String(80), default="")
    #: Where on the drawings (e.g. "A-201, pos. 12").
    drawing_mark: Mapped[str] = mapped_column(sa.String(80), default="")
    suitability: Mapped[str] = mapped_column(sa.String(12), default=Suitability.SUITABLE.value)
    suitability_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: ``Hazard`` values found by the environmental mapping; any of them blocks reuse.
    hazards: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: The listing it was published as (None until published).
    listing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="SET NULL"), unique=True)

    project: Mapped[Project] = relationship(back_populates="components")
    category: Mapped[Category | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    photos: Mapped[list[ComponentPhoto]] = relationship(
        back_populates="component", cascade="all, delete-orphan",
        order_by="ComponentPhoto.position, ComponentPhoto.id")

    __table_args__ = (
        sa.CheckConstraint(f"suitability IN ({_in(Suitability)})", name="suitability"),
        sa.CheckConstraint(f"unit IN ({_in(Unit)})", name="unit"),
        sa.CheckConstraint(f"condition IN ({_in(Condition)})", name="condition"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_weight_kg IS NULL OR unit_weight_kg > 0",
                           name="unit_weight_positive"),
        sa.Index("ix_project_components_project", "project_id", "building_part"),
        sa.Index("uq_project_components_client_key", "project_id", "client_key", unique=True),
    )

    @property
    def is_reusable(self) -> bool:
        return self.suitability in REUSABLE and not self.hazards

    @property
    def total_kg(self) -> Decimal | None:
        if self.unit_weight_kg is None:
            return None
        return (self.quantity * self.unit_weight_kg).quantize(Decimal("0.001"))

    def __repr__(self) -> str:
        return f"<Component {self.id} {self.building_part} {self.name!r}>"


class ComponentPhoto(db.Model):
    """A photo of a component, stored by the listing photo pipeline (same renditions)."""

    __tablename__ = "project_component_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(
        sa.ForeignKey("project_components.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    original_path: Mapped[str] = mapped_column(sa.String(120))
    medium_path: Mapped[str] = mapped_column(sa.String(120))
    thumb_path: Mapped[str] = mapped_column(sa.String(120))
    width: Mapped[int]
    height: Mapped[int]
    bytes: Mapped[int]

    component: Mapped[Component] = relationship(back_populates="photos")
