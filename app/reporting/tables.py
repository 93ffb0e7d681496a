"""Report tables ready for the writers in :mod:`app.reporting.exports`."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _

from app.db import db
from app.reporting import labels
from app.reporting.eu import UNVERIFIED_KEY, EUTable, eu_table, unverified_label
from app.reporting.exports import Column, Table
from app.reporting.models import RollupDim
from app.reporting.periods import Period
from app.reporting.queries import Figures, Report, aggregate

SHEETS = ("eu", "category_month", "district", "org_kind")


def figure_columns() -> list[Column]:
    return [Column("kg", _("Kg"), "kg"), Column("tonnes", _("Tonn"), "tonnes"),
            Column("records", _("Poster (netto)"), "int"),
            Column("items", _("Stykk"), "decimal"),
            Column("co2e_kg", _("Estimert unngått utslipp (kg CO2e)"), "kg")]


def figure_values(f: Figures) -> tuple:
    return f.kg, f.tonnes, f.records, f.items, f.co2e_kg


def report_table(report: Report) -> Table:
    """A grouped report (the API's ``group_by``) as a table."""
    name = str(labels.GROUP_BY_LABELS.get(report.group_by, report.group_by))
    if report.group_by in ("org_kind", "organization"):
        name = f"{name} ({labels.SIDE_LABELS[report.side]})"
    columns = [Column("key", _("Nøkkel")), Column("label", name), *figure_columns()]
    rows = [(r.key, r.label, *figure_values(r.figures)) for r in report.rows]
    return Table(name, _("%(what)s, %(a)s til %(b)s", what=name, a=report.period.start,
                         b=report.period.end), columns, rows,
                 total=("total", _("Totalt"), *figure_values(report.total)),
                 separate=[(UNVERIFIED_KEY, unverified_label(),
                            *figure_values(report.unverified))])


def eu_sheet(table: EUTable) -> Table:
    columns = [
        Column("eu_category", _("EU-kategori")), Column("label", _("Produktkategori")),
        Column("tonnes", _("Tonn ombrukt"), "tonnes"),
        Column("tonnes_direct_reuse", _("Tonn direkte ombruk"), "tonnes"),
        Column("tonnes_preparing_for_reuse", _("Tonn forberedelse til ombruk"), "tonnes"),
        Column("tonnes_weighed", _("Tonn veid"), "tonnes"),
        Column("tonnes_estimated", _("Tonn anslått"), "tonnes"),
        Column("records", _("Poster (netto)"), "int"), Column("items", _("Stykk"), "decimal"),
        Column("co2e_kg", _("Estimert unngått utslipp (kg CO2e)"), "kg"),
        Column("co2e_kg_default_factor", _("Av dette med standardfaktor (kg CO2e)"), "kg"),
        Column("factors", _("Utslippsfaktorer brukt (id v versjon)")),
    ]

    def values(row):
        used = ", ".join(
            f"{i} v{table.factors[i].version}" if i in table.factors else str(i)
            for i, f in sorted(row.factors.items()) if not f.is_zero)
        return (row.figures.tonnes, row.direct_reuse.tonnes, row.preparing.tonnes,
                row.weighed.tonnes, row.estimated.tonnes, row.figures.records,
                row.figures.items, row.figures.co2e_kg, row.default_factor.co2e_kg, used)

    year = table.year
    name = f"EU 2021-19 {year}" if year else "EU 2021-19"
    title = _("Ombruk etter gjennomføringsbeslutning (EU) 2021/19, %(a)s til %(b)s",
              a=table.period.start, b=table.period.end)
    return Table(name, title, columns,
                 [(r.eu_category, r.label, *values(r)) for r in table.rows],
                 total=("total", _("Totalt"), *values(table.total)),
                 separate=[(UNVERIFIED_KEY, unverified_label(), *values(table.unverified))],
                 notes=[_("«Ikke verifiserte organisasjoner»: overleveringer der giver eller "
                          "mottaker ikke var verifisert da posten ble skrevet. De er ikke med "
                          "i radene eller totalen.")])


def dimension_by_month(period: Period, dimension: str) -> list[tuple[int, int, str, Figures]]:
    rows = db.session.execute(
        sa.select(RollupDim.year, RollupDim.month, RollupDim.key, sa.func.sum(RollupDim.records),
                  sa.func.sum(RollupDim.items_milli), sa.func.sum(RollupDim.kg_g),
                  sa.func.sum(RollupDim.co2e_g))
        .where(RollupDim.dimension == dimension, RollupDim.verified.is_(sa.true()),
               RollupDim.day.between(period.start, period.end))
        .group_by(RollupDim.year, RollupDim.month, RollupDim.key)
        .order_by(RollupDim.year, RollupDim.month, RollupDim.key))
    out = []
    for year, month, key, *sums in rows:
        figures = Figures().add(sums)
        if not figures.is_zero:
            out.append((int(year), int(month), key, figures))
    return out


def category_month_sheet(period: Period) -> Table:
    from app.listings.categories import all_categories

    locale = str(get_locale() or "nb")
    categories = {c.slug: c for c in all_categories()}
    rows = []
    total = Figures()
    for year, month, slug, figures in dimension_by_month(period, "category"):
        category = categories.get(slug)
        rows.append((f"{year:04d}-{month:02d}", slug,
                     category.name(locale) if category else slug,
                     category.eu_category if category else "", *figure_values(figures)))
        total.add(figures.as_tuple())
    columns = [Column("month", _("Måned")), Column("category", _("Kategori (kode)")),
               Column("category_name", _("Kategori")), Column("eu_category", _("EU-kategori")),
               *figure_columns()]
    return Table(_("Kategori x måned"), _("Kategori per måned, %(a)s til %(b)s", a=period.start,
                                         b=period.end), columns, rows,
                 total=(_("Totalt"), "", "", "", *figure_values(total)))


def year_slices(period: Period) -> list[Period]:
    return [Period(max(period.start, date(y, 1, 1)), min(period.end, date(y, 12, 31)))
            for y in period.years()]


def workbook_tables(period: Period) -> list[Table]:
    """Every aggregate table for the period: the EU table per year, category x month,
    district, and organisation kind on each side."""
    tables = [eu_sheet(eu_table(p)) for p in year_slices(period)]
    tables.append(category_month_sheet(period))
    tables.append(report_table(aggregate(period, "district")))
    tables.append(report_table(aggregate(period, "org_kind", "giver")))
    tables.append(report_table(aggregate(period, "org_kind", "receiver")))
    return tables
