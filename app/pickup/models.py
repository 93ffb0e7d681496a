"""Pickup windows: when a listing's items may be fetched, in Europe/Oslo wall-clock time."""

from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db


class PickupWindow(db.Model):
    """Either recurring weekdays with hours ("man-fre 08:00-15:00") or one dated slot
    ("7. desember 10:00-12:00"). Times are local (Europe/Oslo) on purpose: "08:00 every
    Monday" stays 08:00 across daylight saving time."""

    __tablename__ = "pickup_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: ISO weekdays, comma-separated and sorted ("1,2,3,4,5" = Monday to Friday); None for
    #: a dated slot.
    weekdays: Mapped[str | None] = mapped_column(sa.String(13))
    day: Mapped[date | None] = mapped_column(sa.Date)
    starts: Mapped[time] = mapped_column(sa.Time)
    ends: Mapped[time] = mapped_column(sa.Time)

    __table_args__ = (
        sa.CheckConstraint("(weekdays IS NULL) <> (day IS NULL)", name="weekly_or_dated"),
        sa.CheckConstraint("ends > starts", name="ends_after_start"),
    )

    @property
    def weekday_numbers(self) -> list[int]:
        return [int(d) for d in self.weekdays.split(",")] if self.weekdays else []

    def __repr__(self) -> str:
        return f"<PickupWindow {self.weekdays or self.day} {self.starts}-{self.ends}>"
