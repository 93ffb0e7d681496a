"""HTTP responses for report downloads (shared by the pages and the API)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator

from flask import Response, jsonify, stream_with_context
from flask_babel import get_locale, get_timezone

from app.db import db
from app.reporting import records, records_csv
from app.reporting.exports import (
    MEDIA_TYPES,
    Table,
    csv_chunks,
    filename,
    json_value,
    xlsx_bytes,
    xlsx_write,
)
from app.reporting.method import method_table
from app.reporting.periods import Period


def attachment(body, fmt: str, name: str, streamed: bool = False) -> Response:
    if streamed:
        # A streamed body is produced after the request has ended and its session was
        # removed: the caller's user is detached by then. Settle the language and time
        # zone (which read the user) now; the rows are read through a fresh session.
        get_locale()
        get_timezone()
    response = Response(stream_with_context(body) if streamed else body,
                        mimetype=MEDIA_TYPES[fmt].split(";")[0])
    if fmt in ("csv", "csv_excel"):
        response.headers["Content-Type"] = MEDIA_TYPES[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def table_download(fmt: str, stem: str, period: Period, tables: list[Table],
                   body: dict | None = None) -> Response:
    """One table as CSV, all of them (and the Metode sheet) as XLSX, or ``body`` as JSON."""
    name = filename(stem, fmt, period.start, period.end)
    if fmt == "json":
        response = jsonify(body)
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
        return response
    if fmt == "xlsx":
        return attachment(xlsx_bytes(tables, method_table(period)), fmt, name)
    return attachment("".join(csv_chunks(tables[0], excel=fmt == "csv_excel")), fmt, name)


def records_download(fmt: str, period: Period) -> Response:
    """Every ledger row of the period, streamed (CSV, JSON) or spooled (XLSX)."""
    name = filename("kretslop_poster", fmt, period.start, period.end)
    session = db.session
    if fmt in ("csv", "csv_excel"):
        return attachment(records_csv.csv_stream(session, period, excel=fmt == "csv_excel"),
                          fmt, name, True)
    if fmt == "json":
        return attachment(_json_records(session, period), fmt, name, True)
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    try:
        xlsx_write(spool, [records.records_table(session, period, local_time=True)],
                   method_table(period))
    except BaseException:
        spool.close()
        raise
    return attachment(_drain(spool), fmt, name, True)


def _drain(spool) -> Iterator[bytes]:
    """The spooled workbook in 64 KB pieces; the file is closed at the end."""
    try:
        spool.seek(0)
        while chunk := spool.read(64 * 1024):
            yield chunk
    finally:
        spool.close()


def _json_records(session, period: Period) -> Iterator[str]:
    keys = [c.key for c in records.columns()]
    start, end = period.iso()
    yield f'{{"from": "{start}", "to": "{end}", "records": ['
    first = True
    for row in records.rows(session, period):
        item = json.dumps(dict(zip(keys, map(json_value, row), strict=True)),
                          ensure_ascii=False)
        yield item if first else "," + item
        first = False
    yield "]}"

