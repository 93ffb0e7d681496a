"""Report figures from the daily roll-ups (fast; equal to the ledger to the gram).

Municipal figures count only records between two organisations that were verified
when the record was written (``verified``, see :class:`app.exchange.models.ReuseRecord`),
so self-registered accounts cannot inflate them; :func:`unverified_totals` gives the
rest, shown on its own line ("Ikke verifiserte organisasjoner").

``records`` is the net count of ledger rows: hand-overs and corrections +1, reversals
-1, so a reversed hand-over counts 0 and a corrected one 1. ``items`` counts pieces
(records whose unit is ``pcs``); metres, square metres and so on count in kg only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale

from app.db import db
from app.reporting import labels
from app.reporting.models import RollupDim, RollupEU
from app.reporting.periods import Period

GROUP_BYS = ("eu_category", "category", "month", "year", "district", "org_kind",
             "organization", "municipality")
SIDES = ("giver", "receiver")


@dataclass
class Figures:
    records: int = 0
    items_milli: int = 0
    kg_g: int = 0
    co2e_g: int = 0

    def add(self, sums) -> Figures:
        self.records += int(sums[0] or 0)
        self.items_milli += int(sums[1] or 0)
        self.kg_g += int(sums[2] or 0)
        self.co2e_g += int(sums[3] or 0)
        return self

    @property
    def kg(self) -> Decimal:
        return Decimal(self.kg_g).scaleb(-3)

    @property
    def tonnes(self) -> Decimal:
        return Decimal(self.kg_g).scaleb(-6)

    @property
    def items(self) -> Decimal:
        value = Decimal(self.items_milli).scaleb(-3)
        return value.quantize(Decimal(1)) if self.items_milli % 1000 == 0 else value

    @property
    def co2e_kg(self) -> Decimal:
        return Decimal(self.co2e_g).scaleb(-3)

    @property
    def is_zero(self) -> bool:
        return not (self.records or self.items_milli or self.kg_g or self.co2e_g)

    def as_tuple(self) -> tuple[int, int, int, int]:
        return self.records, self.items_milli, self.kg_g, self.co2e_g

    def as_json(self) -> dict:
        """Numbers as JSON numbers: kg and CO2e to the gram, tonnes to the gram too."""
        return {"kg": float(self.kg), "tonnes": float(self.tonnes), "records": self.records,
                "items": float(self.items) if self.items_milli % 1000 else self.items_milli
                // 1000, "co2e_kg": float(self.co2e_kg)}


@dataclass
class Row:
    key: str
    label: str
    figures: Figures


@dataclass
class Report:
    period: Period
    group_by: str
    side: str
    rows: list[Row] = field(default_factory=list)
    #: Records between verified organisations (what the rows count).
    total: Figures = field(default_factory=Figures)
    #: Records involving an unverified organisation: not in the rows, shown apart.
    unverified: Figures = field(default_factory=Figures)


def _sums(model):
    return (sa.func.sum(model.records), sa.func.sum(model.items_milli),
            sa.func.sum(model.kg_g), sa.func.sum(model.co2e_g))


def _in_period(model, period: Period, verified: bool | None = True):
    """The period's roll-up rows; ``verified`` True (the default) keeps records between
    verified organisations, False the rest, None everything."""
    condition = model.day.between(period.start, period.end)
    if verified is not None:
        condition = sa.and_(condition, model.verified.is_(sa.true()) if verified
                            else model.verified.is_(sa.false()))
    return condition


def totals(period: Period, verified: bool | None = True) -> Figures:
    row = db.session.execute(sa.select(*_sums(RollupEU)).where(
        _in_period(RollupEU, period, verified))).one()
    return Figures().add(row)


def unverified_totals(period: Period) -> Figures:
    """Records where the giver or the receiver was not verified: never in the municipal
    figures, shown apart."""
    return totals(period, verified=False)


def aggregate(period: Period, group_by: str, side: str = "giver") -> Report:
    """Rows for ``group_by`` (see :data:`GROUP_BYS`) and the period's total.

    EU categories, months and years are always all listed (zeros included); other keys
    only where something was handed over (net of reversals)."""
    report = Report(period, group_by, side)
    if group_by in ("eu_category", "month", "year"):
        keys = {"eu_category": (RollupEU.eu_category,),
                "month": (RollupEU.year, RollupEU.month), "year": (RollupEU.year,)}[group_by]
        found = {_key(group_by, r[:-4]): Figures().add(r[-4:]) for r in db.session.execute(
            sa.select(*keys, *_sums(RollupEU)).where(_in_period(RollupEU, period))
            .group_by(*keys))}
        for key in _all_keys(group_by, period):
            report.rows.append(Row(key, "", found.pop(key, Figures())))
    else:
        dimension = {"org_kind": f"{side}_kind", "organization": f"{side}_org"}.get(
            group_by, group_by)
        rows = db.session.execute(
            sa.select(RollupDim.key, *_sums(RollupDim)).where(
                RollupDim.dimension == dimension, _in_period(RollupDim, period))
            .group_by(RollupDim.key)).all()
        found = [Row(r[0], "", Figures().add(r[1:])) for r in rows]
        report.rows = sorted((r for r in found if not r.figures.is_zero),
                             key=lambda r: (-r.figures.kg_g, r.key))
    for row in report.rows:
        report.total.add(row.figures.as_tuple())
    report.unverified = unverified_totals(period)
    _label(report)
    return report


def _key(group_by: str, values) -> str:
    if group_by == "month":
        return f"{int(values[0]):04d}-{int(values[1]):02d}"
    if group_by == "year":
        return f"{int(values[0]):04d}"
    return str(values[0])


def _all_keys(group_by: str, period: Period) -> list[str]:
    if group_by == "eu_category":
        return list(labels.EU_CATEGORIES)
    if group_by == "month":
        return [f"{y:04d}-{m:02d}" for y, m in period.months()]
    return [f"{y:04d}" for y in period.years()]


def _label(report: Report) -> None:
    group_by = report.group_by
    locale = str(get_locale() or "nb")
    names: dict[str, str] = {}
    if group_by == "category":
        names = labels.category_names(locale)
    elif group_by == "organization":
        names = labels.organization_names(r.key for r in report.rows)
    for row in report.rows:
        if group_by == "eu_category":
            row.label = labels.eu_label(row.key)
        elif group_by == "month":
            row.label = labels.month_label(int(row.key[:4]), int(row.key[5:]))
        elif group_by == "org_kind":
            row.label = labels.org_kind_label(row.key)
        elif group_by == "district":
            row.label = labels.district_label(row.key)
        elif group_by == "municipality":
            row.label = labels.municipality_label(row.key)
        else:
            row.label = names.get(row.key, row.key)


def monthly_by_eu(period: Period) -> list[tuple[tuple[int, int], dict[str, Figures]]]:
    """For every month of the period: EU category -> figures (all five, zeros too)."""
    cells: dict[tuple[int, int], dict[str, Figures]] = {
        ym: {eu: Figures() for eu in labels.EU_CATEGORIES} for ym in period.months()}
    rows = db.session.execute(
        sa.select(RollupEU.year, RollupEU.month, RollupEU.eu_category, *_sums(RollupEU))
        .where(_in_period(RollupEU, period))
        .group_by(RollupEU.year, RollupEU.month, RollupEU.eu_category))
    for year, month, eu, *sums in rows:
        cells[(int(year), int(month))].setdefault(eu, Figures()).add(sums)
    return list(cells.items())


def method_split(period: Period) -> dict[tuple[str, bool], Figures]:
    """(weight_method, waste_origin) -> figures for the period."""
    keys = (RollupEU.weight_method, RollupEU.waste_origin)
    rows = db.session.execute(sa.select(*keys, *_sums(RollupEU)).where(
        _in_period(RollupEU, period)).group_by(*keys))
    return {(r[0], bool(r[1])): Figures().add(r[2:]) for r in rows}


def active_organizations(period: Period) -> int:
    """Organisations with a net hand-over in the period, as giver or receiver."""
    rows = db.session.execute(
        sa.select(RollupDim.key).where(
            RollupDim.dimension.in_(("giver_org", "receiver_org")),
            _in_period(RollupDim, period))
        .group_by(RollupDim.dimension, RollupDim.key)
        .having(sa.func.sum(RollupDim.records) != 0)).scalars()
    return len(set(rows))


def organization_figures(org_id: int, period: Period) -> dict[str, Figures]:
    """side -> the organisation's figures in the period."""
    out = {}
    for side in SIDES:
        row = db.session.execute(sa.select(*_sums(RollupDim)).where(
            RollupDim.dimension == f"{side}_org", RollupDim.key == str(org_id),
            _in_period(RollupDim, period, verified=None))).one()
        out[side] = Figures().add(row)
    return out


def organization_by_eu(org_id: int, side: str, period: Period) -> dict[str, Figures]:
    """EU category -> the organisation's figures on one side (from the ledger; one
    organisation's rows are few and indexed)."""
    from app.exchange.models import ReuseRecord as R
    from app.reporting.direct import sums_columns

    start, end = period.utc_bounds()
    column = R.giver_org_id if side == "giver" else R.receiver_org_id
    rows = db.session.execute(sa.select(R.eu_category, *sums_columns()).where(
        column == org_id, R.completed_at >= start, R.completed_at < end)
        .group_by(R.eu_category))
    found = {r[0]: Figures().add(r[1:]) for r in rows}
    return {eu: found.get(eu, Figures()) for eu in labels.EU_CATEGORIES}
