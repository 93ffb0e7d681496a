"""``flask reports export|rebuild-rollups|check-rollups`` through the CLI runner."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.db import db
from app.reporting.models import RollupEU


@pytest.fixture
def book(ledger):
    first = ledger.handover(at=datetime(2026, 3, 5, 9, tzinfo=UTC), kg="12.5", quantity=2)
    ledger.reverse(first, corrected_kg="13.125")
    ledger.handover(at=datetime(2026, 6, 5, 9, tzinfo=UTC), kg="100", category="door")


def test_export_records_csv(runner, book, tmp_path):
    out = tmp_path / "records.csv"
    result = runner.invoke(args=["reports", "export", "--from", "2026-01-01", "--to",
                                 "2026-12-31", "--group-by", "records", "--format", "csv",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 records written" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["kind"] for r in rows] == ["handover", "reversal", "correction", "handover"]
    assert rows[2]["kg"] == "13.125"


def test_export_excel_csv_has_bom(runner, book, tmp_path):
    out = tmp_path / "records.csv"
    result = runner.invoke(args=["reports", "export", "--from", "2026-01-01", "--to",
                                 "2026-12-31", "--format", "csv_excel", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("group_by", ["eu_category", "month", "district", "organization"])
def test_export_aggregate_json(runner, book, tmp_path, group_by):
    out = tmp_path / "report.json"
    result = runner.invoke(args=["reports", "export", "--from", "2026-01-01", "--to",
                                 "2026-12-31", "--group-by", group_by, "--format", "json",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text(encoding="utf-8"))
    assert body["group_by"] == group_by
    assert body["total"]["kg"] == pytest.approx(113.125) and body["total"]["records"] == 2


def test_export_all_tables_xlsx(runner, book, tmp_path):
    out = tmp_path / "all.xlsx"
    result = runner.invoke(args=["reports", "export", "--from", "2026-01-01", "--to",
                                 "2026-12-31", "--group-by", "all", "--format", "xlsx",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "EU 2021-19 2026" and wb.sheetnames[-1] == "Metode"


def test_export_records_xlsx_and_eu_csv(runner, book, tmp_path):
    out = tmp_path / "records.xlsx"
    result = runner.invoke(args=["reports", "export", "--from", "2026-01-01", "--to",
                                 "2026-12-31", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).worksheets[0].max_row == 6  # title, header, 4 records
    out = tmp_path / "eu.csv"
    result = runner.invoke(args=["reports", "export", "--from", "2026-01-01", "--to",
                                 "2026-12-31", "--group-by", "eu-2021-19", "--format", "csv",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["eu_category"] for r in rows] == ["textiles", "eee", "furniture",
                                                 "construction", "other", "unverified"]


@pytest.mark.parametrize("args,message", [
    (["--from", "2026-02-01", "--to", "2026-01-01"], "from:"),
    (["--from", "2026-02-31", "--to", "2026-03-01"], "from:"),
    (["--from", "2026-01-01", "--to", "2026-03-01", "--group-by", "colour"], "group-by:"),
    (["--from", "2026-01-01", "--to", "2026-03-01", "--group-by", "all"], "format:"),
])
def test_export_bad_input(runner, people, tmp_path, args, message):
    result = runner.invoke(args=["reports", "export", *args, "--out",
                                 str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and message in result.output


def test_rebuild_and_check_rollups(runner, book):
    assert runner.invoke(args=["reports", "check-rollups"]).exit_code == 0
    db.session.execute(sa.update(RollupEU).values(kg_g=RollupEU.kg_g + 1))
    result = runner.invoke(args=["reports", "check-rollups"])
    assert result.exit_code == 1 and "eu" in result.output
    result = runner.invoke(args=["reports", "rebuild-rollups"])
    assert result.exit_code == 0 and "from 4 ledger records" in result.output
    assert runner.invoke(args=["reports", "check-rollups"]).exit_code == 0
