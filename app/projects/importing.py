"""Components from a consultant's spreadsheet (CSV or XLSX): read with the listing
import's reader and limits (``app.listings.importer``), a column mapping the person
confirms, bokmål words as people type them, and all or nothing.

The steps:
1. ``store`` keeps the uploaded file under the instance directory by a random id bound to
   the user and the project (``load`` refuses it for anyone else, and after ``MAX_AGE``);
   the file is read once there, so a file that cannot be used or has more than
   ``MAX_ROWS`` rows is refused at once.
2. ``guess_mapping`` pre-chooses a field for each header (our labels, the API names and
   the words consultants use); the person may change it.
3. ``check_rows`` checks every row with ``rules.check_component``; ``import_rows`` writes
   them only when no row has an error. Nothing here commits.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.csvsafe import safe_writer
from app.listings import importer
from app.listings.categories import category_lookup
from app.listings.importer import FileRejected, Limits, RowError
from app.projects import rules, services
from app.projects.models import Project

#: The most rows one import takes (a building's mapping; larger files: split them).
MAX_ROWS = 2000
#: Seconds a stored upload lives between the steps.
MAX_AGE = 2 * 3600
#: Row errors shown on the page (the count says how many there are).
SHOWN_ERRORS = 100

# field, the header in our template (bokmål), more headers consultants use
FIELDS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("building_part", _l("Bygningsdel (NS 3451)"),
     ("bygningsdel", "ns3451", "ns 3451", "ns-kode", "ns kode", "bygningsdelskode", "kode")),
    ("name", _l("Komponent"), ("komponent", "navn", "betegnelse", "produkt", "element")),
    ("description", _l("Beskrivelse"), ("beskrivelse", "kommentar", "merknad", "merknader")),
    ("category", _l("Kategori"), ("kategori", "produktkategori")),
    ("quantity", _l("Antall"), ("antall", "mengde", "ant", "ant.")),
    ("unit", _l("Enhet"), ("enhet", "enh")),
    ("unit_weight_kg", _l("Vekt per enhet (kg)"),
     ("vekt per enhet", "vekt per enhet kg", "enhetsvekt", "vekt kg", "vekt", "kg per enhet",
      "vekt pr enhet", "vekt pr. enhet (kg)")),
    ("dimensions", _l("Dimensjon"), ("dimensjon", "dimensjoner", "mål", "maal", "størrelse")),
    ("material", _l("Materiale"), ("materiale", "materialer", "material")),
    ("condition", _l("Tilstand"), ("tilstand", "tilstandsgrad")),
    ("floor", _l("Etasje"), ("etasje", "etg", "etg.", "plan")),
    ("room", _l("Rom"), ("rom", "romnummer", "romnr", "rom nr")),
    ("drawing_mark", _l("Tegningsref"),
     ("tegningsref", "tegningsreferanse", "tegning", "tegningsmerke", "ref")),
    ("suitability", _l("Egnethet"),
     ("egnethet", "egnet for ombruk", "ombrukbar", "ombrukspotensial", "vurdering")),
    ("suitability_reason", _l("Begrunnelse"), ("begrunnelse", "årsak", "arsak")),
    ("hazards", _l("Miljøgifter"),
     ("miljøgifter", "miljøgift", "farlige stoffer", "helse- og miljøfarlige stoffer")),
)
assert {f for f, _label, _more in FIELDS} == set(rules.COMPONENT_FIELDS) - {"client_key"}
LABELS = {name: label for name, label, _more in FIELDS}
#: Without these a row cannot be a component: the mapping must have a column for each.
REQUIRED = ("building_part", "name", "quantity")
HEADERS = {importer._normal(alias): name for name, label, more in FIELDS
           for alias in (name, str(label), *more)}

# --- the words people type -------------------------------------------------------------

SUITABILITIES = {
    "suitable": "suitable", "after_work": "after_work", "not_suitable": "not_suitable",
    "egnet": "suitable", "egnet for ombruk": "suitable", "ja": "suitable",
    "egnet etter utbedring": "after_work", "egnet etter reparasjon": "after_work",
    "egnet etter bearbeiding": "after_work", "etter utbedring": "after_work",
    "ikke egnet": "not_suitable", "uegnet": "not_suitable", "nei": "not_suitable",
}
CONDITIONS = {**importer.CONDITIONS, "svært god": "like_new", "meget god": "like_new",
              "middels": "fair", "dårlig": "for_parts"}
UNITS = {**importer.UNITS, "stykk": "pcs", "lm.": "m", "løpemeter": "m", "m1": "m",
         "kvadratmeter": "m2", "kubikkmeter": "m3", "kilo": "kg"}
HAZARDS = {
    "asbest": "asbestos", "pcb": "pcb", "bly": "lead", "kvikksølv": "mercury",
    "klorparafiner": "chlorinated_paraffins", "klorparafin": "chlorinated_paraffins",
    "kp": "chlorinated_paraffins", "bromerte flammehemmere": "brominated_flame_retardants",
    "bfh": "brominated_flame_retardants", "ftalater": "phthalates", "ftalat": "phthalates",
    "pah": "pah", "kfk": "cfc", "hkfk": "cfc", "kfk/hkfk": "cfc", "kreosot": "creosote",
    "tungmetaller": "heavy_metals", "annen": "other", "annet": "other",
    "annen miljøgift": "other",
}
#: A hazards cell that says there are none.
NO_HAZARDS = {"", "-", "ingen", "nei", "none", "0"}
_BUILDING_PART = re.compile(r"^\s*(\d{2,3})(?:\D|$)")
_TEXT_FIELDS = {"name", "description", "category", "dimensions", "material", "floor", "room",
                "drawing_mark", "suitability_reason"}


def _word(value: Any) -> str:
    return re.sub(r"\s+", " ", importer._text(value).lower())


def _hazards(value: Any) -> list[str] | str:
    text = _word(value)
    if text in NO_HAZARDS:
        return []
    return [HAZARDS.get(part.strip(), part.strip()) for part in re.split(r"[,;]", text)
            if part.strip()]


def cell_value(name: str, value: Any) -> Any:
    """One cell as the API value of field ``name`` (``rules.check_component`` checks it)."""
    if name == "building_part":
        text = importer._text(value)
        found = _BUILDING_PART.match(text)
        return found.group(1) if found else text
    if name == "suitability":
        return SUITABILITIES.get(_word(value), importer._text(value))
    if name == "condition":
        return CONDITIONS.get(_word(value), importer._text(value))
    if name == "unit":
        return UNITS.get(_word(value), importer._text(value))
    if name == "hazards":
        return _hazards(value)
    if name in _TEXT_FIELDS:
        return importer._text(value)
    if isinstance(value, str):  # quantity, unit_weight_kg: "1 234,5" is the rules' job
        return value.strip()
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- the stored upload -----------------------------------------------------------------

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass
class Upload:
    token: str
    filename: str
    header: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def limits(config: Mapping[str, Any]) -> Limits:
    return Limits.from_config(config, max_rows=MAX_ROWS)


def read(data: bytes, file_limits: Limits) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The header (as text) and the non-blank rows; FileRejected if the file cannot be
    used, has no header or more than ``MAX_ROWS`` rows."""
    header, rows = importer.read_table(data, file_limits)
    header = [importer._text(h) for h in header]
    if not any(header):
        raise FileRejected(_("Første rad må ha kolonneoverskrifter."))
    kept: list[tuple[int, list[Any]]] = []
    for number, cells in rows:
        if all(_blank(c) for c in cells):
            if number > file_limits.sheet_rows:
                break
            continue
        kept.append((number, cells))
        if len(kept) > file_limits.max_rows:
            raise FileRejected(_("Filen har flere enn %(n)s rader. Del den opp i flere "
                                 "filer og importer dem etter hverandre.",
                                 n=file_limits.max_rows), status=413)
    if not kept:
        raise FileRejected(_("Filen har ingen rader under overskriftene."))
    return header, kept


