"""The per-record CSV on SQLite, formatted by SQLite itself: one ``SELECT`` whose single
column is the finished CSV line of a ledger row (``||`` concatenation, ``printf`` for
numbers, ``strftime`` for Oslo times, ``GLOB`` and ``replace`` for quoting), so Python
only joins the lines of a batch. The lines are the bytes the csv module writes from the
typed rows (:func:`app.reporting.records.rows` through
:func:`app.reporting.exports.csv_chunks`); a row that SQLite cannot format exactly like
that gets its id instead of a line, and Python formats that row (:func:`line_sql`).

* Text: quoted (``"`` doubled) when it holds the delimiter, ``"``, CR or LF, as the csv
  module does; text starting with ``= + - @``, TAB or CR gets a ``'`` first
  (:mod:`app.csvsafe`).
* Times: the stored UTC text ('YYYY-MM-DD HH:MM:SS.ffffff') -> ISO 8601 in Europe/Oslo
  to the second (fractions cut off before ``strftime``, which would round them to
  milliseconds). The offset comes from a binary tree of ``CASE`` over the zone's
  transitions (from :mod:`zoneinfo`, 1970-2100); a time outside that range, or in a
  part of the zone whose offset is not whole hours, goes to Python.
* Decimals (quantity, kg, factor, CO2e; stored as REAL): ``printf('%.3f')`` equals
  Python's ``'%.3f' %`` only when the value is close to a number with that many
  decimals (SQLite 3.40 rounds ties up and prints at most 16 digits): values within
  1/100 of the last decimal of such a number and below 1e11 are printed by SQLite, other
  values (which the ledger never writes) go to Python.
* Prices: integer øre printed as kroner with integer arithmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from app.reporting.periods import OSLO

#: UTC years covered by the offset tree (outside: the row goes to Python)
FIRST_YEAR, LAST_YEAR = 1970, 2100
#: Text that makes the csv module quote a cell (besides the delimiter)
QUOTE_CLASS = '"\r\n'
#: ``app.csvsafe.FORMULA_START`` as a GLOB class (``-`` first is a literal)
FORMULA_GLOB = "[-=+@\t\r]*"


def _offset(epoch: int) -> int:
    return int(datetime.fromtimestamp(epoch, OSLO).utcoffset().total_seconds())


@lru_cache(maxsize=1)
def segments() -> tuple[tuple[str, int], ...]:
    """((UTC start as stored text, Oslo offset in seconds), ...) from FIRST_YEAR to
    LAST_YEAR; the last item only closes the range (offset unused)."""
    start = int(datetime(FIRST_YEAR, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(LAST_YEAR, 1, 1, tzinfo=UTC).timestamp())
    bounds = [(start, _offset(start))]
    step = 7 * 86_400  # Oslo never changes its offset twice within a week
    t = start
    while t < end:
        n = min(t + step, end)
        if _offset(n) != _offset(t):
            lo, hi = t, n  # offset(lo) != offset(hi): find the first second of the new one
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if _offset(mid) == _offset(t) else (lo, mid)
            bounds.append((hi, _offset(hi)))
        t = n
    bounds.append((end, 0))
    return tuple((datetime.fromtimestamp(b, UTC).strftime("%Y-%m-%d %H:%M:%S"), off)
                 for b, off in bounds)


def _leaf(column: str, offset: int) -> str:
    if offset % 3600:
        return "NULL"
    hours = offset // 3600
    sign = "-" if hours < 0 else "+"
    return (f"strftime('%Y-%m-%dT%H:%M:%S', substr({column}, 1, 19), '{hours:+d} hours') "
            f"|| '{sign}{abs(hours):02d}:00'")


def _tree(column: str, bounds, lo: int, hi: int) -> str:
    """The expression for segments lo..hi-1 (the value is known to be in them)."""
    if hi - lo == 1:
        return _leaf(column, bounds[lo][1])
    mid = (lo + hi) // 2
    return (f"CASE WHEN {column} < '{bounds[mid][0]}' THEN {_tree(column, bounds, lo, mid)} "
            f"ELSE {_tree(column, bounds, mid, hi)} END")


def oslo_iso(column: str) -> str:
    """ISO 8601 in Oslo of a stored UTC time inside ``segments()`` (the caller checks)."""
    bounds = segments()
    return _tree(column, bounds, 0, len(bounds) - 1)




def text(column: str, delimiter: str) -> str:
    """Quoted when needed, neutralised when it starts like a formula; NULL -> ''."""
    x = f"ifnull({column}, '')"
    safe = f"CASE WHEN {x} GLOB '{FORMULA_GLOB}' THEN '''' || {x} ELSE {x} END"
    return (f"CASE WHEN {x} GLOB '*[{delimiter}{QUOTE_CLASS}]*' THEN "
            f"'\"' || replace({safe}, '\"', '\"\"') || '\"' ELSE {safe} END")


def exact_decimals(columns: list[tuple[str, int]]) -> str:
    """True when SQLite's ``printf('%.Nf')`` of each (column, N) is what Python writes:
    each value within 1/100 of its last decimal of a number with N decimals, and below
    1e11. Written as one sum for all columns (sound: a sum of absolute values below a
    bound holds each below it), which costs 0.45 µs a row less than four conditions."""
    near = " + ".join(f"abs({c} * {10 ** n} - round({c} * {10 ** n}))" for c, n in columns)
    size = " + ".join(f"abs({c})" for c, _n in columns)
    return f"{near} < 0.01 AND {size} < 1e11"


def _cell(column: str, how: str, excel: bool, careful: bool) -> tuple[str, list[str]]:
    """(printf format, arguments) for one cell of ``records_csv.SOURCES``; ``careful``
    quotes and neutralises text (the fast branch has checked that it need not)."""
    yes, no = ("ja", "nei") if excel else ("true", "false")
    if how == "text" and careful:
        return "%s", [text(column, ";" if excel else ",")]
    if how in ("int", "text"):
        return "%s", [column]  # NULL prints as ''
    if how == "iso":
        return "%s", [oslo_iso(column)]
    if how == "bool":
        return "%s", [f"CASE WHEN {column} THEN '{yes}' ELSE '{no}' END"]
    if how == "gift":
        return "%s", [f"CASE WHEN {column} = 0 THEN '{yes}' ELSE '{no}' END"]
    if how == "money":
        mark = "," if excel else "."
        return f"%s%d{mark}%02d", [f"CASE WHEN {column} < 0 THEN '-' ELSE '' END",
                                   f"abs({column}) / 100", f"abs({column}) % 100"]
    places = int(how[-1])  # dec3, dec4
    if excel:
        return "%s", [f"replace(printf('%.{places}f', {column}), '.', ',')"]
    return f"%.{places}f", [column]


def _printf(sources, excel: bool, careful: bool) -> str:
    specs, arguments = [], []
    for column, how in sources:
        spec, args = _cell(column, how, excel, careful)
        specs.append(spec)
        arguments += args
    line = (";" if excel else ",").join(specs) + "\r\n"
    return f"printf('{line}', {', '.join(arguments)})"


@lru_cache(maxsize=4)
def line_sql(sources: tuple[tuple[str, str], ...], excel: bool, careful: bool) -> str:
    """The CSV line of a row with CRLF, or (where SQLite cannot write it exactly like the
    csv module) the row's id as an integer.

    The row's times, decimals or price out of what SQLite prints exactly -> id. Else
    with ``careful`` every text cell is quoted and neutralised as needed; without,
    text cells are written as they are unless one starts like a formula (one ``printf``
    of their first characters and one ``GLOB``); a text cell that needs quoting is
    then the caller's to find (the line has more delimiters, a ``"``, CR or LF) and to
    ask for again with ``careful`` (looking for those in SQL costs more than the rest
    of the line: ``GLOB '*[,"]*'`` is a pattern match at every character)."""
    bounds = segments()
    first, last = bounds[0][0], bounds[-1][0]
    exact = []
    for column, how in sources:
        if how == "iso":
            exact.append(f"{column} >= '{first}' AND {column} < '{last}'")
        elif how == "money":
            exact.append(f"typeof({column}) = 'integer'")
    exact.append(exact_decimals([(column, int(how[-1])) for column, how in sources
                                 if how.startswith("dec")]))
    texts = [column for column, how in sources if how == "text"]
    firsts = f"printf('{'%!.1s' * len(texts)}', {', '.join(texts)})"
    fast = _printf(sources, excel, careful)
    if not careful:
        fast = (f"CASE WHEN {firsts} GLOB '*{FORMULA_GLOB}' THEN "
                f"{_printf(sources, excel, True)} ELSE {fast} END")
    return f"CASE WHEN {' AND '.join(exact)} THEN {fast} ELSE id END"
