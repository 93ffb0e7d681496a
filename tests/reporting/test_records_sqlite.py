"""The per-record CSV written by SQLite (app.reporting.records_sqlite) against the csv
module writing the typed rows, with values made to break it: quoting, formulas, NULLs,
non-ASCII, Oslo times at the DST changes and with microseconds that must be cut, not
rounded, times outside the offset table, decimals SQLite would round differently, and
batches in which only some rows need quoting. Rows are inserted with SQL (real SQLite,
the real table with its constraints) so the stored values can be ones the ledger
service would never write."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.exchange.models import ReuseRecord
from app.reporting import records, records_csv, records_sqlite
from app.reporting.exports import csv_chunks
from app.reporting.periods import OSLO, Period

EVERYTHING = Period(date(1960, 1, 1), date(2199, 12, 31))
TRICKY_TEXT = ["a,b", 'sier "hei"', "linje\nskift", "cr\ralene", "semi;kolon", "=1+1",
               "+47 123", "-5 kg", "@home", "\tfane", "\rCR først", "Ærlig øl på Åsgård ✓ 😀",
               "", "'sitat", "x" * 300, "slutt,", "\n", '"', "-", "komma, \"og\" =tegn"]
TIMES = [
    datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),   # last second of winter time
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),                 # 03:00+02:00
    datetime(2026, 10, 25, 0, 59, 59, 999_600, tzinfo=UTC),  # 02:59:59+02:00 (not rounded)
    datetime(2026, 10, 25, 1, 0, 0, 1, tzinfo=UTC),          # 02:00:00+01:00
    datetime(2025, 12, 31, 23, 30, tzinfo=UTC),              # next day and year in Oslo
    datetime(2024, 2, 28, 23, 0, tzinfo=UTC),                # leap day
    datetime(1975, 6, 1, 12, tzinfo=UTC),                    # no summer time in Norway then
    datetime(1965, 1, 15, 12, tzinfo=UTC),                   # before the offset table
    datetime(2150, 7, 1, 22, 15, 7, tzinfo=UTC),             # after it
]
DECIMALS = ["1.0625", "2.675", "0.0005", "1234567.8905", "99999999999.999", "0.001",
            "-0.0004", "12.5", "3"]


def _insert(template: ReuseRecord, n: int, rng: random.Random) -> None:
    """n rows copied from ``template`` with tricky values; corrections and reversals in
    chains (each replaces/reverses the one before) to satisfy the unique keys."""
    table = ReuseRecord.__table__
    base = {c.name: getattr(template, c.key) for c in table.columns if c.name != "id"}
    previous = {"correction": template.id, "reversal": template.id}
    for i in range(n + len(TRICKY_TEXT)):
        kind = "reversal" if i % 3 == 0 else "correction"
        sign = -1 if kind == "reversal" else 1
        row = dict(base, kind=kind, reverses_id=None, replaces_id=None)
        row["reverses_id" if kind == "reversal" else "replaces_id"] = previous[kind]
        texts = iter(rng.sample(TRICKY_TEXT, 6))
        row.update(
            district=next(texts), reason=next(texts), category_slug=next(texts),
            giver_orgnr=rng.choice([None, next(texts)]), payment_method=rng.choice(
                [None, "", next(texts)]), receiver_kind=next(texts),
            completed_at=rng.choice(TIMES), recorded_at=rng.choice(TIMES),
            kg=sign * abs(Decimal(rng.choice(DECIMALS)) or Decimal(1)),
            quantity=Decimal(rng.choice(DECIMALS)), co2e_kg=Decimal(rng.choice(DECIMALS)),
            factor_value=Decimal(rng.choice(["0.12345", "1.5", "0.00005", "2"])),
            price_ore=rng.choice([0, 5, -5, 15099, -15099, 10**15 + 7]),
            waste_origin=rng.random() < 0.5, giver_verified=rng.random() < 0.5)
        if i >= n:  # then one tricky text alone in an otherwise plain row
            plain = {key: base[key] for key in ("district", "reason", "category_slug",
                                                "giver_orgnr", "receiver_kind")}
            row.update(plain, district=TRICKY_TEXT[i - n], kg=sign * Decimal("2.5"),
                       quantity=Decimal(1), co2e_kg=Decimal("1.25"), factor_value=Decimal("0.5"),
                       price_ore=0, payment_method=None, completed_at=TIMES[0],
                       recorded_at=TIMES[1])
        previous[kind] = db.session.execute(
            sa.insert(table).values(**row).returning(table.c.id)).scalar_one()


@pytest.fixture
def app_config(app_config, tmp_path):
    """This module tests SQLite's own CSV lines, so it runs on a SQLite file of its own
    in both CI passes (with TEST_DATABASE_URL on PostgreSQL the export is COPY, tested
    in test_exports.py; PostgreSQL would also refuse the over-long texts)."""
    import app.models  # noqa: F401  every table

    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    engine = sa.create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()
    return {**app_config, "SQLALCHEMY_DATABASE_URI": url}


@pytest.fixture
def tricky(ledger):
    first = ledger.handover(at=datetime(2025, 6, 1, 10, tzinfo=UTC), kg="31.500", quantity=2,
                            price_ore=15099, district="Asker, sentrum")
    _insert(first, 120, random.Random(19))
    for i in range(30):  # plain rows between, so some batches need no quoting
        ledger.handover(at=datetime(2025, 7, 1, 10, tzinfo=UTC) + timedelta(hours=7 * i),
                        kg=f"{i + 1}.125")
    commit()


def _typed(excel: bool, period: Period = EVERYTHING) -> str:
    return "".join(csv_chunks(records.records_table(db.session, period), excel))


@pytest.mark.parametrize("excel", [False, True])
@pytest.mark.parametrize("batch", [5_000, 7, 1])
def test_sqlite_lines_equal_the_csv_module(tricky, monkeypatch, excel, batch):
    monkeypatch.setattr(records_csv, "BATCH", batch)
    fast = "".join(records_csv.csv_stream(db.session, EVERYTHING, excel))
    assert fast == _typed(excel)
    assert fast == "".join(records_csv.python_stream(db.session, EVERYTHING, excel))
    assert fast.count("\r\n") > 150


def test_the_tricky_rows_are_really_there(tricky):
    text = "".join(records_csv.csv_stream(db.session, EVERYTHING))
    assert "'=1+1" in text and '"komma, ""og"" =tegn"' in text and "😀" in text
    assert "2026-03-29T01:59:59+01:00" in text and "2026-03-29T03:00:00+02:00" in text
    assert "2026-10-25T02:59:59+02:00" in text and "2026-10-25T02:00:00+01:00" in text
    assert "1965-01-15T13:00:00+01:00" in text and "2150-07-02T00:15:07+02:00" in text
    assert ",1.062," in text or ",-1.062," in text  # Python's rounding, not SQLite's 1.063
    assert "10000000000000.07" in text and ",-0.05," in text


def test_a_short_period_through_the_index(tricky):
    period = Period(date(2026, 3, 29), date(2026, 3, 29))
    for excel in (False, True):
        fast = "".join(records_csv.csv_stream(db.session, period, excel))
        assert fast == _typed(excel, period) and fast.count("\r\n") > 2


def test_the_offset_tree_is_zoneinfo():
    """Every transition of the table, a second either side, and random instants: the
    SQL expression gives what Python's zoneinfo gives."""
    bounds = records_sqlite.segments()
    assert all(offset % 3600 == 0 for _start, offset in bounds)
    assert len(bounds) > 2 * (2100 - 1981)  # summer time every year since 1980
    instants = []
    for start, _offset in bounds[1:-1]:
        t = datetime.fromisoformat(start).replace(tzinfo=UTC)
        instants += [t - timedelta(seconds=1), t, t + timedelta(microseconds=999_999)]
    rng = random.Random(5)
    instants += [datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(
        130 * 365 * 86_400), microseconds=rng.randrange(1_000_000)) for _ in range(3000)]
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (at TEXT)")
    connection.executemany("INSERT INTO t VALUES (?)", [
        (t.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f"),) for t in instants])
    got = [v for (v,) in connection.execute(
        f"SELECT {records_sqlite.oslo_iso('at')} FROM t ORDER BY rowid")]  # noqa: S608
    assert got == [t.astimezone(OSLO).isoformat(timespec="seconds") for t in instants]


def test_sqlite_decimals_are_printed_only_when_exact():
    """The guard lets SQLite print a decimal only when its printf gives Python's digits."""
    rng = random.Random(3)
    values = [round(rng.uniform(-1e7, 1e7), rng.choice([2, 3, 4, 5, 6])) for _ in range(20_000)]
    values += [1.0625, 2.675, 0.0005, -0.0005, 1e11, 123456789012.345, -1e-7, 5e-324]
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (x NUMERIC(14, 3))")
    connection.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    for places in (3, 4):
        guard = records_sqlite.exact_decimals([("x", places)])
        rows = connection.execute(
            f"SELECT x, printf('%.{places}f', x), {guard} FROM t").fetchall()  # noqa: S608
        printed = [(x, text) for x, text, exact in rows if exact]
        assert len(printed) > 5_000  # most values have few enough decimals
        assert all(text == f"{x:.{places}f}" for x, text in printed)
    # several columns: one bad value makes the row Python's
    both = records_sqlite.exact_decimals([("x", 3), ("y", 4)])
    assert connection.execute(f"SELECT {both} FROM (SELECT 1.5 AS x, 2.675 AS y)"  # noqa: S608
                              ).fetchone() == (1,)
    assert connection.execute(f"SELECT {both} FROM (SELECT 1.0625 AS x, 2.5 AS y)"  # noqa: S608
                              ).fetchone() == (0,)
