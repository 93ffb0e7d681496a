"""Bulk import of listings from a spreadsheet: CSV (UTF-8 with or without BOM, ``,`` or
``;``) or XLSX, one row per listing.

Every row is checked in full by the same rules as the API before anything is written;
a bad row is reported with its spreadsheet row number (header = row 1), the column as
the user named it and a message, and is skipped. Valid rows are written in batches,
each with its ``listing.changed`` outbox rows. Nothing here commits.

Bounded before the work starts (:class:`Limits`, from the ``IMPORT_*`` settings): the
uncompressed size of every part of an XLSX (from the zip directory, which Python's
zipfile enforces while reading), the sheet's declared dimension, the columns read and
the rows (counted while reading, so a file that lies about its size stops at the limit).
Only the mapped columns of a row are kept. CSV is decoded as it is read, with a cap on
the length of a line, so one enormous line cannot make millions of cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import formatting
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
    file_status: int = 422

    @property
    def created(self) -> int:
        return len(self.created_ids)

    @property
    def failed_rows(self) -> int:
        return len({e.row for e in self.errors})


class FileRejected(ValueError):
    """The file as a whole cannot be imported (no row is looked at). ``status`` is 413
    when the file is over a size limit, 422 when it cannot be used."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


#: Blank rows a sheet may have beyond the row limit (spacing, a deleted block).
BLANK_ROWS = 1000
#: The longest physical CSV line read (characters): bounds the cells one row can make.
MAX_CSV_LINE = 1_000_000


@dataclass(frozen=True)
class Limits:
    """What one file may contain; see ``IMPORT_*`` in app/config.py."""

    max_rows: int = 10_000
    max_columns: int = 100
    max_xml_bytes: int = 32 * 1024 * 1024

    @property
    def sheet_rows(self) -> int:
        """The last spreadsheet row number read: header, rows and some blank lines."""
        return self.max_rows + 1 + BLANK_ROWS

    @property
    def other_part_bytes(self) -> int:
        """Parts of an XLSX other than worksheets and shared strings (styles, workbook,
        relations ...), which openpyxl reads whole."""
        return self.max_xml_bytes // 4

    @classmethod
    def from_config(cls, config, max_rows: int | None = None) -> Limits:
        return cls(max_rows=int(max_rows or config.get("IMPORT_MAX_ROWS", 10_000)),
                   max_columns=int(config.get("IMPORT_MAX_COLUMNS", 100)),
                   max_xml_bytes=int(config.get("IMPORT_MAX_XML_BYTES", 32 * 1024 * 1024)))

    @classmethod
    def current(cls, max_rows: int | None = None) -> Limits:
        """From the app's configuration when there is one, else the defaults."""
        from flask import current_app, has_app_context

        if has_app_context():
            return cls.from_config(current_app.config, max_rows)
        return cls(max_rows=max_rows) if max_rows else cls()


def _size(n: int) -> str:
    """Bytes as the page says them: whole MB from 1 MB, else KB (rounded up)."""
    if n >= 1024 * 1024:
        return f"{formatting.number(n / (1024 * 1024), 0)} MB"
    return f"{formatting.number(-(-n // 1024))} KB"


def _too_many_rows(limits: Limits) -> FileRejected:
    return FileRejected(_("Filen har flere enn %(n)s rader. Del den opp.", n=limits.max_rows),
                        status=413)


def _too_many_columns(count: int, limits: Limits) -> FileRejected:
    return FileRejected(_("Filen har %(c)s kolonner; grensen er %(n)s. Slett de kolonnene "
                          "som ikke er i malen.", c=count, n=limits.max_columns), status=413)


# --- reading -----------------------------------------------------------------------


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def read_table(data: bytes, limits: Limits | None = None
               ) -> tuple[list[Any], Iterator[tuple[int, list[Any]]]]:
    """The header and (spreadsheet row number, cells) for each following row."""
    limits = limits or Limits()
    return _read_xlsx(data, limits) if is_xlsx(data) else _read_csv(data, limits)


