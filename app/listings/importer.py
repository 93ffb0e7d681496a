"""Bulk import of listings from a spreadsheet: CSV (UTF-8 with or without BOM, ``,`` or
``;``) or XLSX, one row per listing.

Every row is checked in full by the same rules as the API before anything is written;
a bad row is reported with its spreadsheet row number (header = row 1), the column as
the user named it and a message, and is skipped. Valid rows are written in batches,
each with its ``listing.changed`` outbox rows. Nothing here commits.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.models import Organization, User
from app.db import db, utcnow
from app.listings import rules
from app.listings.categories import category_lookup
from app.listings.models import Listing, Status
from app.listings.services import emit_changed

# field, Norwegian header, English header, required, more accepted spellings
COLUMNS: tuple[tuple[str, str, str, bool, tuple[str, ...]], ...] = (
    ("title", "tittel", "title", True, ()),
    ("description", "beskrivelse", "description", False, ()),
    ("category", "kategori", "category", True, ()),
    ("condition", "tilstand", "condition", True, ()),
    ("quantity", "antall", "quantity", True, ("mengde",)),
    ("unit", "enhet", "unit", False, ()),
    ("unit_weight_kg", "vekt_per_enhet_kg", "unit_weight_kg", False,
     ("vekt_per_enhet", "vekt_kg", "vekt")),
    ("price_nok", "pris_nok", "price_nok", False, ("pris", "pris_kr", "price")),
    ("postcode", "postnummer", "postcode", True, ("postnr",)),
    ("address", "adresse", "address", False, ("henteadresse",)),
    ("lat", "breddegrad", "lat", False, ("latitude",)),
    ("lng", "lengdegrad", "lng", False, ("longitude", "lon")),
    ("available_from", "tilgjengelig_fra", "available_from", False, ()),
    ("available_until", "tilgjengelig_til", "available_until", False, ()),
    ("material", "materiale", "material", False, ()),
    ("dimensions", "mål", "dimensions", False, ("maal", "dimensjoner")),
    ("pickup_instructions", "henteinstruksjoner", "pickup_instructions", False,
     ("henting",)),
    ("waste_origin", "fra_avfall", "waste_origin", False, ("avfall",)),
)
CONDITIONS = {
    "ny": "new", "new": "new", "som ny": "like_new", "som_ny": "like_new",
    "like new": "like_new", "like_new": "like_new", "god": "good", "good": "good",
    "brukbar": "fair", "ok": "fair", "fair": "fair", "til deler": "for_parts",
    "for deler": "for_parts", "for parts": "for_parts", "for_parts": "for_parts",
}
UNITS = {"stk": "pcs", "stk.": "pcs", "st": "pcs", "pcs": "pcs", "m": "m", "meter": "m",
         "lm": "m", "m2": "m2", "m²": "m2", "kvm": "m2", "m3": "m3", "m³": "m3", "kg": "kg"}
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y")
BATCH = 500


def _normal(header: Any) -> str:
    text = str(header or "").strip().lower().lstrip("\ufeff")
    return re.sub(r"[^0-9a-zæøå]+", "_", text.replace("(", "").replace(")", "")).strip("_")


ALIASES = {_normal(alias): name for name, nb, en, _req, more in COLUMNS
           for alias in (nb, en, *more)}
REQUIRED = [name for name, _nb, _en, required, _more in COLUMNS if required]
NB_HEADER = {name: nb for name, nb, _en, _req, _more in COLUMNS}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    created_ids: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.created_ids)

    @property
    def failed_rows(self) -> int:
        return len({e.row for e in self.errors})


class FileRejected(ValueError):
    """The file as a whole cannot be imported (no row is looked at)."""


# --- reading -----------------------------------------------------------------------


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def read_table(data: bytes) -> tuple[list[Any], Iterator[tuple[int, list[Any]]]]:
    """The header and (spreadsheet row number, cells) for each following row."""
    return _read_xlsx(data) if is_xlsx(data) else _read_csv(data)


def _read_csv(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected(_("Filen er tom.")) from None
    except csv.Error as exc:
        raise FileRejected(_("Kunne ikke lese CSV-filen: %(e)s", e=exc)) from None

    def rows():
        try:
            yield from enumerate(reader, start=2)
        except csv.Error as exc:
            raise FileRejected(_("Kunne ikke lese CSV-filen: %(e)s", e=exc)) from None

    return header, rows()


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any broken archive is the same message to the user
        raise FileRejected(_("Kunne ikke lese XLSX-filen. Lagre den på nytt fra Excel.")
                           ) from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = list(next(values, None) or [])
    if not header:
        workbook.close()
        raise FileRejected(_("Filen er tom."))

    def rows():
        try:
            for number, cells in enumerate(values, start=2):
                yield number, list(cells)
        finally:
            workbook.close()

    return header, rows()


def map_header(header: list[Any]) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """Column index -> field, field -> the header as written, and notices (unknown
    columns are ignored; missing required or duplicate columns reject the file)."""
    columns: dict[int, str] = {}
    shown: dict[str, str] = {}
    notices: list[str] = []
    for index, raw in enumerate(header):
        name = ALIASES.get(_normal(raw))
        if name is None:
            if str(raw or "").strip():
                notices.append(_("Kolonnen «%(c)s» er ukjent og ble ikke lest.", c=raw))
            continue
        if name in shown:
            raise FileRejected(_("Kolonnen «%(c)s» finnes to ganger.", c=raw))
        columns[index] = name
        shown[name] = str(raw).strip()
    missing = [NB_HEADER[name] for name in REQUIRED if name not in shown]
    if missing:
        raise FileRejected(_("Mangler kolonner: %(c)s. Bruk malen.", c=", ".join(missing)))
    return columns, shown, notices


# --- one row -----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise rules.Invalid(_("Ugyldig dato «%(d)s»; bruk ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ.", d=text))


def row_values(cells: list[Any], columns: dict[int, str]) -> tuple[dict[str, Any],
                                                                   dict[str, list[str]]]:
    """One row's cells as API field values, and errors for cells that cannot be read."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for index, name in columns.items():
        value = cells[index] if index < len(cells) else None
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if name == "unit":
                data[name] = "pcs"
            continue
        if name in ("available_from", "available_until"):
            try:
                day = _day(value)
            except rules.Invalid as exc:
                errors[name] = [str(exc)]
                continue
            value = rules.start_of_day(day) if name == "available_from" else rules.end_of_day(day)
        elif name == "condition":
            value = CONDITIONS.get(_text(value).lower(), _text(value))
        elif name == "unit":
            value = UNITS.get(_text(value).lower(), _text(value))
        elif name == "postcode":
            value = f"{value:04d}" if isinstance(value, int) else _text(value)
        elif name in rules.TEXT_LIMITS or name == "category":
            value = _text(value)
        data[name] = value
    if "unit" not in columns.values():
        data["unit"] = "pcs"
    return data, errors


