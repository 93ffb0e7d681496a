"""A municipality's projects as rows and totals: the list page and its downloads read the
same figures (``progress.progress_for``, batched), so a number means the same everywhere.

A project's *year* is the year of its mapping date, or of its creation when it has none
(the same rule ``services.municipality_projects`` filters by); the totals by year group
the projects by it, the handed-over kilograms included.

Downloads (``csv``, ``xlsx``) follow the reporting exports (:mod:`app.reporting.exports`):
machine column names, ISO dates and dot decimals in CSV, typed cells in XLSX, and every
text cell that a spreadsheet would run as a formula prefixed with ``'``
(:mod:`app.csvsafe`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.projects.forms import STATUS_LABELS, WORK_LABELS
from app.projects.models import Project
from app.projects.progress import Progress
from app.reporting.downloads import attachment
from app.reporting.exports import Column, Table, csv_chunks, filename, xlsx_bytes

FORMATS = ("csv", "xlsx")
THOUSAND = Decimal(1000)


@dataclass
class ProjectRow:
    project: Project
    figures: Progress

    @property
    def year(self) -> int:
        return project_year(self.project)

    @property
    def mapped_kg(self) -> Decimal:
        return self.figures.totals["mapped"].kg

    @property
    def reusable_kg(self) -> Decimal:
        return self.figures.totals["reusable"].kg

    @property
    def handed_over_kg(self) -> Decimal:
        return self.figures.totals["handed_over"].kg

    @property
    def achieved_percent(self) -> Decimal | None:
        return self.figures.achieved_percent


@dataclass
class YearTotal:
    year: int
    projects: int = 0
    mapped_kg: Decimal = Decimal(0)
    reusable_kg: Decimal = Decimal(0)
    handed_over_kg: Decimal = Decimal(0)

    @property
    def handed_over_tonnes(self) -> Decimal:
        return self.handed_over_kg / THOUSAND

    @property
    def mapped_tonnes(self) -> Decimal:
        return self.mapped_kg / THOUSAND

    @property
    def achieved_percent(self) -> Decimal | None:
        if not self.mapped_kg:
            return None
        return (self.handed_over_kg * 100 / self.mapped_kg).quantize(Decimal("0.1"))


def project_year(project: Project) -> int:
    return (project.mapping_date or project.created_at).year


def project_rows(projects: Iterable[Project], figures: dict[int, Progress]) -> list[ProjectRow]:
    return [ProjectRow(p, figures[p.id]) for p in projects]


def year_totals(rows: Iterable[ProjectRow]) -> list[YearTotal]:
    """One line per year with projects, the newest first."""
    years: dict[int, YearTotal] = {}
    for row in rows:
        total = years.setdefault(row.year, YearTotal(row.year))
        total.projects += 1
        total.mapped_kg += row.mapped_kg
        total.reusable_kg += row.reusable_kg
        total.handed_over_kg += row.handed_over_kg
    return [years[y] for y in sorted(years, reverse=True)]


def _columns() -> list[Column]:
    return [
        Column("project_id", _("Prosjekt-ID"), "int"),
        Column("name", _("Prosjekt")),
        Column("year", _("År"), "int"),
        Column("status", _("Status")),
        Column("work_kind", _("Type arbeid")),
        Column("organization", _("Eier")),
        Column("organization_number", _("Organisasjonsnummer")),
        Column("address", _("Adresse")),
        Column("postcode", _("Postnummer")),
        Column("municipality_number", _("Kommunenummer")),
        Column("gnr", _("Gnr"), "int"),
        Column("bnr", _("Bnr"), "int"),
        Column("fnr", _("Fnr"), "int"),
        Column("snr", _("Snr"), "int"),
        Column("building_year", _("Byggeår"), "int"),
        Column("mapping_date", _("Kartlagt dato"), "date"),
        Column("access_date", _("Tilgjengelig fra"), "date"),
        Column("demolition_start", _("Rivingen starter"), "date"),
        Column("components", _("Komponenter"), "int"),
        Column("mapped_kg", _("Kartlagt (kg)"), "kg"),
        Column("reusable_kg", _("Egnet for ombruk (kg)"), "kg"),
        Column("reserved_kg", _("Reservert (kg)"), "kg"),
        Column("handed_over_kg", _("Overlevert (kg)"), "kg"),
        Column("unweighed_components", _("Komponenter uten vekt"), "int"),
        Column("achieved_percent", _("Oppnådd ombruk (%)"), "decimal"),
        Column("target_percent", _("Mål for ombruk (%)"), "decimal"),
    ]


def _line(row: ProjectRow) -> tuple:
    p, totals = row.project, row.figures.totals
    return (p.id, p.name, row.year, str(STATUS_LABELS.get(p.status, p.status)),
            str(WORK_LABELS.get(p.work_kind, p.work_kind)), p.organization.name,
            p.organization.orgnr, p.address, p.postcode, p.municipality_number,
            p.gnr, p.bnr, p.fnr, p.snr, p.building_year, p.mapping_date, p.access_date,
            p.demolition_start, totals["mapped"].components, totals["mapped"].kg,
            totals["reusable"].kg, totals["reserved"].kg, totals["handed_over"].kg,
            totals["mapped"].unweighed, row.achieved_percent, p.reuse_target_percent)


def projects_table(rows: list[ProjectRow]) -> Table:
    return Table(name=str(_l("Prosjekter")), title=_("Byggeprosjekter i kommunen"),
                 columns=_columns(), rows=[_line(r) for r in rows])


def years_table(totals: list[YearTotal]) -> Table:
    columns = [Column("year", _("År"), "int"), Column("projects", _("Prosjekter"), "int"),
               Column("mapped_kg", _("Kartlagt (kg)"), "kg"),
               Column("reusable_kg", _("Egnet for ombruk (kg)"), "kg"),
               Column("handed_over_kg", _("Overlevert (kg)"), "kg"),
               Column("handed_over_tonnes", _("Overlevert (tonn)"), "tonnes"),
               Column("achieved_percent", _("Oppnådd ombruk (%)"), "decimal")]
    return Table(name=str(_l("Per år")), title=_("Sum per år"), columns=columns,
                 rows=[(t.year, t.projects, t.mapped_kg, t.reusable_kg, t.handed_over_kg,
                        t.handed_over_tonnes, t.achieved_percent) for t in totals])


def export_response(fmt: str, rows: list[ProjectRow]):
    """The projects (CSV: one table; XLSX: the projects and the totals by year)."""
    name = filename("kretslop_prosjekter", fmt)
    if fmt == "xlsx":
        return attachment(xlsx_bytes([projects_table(rows), years_table(year_totals(rows))]),
                          fmt, name)
    return attachment("".join(csv_chunks(projects_table(rows))), fmt, name)
