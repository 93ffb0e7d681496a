"""A person's "Last ned mine data" exports: built as a job, fetched by link until expiry."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db, utcnow


class ExportStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"
    #: Past ``expires_at``: the file is gone (the retention command removed it).
    EXPIRED = "expired"


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class DataExport(db.Model):
    """One ZIP of everything about a person. ``key`` makes the download link unguessable;
    the owner check in the view is what authorises it."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(10), default=ExportStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The file name under the export directory (no path: the directory is configuration).
    filename: Mapped[str] = mapped_column(sa.String(100), default="")
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_in(ExportStatus)})", name="status"),
        sa.Index("ix_data_exports_user_created", "user_id", "created_at"),
        sa.Index("ix_data_exports_status_expires", "status", "expires_at"),
    )

    def __repr__(self) -> str:
        return f"<DataExport {self.id} user={self.user_id} {self.status}>"


class InactivityWarning(db.Model):
    """The e-mail that tells a person their unused account will be deleted (retention).
    An account is deleted only ``WARNING_DAYS`` after a warning sent since it was last
    used; using it again makes the warning void."""

    __tablename__ = "inactivity_warnings"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    warned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
