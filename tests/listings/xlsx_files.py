"""Real XLSX files for the import limit tests, honest and malicious (small on disk, huge
when opened), made with openpyxl and rewritten with zipfile."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, timedelta

from openpyxl import Workbook

HEADER = ["tittel", "kategori", "tilstand", "antall", "enhet", "postnummer",
          "tilgjengelig_til"]
UNTIL = (date.today() + timedelta(days=60)).isoformat()


def row(n: int) -> list:
    return [f"Kontorstol {n}", "office-chair", "god", 2, "stk", "1394", UNTIL]


def bad_row(n: int) -> list:
    return [f"Romskip {n}", "romskip", "god", 1, "stk", "1394", UNTIL]


def workbook(rows: int, bad_every: int = 0, streaming: bool = True) -> bytes:
    """A header and ``rows`` listings (every ``bad_every``-th one with an unknown
    category), written in openpyxl's streaming mode (inline strings) or, with
    ``streaming=False``, as Excel does (shared strings)."""
    book = Workbook(write_only=streaming)
    if streaming:
        sheet = book.create_sheet("Annonser")
    else:
        sheet = book.active
        sheet.title = "Annonser"
    sheet.append(HEADER)
    for n in range(1, rows + 1):
        sheet.append(bad_row(n) if bad_every and n % bad_every == 0 else row(n))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, change: Callable[[str, bytes], bytes | None],
            add: dict[str, bytes] | None = None) -> bytes:
    """Copy an XLSX, passing each part through ``change`` (None keeps it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            changed = change(info.filename, body)
            target.writestr(info.filename, body if changed is None else changed)
        for name, body in (add or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def _sheet(change: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes | None]:
    return lambda name, body: change(body) if name.startswith("xl/worksheets/") else None


def wide_dimension(rows: int = 10_000) -> bytes:
    """The issue's file: honest rows in a sheet that declares A1:XFD1048576, so openpyxl
    pads every row to 16,384 cells (10,000 rows: 1.3 GB of references)."""
    def declare(body: bytes) -> bytes:
        body = re.sub(rb"<dimension [^>]*/>", b"", body)
        return body.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>', 1)

    return rewrite(workbook(rows), _sheet(declare))


def tall_dimension() -> bytes:
    """Seven honest columns, but a declared height of 1,048,576 rows."""
    def declare(body: bytes) -> bytes:
        body = re.sub(rb"<dimension [^>]*/>", b"", body)
        return body.replace(b"<sheetData>", b'<dimension ref="A1:G1048576"/><sheetData>', 1)

    return rewrite(workbook(3), _sheet(declare))


def far_row() -> bytes:
    """No dimension, three rows, then one cell in the sheet's last row: openpyxl makes
    every row in between (a million of them) as it reads."""
    def stretch(body: bytes) -> bytes:
        body = re.sub(rb"<dimension [^>]*/>", b"", body)
        last = (b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>slutt</t></is>'
                b"</c></row>")
        return body.replace(b"</sheetData>", last + b"</sheetData>", 1)

    return rewrite(workbook(3), _sheet(stretch))


def shared_strings_bomb(megabytes: int = 40) -> bytes:
    """Shared strings of ``megabytes`` MB uncompressed (one short string repeated: about
    0.1 % of that on disk)."""
    item = b"<si><t>Kontorstol</t></si>"
    count = megabytes * 1024 * 1024 // len(item)
    body = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxml'
            b'formats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
            % (count, count)) + item * count + b"</sst>"
    kind = (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings"
            b"+xml")

    def declare(name: str, part: bytes) -> bytes | None:
        if name == "[Content_Types].xml":  # so openpyxl reads it as it opens the file
            return part.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                b'ContentType="' + kind + b'"/></Types>')
        return None

    return rewrite(workbook(3), declare, add={"xl/sharedStrings.xml": body})


def styles_bomb(megabytes: int = 12) -> bytes:
    """A styles part (which openpyxl reads whole) of ``megabytes`` MB."""
    xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    count = megabytes * 1024 * 1024 // len(xf)

    def bloat(name: str, body: bytes) -> bytes | None:
        if name != "xl/styles.xml":
            return None
        return re.sub(rb"<cellXfs[^>]*>.*?</cellXfs>",
                      b'<cellXfs count="%d">' % count + xf * count + b"</cellXfs>",
                      body, count=1, flags=re.S)

    return rewrite(workbook(3, streaming=False), bloat)
