"""Connected Stripe accounts, payment attempts and the processed webhook events."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organization
from app.db import TimestampMixin, UTCDateTime, db, utcnow


class AccountStatus(enum.StrEnum):
    NOT_CONNECTED = "not_connected"
    PENDING = "pending"
    READY = "ready"


class ConnectedAccount(TimestampMixin, db.Model):
    """An organisation's Stripe Connect Express account and its last known status."""

    __tablename__ = "connected_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    charges_enabled: Mapped[bool] = mapped_column(default=False)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    #: Stripe's ``requirements`` (currently_due, past_due, disabled_reason, ...).
    requirements: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: ``created`` (Unix time) of the event the status came from: older events are ignored.
    status_event_created: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    organization: Mapped[Organization] = relationship()

    @property
    def status(self) -> AccountStatus:
        if self.charges_enabled and self.payouts_enabled:
            return AccountStatus.READY
        return AccountStatus.PENDING

    @property
    def currently_due(self) -> list[str]:
        req = self.requirements or {}
        return list(req.get("past_due") or []) + [
            r for r in (req.get("currently_due") or []) if r not in (req.get("past_due") or [])]

    def __repr__(self) -> str:
        return f"<ConnectedAccount {self.stripe_account_id} org={self.organization_id}>"


class AttemptStatus(enum.StrEnum):
    OPEN = "open"            # created; the buyer may confirm it (or it is processing)
    SUCCEEDED = "succeeded"  # Stripe says succeeded (the webhook applied it)
    FAILED = "failed"        # declined: the next try is a new attempt
    CANCELED = "canceled"
    REFUNDED = "refunded"


class PaymentAttempt(TimestampMixin, db.Model):
    """One PaymentIntent created for a reservation (attempt 1, 2, ...)."""

    __tablename__ = "payment_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="RESTRICT"), index=True)
    attempt: Mapped[int]
    payment_intent_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(100))
    amount_ore: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="nok")
    #: The seller's connected account for a destination charge; None: platform account.
    destination_account_id: Mapped[str | None] = mapped_column(sa.String(255))
    application_fee_ore: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    status: Mapped[str] = mapped_column(sa.String(10), default=AttemptStatus.OPEN.value)
    #: Stripe's own PaymentIntent status when we last saw it.
    intent_status: Mapped[str] = mapped_column(sa.String(30), default="")
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    refund_id: Mapped[str | None] = mapped_column(sa.String(255))
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.UniqueConstraint("reservation_id", "attempt"),
        sa.CheckConstraint("attempt >= 1", name="attempt_positive"),
        sa.CheckConstraint("amount_ore > 0 AND application_fee_ore >= 0", name="money"),
        sa.CheckConstraint("status IN ('open', 'succeeded', 'failed', 'canceled', 'refunded')",
                           name="status"),
    )

    def __repr__(self) -> str:
        return f"<PaymentAttempt {self.reservation_id}#{self.attempt} {self.payment_intent_id}>"


class ProcessedStripeEvent(db.Model):
    """A verified webhook event, stored once (the unique id makes a repeat a no-op)."""

    __tablename__ = "processed_stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    #: "platform" (/stripe/webhook) or "connect" (/stripe/connect-webhook).
    endpoint: Mapped[str] = mapped_column(sa.String(10))
    account: Mapped[str | None] = mapped_column(sa.String(255))
    object_id: Mapped[str] = mapped_column(sa.String(255), default="")
    event_created: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: pending | applied | ignored | mismatch
    outcome: Mapped[str] = mapped_column(sa.String(10), default="pending")
    detail: Mapped[str] = mapped_column(sa.String(500), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_processed_stripe_events_object", "object_id"),)

    def __repr__(self) -> str:
        return f"<ProcessedStripeEvent {self.event_id} {self.type} {self.outcome}>"
