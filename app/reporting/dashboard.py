"""What the reporting pages show, assembled from the queries (no Flask views here)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from app.reporting import charts, labels, opendata, queries
from app.reporting.eu import eu_table
from app.reporting.periods import Period, today, year_period
from app.reporting.queries import Figures, aggregate
from app.reporting.tables import year_slices

TOP = 10


@dataclass
class Chart:
    svg: object
    caption: str


def _mass_unit(values: list[Decimal]) -> tuple[str, Decimal]:
    """Show tonnes when the biggest bar passes 10 tonnes, else kilograms."""
    peak = max(values, default=Decimal(0))
    return (_("tonn"), Decimal(1000)) if peak >= 10_000 else (_("kg"), Decimal(1))


def monthly_chart(period: Period) -> tuple[Chart, list]:
    """kg per month (or per year for long periods) by EU category, and the table rows."""
    months = queries.monthly_by_eu(period)
    if len(months) > 36:
        by_year: dict[int, dict[str, Figures]] = {}
        for (year, _m), cells in months:
            target = by_year.setdefault(year, {eu: Figures() for eu in labels.EU_CATEGORIES})
            for eu, f in cells.items():
                target[eu].add(f.as_tuple())
        rows = [(str(y), cells) for y, cells in by_year.items()]
        ticks = [(label, "") for label, _c in rows]
    else:
        rows = [(labels.month_label(y, m), cells) for (y, m), cells in months]
        ticks = [(str(labels.MONTHS[m - 1]), str(y) if i == 0 or m == 1 else "")
                 for i, ((y, m), _c) in enumerate(months)]
    totals = [sum((c.kg for c in cells.values()), Decimal(0)) for _l, cells in rows]
    unit, divisor = _mass_unit(totals)
    bars = [(label, {eu: f.kg / divisor for eu, f in cells.items()}) for label, cells in rows]
    names = {eu: labels.eu_label(eu) for eu in labels.EU_CATEGORIES}
    best = max(range(len(rows)), key=lambda i: totals[i], default=None)
    desc = _("Stablede søyler: vekt ombrukt per periode, fordelt på EU-kategori. Totalt "
             "%(total)s kg.", total=charts.number(sum(totals, Decimal(0))))
    if best is not None and totals[best] > 0:
        desc += " " + _("Mest i %(when)s: %(kg)s kg.", when=rows[best][0],
                        kg=charts.number(totals[best]))
    title = _("Ombrukt per måned etter EU-kategori") if len(months) <= 36 else \
        _("Ombrukt per år etter EU-kategori")
    svg = charts.stacked_bars(title, desc, bars, unit, names=names, ticks=ticks)
    return Chart(svg, title), rows


def bar_chart(title: str, rows: list[queries.Row]) -> Chart:
    values = [r.figures.kg for r in rows]
    unit, divisor = _mass_unit(values)
    items = [(r.label, r.figures.kg / divisor) for r in rows]
    desc = "; ".join(f"{label}: {charts.number(v)} {unit}" for label, v in items) or _(
        "Ingen data i perioden.")
    return Chart(charts.hbars(title, desc, items, unit), title)


def dashboard_data(period: Period) -> dict:
    totals = queries.totals(period)  # between verified organisations
    split = queries.method_split(period)
    weighed = sum((f.kg for (m, _w), f in split.items() if m == "weighed"), Decimal(0))
    estimated = sum((f.kg for (m, _w), f in split.items() if m != "weighed"), Decimal(0))
    preparing = sum((f.kg for (_m, w), f in split.items() if w), Decimal(0))
    categories = aggregate(period, "category")
    districts = aggregate(period, "district")
    kinds = {side: aggregate(period, "org_kind", side) for side in queries.SIDES}
    chart, month_rows = monthly_chart(period)
    share = charts.share_bar(
        _("Andel veid og anslått vekt"),
        _("Veid: %(w)s kg, anslått: %(e)s kg.", w=charts.number(weighed),
          e=charts.number(estimated)),
        [(_("Veid"), weighed, charts.WEIGHED), (_("Anslått"), estimated, charts.ESTIMATED)])
    return {
        "period": period, "totals": totals, "unverified": queries.unverified_totals(period),
        "weighed": weighed, "estimated": estimated,
        "preparing": preparing, "active": queries.active_organizations(period),
        "share": share, "monthly": chart, "month_rows": month_rows,
        "categories": categories, "top_chart": bar_chart(
            _("De %(n)s største kategoriene etter vekt", n=TOP), categories.rows[:TOP]),
        "districts": districts, "district_chart": bar_chart(
            _("Ombrukt per bydel/lokalsamfunn"), districts.rows),
        "kinds": kinds, "kind_chart": bar_chart(
            _("Ombrukt etter type organisasjon som ga bort"), kinds["giver"].rows),
        "eu_tables": [eu_table(p) for p in year_slices(period)],
    }


def org_data(org) -> dict:
    now = today()
    this_year = Period(year_period(now.year).start, now)
    last_year = year_period(now.year - 1)
    return {
        "org": org,
        "this_year": queries.organization_figures(org.id, this_year),
        "last_year": queries.organization_figures(org.id, last_year),
        "by_eu": {side: queries.organization_by_eu(org.id, side, this_year)
                  for side in queries.SIDES},
        "year": now.year,
    }


def public_data() -> dict:
    eu = opendata.dataset("eu_category")
    districts = opendata.dataset("district")
    bars = []
    for cells, _total in eu:
        year = cells[0].year if cells else None
        bars.append((str(year), {c.key: (Decimal(0) if c.suppressed else c.figures.tonnes)
                                 for c in cells}))
    names = {k: labels.eu_label(k) for k in labels.EU_CATEGORIES}
    title = _("Tonn ombrukt per år etter EU-kategori")
    desc = "; ".join(
        f"{year}: " + (_("skjult") if total.suppressed else
                       f"{charts.number(total.figures.tonnes, 2)} t")
        for (cells, total), (year, _b) in zip(eu, bars, strict=True))
    chart = Chart(charts.stacked_bars(title, desc, bars, _("tonn"), names=names), title)
    return {"eu": eu, "districts": districts[-1] if districts else None, "chart": chart,
            "current": eu[-1] if eu else None, "min_records": opendata.MIN_RECORDS}