# --- the import --------------------------------------------------------------------


@dataclass
class Table:
    columns: dict[int, str]
    shown: dict[str, str]
    notices: list[str]
    rows: list[tuple[int, list[Any]]]


def read(data: bytes, max_rows: int = 10_000) -> Table:
    """Read and map the whole file (no row is checked yet); FileRejected if unusable."""
    header, rows = read_table(data)
    columns, shown, notices = map_header(header)
    kept = []
    for number, cells in rows:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        kept.append((number, cells))
        if len(kept) > max_rows:
            raise FileRejected(_("Filen har flere enn %(n)s rader. Del den opp.", n=max_rows))
    return Table(columns, shown, notices, kept)


def import_table(table: Table, organization: Organization, user: User | None,
                 publish: bool = False,
                 progress: Callable[[int], None] | None = None) -> ImportResult:
    """Check every row, then write the valid ones in batches. Flushes, never commits.

    ``progress`` is called with the number of rows done: once per row checked and once
    per batch written (so the total is twice the rows)."""
    result = ImportResult(rows=len(table.rows), notices=list(table.notices))
    categories = category_lookup()
    now = utcnow()
    valid: list[dict[str, Any]] = []
    for number, cells in table.rows:
        values, errors = row_values(cells, table.columns)
        clean, more = rules.check(values, categories, now=now)
        errors = {**more, **errors}
        if errors:
            for name, messages in errors.items():
                column = table.shown.get(name, NB_HEADER.get(name, name))
                result.errors.extend(RowError(number, column, m) for m in messages)
        else:
            valid.append(_listing(clean, organization, user, publish, now))
        if progress:
            progress(1)
    if progress:
        progress(len(table.rows) - len(valid))
    for start in range(0, len(valid), BATCH):
        batch = valid[start:start + BATCH]
        _write(batch, result)
        if progress:
            progress(len(batch))
    return result


def import_listings(data: bytes, organization: Organization, user: User | None,
                    publish: bool = False, max_rows: int = 10_000) -> ImportResult:
    """Read, check and write; a file that cannot be used gives ``file_errors``."""
    try:
        table = read(data, max_rows)
    except FileRejected as exc:
        return ImportResult(file_errors=[str(exc)])
    return import_table(table, organization, user, publish)


def _listing(clean: dict[str, Any], organization: Organization, user: User | None,
             publish: bool, now: datetime) -> dict[str, Any]:
    """One row's column values for the bulk INSERT."""
    category = clean.pop("category")
    return {"description": "", "address": "", "material": "", "dimensions": "",
            "pickup_instructions": "", "waste_origin": False, "weight_estimated": False,
            "price_ore": 0, **clean, "organization_id": organization.id,
            "created_by_id": user.id if user else None, "category_id": category.id,
            "status": (Status.PUBLISHED if publish else Status.DRAFT).value,
            "published_at": now if publish else None, "created_at": now, "updated_at": now}


def _write(batch: list[dict[str, Any]], result: ImportResult) -> None:
    """One bulk INSERT ... RETURNING for the batch, then its outbox rows."""
    ids = db.session.scalars(
        sa.insert(Listing).returning(Listing.id, sort_by_parameter_order=True), batch).all()
    emit_changed(ids)
    result.created_ids.extend(ids)
