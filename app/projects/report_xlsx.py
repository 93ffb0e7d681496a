"""The reuse mapping report (TEK17 § 9-7) as XLSX: the PDF's content as three sheets,
"Prosjekt" (the facts, § 9-7 items first), "Sammendrag" (by NS 3451 building part) and
"Komponenter" (every component: suitable ones first, then the rest with reason and
hazards). Written by :mod:`app.reporting.exports`, so numbers are numeric cells with
number formats and text that a spreadsheet would run as a formula stays text."""

from __future__ import annotations

from collections import Counter

from flask_babel import force_locale
from flask_babel import gettext as _

from app.listings.forms import CONDITION_LABELS, UNIT_LABELS
from app.projects.forms import HAZARD_LABELS, SUITABILITY_LABELS
from app.projects.models import Project, Suitability
from app.projects.report_pdf import (
    LOCALE,
    ReportFacts,
    facts,
    location_text,
    part_rows,
    project_rows,
    regulation_note,
)
from app.reporting.exports import Column, Table, xlsx_bytes


def _project_table(f: ReportFacts) -> Table:
    return Table("Prosjekt", _("Ombrukskartlegging (TEK17 § 9-7) – %(name)s",
                               name=f.project.name),
                 [Column("label", _("Opplysning")), Column("value", _("Verdi"))],
                 project_rows(f, typed=True), notes=[regulation_note()])


def _summary_table(f: ReportFacts) -> Table:
    columns = [Column("code", _("Kode")), Column("name", _("Bygningsdel (NS 3451)")),
               Column("components", _("Komponenter"), "int"),
               Column("pieces", _("Stk"), "decimal"),
               Column("kg", _("Kg kartlagt"), "kg"), Column("kg_reusable", _("Kg egnet"), "kg"),
               *(Column(k.value, str(SUITABILITY_LABELS[k]), "int") for k in Suitability)]
    rows, totals = [], Counter()
    for r in part_rows(f):
        totals.update(r.counts)
        rows.append((r.code, r.name, r.mapped.components, r.mapped.pieces, r.mapped.kg,
                     r.reusable.kg, *(r.counts[k] for k in Suitability)))
    t = f.progress.totals
    total = ("", _("Sum"), t["mapped"].components, t["mapped"].pieces, t["mapped"].kg,
             t["reusable"].kg, *(totals[k] for k in Suitability))
    return Table("Sammendrag", _("Sammendrag etter bygningsdel"), columns, rows, total)


def _components_table(f: ReportFacts) -> Table:
    columns = [Column("building_part", _("Kode")), Column("name", _("Komponent")),
               Column("category", _("Kategori")), Column("material", _("Materiale")),
               Column("dimensions", _("Mål")), Column("quantity", _("Mengde"), "decimal"),
               Column("unit", _("Enhet")), Column("unit_weight_kg", _("Kg per enhet"), "kg"),
               Column("kg", _("Kg"), "kg"), Column("condition", _("Tilstand")),
               Column("location", _("Plassering")), Column("suitability", _("Egnethet")),
               Column("reason", _("Begrunnelse")), Column("hazards", _("Miljøfarlige stoffer")),
               Column("photos", _("Bilder"), "int")]
    rows = [(c.building_part, c.name, c.category.name(LOCALE) if c.category else "",
             c.material, c.dimensions, c.quantity, str(UNIT_LABELS.get(c.unit, c.unit)),
             c.unit_weight_kg, c.total_kg, str(CONDITION_LABELS.get(c.condition, c.condition)),
             location_text(c), str(SUITABILITY_LABELS.get(c.suitability, c.suitability)),
             c.suitability_reason,
             ", ".join(str(HAZARD_LABELS.get(h, h)) for h in c.hazards or []),
             len(c.photos)) for c in f.components]
    return Table("Komponenter", _("Komponenter (egnet for ombruk først)"), columns, rows)


def render(project: Project) -> bytes:
    with force_locale(LOCALE):
        f = facts(project)
        return xlsx_bytes([_project_table(f), _summary_table(f), _components_table(f)])
