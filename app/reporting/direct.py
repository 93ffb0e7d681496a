"""Sums straight from the ledger, without the roll-ups: the reference the roll-ups are
checked against (``reports check-rollups``, tests) and the naive baseline in the
benchmark. Slower, but independent of the roll-up code.

Oslo dates in SQL: PostgreSQL converts with ``timezone('Europe/Oslo', ...)``; SQLite has
no time-zone data, so the period's summer-time intervals (the EU rule, see
:func:`app.reporting.periods.dst_ranges`) become a CASE choosing +2 or +1 hours.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.exchange.models import ReuseRecord
from app.reporting.periods import Period, dst_ranges

R = ReuseRecord
#: group_by -> ledger column (giver side; ``side="receiver"`` swaps the org ones).
COLUMNS = {"eu_category": R.eu_category, "category": R.category_slug, "district": R.district,
           "org_kind": R.giver_kind, "organization": R.giver_org_id,
           "municipality": R.municipality_number}
RECEIVER = {"org_kind": R.receiver_kind, "organization": R.receiver_org_id}


def _grams(column):
    return sa.func.sum(sa.cast(sa.func.round(column * 1000), sa.BigInteger))


def sums_columns():
    """records (net), items_milli (pieces), kg_g, co2e_g as SQL aggregates."""
    return (
        sa.func.sum(sa.case((R.kind == "reversal", -1), else_=1)),
        sa.func.sum(sa.case((R.unit == "pcs", sa.cast(sa.func.round(R.quantity * 1000),
                                                      sa.BigInteger)), else_=0)),
        _grams(R.kg),
        _grams(R.co2e_kg),
    )


def local_text(dialect: str, period: Period, pattern: str):
    """An SQL expression for the Oslo local time of ``completed_at`` formatted by
    ``pattern`` ('%Y', '%Y-%m' or '%Y-%m-%d')."""
    if dialect == "postgresql":
        # Literals, not parameters: PostgreSQL must see the GROUP BY expression as the
        # same expression as the selected one.
        pg = pattern.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
        return sa.func.to_char(sa.func.timezone(sa.literal_column("'Europe/Oslo'"),
                                                R.completed_at), sa.literal_column(f"'{pg}'"))
    summer = [sa.and_(R.completed_at >= a, R.completed_at < b)
              for a, b in dst_ranges(period.start.year - 1, period.end.year + 1)]
    offset = sa.case((sa.or_(*summer), "+2 hours"), else_="+1 hours")
    return sa.func.strftime(pattern, R.completed_at, offset)


def key_expression(dialect: str, period: Period, group_by: str, side: str = "giver"):
    if group_by == "month":
        return local_text(dialect, period, "%Y-%m")
    if group_by == "year":
        return local_text(dialect, period, "%Y")
    if group_by == "day":
        return local_text(dialect, period, "%Y-%m-%d")
    column = (RECEIVER if side == "receiver" else COLUMNS).get(group_by) or COLUMNS[group_by]
    return sa.cast(column, sa.String) if group_by == "organization" else column


def aggregate(session: Session, period: Period, group_by: str | None = None,
              side: str = "giver") -> dict[str, tuple[int, int, int, int]]:
    """key -> (records, items_milli, kg_g, co2e_g) for ledger rows completed in the
    period; one key ``"total"`` without ``group_by``."""
    start, end = period.utc_bounds()
    dialect = session.get_bind().dialect.name
    where = sa.and_(R.completed_at >= start, R.completed_at < end)
    if group_by is None:
        row = session.execute(sa.select(*sums_columns()).where(where)).one()
        return {"total": tuple(int(v or 0) for v in row)}
    key = key_expression(dialect, period, group_by, side).label("key")
    rows = session.execute(sa.select(key, *sums_columns()).where(where).group_by(key)).all()
    return {("" if r[0] is None else str(r[0])): tuple(int(v or 0) for v in r[1:]) for r in rows}


def eu_detail(session: Session, period: Period) -> dict[tuple, tuple[int, int, int, int]]:
    """(eu_category, weight_method, waste_origin, factor_id) -> sums, from the ledger."""
    start, end = period.utc_bounds()
    keys = (R.eu_category, R.weight_method, R.waste_origin, R.factor_id)
    rows = session.execute(sa.select(*keys, *sums_columns()).where(
        R.completed_at >= start, R.completed_at < end).group_by(*keys)).all()
    return {(r[0], r[1], bool(r[2]), r[3]): tuple(int(v or 0) for v in r[4:]) for r in rows}
