"""Reservations and their messages, the append-only reuse ledger and emission factors."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organization, User
from app.db import TimestampMixin, UTCDateTime, append_only, db, utcnow
from app.listings.models import QUANTITY, Listing

KG = sa.Numeric(14, 3)


class ReservationStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


S = ReservationStatus
#: Not finished: the two sides may still act.
OPEN_STATUSES = frozenset({S.REQUESTED, S.ACCEPTED, S.AWAITING_PAYMENT, S.PAID})
#: These hold quantity on the listing (taken at acceptance, returned when they end).
HOLDING_STATUSES = frozenset({S.ACCEPTED, S.AWAITING_PAYMENT, S.PAID})
#: The hand-over may be confirmed (``accepted`` covers gifts and payment at pickup).
HANDOVER_STATUSES = frozenset({S.ACCEPTED, S.PAID})
ENDED_STATUSES = frozenset({S.DECLINED, S.CANCELLED, S.EXPIRED})
#: ``end_reason`` of a request declined because its listing was withdrawn (a code, shown
#: as a text in the reader's language; other reasons are the decider's own words).
LISTING_WITHDRAWN = "listing_withdrawn"


class PaymentMethod(enum.StrEnum):
    STRIPE = "stripe"
    AT_PICKUP = "at_pickup"


class WeightMethod(enum.StrEnum):
    WEIGHED = "weighed"
    ESTIMATED = "estimated"


class RecordKind(enum.StrEnum):
    HANDOVER = "handover"
    REVERSAL = "reversal"
    CORRECTION = "correction"


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class Reservation(TimestampMixin, db.Model):
    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="RESTRICT"))
    buyer_org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"))
    #: The listing's organisation, copied so "as seller" needs no join.
    seller_org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"))
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The match this came from. No foreign key yet: the matching service is not built.
    match_id: Mapped[int | None] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(20), default=S.REQUESTED.value)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(sa.String(4))
    #: Price per unit when requested (what the buyer agreed to) and the total, in øre.
    unit_price_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    payment_method: Mapped[str | None] = mapped_column(sa.String(10))
    payment_provider_id: Mapped[str | None] = mapped_column(sa.String(255))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pickup_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Pickup agreement (app.pickup.agreement): the end of the agreed time, when it was
    #: agreed (None: only a default or the buyer's proposal), the calendar UID and
    #: SEQUENCE of its invitations, and when the day-before reminder went out.
    pickup_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pickup_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pickup_uid: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    pickup_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    pickup_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When it was declined, cancelled or expired, by whom (None: by the system) and why.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    end_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    giver_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    giver_confirmed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    receiver_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    receiver_confirmed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Set by the giver's confirmation: weighed kilograms or the estimate.
    weight_kg: Mapped[Decimal | None] = mapped_column(KG)
    weight_method: Mapped[str | None] = mapped_column(sa.String(10))
    #: "both" or "giver_alone" (after enough reminders): how the completion came about.
    completion_basis: Mapped[str | None] = mapped_column(sa.String(12))
    reminders_sent: Mapped[int] = mapped_column(default=0)
    #: Europe/Oslo date of the last reminder: at most one reminder run per day.
    last_reminded_on: Mapped[date | None] = mapped_column(sa.Date)

    listing: Mapped[Listing] = relationship()
    buyer_org: Mapped[Organization] = relationship(foreign_keys=[buyer_org_id])
    seller_org: Mapped[Organization] = relationship(foreign_keys=[seller_org_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    messages: Mapped[list[ReservationMessage]] = relationship(
        back_populates="reservation", order_by="ReservationMessage.id",
        cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_in(S)})", name="status"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price_ore >= 0 AND amount_ore >= 0", name="money_not_negative"),
        sa.CheckConstraint(f"payment_method IS NULL OR payment_method IN ({_in(PaymentMethod)})",
                           name="payment_method"),
        sa.CheckConstraint(f"weight_method IS NULL OR weight_method IN ({_in(WeightMethod)})",
                           name="weight_method"),
        sa.CheckConstraint("weight_kg IS NULL OR weight_kg > 0", name="weight_positive"),
        sa.CheckConstraint("buyer_org_id <> seller_org_id", name="not_own_listing"),
        sa.Index("ix_reservations_listing_status", "listing_id", "status"),
        sa.Index("ix_reservations_buyer_status", "buyer_org_id", "status"),
        sa.Index("ix_reservations_seller_status", "seller_org_id", "status"),
        sa.Index("ix_reservations_status_created", "status", "created_at"),
        sa.Index("ix_reservations_status_pickup", "status", "pickup_at"),
        # One unanswered request per organisation and listing (two parallel requests
        # cannot both get in; app.exchange.services answers 409 naming the first).
        sa.Index("uq_reservations_one_open_request", "listing_id", "buyer_org_id",
                 unique=True, sqlite_where=sa.text("status = 'requested'"),
                 postgresql_where=sa.text("status = 'requested'")),
    )

    @property
    def holds_quantity(self) -> bool:
        return self.status in HOLDING_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Reservation {self.id} {self.status} listing={self.listing_id}>"


class ReservationMessage(db.Model):
    __tablename__ = "reservation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The organisation the author wrote for (so the thread shows sides, not only names).
    author_org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reservation: Mapped[Reservation] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    author_org: Mapped[Organization] = relationship()

    __table_args__ = (sa.CheckConstraint("length(body) <= 2000", name="body_length"),)


class EmissionFactor(db.Model):
    """kg CO2e avoided per kg re-used; versioned, never changed once written."""

    __tablename__ = "emission_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "category" (platform slug), "eu_category" (EU 2021/19) or "default" (key "default").
    scope: Mapped[str] = mapped_column(sa.String(12))
    key: Mapped[str] = mapped_column(sa.String(60))
    #: "reuse" (direct re-use) or "preparing_for_reuse" (the item came from the waste stream).
    route: Mapped[str] = mapped_column(sa.String(20), default="reuse")
    version: Mapped[int] = mapped_column(default=1)
    value: Mapped[Decimal] = mapped_column(sa.Numeric(10, 4))
    kind: Mapped[str] = mapped_column(sa.String(8))
    #: Share of the new product's footprint that re-use is credited with avoiding.
    substitution_rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 3), default=Decimal(1))
    source: Mapped[str] = mapped_column(sa.Text)
    source_url: Mapped[str] = mapped_column(sa.String(500), default="")
    valid_from: Mapped[date] = mapped_column(sa.Date)
    taken_on: Mapped[date] = mapped_column(sa.Date)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    #: The documented all-category fallback; records made with it say so.
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("scope", "key", "route", "version"),
        sa.CheckConstraint("scope IN ('category', 'eu_category', 'default')", name="scope"),
        sa.CheckConstraint("route IN ('reuse', 'preparing_for_reuse')", name="route"),
        sa.CheckConstraint("kind IN ('gross', 'net')", name="kind"),
        sa.CheckConstraint("value >= 0", name="value_not_negative"),
        sa.CheckConstraint("substitution_rate > 0 AND substitution_rate <= 1",
                           name="substitution_rate_range"),
    )

    @property
    def kg_co2e_per_kg(self) -> Decimal:
        """What one re-used kilogram is credited with: value x substitution rate."""
        return self.value * self.substitution_rate

    def __repr__(self) -> str:
        return f"<EmissionFactor {self.scope}:{self.key} v{self.version} {self.value}>"


class ReuseRecord(db.Model):
    """One completed hand-over (or a reversal/correction of one). Append-only: the
    database refuses UPDATE and DELETE (see the triggers below)."""

    __tablename__ = "reuse_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default=RecordKind.HANDOVER.value)
    #: When the hand-over completed (a reversal keeps the original's time, so per-period
    #: sums net out); ``recorded_at`` is when this row was written.
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reservation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="RESTRICT"))
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="RESTRICT"),
                                            index=True)
    giver_org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    giver_orgnr: Mapped[str | None] = mapped_column(sa.String(9))
    giver_kind: Mapped[str] = mapped_column(sa.String(20))
    receiver_org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    receiver_orgnr: Mapped[str | None] = mapped_column(sa.String(9))
    receiver_kind: Mapped[str] = mapped_column(sa.String(20))
    #: Whether each organisation was verified when the record was written: the EU table
    #: counts records where both were, and shows the rest on a line of their own.
    giver_verified: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    receiver_verified: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    municipality_number: Mapped[str] = mapped_column(sa.String(4))
    district: Mapped[str] = mapped_column(sa.String(100), default="")
    category_slug: Mapped[str] = mapped_column(sa.String(60))
    eu_category: Mapped[str] = mapped_column(sa.String(20))
    #: Item count in ``unit`` (pieces, metres, ...); negative in a reversal.
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(sa.String(4))
    kg: Mapped[Decimal] = mapped_column(KG)
    weight_method: Mapped[str] = mapped_column(sa.String(10))
    channel: Mapped[str] = mapped_column(sa.String(20), default="online_platform")
    waste_origin: Mapped[bool] = mapped_column(default=False)
    #: Total price in øre (0 = gift); negative in a reversal.
    price_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    payment_method: Mapped[str | None] = mapped_column(sa.String(10))
    co2e_kg: Mapped[Decimal] = mapped_column(KG)
    factor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("emission_factors.id", ondelete="RESTRICT"))
    factor_version: Mapped[int]
    #: The factor's value x substitution rate at the time (kg CO2e per kg).
    factor_value: Mapped[Decimal] = mapped_column(sa.Numeric(10, 4))
    factor_is_default: Mapped[bool] = mapped_column(default=False)
    reverses_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reuse_records.id", ondelete="RESTRICT"), unique=True)
    replaces_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reuse_records.id", ondelete="RESTRICT"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: Who wrote a reversal or correction (no foreign key: a person may be erased later,
    #: the record may not change).
    recorded_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: The building project the listing was mapped in (app.projects), copied at
    #: completion like the organisation numbers (no foreign key: the record never changes).
    project_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)

    factor: Mapped[EmissionFactor] = relationship()

    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({_in(RecordKind)})", name="kind"),
        sa.CheckConstraint(f"weight_method IN ({_in(WeightMethod)})", name="weight_method"),
        sa.CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)",
                           name="reversal_has_target"),
        sa.CheckConstraint("(kind = 'correction') = (replaces_id IS NOT NULL)",
                           name="correction_has_target"),
        sa.CheckConstraint("(kind = 'reversal' AND kg < 0) OR (kind <> 'reversal' AND kg > 0)",
                           name="kg_sign"),
        # One original hand-over record per reservation; corrections come after reversals.
        sa.Index("uq_reuse_records_reservation_handover", "reservation_id", unique=True,
                 postgresql_where=sa.text("kind = 'handover'"),
                 sqlite_where=sa.text("kind = 'handover'")),
        sa.Index("ix_reuse_records_completed", "completed_at"),
    )

    def __repr__(self) -> str:
        return f"<ReuseRecord {self.id} {self.kind} {self.kg} kg>"


# Append-only, enforced by the database (the migration carries the same statements).
append_only(ReuseRecord.__table__,
            "reuse_records is append-only: write a reversal record instead")
