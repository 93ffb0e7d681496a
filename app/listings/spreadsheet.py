"""Import templates (CSV and XLSX) with the documented columns and two example rows."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask_babel import gettext as _

from app.csvsafe import safe_writer
from app.listings.categories import all_categories
from app.listings.importer import COLUMNS


def examples() -> tuple[dict[str, str], ...]:
    """Two example rows; their end dates are always some months ahead."""
    soon = (date.today() + timedelta(days=120)).isoformat()
    later = (date.today() + timedelta(days=180)).strftime("%d.%m.%Y")
    return (
        {"title": "Kontorstoler, svarte", "description": "Håg H05, justerbare armlener.",
         "category": "office-chair", "condition": "god", "quantity": "12", "unit": "stk",
         "unit_weight_kg": "", "price_nok": "0", "postcode": "1394",
         "address": "Nesbruveien 75", "available_until": soon, "material": "Stål, stoff",
         "dimensions": "", "pickup_instructions": "Ring resepsjonen ved henting.",
         "waste_origin": "nei"},
        {"title": "Teglstein, rød", "description": "Rengjort, på paller à 400 stk.",
         "category": "Teglstein", "condition": "brukbar", "quantity": "2400", "unit": "stk",
         "unit_weight_kg": "3,1", "price_nok": "2,50", "postcode": "1389",
         "address": "Bråtan 12", "available_until": later, "material": "Tegl",
         "dimensions": "228 x 108 x 62 mm", "pickup_instructions": "", "waste_origin": "nei"},
    )


def descriptions() -> dict[str, str]:
    """What goes in each column (bokmål, shown on the import page and in the XLSX)."""
    return {
        "title": _("Kort tittel, høyst 120 tegn."),
        "description": _("Fritekst, høyst 5000 tegn."),
        "category": _("Kategori: kode (for eksempel office-chair) eller navn på norsk eller "
                      "engelsk. Se arket «Kategorier»."),
        "condition": _("ny, som ny, god, brukbar eller til deler."),
        "quantity": _("Antall enheter, større enn 0. Stykk må være hele tall."),
        "unit": _("stk, m, m2, m3 eller kg. Tom betyr stk."),
        "unit_weight_kg": _("Vekt per enhet i kg. Tom: typisk vekt for kategorien (anslått)."),
        "price_nok": _("Pris per enhet i kroner, høyst to desimaler. 0 eller tom er gratis."),
        "postcode": _("Fire siffer. Ukjent postnummer krever breddegrad og lengdegrad."),
        "address": _("Henteadresse."),
        "lat": _("Breddegrad (desimalgrader), valgfritt."),
        "lng": _("Lengdegrad (desimalgrader), valgfritt."),
        "available_from": _("Dato (ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ), valgfritt."),
        "available_until": _("Siste dag annonsen gjelder, valgfritt."),
        "material": _("Materiale, valgfritt."),
        "dimensions": _("Mål, valgfritt."),
        "pickup_instructions": _("Henteinstruksjoner, valgfritt."),
        "waste_origin": _("ja hvis tingen kommer fra avfallsstrømmen, ellers nei."),
    }


def template_csv() -> bytes:
    """Semicolon-separated with a BOM, so Excel in Norway opens it in columns."""
    buffer = io.StringIO()
    writer = safe_writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([nb for _f, nb, _en, _r, _m in COLUMNS])
    for example in examples():
        writer.writerow([example.get(name, "") for name, *_rest in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Annonser")
    sheet.append([nb for _f, nb, _en, _r, _m in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for example in examples():
        sheet.append([example.get(name, "") for name, *_rest in COLUMNS])
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(_("Veiledning"))
    help_sheet.append([_("Kolonne"), _("Engelsk navn"), _("Påkrevd"), _("Innhold")])
    texts = descriptions()
    for name, nb, en, required, _more in COLUMNS:
        help_sheet.append([nb, en, _("ja") if required else _("nei"), texts[name]])
    categories = workbook.create_sheet(_("Kategorier"))
    categories.append([_("Kode"), _("Norsk"), _("Engelsk"), _("Typisk vekt (kg)"),
                       _("per")])
    for c in all_categories():
        weight = float(c.typical_unit_weight_kg) if c.typical_unit_weight_kg else None
        categories.append([c.slug, c.name_nb, c.name_en, weight, c.typical_unit])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
