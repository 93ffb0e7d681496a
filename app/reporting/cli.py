"""``flask --app wsgi reports ...``: exports, and rebuilding or checking the roll-ups."""

from __future__ import annotations

import json
import sys
from datetime import date

import click
from flask.cli import AppGroup

from app.db import commit, db
from app.errors import ValidationFailed

reports = AppGroup("reports", help="Reuse reports: exports and roll-ups.")
FORMAT_CHOICES = ("csv", "csv_excel", "xlsx", "json")


def _fail(exc: ValidationFailed) -> None:
    for field, messages in exc.errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(2)


@reports.command("export")
@click.option("--from", "start", required=True, help="First Oslo date, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last Oslo date, YYYY-MM-DD (inclusive).")
@click.option("--group-by", "group_by", default="records", show_default=True,
              help="records (one row per ledger record), eu_category, category, month, "
                   "year, district, org_kind, organization, municipality, eu-2021-19 or "
                   "all (every aggregate table; xlsx).")
@click.option("--side", type=click.Choice(["giver", "receiver"]), default="giver",
              show_default=True, help="For org_kind and organization.")
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="csv",
              show_default=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write ('-' for standard output; not for xlsx).")
def export(start, end, group_by, side, fmt, out):
    """Write a report for a period to a file, with a progress bar."""
    from app.reporting import periods, records
    from app.reporting.queries import GROUP_BYS

    try:
        period = periods.parse(start, end, periods.year_to_date(date.today()))
    except ValidationFailed as exc:
        _fail(exc)
    choices = ("records", "eu-2021-19", "all", *GROUP_BYS)
    if group_by not in choices:
        _fail(ValidationFailed({"group-by": [f"unknown; use one of {', '.join(choices)}"]}))
    if group_by == "all" and fmt != "xlsx":
        _fail(ValidationFailed({"format": ["--group-by all needs --format xlsx"]}))
    if fmt == "xlsx" and out == "-":
        _fail(ValidationFailed({"out": ["xlsx needs a file"]}))
    if group_by == "records":
        total = records.count(db.session, period)
        with click.progressbar(length=total, label="records", file=sys.stderr) as bar:
            _export_records(period, fmt, out, bar.update)
        click.echo(f"{total} records written to {out}", err=True)
        return
    tables, body = _aggregate(period, group_by, side)
    with click.progressbar(length=len(tables), label=group_by, file=sys.stderr) as bar:
        _write_tables(period, fmt, out, tables, body)
        bar.update(len(tables))
    click.echo(f"{group_by} written to {out}", err=True)


def _aggregate(period, group_by, side):
    from app.reporting.eu import eu_table, table_json
    from app.reporting.exports import table_json as plain_json
    from app.reporting.queries import aggregate
    from app.reporting.tables import eu_sheet, report_table, workbook_tables, year_slices

    if group_by == "all":
        return workbook_tables(period), None
    if group_by == "eu-2021-19":
        eus = [eu_table(p) for p in year_slices(period)]
        return [eu_sheet(t) for t in eus], {"tables": [table_json(t) for t in eus]}
    report = aggregate(period, group_by, side)
    table = report_table(report)
    body = plain_json(table)
    body.update({"from": period.start.isoformat(), "to": period.end.isoformat(),
                 "group_by": group_by, "side": side})
    return [table], body


def _open(out: str, binary: bool = False):
    if out == "-":
        return click.get_binary_stream("stdout") if binary else click.get_text_stream("stdout")
    return open(out, "wb" if binary else "w", encoding=None if binary else "utf-8",  # noqa: SIM115
                newline=None if binary else "")


def _write_tables(period, fmt, out, tables, body) -> None:
    from app.reporting.exports import csv_chunks, xlsx_write
    from app.reporting.method import method_table

    if fmt == "xlsx":
        xlsx_write(out, tables, method_table(period))
        return
    with _open(out) as handle:
        if fmt == "json":
            json.dump(body, handle, ensure_ascii=False, indent=1)
        else:
            for chunk in csv_chunks(tables[0], excel=fmt == "csv_excel"):
                handle.write(chunk)


class _Counted:
    """Wrap a row iterator so the progress bar moves every 1000 rows."""

    def __init__(self, rows, update):
        self.rows, self.update = rows, update

    def __iter__(self):
        n = 0
        for row in self.rows:
            yield row
            n += 1
            if n == 1000:
                self.update(n)
                n = 0
        self.update(n)


def _export_records(period, fmt, out, update) -> None:
    from app.reporting import records, records_csv
    from app.reporting.exports import json_value, xlsx_write
    from app.reporting.method import method_table

    session = db.session
    if fmt == "xlsx":
        table = records.records_table(session, period, local_time=True)
        table.rows = _Counted(table.rows, update)
        xlsx_write(out, [table], method_table(period))
        return
    with _open(out) as handle:
        if fmt in ("csv", "csv_excel"):
            for chunk in records_csv.csv_stream(session, period, excel=fmt == "csv_excel"):
                handle.write(chunk)
                update(chunk.count("\n"))
            return
        table = records.records_table(session, period)
        table.rows = _Counted(table.rows, update)
        if fmt == "json":
            keys = [c.key for c in table.columns]
            handle.write(json.dumps({"from": period.start.isoformat(),
                                     "to": period.end.isoformat()})[:-1] + ', "records": [')
            for i, row in enumerate(table.rows):
                handle.write(("," if i else "") + json.dumps(
                    dict(zip(keys, map(json_value, row), strict=True)), ensure_ascii=False))
            handle.write("]}\n")


@reports.command("rebuild-rollups")
def rebuild_rollups():
    """Sum the whole ledger into the daily roll-ups again (after a load around the ORM)."""
    import sqlalchemy as sa

    from app.exchange.models import ReuseRecord
    from app.reporting.rollups import rebuild

    total = db.session.scalar(sa.select(sa.func.count(ReuseRecord.id))) or 0
    with click.progressbar(length=total, label="ledger rows", file=sys.stderr) as bar:
        count = rebuild(db.session, bar.update)
    commit()
    click.echo(f"roll-ups rebuilt from {count} ledger records")


@reports.command("check-rollups")
def check_rollups():
    """Compare the roll-ups with a direct aggregation of the ledger; exit 1 on a difference."""
    from app.reporting.check import differences

    found = differences(db.session)
    for line in found:
        click.echo(line, err=True)
    if found:
        sys.exit(1)
    click.echo("roll-ups equal the ledger")
