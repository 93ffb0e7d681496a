"""Matches between listings and wanted requests (their notifications are
:mod:`app.notifications`; the names are re-exported here)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin, UTCDateTime, db
from app.listings.models import Listing
from app.notifications.models import (  # noqa: F401 - re-exported
    EmailMode,
    Notification,
    NotificationPreference,
)
from app.wanted.models import WantedRequest


class MatchState(enum.StrEnum):
    SUGGESTED = "suggested"
    INTERESTED = "interested"
    DISMISSED = "dismissed"
    #: The listing is gone or the request closed: kept, no longer offered.
    WITHDRAWN = "withdrawn"


#: Offered to the people involved (the others are kept for history).
VISIBLE_STATES = (MatchState.SUGGESTED.value, MatchState.INTERESTED.value)


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class Match(TimestampMixin, db.Model):
    """One listing for one request. ``score`` is an integer 0..100 (higher is better);
    ``reasons`` is a list of ``{"code": ..., "params": {...}}`` rendered at display time.

    Matching stores no reasons (the ``reasons`` column is NULL): ``Match.reasons`` builds
    them when a match is shown or told (:func:`app.matching.scoring.explain`, from the
    listing and the request as they are then); :func:`app.matching.explain.fill` does it
    for a page of matches in two queries. Reasons stored by earlier versions are read as
    they are until the match is re-scored."""

    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wanted_requests.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(sa.SmallInteger)
    #: NULL: built when shown (see ``reasons``).
    stored_reasons: Mapped[list | None] = mapped_column("reasons", sa.JSON(none_as_null=True))
    distance_m: Mapped[float | None] = mapped_column(sa.Float)
    state: Mapped[str] = mapped_column(sa.String(10), default=MatchState.SUGGESTED.value)
    interested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When each side was told (never twice for the same match).
    requester_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lister_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    listing: Mapped[Listing] = relationship()
    request: Mapped[WantedRequest] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("listing_id", "request_id"),
        sa.CheckConstraint(f"state IN ({_in(MatchState)})", name="state"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        sa.Index("ix_matches_request_state_score", "request_id", "state", "score"),
        sa.Index("ix_matches_listing_state_score", "listing_id", "state", "score"),
    )

    @property
    def reasons(self) -> list[dict]:
        """The stored reasons, or the ones built now from the listing and the request."""
        if self.stored_reasons is not None:
            return self.stored_reasons
        built = self.__dict__.get("_built_reasons")
        if built is None:
            from app.matching.explain import fill

            fill([self])
            built = self.__dict__["_built_reasons"]
        return built

    @reasons.setter
    def reasons(self, value: list[dict] | None) -> None:
        self.stored_reasons = value
        self.__dict__.pop("_built_reasons", None)

    @property
    def is_visible(self) -> bool:
        return self.state in VISIBLE_STATES

    def __repr__(self) -> str:
        return f"<Match {self.id} L{self.listing_id} R{self.request_id} {self.score} {self.state}>"


class NotificationKind(enum.StrEnum):
    #: To the requester's members: a listing matches your request.
    MATCH_FOR_REQUEST = "match_for_request"
    #: To the lister's members: a request matches your listing.
    REQUEST_FOR_LISTING = "request_for_listing"


@sa.event.listens_for(Match, "expire")
@sa.event.listens_for(Match, "refresh")
def _forget_built_reasons(target: Match, *_args) -> None:
    """Reasons built for a match are kept only as long as its loaded state: an expired
    or refreshed match builds them again from the listing and request as they are."""
    target.__dict__.pop("_built_reasons", None)
