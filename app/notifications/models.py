"""In-app notifications and each person's e-mail choice per kind."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, db, utcnow


class EmailMode(enum.StrEnum):
    #: One e-mail for each event (a calendar invitation always goes at once).
    IMMEDIATE = "immediate"
    #: Collected in one e-mail a day (``flask matching digest``).
    DAILY = "daily"
    #: Only in the app: never e-mailed, not even a calendar invitation.
    OFF = "off"


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class Notification(db.Model):
    """One entry in a person's list. ``kind`` is any kind registered with
    :func:`app.notifications.register_kind`; ``params`` are the JSON values its line is
    written from in the reader's language; ``path`` is where it leads."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: Match notifications only: at most one per person, kind and match.
    match_id: Mapped[int | None] = mapped_column(sa.ForeignKey("matches.id", ondelete="CASCADE"))
    #: Stored in the column ``payload`` (its name before every kind had a line).
    params: Mapped[dict] = mapped_column("payload", sa.JSON, default=dict)
    path: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set when an e-mail (immediate or digest) has covered it, or when none ever will.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    match = relationship("Match")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "match_id"),
        sa.Index("ix_notifications_user_read", "user_id", "read_at"),
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
        sa.Index("ix_notifications_match", "match_id"),
        sa.Index("ix_notifications_unsent", "emailed_at", "user_id"),
    )


class NotificationChoice(db.Model):
    """A person's e-mail choice for one kind (no row: the kind's default)."""

    __tablename__ = "notification_choices"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    email_mode: Mapped[str] = mapped_column(sa.String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint(f"email_mode IN ({_in(EmailMode)})", name="email_mode"),
    )


class NotificationPreference(db.Model):
    """Per person: the Oslo date of the last digest (at most one a day)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_digest_on: Mapped[date | None] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def upgrade_data(connection) -> None:
    """The data step for the migration that adds ``notification_choices``, run after the
    table exists and before ``notification_preferences.email_mode`` is dropped: each
    person's old choice for matches becomes their choice for both match kinds, and old
    match notifications get their path (the ``payload`` kept their ids)."""
    rows = connection.execute(sa.text(
        "SELECT user_id, email_mode FROM notification_preferences "
        "WHERE email_mode <> 'immediate'")).all()
    now = utcnow()
    for user_id, mode in rows:
        for kind in ("match_for_request", "request_for_listing"):
            connection.execute(sa.text(
                "INSERT INTO notification_choices (user_id, kind, email_mode, updated_at) "
                "VALUES (:u, :k, :m, :t)"), {"u": user_id, "k": kind, "m": mode, "t": now})
    connection.execute(sa.text(
        "UPDATE notifications SET path = '/wanted/' || "
        "(SELECT CAST(request_id AS VARCHAR(20)) FROM matches WHERE matches.id = match_id) "
        "|| '#match-' || CAST(match_id AS VARCHAR(20)) "
        "WHERE kind = 'match_for_request' AND path = '' AND match_id IS NOT NULL"))
    connection.execute(sa.text(
        "UPDATE notifications SET path = '/listings/' || "
        "(SELECT CAST(listing_id AS VARCHAR(20)) FROM matches WHERE matches.id = match_id) "
        "|| '#matches' "
        "WHERE kind = 'request_for_listing' AND path = '' AND match_id IS NOT NULL"))