def _folder(instance_dir: str) -> Path:
    folder = Path(instance_dir) / "project-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _expire(folder: Path, now: float) -> None:
    for path in folder.iterdir():
        try:
            if now - path.stat().st_mtime > MAX_AGE:
                path.unlink()
        except OSError:  # another request removed it first
            continue


def store(data: bytes, filename: str, project: Project, user: User, instance_dir: str,
          file_limits: Limits) -> Upload:
    """Read the file (FileRejected if it cannot be used) and keep it for the next step."""
    header, rows = read(data, file_limits)
    folder = _folder(instance_dir)
    now = time.time()
    _expire(folder, now)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.data").write_bytes(data)
    meta = {"user_id": user.id, "project_id": project.id, "filename": filename[:200],
            "created": now}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return Upload(token, filename[:200], header, rows)


def load(token: Any, project: Project, user: User, instance_dir: str,
         file_limits: Limits) -> Upload | None:
    """The upload ``token`` names, if this user stored it for this project and it has not
    expired; None otherwise (the page then asks for the file again)."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    folder = _folder(instance_dir)
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.data").read_bytes()
    except (OSError, ValueError):
        return None
    if (meta.get("user_id") != user.id or meta.get("project_id") != project.id
            or time.time() - float(meta.get("created", 0)) > MAX_AGE):
        return None
    try:
        header, rows = read(data, file_limits)
    except FileRejected:
        return None
    return Upload(token, str(meta.get("filename", "")), header, rows)


def discard(upload: Upload, instance_dir: str) -> None:
    folder = _folder(instance_dir)
    for suffix in (".data", ".json"):
        (folder / f"{upload.token}{suffix}").unlink(missing_ok=True)


# --- the mapping -----------------------------------------------------------------------


def _label_headers() -> dict[str, str]:
    """Our column labels in every language of the site (a template downloaded in English
    is recognised too); ``HEADERS`` holds the bokmål ones and the synonyms."""
    found: dict[str, str] = {}
    for language in current_app.config.get("LANGUAGES", ("nb", "en")):
        with force_locale(language):
            found.update({importer._normal(str(label)): name for name, label, _m in FIELDS})
    return found


def guess_mapping(header: list[str]) -> dict[int, str]:
    """Column index -> field for each header we recognise (the first column wins)."""
    mapping: dict[int, str] = {}
    headers = {**HEADERS, **_label_headers()}
    for index, text in enumerate(header):
        name = headers.get(importer._normal(text))
        if name and name not in mapping.values():
            mapping[index] = name
    return mapping


def check_mapping(mapping: Mapping[int, str]) -> list[str]:
    """What is wrong with a chosen mapping (a field twice, a required field missing)."""
    problems = []
    chosen = list(mapping.values())
    for name in dict.fromkeys(chosen):
        if chosen.count(name) > 1:
            problems.append(_("«%(f)s» er valgt for flere kolonner; velg én.",
                              f=LABELS[name]))
    for name in REQUIRED:
        if name not in chosen:
            problems.append(_("Velg hvilken kolonne som er «%(f)s».", f=LABELS[name]))
    return problems


# --- the rows --------------------------------------------------------------------------


@dataclass
class Checked:
    rows: int = 0
    #: The rows as ``rules.check_component`` cleaned them (what is imported).
    cleans: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed_rows(self) -> int:
        return len({e.row for e in self.errors})


def row_values(cells: list[Any], mapping: Mapping[int, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for index, name in mapping.items():
        value = cells[index] if index < len(cells) else None
        if _blank(value):
            continue
        data[name] = cell_value(name, value)
    return data


def check_rows(upload: Upload, mapping: Mapping[int, str],
               categories: Mapping[str, Any]) -> Checked:
    """Every row through ``rules.check_component``; errors name the file's header."""
    result = Checked(rows=len(upload.rows))
    for number, cells in upload.rows:
        values = row_values(cells, mapping)
        clean, errors = rules.check_component(values, categories)
        for name, messages in errors.items():
            column = next((upload.header[i] for i, f in mapping.items() if f == name),
                          str(LABELS.get(name, name)))
            result.errors.extend(RowError(number, column or str(LABELS.get(name, name)), m)
                                 for m in messages)
        result.cleans.append(clean)
    return result


