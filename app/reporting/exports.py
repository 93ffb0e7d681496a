"""Writers for report tables: CSV (UTF-8), Excel-friendly CSV, XLSX and JSON.

* ``csv``: comma-separated UTF-8, machine column names, dots as decimal marks, ISO 8601
  times; no total row (the rows sum to the total); text that a spreadsheet would run as
  a formula (``= + - @``, TAB, CR first) prefixed with ``'`` (numbers stay as they are).
* ``csv_excel``: what Excel in a Norwegian locale opens correctly by double-click -
  a UTF-8 byte-order mark, ``;`` between fields, decimal commas, Norwegian column titles,
  a total row, and text that Excel would run as a formula prefixed with ``'``.
* ``xlsx``: one sheet per table with typed cells (numbers, dates) and number formats, a
  total row, and a "Metode" sheet (see :mod:`app.reporting.method`).

Rows are streamed: CSV is produced in chunks, XLSX through openpyxl's write-only mode.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.csvsafe import FORMULA_START, safe_cell

CHUNK = 64 * 1024
NUMBER_FORMATS = {"int": "0", "kg": "#,##0.000", "tonnes": "#,##0.000000",
                  "decimal": "#,##0.###", "money": "#,##0.00", "factor": "0.0000",
                  "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}
WIDTHS = {"text": 24, "int": 10, "kg": 14, "tonnes": 14, "decimal": 12, "money": 12,
          "factor": 10, "date": 12, "datetime": 20, "bool": 8, "iso": 27}
FORMATS = ("json", "csv", "csv_excel", "xlsx")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "csv_excel": "text/csv; charset=utf-8",
               "json": "application/json",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
EXTENSIONS = {"csv": "csv", "csv_excel": "csv", "json": "json", "xlsx": "xlsx"}


@dataclass
class Column:
    key: str
    title: str
    #: text | int | kg | tonnes | decimal | money | factor | date | datetime | bool | iso
    kind: str = "text"


@dataclass
class Table:
    name: str  # sheet name (at most 31 characters)
    title: str
    columns: list[Column]
    rows: Iterable[tuple]
    total: tuple | None = None
    notes: list[str] = field(default_factory=list)
    #: Lines shown apart from the rows and not part of the total (records involving an
    #: unverified organisation): after the rows in CSV, after the total in Excel CSV and
    #: XLSX, ``separate`` in JSON.
    separate: list[tuple] = field(default_factory=list)


# --- CSV -----------------------------------------------------------------------------


def _plain(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if kind == "text" and text.startswith(FORMULA_START):
        return "'" + text  # a formula from a name or a reason is shown, never run
    return text


def _excel(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, Decimal | float):
        return format(value, "f").replace(".", ",")
    if isinstance(value, datetime):
        return value.isoformat() if kind == "iso" else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if kind == "text" and text.startswith(FORMULA_START):
        return "'" + text
    return text


def csv_chunks(table: Table, excel: bool = False) -> Iterator[str]:
    """The table as CSV text in chunks of about 64 KB (a generator: rows are streamed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n")
    if excel:
        buffer.write("\ufeff")
    writer.writerow([safe_cell(c.title if excel else c.key) for c in table.columns])
    cell = _excel if excel else _plain
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        writer.writerow([cell(v, k) for v, k in zip(row, kinds, strict=True)])
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if excel and table.total is not None:
        writer.writerow([cell(v, k) for v, k in zip(table.total, kinds, strict=True)])
    for row in table.separate:
        writer.writerow([cell(v, k) for v, k in zip(row, kinds, strict=True)])
    yield buffer.getvalue()


# --- XLSX ----------------------------------------------------------------------------


SHEET_TITLE_MAX = 31  # Excel's limit
_SHEET_FORBIDDEN = str.maketrans({ch: "-" for ch in '[]:*?/\\'})


def _shorten(title: str, limit: int) -> str:
    """At most ``limit`` characters, cut with "…"; a closing "(…)" is kept whole when
    the part before it can give way ("Organisasjonst… (som mottaker)")."""
    if len(title) <= limit:
        return title
    head, paren, tail = title.rpartition(" (")
    if paren and tail.endswith(")") and len(tail) + 3 < limit // 2 + 3:
        room = limit - len(tail) - 3  # " (" and "…"
        return f"{head[:room].rstrip()}… ({tail}"
    return title[:limit - 1].rstrip() + "…"


def safe_sheet_title(name: str, used: set[str]) -> str:
    """A worksheet name Excel accepts, unique among ``used`` (compared as Excel does,
    ignoring case) and added to it: no []:*?/\\ (each becomes "-", so "Bydel/lokalsamfunn"
    stays readable), not starting or ending with an apostrophe, not "History", at most 31
    characters (shortened with "…", see :func:`_shorten`); Norwegian letters are kept."""
    title = " ".join(str(name).translate(_SHEET_FORBIDDEN).split()).strip("'") or "Ark"
    if title.casefold() == "history":
        title = f"{title} (1)"
    candidate, n = _shorten(title, SHEET_TITLE_MAX), 2
    taken = {u.casefold() for u in used}
    while candidate.casefold() in taken:
        suffix = f" {n}"
        candidate = _shorten(title, SHEET_TITLE_MAX - len(suffix)) + suffix
        n += 1
    used.add(candidate)
    return candidate


def write_sheet(wb, table: Table, used: set[str],
                progress: Callable[[int], None] | None = None) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(safe_sheet_title(table.name, used))
    for i, column in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(
            WIDTHS.get(column.kind, 14), min(len(column.title) + 2, 40))
    ws.freeze_panes = "A3"
    bold = Font(bold=True)
    title = WriteOnlyCell(ws, table.title)
    title.font = Font(bold=True, size=13)
    ws.append([title])
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(ws, column.title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    kinds = [c.kind for c in table.columns]
    count = 0
    for row in table.rows:
        ws.append([_xlsx_cell(ws, v, k) for v, k in zip(row, kinds, strict=True)])
        count += 1
        if progress and count % 1000 == 0:
            progress(1000)
    if progress:
        progress(count % 1000)
    if table.total is not None:
        cells = [_xlsx_cell(ws, v, k) for v, k in zip(table.total, kinds, strict=True)]
        for cell in cells:
            cell.font = bold
        ws.append(cells)
    for row in table.separate:
        ws.append([_xlsx_cell(ws, v, k) for v, k in zip(row, kinds, strict=True)])
    for note in table.notes:
        ws.append([])
        ws.append([note])


def _xlsx_cell(ws, value: Any, kind: str):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.isoformat() if kind == "iso" else value.replace(tzinfo=None)
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    elif kind in NUMBER_FORMATS and not isinstance(value, str):
        cell.number_format = NUMBER_FORMATS[kind]
    return cell


def xlsx_write(target, tables: Iterable[Table], method: Table | None = None,
               progress: Callable[[int], None] | None = None) -> None:
    """Write a workbook with one sheet per table (and the method sheet) to ``target``
    (a path or a binary file)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        write_sheet(wb, table, used, progress)
    if method is not None:
        write_sheet(wb, method, used)
    wb.save(target)


def xlsx_bytes(tables: Iterable[Table], method: Table | None = None) -> bytes:
    out = io.BytesIO()
    xlsx_write(out, tables, method)
    return out.getvalue()


# --- JSON ----------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent \
            >= 0 else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def table_json(table: Table) -> dict:
    keys = [c.key for c in table.columns]
    out = {"title": table.title,
           "rows": [dict(zip(keys, map(json_value, row), strict=True)) for row in table.rows]}
    if table.total is not None:
        out["total"] = dict(zip(keys, map(json_value, table.total), strict=True))
    if table.separate:
        out["separate"] = [dict(zip(keys, map(json_value, row), strict=True))
                           for row in table.separate]
    return out


def filename(stem: str, fmt: str, start: date | None = None, end: date | None = None) -> str:
    span = f"_{start.isoformat()}_{end.isoformat()}" if start and end else ""
    suffix = "_excel" if fmt == "csv_excel" else ""
    return f"{stem}{span}{suffix}.{EXTENSIONS[fmt]}"