def _encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) if the whole file is valid UTF-8, else Windows-1252
    (Excel's "CSV" on Windows). Checked in pieces: no copy of the file is kept."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(view[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _read_csv(data: bytes, limits: Limits):
    encoding = _encoding(data)
    first = data[:65536].split(b"\n", 1)[0].decode(encoding, errors="replace")
    delimiter = max((";", ",", "\t"), key=first.count)

    def lines():
        text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace",
                                newline="")
        for line in iter(lambda: text.readline(MAX_CSV_LINE + 1), ""):
            if len(line) > MAX_CSV_LINE:
                raise FileRejected(_("En linje i filen er lengre enn %(n)s tegn.",
                                     n=MAX_CSV_LINE), status=413)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)

    def checked(row: list[str]) -> list[str]:
        if len(row) > limits.max_columns:
            raise _too_many_columns(len(row), limits)
        return row

    try:
        header = checked(next(reader))
    except StopIteration:
        raise FileRejected(_("Filen er tom.")) from None
    except csv.Error as exc:
        raise FileRejected(_("Kunne ikke lese CSV-filen: %(e)s", e=exc)) from None

    def rows():
        try:
            for number, cells in enumerate(reader, start=2):
                yield number, checked(cells)
        except csv.Error as exc:
            raise FileRejected(_("Kunne ikke lese CSV-filen: %(e)s", e=exc)) from None

    return header, rows()


def _unreadable_xlsx() -> FileRejected:
    return FileRejected(_("Kunne ikke lese XLSX-filen. Lagre den på nytt fra Excel."))


def check_archive(data: bytes, limits: Limits) -> None:
    """Refuse an XLSX whose parts would be too large once uncompressed, before openpyxl
    opens it. The sizes come from the zip's central directory; Python's zipfile, which
    openpyxl reads through, never returns more than that size for a member."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise _unreadable_xlsx() from None
    with archive:
        for info in archive.infolist():
            name = info.filename.lower()
            large = "worksheets/" in name or "sharedstrings" in name
            cap = limits.max_xml_bytes if large else limits.other_part_bytes
            if info.file_size > cap:
                raise FileRejected(
                    _("Delen «%(part)s» i XLSX-filen er %(size)s utpakket; grensen er "
                      "%(max)s. Lagre bare arket med annonsene i en ny fil.",
                      part=info.filename, size=_size(info.file_size), max=_size(cap)),
                    status=413)


def _read_xlsx(data: bytes, limits: Limits):
    from openpyxl import load_workbook

    check_archive(data, limits)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception:  # noqa: BLE001 - any broken archive is the same message to the user
        raise _unreadable_xlsx() from None
    # The declared dimension (<dimension ref="A1:R200"/>), read before any row.
    columns, last_row = sheet.max_column, sheet.max_row
    if columns is not None and columns > limits.max_columns:
        workbook.close()
        raise _too_many_columns(columns, limits)
    if last_row is not None and last_row > limits.sheet_rows:
        workbook.close()
        raise FileRejected(_("Arket sier at det har %(r)s rader; grensen er %(n)s rader. Del "
                             "filen opp, eller slett tomme rader under annonsene.",
                             r=last_row, n=limits.max_rows), status=413)
    # Explicit bounds: openpyxl pads each row to the declared width and fills gaps
    # between rows; with these it reads at most one row past the limit.
    values = sheet.iter_rows(min_row=1, max_col=limits.max_columns,
                             max_row=limits.sheet_rows + 1, values_only=True)
    try:
        header = list(next(values, None) or [])
    except Exception:  # noqa: BLE001 - a broken sheet
        workbook.close()
        raise _unreadable_xlsx() from None
    while header and header[-1] is None:
        header.pop()
    if not header:
        workbook.close()
        raise FileRejected(_("Filen er tom."))

    def rows():
        try:
            for number, cells in enumerate(values, start=2):
                yield number, list(cells)
        except FileRejected:
            raise
        except Exception:  # noqa: BLE001 - a broken sheet part way through
            raise _unreadable_xlsx() from None
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


def read(data: bytes, max_rows: int | None = None, limits: Limits | None = None) -> Table:
    """Read and map the whole file (no row is checked yet); FileRejected if unusable.

    Only the mapped columns of each row are kept, and reading stops at the first row
    past the limits."""
    limits = limits or Limits.current(max_rows)
    header, rows = read_table(data, limits)
    columns, shown, notices = map_header(header)
    width = max(columns) + 1
    kept = []
    for number, cells in rows:
        if number > limits.sheet_rows:
            raise _too_many_rows(limits)
        cells = cells[:width]
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        kept.append((number, cells))
        if len(kept) > limits.max_rows:
            raise _too_many_rows(limits)
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
                    publish: bool = False, max_rows: int | None = None,
                    limits: Limits | None = None) -> ImportResult:
    """Read, check and write; a file that cannot be used gives ``file_errors``."""
    try:
        table = read(data, max_rows, limits)
    except FileRejected as exc:
        return ImportResult(file_errors=[str(exc)], file_status=exc.status)
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
