"""The EU 2021/19 table: tonnes re-used per product category and year.

All five categories are always listed. Beside the tonnes: how they were measured
(weighed or estimated), direct re-use kept apart from preparing for re-use (items that
came from the waste stream: ``waste_origin``), and the emission-factor versions behind
the estimated avoided emissions (CO2e is an estimate, shown apart from the tonnes).

The rows and the total count records between two organisations that were verified when
the record was written; records involving an unverified (self-registered) organisation
are summed on one separate line, ``unverified`` ("Ikke verifiserte organisasjoner"), and
are not part of the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.db import db
from app.exchange.models import EmissionFactor
from app.reporting import labels
from app.reporting.models import RollupEU
from app.reporting.periods import Period, year_period
from app.reporting.queries import Figures

DECISION = "Commission Implementing Decision (EU) 2021/19"
UNVERIFIED_KEY = "unverified"


def unverified_label() -> str:
    from flask_babel import gettext as _

    return _("Ikke verifiserte organisasjoner")


@dataclass
class EURow:
    eu_category: str
    label: str
    figures: Figures = field(default_factory=Figures)
    weighed: Figures = field(default_factory=Figures)
    estimated: Figures = field(default_factory=Figures)
    direct_reuse: Figures = field(default_factory=Figures)
    preparing: Figures = field(default_factory=Figures)
    default_factor: Figures = field(default_factory=Figures)
    #: factor id -> what was counted with it
    factors: dict[int, Figures] = field(default_factory=dict)

    def add(self, weight_method: str, waste_origin: bool, factor: EmissionFactor | None,
            factor_id: int, sums) -> None:
        self.figures.add(sums)
        (self.weighed if weight_method == "weighed" else self.estimated).add(sums)
        (self.preparing if waste_origin else self.direct_reuse).add(sums)
        if factor is not None and factor.is_default:
            self.default_factor.add(sums)
        self.factors.setdefault(factor_id, Figures()).add(sums)


@dataclass
class EUTable:
    period: Period
    rows: list[EURow]
    total: EURow
    factors: dict[int, EmissionFactor]
    #: Records involving an unverified organisation (not in ``rows`` or ``total``).
    unverified: EURow = field(default_factory=lambda: EURow(UNVERIFIED_KEY, ""))

    @property
    def year(self) -> int | None:
        p = self.period
        return p.start.year if p == year_period(p.start.year) else None


def eu_table(period: Period | int) -> EUTable:
    if isinstance(period, int):
        period = year_period(period)
    keys = (RollupEU.eu_category, RollupEU.weight_method, RollupEU.waste_origin,
            RollupEU.factor_id, RollupEU.verified)
    found = db.session.execute(
        sa.select(*keys, sa.func.sum(RollupEU.records), sa.func.sum(RollupEU.items_milli),
                  sa.func.sum(RollupEU.kg_g), sa.func.sum(RollupEU.co2e_g))
        .where(RollupEU.day.between(period.start, period.end)).group_by(*keys)).all()
    ids = {r[3] for r in found}
    factors = {f.id: f for f in db.session.scalars(
        sa.select(EmissionFactor).where(EmissionFactor.id.in_(ids)))} if ids else {}
    rows = {eu: EURow(eu, labels.eu_label(eu)) for eu in labels.EU_CATEGORIES}
    total = EURow("total", "")
    unverified = EURow(UNVERIFIED_KEY, unverified_label())
    for eu, method, waste, factor_id, verified, *sums in found:
        if not verified:
            unverified.add(method, bool(waste), factors.get(factor_id), factor_id, sums)
            continue
        row = rows.setdefault(eu, EURow(eu, labels.eu_label(eu)))
        for target in (row, total):
            target.add(method, bool(waste), factors.get(factor_id), factor_id, sums)
    return EUTable(period, list(rows.values()), total, factors, unverified)


def _t(figures: Figures) -> float:
    return float(figures.tonnes)


def factor_json(factor: EmissionFactor | None, factor_id: int, figures: Figures) -> dict:
    out = {"factor_id": factor_id, "kg": float(figures.kg), "co2e_kg": float(figures.co2e_kg)}
    if factor is not None:
        out.update(version=factor.version, scope=factor.scope, key=factor.key,
                   route=factor.route, kind=factor.kind, value=float(factor.value),
                   substitution_rate=float(factor.substitution_rate),
                   kg_co2e_per_kg=float(factor.kg_co2e_per_kg), is_default=factor.is_default,
                   source=factor.source, taken_on=factor.taken_on.isoformat())
    return out


def row_json(row: EURow, factors: dict[int, EmissionFactor]) -> dict:
    return {
        "tonnes": _t(row.figures), "kg": float(row.figures.kg), "records": row.figures.records,
        "items": row.figures.as_json()["items"], "co2e_kg": float(row.figures.co2e_kg),
        "tonnes_weighed": _t(row.weighed), "tonnes_estimated": _t(row.estimated),
        "tonnes_direct_reuse": _t(row.direct_reuse),
        "tonnes_preparing_for_reuse": _t(row.preparing),
        "co2e_kg_default_factor": float(row.default_factor.co2e_kg),
        "factors": [factor_json(factors.get(i), i, f) for i, f in sorted(row.factors.items())
                    if not f.is_zero],
    }


def table_json(table: EUTable) -> dict:
    start, end = table.period.iso()
    return {
        "year": table.year, "from": start, "to": end, "decision": DECISION, "unit": "tonnes",
        "rows": [{"eu_category": r.eu_category, "label": r.label, **row_json(r, table.factors)}
                 for r in table.rows],
        "total": row_json(table.total, table.factors),
        "unverified": {"label": table.unverified.label,
                       **row_json(table.unverified, table.factors)},
        "notes": {
            "tonnes": "Completed hand-overs between verified organisations only, net of "
            "reversals; Europe/Oslo dates.",
            "unverified": "Hand-overs where the giving or the receiving organisation was not "
            "verified (Enhetsregisteret or a site admin) when the record was written: shown "
            "apart, not part of the rows or the total.",
            "tonnes_weighed": "Weight weighed at hand-over (EU 2021/19 method: weighing).",
            "tonnes_estimated": "Weight estimated from quantity x typical unit weight.",
            "tonnes_preparing_for_reuse": "Items from the waste stream (preparing for "
            "re-use), kept apart from direct re-use.",
            "co2e_kg": "Estimated avoided emissions (kg x factor x substitution rate), "
            "not measured; not part of the EU table.",
        },
    }
