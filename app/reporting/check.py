"""Do the roll-ups equal the ledger? Every roll-up row is compared with the same sums
computed straight from the ledger (grouped by Oslo date in SQL, see ``direct``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.exchange.models import ReuseRecord as R
from app.reporting.direct import key_expression, sums_columns
from app.reporting.models import RollupDim, RollupEU
from app.reporting.periods import Period, oslo_date

DIM_COLUMNS = {"category": R.category_slug, "district": R.district,
               "giver_kind": R.giver_kind, "receiver_kind": R.receiver_kind,
               "giver_org": R.giver_org_id, "receiver_org": R.receiver_org_id,
               "municipality": R.municipality_number}
_SUMS = (sa.func.sum(RollupEU.records), sa.func.sum(RollupEU.items_milli),
         sa.func.sum(RollupEU.kg_g), sa.func.sum(RollupEU.co2e_g))


def _clean(rows, width: int) -> dict[tuple, tuple[int, ...]]:
    out = {}
    for row in rows:
        key = tuple(str(v.isoformat() if hasattr(v, "isoformat") else
                        ("" if v is None else v)) for v in row[:width])
        sums = tuple(int(v or 0) for v in row[width:])
        if any(sums):
            out[key] = sums
    return out


def _compare(name: str, expected: dict, actual: dict, limit: int = 20) -> list[str]:
    lines = []
    for key in sorted(set(expected) | set(actual)):
        if expected.get(key) != actual.get(key):
            lines.append(f"{name} {key}: ledger {expected.get(key)} roll-up {actual.get(key)}")
            if len(lines) >= limit:
                break
    return lines


def differences(session: Session) -> list[str]:
    """Human-readable differences (empty when the roll-ups are right)."""
    first, last = session.execute(sa.select(sa.func.min(R.completed_at),
                                            sa.func.max(R.completed_at))).one()
    lines: list[str] = []
    if first is None:
        for model in (RollupEU, RollupDim):
            rows = session.execute(sa.select(model.records, model.kg_g)).all()
            if any(r != (0, 0) for r in rows):
                lines.append(f"{model.__tablename__}: sums but no ledger rows")
        return lines
    period = Period(oslo_date(first), oslo_date(last))
    dialect = session.get_bind().dialect.name
    day = key_expression(dialect, period, "day")
    bool_text = sa.case((R.waste_origin.is_(True), sa.literal_column("'True'")),
                        else_=sa.literal_column("'False'"))
    eu_keys = (day, R.eu_category, R.weight_method, bool_text, R.factor_id)
    expected = _clean(session.execute(sa.select(*eu_keys, *sums_columns())
                                      .group_by(*eu_keys)), 5)
    rollup_keys = (RollupEU.day, RollupEU.eu_category, RollupEU.weight_method,
                   RollupEU.waste_origin, RollupEU.factor_id)
    actual = _clean(session.execute(sa.select(*rollup_keys, *_SUMS).group_by(*rollup_keys)), 5)
    lines += _compare("eu", expected, actual)
    for dimension, column in DIM_COLUMNS.items():
        keys = (day, sa.cast(column, sa.String))
        expected = _clean(session.execute(sa.select(*keys, *sums_columns()).group_by(*keys)), 2)
        actual = _clean(session.execute(
            sa.select(RollupDim.day, RollupDim.key, RollupDim.records, RollupDim.items_milli,
                      RollupDim.kg_g, RollupDim.co2e_g)
            .where(RollupDim.dimension == dimension)), 2)
        lines += _compare(dimension, expected, actual)
    return lines
