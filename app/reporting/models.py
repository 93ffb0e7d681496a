"""Daily roll-ups of the reuse ledger, keyed by Europe/Oslo date.

Sums are integers (grams, milli-units) so they add up exactly on every database; kg,
tonnes and CO2e are made from them as ``Decimal``. ``records`` is a net count: a
hand-over or correction counts +1, a reversal -1. Written only by
:mod:`app.reporting.rollups` (same transaction as the ledger rows they sum).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db

#: Dimensions kept in :class:`RollupDim` (the EU dimensions live in :class:`RollupEU`).
DIMENSIONS = ("category", "district", "giver_kind", "receiver_kind", "giver_org",
              "receiver_org", "municipality")


class _Sums:
    year: Mapped[int] = mapped_column(sa.SmallInteger)
    month: Mapped[int] = mapped_column(sa.SmallInteger)
    records: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Pieces handed over x 1000 (records counted in pieces only).
    items_milli: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    kg_g: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    co2e_g: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RollupEU(_Sums, db.Model):
    """Per Oslo day x EU category x weight method x waste origin x emission factor: what
    the EU 2021/19 table, totals and the monthly chart need, and nothing wider."""

    __tablename__ = "reuse_rollup_eu"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    eu_category: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    weight_method: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    waste_origin: Mapped[bool] = mapped_column(primary_key=True)
    factor_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: Both organisations verified when the record was written (see ReuseRecord).
    verified: Mapped[bool] = mapped_column(primary_key=True, default=True)

    __table_args__ = ({"sqlite_with_rowid": False},)


class RollupDim(_Sums, db.Model):
    """Per dimension x Oslo day x key (a category slug, district, kind, organisation id
    or municipality number): the other breakdowns."""

    __tablename__ = "reuse_rollup_dims"

    dimension: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    #: Both organisations verified when the record was written (see ReuseRecord).
    verified: Mapped[bool] = mapped_column(primary_key=True, default=True)

    __table_args__ = ({"sqlite_with_rowid": False},)
