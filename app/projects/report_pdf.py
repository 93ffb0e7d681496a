"""The reuse mapping report (ombrukskartlegging, TEK17 § 9-7 fifth paragraph) as a PDF.

Library: **ReportLab** (BSD licence, maintained by ReportLab Inc. since 2000, releases
every few months), chosen on purpose over the alternatives:

* it installs from wheels alone (pure Python plus optional C speed-ups with wheels), so
  ``make run`` needs no system libraries - WeasyPrint needs Pango and HarfBuzz;
* its permissive licence fits an AGPL application without conditions - fpdf2 is LGPL;
* a JPEG is embedded as it is (DCTDecode, the file's bytes copied, never decoded or
  encoded again), so 500 photos cost file reads, not image work; the tests compare the
  embedded bytes with the stored thumbnail;
* Platypus tables split across pages and repeat their header row;
* TrueType fonts are embedded (subset). We use Bitstream Vera, which ships inside the
  ReportLab wheel with its free licence (``reportlab/fonts/bitstream-vera-license.txt``)
  and covers æøå, «», – and the no-break space (not U+202F, the narrow one that bokmål
  numbers use as thousands separator, so it becomes U+00A0 here).

The content, in bokmål whatever the reader's language: every item § 9-7 asks for (who
mapped and when, municipality and gnr/bnr/fnr/snr, building year and former use, the
components and materials suitable for reuse with amount and kind), the project facts,
organisation and partners, a summary by NS 3451 building part (the figures of
:mod:`app.projects.progress`, so the numbers match the running report), the reusable
components with a photo thumbnail, the components not suitable with reason and hazardous
substances, page numbers, the generation date and a note on the regulation.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy.orm import selectinload

from app import formatting
from app.db import db, utcnow
from app.listings.forms import CONDITION_LABELS, UNIT_LABELS
from app.projects import ns3451
from app.projects.forms import (
    HAZARD_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    SUITABILITY_LABELS,
    WORK_LABELS,
)
from app.projects.models import Component, Project, ProjectPartner, Suitability
from app.projects.progress import Figures, Progress, progress
from app.reporting.labels import municipality_label

LOCALE = "nb"
FONT, BOLD = "KretslopVera", "KretslopVera-Bold"
FONT_DIR = Path(reportlab.__file__).parent / "fonts"
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
WIDTH = PAGE_W - 2 * MARGIN
THUMB_W = 20 * mm
# JPEG streams as binary, not ASCII85 text (a quarter smaller, the file's bytes as they are)
rl_config.useA85 = 0
GREY = colors.HexColor("#d9dce0")
HEAD = colors.HexColor("#e9ecf1")


# --- the facts (shared with the XLSX) ---------------------------------------------------


@dataclass
class ReportFacts:
    project: Project
    partners: list[ProjectPartner]
    reusable: list[Component]
    not_reusable: list[Component]
    progress: Progress
    #: two-digit NS 3451 code -> suitability -> number of components
    suitability: dict[str, Counter] = field(default_factory=dict)
    generated: object = None

    @property
    def components(self) -> list[Component]:
        return self.reusable + self.not_reusable


def _order(component: Component) -> tuple:
    return (component.building_part, component.name.casefold(), component.id)


def facts(project: Project) -> ReportFacts:
    """Everything the report shows, in three queries (components with photos and category,
    partners with their organisations, the progress figures)."""
    items = list(db.session.scalars(
        sa.select(Component).where(Component.project_id == project.id)
        .options(selectinload(Component.photos), selectinload(Component.category))))
    items.sort(key=_order)
    partners = list(db.session.scalars(
        sa.select(ProjectPartner).where(ProjectPartner.project_id == project.id)
        .options(selectinload(ProjectPartner.organization)).order_by(ProjectPartner.id)))
    by_part: dict[str, Counter] = defaultdict(Counter)
    for c in items:
        by_part[ns3451.group(c.building_part)][c.suitability] += 1
    return ReportFacts(project=project, partners=partners,
                       reusable=[c for c in items if c.is_reusable],
                       not_reusable=[c for c in items if not c.is_reusable],
                       progress=progress(project.id), suitability=dict(by_part),
                       generated=utcnow())


# --- labels ------------------------------------------------------------------------------


def quantity_text(component: Component) -> str:
    unit = str(UNIT_LABELS.get(component.unit, component.unit))
    return f"{formatting.number(component.quantity, locale=LOCALE)}{formatting.NBSP}{unit}"


def location_text(component: Component) -> str:
    parts = []
    if component.floor:
        parts.append(_("etasje %(floor)s", floor=component.floor))
    if component.room:
        parts.append(component.room)
    if component.drawing_mark:
        parts.append(_("tegning: %(mark)s", mark=component.drawing_mark))
    return ", ".join(parts)


def hazards_text(component: Component) -> str:
    return ", ".join(str(HAZARD_LABELS.get(h, h)) for h in component.hazards or [])


def matrikkel_text(project: Project) -> str:
    text = f"{project.gnr}/{project.bnr}"
    if project.fnr is not None or project.snr is not None:
        text += f"/{project.fnr or 0}"
    if project.snr is not None:
        text += f"/{project.snr}"
    return text


def matrikkel_label() -> str:
    return _("Gårdsnummer/bruksnummer (gnr/bnr/fnr/snr)")


def project_rows(f: ReportFacts, typed: bool = False) -> list[tuple[str, object]]:
    """(label, value) of the project facts, the § 9-7 items first; values as text in
    bokmål form, or with ``typed`` dates, years and areas as they are (for a spreadsheet;
    ``None`` where unknown)."""
    p = f.project

    def shown(value, text):
        if typed:
            return value
        return "–" if value is None or value == "" else text(value)

    def date(value):
        return shown(value, lambda d: formatting.date(d, "long", locale=LOCALE))

    partners = "; ".join(f"{x.organization.name} – {ROLE_LABELS.get(x.role, x.role)}"
                         for x in f.partners)
    address = " ".join(x for x in (p.address + ",", p.postcode, p.district) if x.strip(","))
    return [
        (_("Kartlagt av"), shown(p.mapped_by, str)),
        (_("Dato for kartleggingen"), date(p.mapping_date)),
        (_("Kommune"), municipality_label(p.municipality_number)),
        (matrikkel_label(), matrikkel_text(p)),
        (_("Adresse"), shown(address, str)),
        (_("Byggeår"), shown(p.building_year, str)),
        (_("Tidligere bruk"), shown(p.former_use, str)),
        (_("Prosjekt"), p.name),
        (_("Type arbeid"), str(WORK_LABELS.get(p.work_kind, p.work_kind))),
        (_("Areal som berøres (m² BRA)"),
         shown(p.area_m2, lambda v: formatting.number(v, 1, locale=LOCALE))),
        (_("Mål for ombruk (prosent)"),
         shown(p.reuse_target_percent, lambda v: formatting.number(v, 1, locale=LOCALE))),
        (_("Tilgjengelig for demontering fra"), date(p.access_date)),
        (_("Rivestart"), date(p.demolition_start)),
        (_("Ansvarlig organisasjon"), p.organization.name),
        (_("Prosjektdeltakere"), shown(partners, str)),
        (_("Status"), str(STATUS_LABELS.get(p.status, p.status))),
    ]


@dataclass
class PartRow:
    code: str
    name: str
    mapped: Figures
    reusable: Figures
    counts: Counter


def part_rows(f: ReportFacts) -> list[PartRow]:
    return [PartRow(code, name, stages["mapped"], stages["reusable"],
                    f.suitability.get(code, Counter()))
            for code, name, stages in f.progress.parts(LOCALE)]


def regulation_note() -> str:
    return _(
        "Denne rapporten er ombrukskartleggingen etter byggteknisk forskrift (TEK17) § 9-7 "
        "tredje og femte ledd: før rehabilitering av mer enn 100 m² BRA eller riving av "
        "boligblokk eller yrkesbygg, og ved tiltak som gir mer enn 10 tonn bygg- og "
        "anleggsavfall, skal det kartlegges hvilke bygningsdeler og materialer som er egnet "
        "for ombruk. Rapporten oppgir hvem som har kartlagt og når, kommune og gårds- og "
        "bruksnummer, byggeår og tidligere bruk, og hvilke komponenter og materialer som er "
        "egnet for ombruk, med mengde og type. Komponenter med miljøfarlige stoffer fra "
        "miljøkartleggingen (§ 9-7 første ledd) regnes ikke som egnet. Bygningsdeler følger "
        "NS 3451. Hva som faktisk ble ombrukt, står i sluttrapporten (§ 9-9); "
        "prosjektrapporten i Kretsløp viser det løpende. Veiledning: Direktoratet for "
        "byggkvalitet og Byggforskserien 700.803.")


# --- PDF -----------------------------------------------------------------------------------


def _fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "VeraBd.ttf")))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT,
                                      boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=8.5, leading=10.5)
    return {
        "base": base,
        "small": ParagraphStyle("small", base, fontSize=7.5, leading=9),
        "num": ParagraphStyle("num", base, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", base, fontName=BOLD, fontSize=7, leading=8.5),
        "label": ParagraphStyle("label", base, fontName=BOLD),
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=18, leading=22,
                                spaceAfter=2 * mm),
        "h2": ParagraphStyle("h2", base, fontName=BOLD, fontSize=12, leading=15,
                             spaceBefore=5 * mm, spaceAfter=2 * mm),
    }


def _t(text) -> str:
    """Paragraph markup for plain text: escaped, and the narrow no-break space the font
    lacks as a plain no-break space."""
    return escape(str(text)).replace(formatting.THIN, formatting.NBSP)


def _p(text, style) -> Paragraph:
    return Paragraph(_t(text), style)


def _table(rows, widths, header: bool = True, right: tuple[int, ...] = (),
           total: bool = False) -> Table:
    """A table; plain-text cells (short values that never wrap, much cheaper than
    paragraphs) in the body font, columns ``right`` aligned right."""
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("FONT", (0, 0), (-1, -1), FONT, 7.5, 9),
             *(("ALIGN", (col, 0), (col, -1), "RIGHT") for col in right),
             ("LINEBELOW", (0, 0), (-1, -1), 0.25, GREY),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD))
    if total:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black))
    table.setStyle(TableStyle(style))
    return table


class _NumberedCanvas(pdfcanvas.Canvas):
    """Writes "Side n av m" and the footer once the number of pages is known."""

    footer = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 7.5)
            self.setFillColor(colors.HexColor("#444444"))
            self.drawString(MARGIN, 9 * mm, self.footer)
            self.drawRightString(PAGE_W - MARGIN, 9 * mm, _t_plain(
                _("Side %(page)s av %(pages)s", page=self._pageNumber, pages=total)))
            super().showPage()
        super().save()


def _t_plain(text: str) -> str:
    return str(text).replace(formatting.THIN, formatting.NBSP)


def _photo(component: Component, media_root: Path, style) -> object:
    photo = component.photos[0] if component.photos else None
    if photo is None:
        return _p("–", style)
    path = media_root / photo.thumb_path
    if not path.is_file():
        return _p(_("(bildet mangler)"), style)
    # fitted into a THUMB_W square by the thumbnail's own size (read from its header)
    return Image(str(path), width=THUMB_W, height=THUMB_W, kind="proportional")


def _kg_text(value: Decimal | None) -> str:
    return formatting.kg(value, locale=LOCALE)


def _summary(f: ReportFacts, s) -> Table:
    head = [_p(x, s["head"]) for x in (
        _("Bygningsdel (NS 3451)"), _("Komponenter"), _("Stk"), _("Kg kartlagt"),
        _("Kg egnet"), SUITABILITY_LABELS[Suitability.SUITABLE],
        SUITABILITY_LABELS[Suitability.AFTER_WORK], SUITABILITY_LABELS[Suitability.NOT_SUITABLE])]
    rows = [head]
    totals: Counter = Counter()
    for r in part_rows(f):
        totals.update(r.counts)
        rows.append([_p(f"{r.code} {r.name}", s["small"]),
                     *(_p(x, s["num"]) for x in (
                         formatting.integer(r.mapped.components, locale=LOCALE),
                         formatting.number(r.mapped.pieces, locale=LOCALE),
                         _kg_text(r.mapped.kg), _kg_text(r.reusable.kg),
                         *(formatting.integer(r.counts[k], locale=LOCALE) for k in Suitability)))])
    t = f.progress.totals
    rows.append([_p(_("Sum"), s["head"]),
                 *(_p(x, s["num"]) for x in (
                     formatting.integer(t["mapped"].components, locale=LOCALE),
                     formatting.number(t["mapped"].pieces, locale=LOCALE),
                     _kg_text(t["mapped"].kg), _kg_text(t["reusable"].kg),
                     *(formatting.integer(totals[k], locale=LOCALE) for k in Suitability)))])
    widths = [40 * mm] + [(WIDTH - 40 * mm) / 7] * 7
    return _table(rows, widths, total=True)


CHUNK = 40


def _chunked(rows: list, widths, right: tuple[int, ...]) -> list[Table]:
    """A long list as tables of CHUNK rows, each with the header: a table that splits
    across pages is measured again at every split, so one table of 500 rows costs
    quadratic time; the reader sees one table with its header on every page."""
    head, body = rows[0], rows[1:]
    return [_table([head, *body[i:i + CHUNK]], widths, right=right)
            for i in range(0, len(body), CHUNK)]


def _component_text(c: Component, s) -> Paragraph:
    lines = [f"<b>{_t(c.name)}</b>"]
    kind = ", ".join(x for x in (c.category.name(LOCALE) if c.category else "", c.material,
                                 c.dimensions) if x)
    if kind:
        lines.append(_t(kind))
    if c.description:
        lines.append(_t(c.description[:300]))
    return Paragraph("<br/>".join(lines), s["small"])


def _reusable(f: ReportFacts, s, media_root: Path) -> list[Table]:
    head = [_p(x, s["head"]) for x in (
        _("Bilde"), _("Kode"), _("Komponent, type, materiale, mål"), _("Mengde"),
        _("Tilstand"), _("Plassering"), _("Kg"), _("Egnethet"))]
    rows = [head]
    for c in f.reusable:
        rows.append([
            _photo(c, media_root, s["small"]),
            c.building_part,
            _component_text(c, s),
            _t_plain(quantity_text(c)),
            str(CONDITION_LABELS.get(c.condition, c.condition)),
            _p(location_text(c) or "–", s["small"]),
            _t_plain(_kg_text(c.total_kg)),
            _p(SUITABILITY_LABELS.get(c.suitability, c.suitability), s["small"]),
        ])
    widths = [THUMB_W + 6, 10 * mm, 50 * mm, 17 * mm, 15 * mm, 28 * mm, 16 * mm]
    widths.append(WIDTH - sum(widths))
    return _chunked(rows, widths, right=(3, 6))


def _not_reusable(f: ReportFacts, s) -> list[Table]:
    head = [_p(x, s["head"]) for x in (
        _("Kode"), _("Komponent, type, materiale"), _("Mengde"), _("Kg"),
        _("Egnethet og begrunnelse"), _("Miljøfarlige stoffer"))]
    rows = [head]
    for c in f.not_reusable:
        reason = str(SUITABILITY_LABELS.get(c.suitability, c.suitability))
        if c.suitability_reason:
            reason += ": " + c.suitability_reason
        rows.append([c.building_part, _component_text(c, s), _t_plain(quantity_text(c)),
                     _t_plain(_kg_text(c.total_kg)),
                     _p(reason, s["small"]), _p(hazards_text(c) or "–", s["small"])])
    widths = [10 * mm, 50 * mm, 17 * mm, 16 * mm, 50 * mm]
    widths.append(WIDTH - sum(widths))
    return _chunked(rows, widths, right=(2, 3))


def render(project: Project) -> bytes:
    """The report as PDF bytes, in bokmål."""
    with force_locale(LOCALE):
        return _render(facts(project))


def _render(f: ReportFacts) -> bytes:
    _fonts()
    s = _styles()
    p = f.project
    media_root = Path(current_app.config["MEDIA_ROOT"])
    generated = formatting.datetime(f.generated, "long", locale=LOCALE)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm, title=_t_plain(_("Ombrukskartlegging – %(name)s",
                                                        name=p.name)),
        author=_t_plain(p.mapped_by or p.organization.name), subject="TEK17 § 9-7",
        creator="Kretsløp", lang="nb-NO")

    class Canvas(_NumberedCanvas):
        footer = _t_plain(_("Ombrukskartlegging %(project)s · gnr/bnr %(matrikkel)s · "
                            "generert %(when)s", project=p.name[:60],
                            matrikkel=matrikkel_text(p), when=generated))

    story = [
        _p(_("Ombrukskartlegging"), s["title"]),
        _p(_("Rapport etter byggteknisk forskrift (TEK17) § 9-7 – %(name)s", name=p.name),
           s["label"]),
        Spacer(1, 3 * mm),
        _table([[_p(label, s["label"]), _p(value, s["base"])]
                for label, value in project_rows(f)], [62 * mm, WIDTH - 62 * mm],
               header=False),
        _p(_("Sammendrag etter bygningsdel"), s["h2"]),
    ]
    if f.components:
        story.append(_summary(f, s))
        unweighed = f.progress.totals["mapped"].unweighed
        if unweighed:
            story.append(_p(_("%(n)s komponenter er uten vekt per enhet og er ikke med i "
                              "kilotallene.", n=unweighed), s["small"]))
    else:
        story.append(_p(_("Ingen komponenter er kartlagt ennå."), s["base"]))
    story.append(_p(_("Komponenter og materialer egnet for ombruk (%(n)s)",
                      n=len(f.reusable)), s["h2"]))
    story.extend(_reusable(f, s, media_root) if f.reusable
                 else [_p(_("Ingen komponenter er vurdert som egnet for ombruk."), s["base"])])
    story.append(_p(_("Ikke egnet for ombruk (%(n)s)", n=len(f.not_reusable)), s["h2"]))
    story.extend(_not_reusable(f, s) if f.not_reusable
                 else [_p(_("Ingen komponenter er vurdert som ikke egnet."), s["base"])])
    story.append(KeepTogether([_p(_("Om rapporten"), s["h2"]),
                               _p(regulation_note(), s["base"]),
                               Spacer(1, 2 * mm),
                               _p(_("Generert %(when)s av Kretsløp.", when=generated),
                                  s["small"])]))
    doc.build(story, canvasmaker=Canvas)
    return out.getvalue()
