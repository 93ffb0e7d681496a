"""A question thread per (listing, asking organisation) and its messages."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organization, User
from app.common.messages import MESSAGE_MAX
from app.db import UTCDateTime, db, utcnow
from app.listings.models import Listing


class QuestionThread(db.Model):
    """Between the asking organisation and the lister (``seller_org_id``, copied from the
    listing so "questions to us" needs no join). ``last_org_id``: who wrote last (the
    lister's to-do holds threads whose last message is the asker's)."""

    __tablename__ = "question_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"))
    asker_org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    seller_org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    asked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    last_org_id: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The time of the last message.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    listing: Mapped[Listing] = relationship()
    asker_org: Mapped[Organization] = relationship(foreign_keys=[asker_org_id])
    seller_org: Mapped[Organization] = relationship(foreign_keys=[seller_org_id])
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])
    messages: Mapped[list[QuestionMessage]] = relationship(
        back_populates="thread", order_by="QuestionMessage.id", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("listing_id", "asker_org_id", name="uq_question_threads_pair"),
        sa.CheckConstraint("asker_org_id <> seller_org_id", name="not_own_listing"),
        sa.Index("ix_question_threads_seller_updated", "seller_org_id", "updated_at"),
        sa.Index("ix_question_threads_asker_updated", "asker_org_id", "updated_at"),
    )

    @property
    def waiting_for_lister(self) -> bool:
        return self.last_org_id == self.asker_org_id


class QuestionMessage(db.Model):
    """The same shape as ``ReservationMessage``: one author, for one organisation."""

    __tablename__ = "question_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    author_org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    thread: Mapped[QuestionThread] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    author_org: Mapped[Organization] = relationship()

    __table_args__ = (
        sa.CheckConstraint(f"length(body) <= {MESSAGE_MAX}", name="body_length"),
        sa.Index("ix_question_messages_org_created", "author_org_id", "created_at"),
    )
