"""The per-record CSV export, fast: the same bytes as writing :func:`records.rows`
through :func:`app.reporting.exports.csv_chunks` (a test checks that), at well over
100,000 rows a second, streamed with flat memory.

* PostgreSQL: ``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` formats and quotes every
  value in C; we only turn its LF line ends into CRLF (outside quoted values) as the
  csv module writes them.
* SQLite: SQLite writes each line (:mod:`app.reporting.records_sqlite`: one ``printf``
  per row) and Python joins a batch of them; a batch in which a text cell needs quoting
  is asked for again with quoting in SQL, and a row SQLite cannot write exactly (see
  there) is written by Python.
* Others (and :func:`python_stream`, the baseline of ``bench/bench_reporting.py``): the
  raw DB-API cursor, fetched in batches, and one f-string per row. A row whose text
  needs quoting (a delimiter, quote or line break in it) or neutralising (text that a
  spreadsheet would run as a formula; in the Excel variant also a negative number) is
  written through the csv module instead, so the result is the same.

Both variants prefix text cells starting with ``= + - @``, TAB or CR with ``'`` (as
:func:`app.csvsafe.safe_cell` does); numbers, also negative ones, are written as numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.csvsafe import FORMULA_START
from app.reporting import records, records_sqlite
from app.reporting.periods import OSLO, Period

BATCH = 5_000
#: (ledger column, how it is written) in the export's column order
SOURCES = (
    ("id", "int"), ("kind", "text"), ("reverses_id", "int"), ("replaces_id", "int"),
    ("completed_at", "iso"), ("municipality_number", "text"), ("district", "text"),
    ("giver_org_id", "int"), ("giver_orgnr", "text"), ("giver_kind", "text"),
    ("receiver_org_id", "int"), ("receiver_orgnr", "text"), ("receiver_kind", "text"),
    ("eu_category", "text"), ("category_slug", "text"), ("quantity", "dec3"),
    ("unit", "text"), ("kg", "dec3"), ("weight_method", "text"), ("channel", "text"),
    ("waste_origin", "bool"), ("price_ore", "money"), ("price_ore", "gift"),
    ("payment_method", "text"), ("factor_id", "int"), ("factor_version", "int"),
    ("factor_value", "dec4"), ("factor_is_default", "bool"), ("co2e_kg", "dec3"),
    ("reason", "text"), ("recorded_at", "iso"), ("giver_verified", "bool"),
    ("receiver_verified", "bool"),
)


def header(excel: bool) -> str:
    buffer = io.StringIO()
    if excel:
        buffer.write("\ufeff")
    csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n").writerow(
        [c.title if excel else c.key for c in records.columns()])
    return buffer.getvalue()


def csv_stream(session: Session, period: Period, excel: bool = False) -> Iterator[str]:
    """Header, then one line per ledger row of the period in id order (CRLF endings)."""
    assert len(SOURCES) == len(records.columns())  # noqa: S101 - the two lists go together
    yield header(excel)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        yield from _postgresql(connection, period, excel)
    elif connection.dialect.name == "sqlite":
        yield from _sqlite_lines(connection, period, excel)
    else:
        yield from _python(connection, period, excel)


def python_stream(session: Session, period: Period, excel: bool = False) -> Iterator[str]:
    """The same bytes with every line formatted in Python (the way before SQLite wrote
    them; kept for other databases and as the benchmark's baseline)."""
    yield header(excel)
    yield from _python(session.connection(), period, excel)


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_field(column: str, how: str, excel: bool) -> str:
    if how == "iso":
        return f"to_char({column}, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')"
    if how == "int":
        return column
    if how == "text":
        starts = "'=', '+', '-', '@', chr(9), chr(13)"
        column = (f"CASE WHEN left({column}, 1) IN ({starts}) THEN '''' || {column} "
                  f"ELSE {column} END")
        return f"NULLIF({column}, '')"
    if how in ("bool", "gift"):
        condition = f"{column} = 0" if how == "gift" else column
        yes, no = ("ja", "nei") if excel else ("true", "false")
        return f"CASE WHEN {condition} THEN '{yes}' ELSE '{no}' END"
    text = f"CAST({column} AS text)" if how.startswith("dec") else \
        f"CAST(CAST(CAST({column} AS numeric) / 100 AS numeric(20, 2)) AS text)"
    return f"replace({text}, '.', ',')" if excel else text


def _postgresql(connection, period: Period, excel: bool) -> Iterator[str]:
    from psycopg import sql

    start, end = period.utc_bounds()
    fields = ", ".join(_pg_field(column, how, excel) for column, how in SOURCES)
    query = sql.SQL(
        "COPY (SELECT " + fields + " FROM reuse_records WHERE completed_at >= {} AND "  # noqa: S608 - fields are constants above
        "completed_at < {} ORDER BY id) TO STDOUT (FORMAT csv, DELIMITER {})"
    ).format(sql.Literal(start), sql.Literal(end), sql.Literal(";" if excel else ","))
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        zone = cursor.execute("SELECT current_setting('TimeZone')").fetchone()[0]
        cursor.execute("SELECT set_config('TimeZone', 'Europe/Oslo', true)")
        try:
            decoder = codecs.getincrementaldecoder("utf-8")()
            quoted = False
            with cursor.copy(query) as copy:
                for block in copy:
                    text, quoted = _crlf(decoder.decode(bytes(block)), quoted)
                    yield text
            yield decoder.decode(b"", final=True)
        finally:
            cursor.execute("SELECT set_config('TimeZone', %s, true)", (zone,))


def _crlf(text: str, quoted: bool) -> tuple[str, bool]:
    """LF -> CRLF outside quoted values; ``quoted`` carries the state across blocks."""
    if '"' not in text:
        return (text if quoted else text.replace("\n", "\r\n")), quoted
    parts = text.split('"')
    for i, part in enumerate(parts):
        if not quoted:
            parts[i] = part.replace("\n", "\r\n")
        if i < len(parts) - 1:
            quoted = not quoted
    return '"'.join(parts), quoted


# --- SQLite and the rest ------------------------------------------------------------------


class _OsloHours(dict):
    """UTC hour as SQLite stores it ('YYYY-MM-DD HH') -> the Oslo local 'YYYY-MM-DDTHH'
    (``offsets=False``) or the offset '+01:00'/'+02:00' (``offsets=True``). The offset
    is whole hours and changes only on the hour, so minutes and seconds carry over and
    each UTC hour is converted once (``__missing__``; hits are plain dict lookups)."""

    def __init__(self, offsets: bool):
        super().__init__()
        self.offsets = offsets

    def __missing__(self, hour: str) -> str:
        if len(self) > 200_000:
            self.clear()
        local = datetime.fromisoformat(hour + ":00:00").replace(tzinfo=UTC).astimezone(OSLO)
        value = local.isoformat()[-6:] if self.offsets else local.strftime("%Y-%m-%dT%H")
        self[hour] = value
        return value


class _Formatted(dict):
    """number -> its text with fixed decimals, made once per distinct value (quantities,
    factors and prices repeat a lot; a dict hit is cheaper than formatting a float)."""

    def __init__(self, pattern: str, scale: int = 1):
        super().__init__()
        self.pattern, self.scale = pattern, scale

    def __missing__(self, value) -> str:
        if len(self) > 100_000:
            self.clear()
        text = self[value] = self.pattern.format(value / self.scale)
        return text


class _OsloTime:
    """Stored UTC text ('YYYY-MM-DD HH:MM:SS.ffffff') -> ISO 8601 in Oslo, to the second."""

    def __init__(self):
        self.local, self.offset = _OsloHours(False), _OsloHours(True)

    def __call__(self, text: str) -> str:
        hour = text[:13]
        return self.local[hour] + text[13:19] + self.offset[hour]


def _bounds(connection, period: Period, cursor) -> tuple[list, str]:
    """The period as stored (naive UTC text), and ``+`` when the table is to be scanned:
    more than about 2 % of the ledger is read in id order straight from the table (the
    ``+`` keeps SQLite off the completed_at index, whose rows would need a sort by id;
    measured faster already at 10 %); less through the index."""
    from app.exchange.models import ReuseRecord

    start, end = period.utc_bounds()
    processor = ReuseRecord.__table__.c.completed_at.type.bind_processor(connection.dialect)
    bounds = [processor(v) for v in (start, end)]
    wanted = cursor.execute("SELECT count(*) FROM reuse_records WHERE completed_at >= ? "
                            "AND completed_at < ?", bounds).fetchone()[0]
    highest = cursor.execute("SELECT max(id) FROM reuse_records").fetchone()[0] or 0
    return bounds, "+" if wanted * 50 > highest else ""


def _sqlite_lines(connection, period: Period, excel: bool) -> Iterator[str]:
    cursor = connection.connection.driver_connection.cursor()
    bounds, plus = _bounds(connection, period, cursor)
    where = f"WHERE {plus}completed_at >= ? AND {plus}completed_at < ?"
    delimiter = ";" if excel else ","
    cells = len(SOURCES) - 1
    redo = _Redo(cursor.connection, excel)
    try:
        cursor.execute(f"SELECT {records_sqlite.line_sql(SOURCES, excel, False)} "  # noqa: S608 - constants
                       f"FROM reuse_records {where} ORDER BY id", bounds)
        while True:
            rows = cursor.fetchmany(BATCH)
            if not rows:
                break
            lines = [line for (line,) in rows]
            try:
                text = "".join(lines)
            except TypeError:  # an id among the lines: a row for Python
                text = ""
            n = len(lines)
            if (text.count(delimiter) != cells * n or '"' in text or text.count("\n") != n
                    or text.count("\r") != n):  # text to quote, or no text
                text = redo(lines, bounds, delimiter)
            yield text
    finally:
        cursor.close()
        redo.close()


class _Redo:
    """A batch again: every line with its text cells quoted and neutralised in SQL, and
    the rows SQLite cannot write (their id in place of a line) written by Python."""

    def __init__(self, raw, excel: bool):
        self.cursor, self.excel = raw.cursor(), excel
        self.iso = _OsloTime()
        self.slow = _Slow(excel, self.iso)

    def __call__(self, lines, bounds, delimiter: str) -> str:
        first, last = (_id(lines[0], delimiter), _id(lines[-1], delimiter))
        self.cursor.execute(
            f"SELECT {records_sqlite.line_sql(SOURCES, self.excel, True)} FROM reuse_records "  # noqa: S608 - constants
            "WHERE id BETWEEN ? AND ? AND completed_at >= ? AND completed_at < ? ORDER BY id",
            [first, last, *bounds])
        again = [line if isinstance(line, str) else self.row(line)
                 for (line,) in self.cursor.fetchall()]
        return "".join(again)

    def row(self, id_: int) -> str:
        columns = ", ".join(column for column, _how in SOURCES)
        row = self.cursor.connection.execute(
            f"SELECT {columns} FROM reuse_records WHERE id = ?", (id_,)).fetchone()  # noqa: S608
        line = _excel_line if self.excel else _plain_line
        return line(row, self.iso) or self.slow(row)

    def close(self) -> None:
        self.cursor.close()


def _id(line, delimiter: str) -> int:
    """The id of a line (its first cell, digits) or the id given in its place."""
    return line if isinstance(line, int) else int(line[:line.index(delimiter)])


def _python(connection, period: Period, excel: bool) -> Iterator[str]:
    cursor = connection.connection.driver_connection.cursor()
    bounds, plus = _bounds(connection, period, cursor)
    columns = ", ".join(column for column, _how in SOURCES)
    cursor.execute(f"SELECT {columns} FROM reuse_records WHERE {plus}completed_at >= ? AND "  # noqa: S608
                   f"{plus}completed_at < ? ORDER BY id", bounds)
    iso = _OsloTime()
    formats = (_Formatted("{:.3f}"), _Formatted("{:.2f}", 100), _Formatted("{:.4f}"))
    line = _excel_line if excel else _plain_line
    slow = _Slow(excel, iso)
    try:
        while True:
            rows = cursor.fetchmany(BATCH)
            if not rows:
                break
            text = None if excel else _plain_batch(rows, iso.local, iso.offset, formats)
            yield text or "".join([line(row, iso) or slow(row) for row in rows])
    finally:
        cursor.close()


def _plain_batch(rows, local, offset, formats) -> str | None:
    """The whole batch in one comprehension (no call per row), or None if any value in it
    needs quoting - then the rows go one by one."""
    quantity, money, factor = formats
    text = "".join([
        f"{i},{kind},{rev or ''},{rep or ''},{local[ca[:13]]}{ca[13:19]}{offset[ca[:13]]},"
        f"{mun},{dist},{gid},{gnr or ''},{gk},{rid},{rnr or ''},{rk},{eu},{cat},"
        f"{quantity[qty]},{unit},{kg:.3f},{wm},{ch},{B[wo]},{money[price]},{B[gift == 0]},"
        f"{pay or ''},{fid},{fv},{factor[fval]},{B[fd]},{co2:.3f},{reason},"
        f"{local[ra[:13]]}{ra[13:19]}{offset[ra[:13]]},{B[gv]},{B[rv]}\r\n"
        for (i, kind, rev, rep, ca, mun, dist, gid, gnr, gk, rid, rnr, rk, eu, cat, qty, unit,
             kg, wm, ch, wo, price, gift, pay, fid, fv, fval, fd, co2, reason, ra, gv, rv)
        in rows])
    n = len(rows)
    if (text.count(",") == 32 * n and '"' not in text and text.count("\n") == n
            and text.count("\r") == n and not _formula_text(text, rows)):
        return text
    return None


#: the positions of the text columns in a row of ``SOURCES``
TEXT_AT = tuple(i for i, (_column, how) in enumerate(SOURCES) if how == "text")


def _formula_text(text: str, rows) -> bool:
    """Does a text cell in these rows (written as ``text``) start like a formula? ``=``,
    ``+``, ``@`` and TAB after a comma can only come from text; ``-`` also starts a
    negative number, so then the text cells are looked at one by one."""
    if ",=" in text or ",+" in text or ",@" in text or "\t" in text:
        return True
    if ",-" not in text:
        return False
    return any(isinstance(v, str) and v.startswith(FORMULA_START)
               for row in rows for v in (row[i] for i in TEXT_AT))


B = ("false", "true")  # indexed by 0/1 (SQLite booleans) or a bool
J = ("nei", "ja")


def _plain_line(r, iso) -> str | None:
    line = (f"{r[0]},{r[1]},{_n(r[2])},{_n(r[3])},{iso(r[4])},{r[5]},{r[6]},{r[7]},"
            f"{r[8] or ''},{r[9]},{r[10]},{r[11] or ''},{r[12]},{r[13]},{r[14]},{r[15]:.3f},"
            f"{r[16]},{r[17]:.3f},{r[18]},{r[19]},{B[bool(r[20])]},{r[21] / 100:.2f},"
            f"{B[r[22] == 0]},{r[23] or ''},{r[24]},{r[25]},{r[26]:.4f},{B[bool(r[27])]},"
            f"{r[28]:.3f},{r[29]},{iso(r[30])},{B[bool(r[31])]},{B[bool(r[32])]}\r\n")
    if (line.count(",") != 32 or '"' in line or "\r" in line[:-2] or "\n" in line[:-1]
            or _formula_text(line, (r,))):
        return None
    return line


def _excel_line(r, iso) -> str | None:
    line = (f"{r[0]};{r[1]};{_n(r[2])};{_n(r[3])};{iso(r[4])};{r[5]};{r[6]};{r[7]};"
            f"{r[8] or ''};{r[9]};{r[10]};{r[11] or ''};{r[12]};{r[13]};{r[14]};"
            f"{_c(r[15], 3)};{r[16]};{_c(r[17], 3)};{r[18]};{r[19]};{J[bool(r[20])]};"
            f"{_c(r[21] / 100, 2)};{J[r[22] == 0]};{r[23] or ''};{r[24]};{r[25]};"
            f"{_c(r[26], 4)};{J[bool(r[27])]};{_c(r[28], 3)};{r[29]};{iso(r[30])};"
            f"{J[bool(r[31])]};{J[bool(r[32])]}\r\n")
    if (line.count(";") != 32 or '"' in line or "\r" in line[:-2] or "\n" in line[:-1]
            or ";=" in line or ";+" in line or ";-" in line or ";@" in line or ";\t" in line):
        return None
    return line


def _n(value) -> str:
    return "" if value is None else str(value)


def _c(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


class _Slow:
    """One row through the csv module, with the same cell texts as the typed export."""

    def __init__(self, excel: bool, iso):
        self.excel, self.iso = excel, iso
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=";" if excel else ",",
                                 lineterminator="\r\n")

    def __call__(self, row) -> str:
        cells = []
        for value, (_column, how) in zip(row, SOURCES, strict=True):
            cells.append(self.cell(value, how))
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(cells)
        return self.buffer.getvalue()

    def cell(self, value, how: str) -> str:
        if how == "iso":
            return self.iso(value)
        if how in ("bool", "gift"):
            flag = value == 0 if how == "gift" else bool(value)
            return (J if self.excel else B)[flag]
        if how.startswith("dec") or how == "money":
            text = f"{value / 100:.2f}" if how == "money" else f"{value:.{how[-1]}f}"
            return text.replace(".", ",") if self.excel else text
        if value is None:
            return ""
        text = str(value)
        if how == "text" and text.startswith(FORMULA_START):
            return "'" + text
        return text
