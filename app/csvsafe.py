"""Neutralising spreadsheet formulas in every CSV we write (CSV/formula injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, TAB or CR may be run as a
formula when the file is opened in Excel or LibreOffice (``=HYPERLINK(...)`` from an
organisation name, for instance). :func:`safe_cell` prefixes such text with a single
quote, which the spreadsheet shows as text and which a human reader recognises.

Only *text* is neutralised: numbers (``int``, ``float``, ``Decimal``) are data, so a
negative quantity stays ``-3``. Code that has already formatted a number as a string
and knows the column is numeric passes ``numeric=True`` (or writes the number itself).

Usage::

    from app.csvsafe import safe_cell, safe_writer

    writer = safe_writer(buffer, delimiter=";")   # same arguments as csv.writer
    writer.writerow(["=1+1", -3, "ok"])           # -> '=1+1,-3,ok

``safe_dict_writer`` wraps :class:`csv.DictWriter` the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

#: Characters that make a spreadsheet treat the rest of the cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any, *, numeric: bool = False) -> Any:
    """Return ``value`` unchanged unless it is text a spreadsheet would run as a formula,
    in which case it is prefixed with ``'``. Numbers and ``None`` pass through as they
    are; ``numeric=True`` marks an already formatted number (kept intact)."""
    if value is None or numeric or isinstance(value, bool | int | float | Decimal):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


class SafeWriter:
    """A ``csv.writer`` whose rows go through :func:`safe_cell`."""

    def __init__(self, stream, *args, **kwargs):
        self._writer = csv.writer(stream, *args, **kwargs)

    @property
    def dialect(self):
        return self._writer.dialect

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]):
        for row in rows:
            self.writerow(row)


def safe_writer(stream, *args, **kwargs) -> SafeWriter:
    """Like :func:`csv.writer` (same arguments), neutralising formula text in each cell."""
    return SafeWriter(stream, *args, **kwargs)


class SafeDictWriter(csv.DictWriter):
    """A ``csv.DictWriter`` whose values (and header) go through :func:`safe_cell`."""

    def writeheader(self):
        return self.writer.writerow(safe_row(self.fieldnames))

    def writerow(self, rowdict: Mapping[str, Any]):
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)


def safe_dict_writer(stream, fieldnames, *args, **kwargs) -> SafeDictWriter:
    return SafeDictWriter(stream, fieldnames, *args, **kwargs)