def import_rows(project: Project, user: User, upload: Upload,
                mapping: Mapping[int, str]) -> Checked:
    """All or nothing: when no row has an error, a component for each row. Flushes."""
    categories = category_lookup()
    checked = check_rows(upload, mapping, categories)
    if not checked.errors:
        services.add_checked_components(project, user, checked.cleans)
    return checked


# --- the templates ---------------------------------------------------------------------

EXAMPLES = (
    {"building_part": "234", "name": "Vindu 12x15, trekarm", "description": "Tolags glass.",
     "category": "window", "quantity": "24", "unit": "stk", "unit_weight_kg": "32,5",
     "dimensions": "1200 x 1500 mm", "material": "Tre, glass", "condition": "god",
     "floor": "2", "room": "Kontor 204", "drawing_mark": "A-201 V12",
     "suitability": "egnet", "suitability_reason": "", "hazards": ""},
    {"building_part": "252", "name": "Gulvbelegg, vinyl", "description": "",
     "category": "", "quantity": "180", "unit": "m²", "unit_weight_kg": "2,8",
     "dimensions": "", "material": "Vinyl", "condition": "brukbar", "floor": "1",
     "room": "Kantine", "drawing_mark": "", "suitability": "ikke egnet",
     "suitability_reason": "Limt med asbestholdig lim.", "hazards": "asbest"},
)


def template_rows() -> list[list[str]]:
    """Our headers and two example rows."""
    return [[str(label) for _name, label, _more in FIELDS],
            *[[example[name] for name, _label, _more in FIELDS] for example in EXAMPLES]]


def template_csv() -> bytes:
    """Semicolon-separated with a BOM, so Excel in Norway opens it in columns."""
    buffer = io.StringIO()
    safe_writer(buffer, delimiter=";", lineterminator="\r\n").writerows(template_rows())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Komponenter")
    for row in template_rows():
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
