"""Benchmark municipal reporting on a large ledger (default 1,000,000 records).

Generates synthetic ledger rows (five years, 2021-2025; ~2 % reversals and ~1 %
corrections; 2,000 organisations; every seeded category and emission factor) and
bulk-loads the same rows into
* a temporary SQLite file (executemany),
* a scratch PostgreSQL database created and dropped here (COPY),
* DuckDB in memory (read_csv), as the comparison the issue asks for.

Then, per database, builds the roll-ups (``reports rebuild-rollups`` code) and times
(median and p95 of ``--runs`` runs after a warm-up):
* the EU 2021/19 table for 2025 and the monthly kg by EU category for 2025, read from
  the roll-ups through the app's own functions;
* the same two answers aggregated straight from the ledger (the naive way,
  ``app.reporting.direct``), and the ratio naive / roll-up;
* DuckDB answering the same two questions from the ledger rows;
* the per-record CSV export of all rows, in a fresh subprocess: rows/s and peak RSS,
  for 10 % and 100 % of the rows (flat memory = about the same peak), and the Python
  allocation peak (tracemalloc) of the full export.

    .venv/bin/python bench/bench_reporting.py
    .venv/bin/python bench/bench_reporting.py --rows 200000 --runs 11 --skip-postgres
    # only the SQLite per-record CSV export (new code and the pure-Python baseline, in
    # the same run), on a ledger file kept for the next run:
    .venv/bin/python bench/bench_reporting.py --export-only --rows 1000000 \
        --sqlite-file /tmp/ledger_1m.sqlite3
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

YEAR = 2025
START, END = datetime(2021, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
KINDS = ("business", "reuse_shop", "nonprofit", "municipality")
DISTRICTS = ("Asker sentrum", "Heggedal", "Slemmestad", "Spikkestad", "Røyken", "Vollen",
             "Nesbru", "Billingstad", "Sætre", "Tofte", "Hvalstad", "Borgen", "Åros",
             "Hyggen", "Filtvet", "Holmsbu", "Vettre", "Nærsnes", "Klokkarstua", "")
COLUMNS = ("id", "kind", "completed_at", "recorded_at", "reservation_id", "listing_id",
           "giver_org_id", "giver_orgnr", "giver_kind", "receiver_org_id", "receiver_orgnr",
           "receiver_kind", "municipality_number", "district", "category_slug", "eu_category",
           "quantity", "unit", "kg", "weight_method", "channel", "waste_origin", "price_ore",
           "payment_method", "co2e_kg", "factor_id", "factor_version", "factor_value",
           "factor_is_default", "reverses_id", "replaces_id", "reason", "recorded_by_id")
ORGS = 2000
MILLI = Decimal("0.001")


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm-up (statement caches, page cache)
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[-1]
    return statistics.median(samples) * 1000, p95 * 1000


# --- synthetic ledger --------------------------------------------------------------------


def category_factors(factors: list) -> list[tuple[str, str, tuple]]:
    """(slug, eu_category, factor) for every leaf category, with the app's lookup rule."""
    from app.listings.categories import TAXONOMY

    by_key = {(f.scope, f.key, f.route): f for f in factors}
    out = []

    def walk(eu, node, parents):
        if not node.children:
            chain = [node.slug, *reversed(parents)]
            pick = next((by_key[("category", s, "reuse")] for s in chain
                         if ("category", s, "reuse") in by_key), None)
            pick = pick or by_key.get(("eu_category", eu, "reuse")) or \
                by_key[("default", "default", "reuse")]
            out.append((node.slug, eu, (pick.id, pick.version,
                                        (pick.value * pick.substitution_rate).quantize(
                                            Decimal("0.0001"), ROUND_HALF_UP),
                                        pick.is_default)))
        for child in node.children:
            walk(eu, child, [*parents, node.slug])

    for eu, root in TAXONOMY:
        walk(eu, root, [])
    return out


def generate(n: int, cats: list, seed: int = 11):
    """Typed ledger rows in id order (a generator)."""
    rng = random.Random(seed)
    span = int((END - START).total_seconds())
    kinds = [KINDS[i % 4] for i in range(ORGS + 1)]
    recent: list[tuple] = []
    reversed_ids: list[tuple] = []
    for i in range(1, n + 1):
        roll = rng.random()
        if roll < 0.02 and recent:
            original = recent.pop(rng.randrange(len(recent)))
            row = list(original)
            row[0], row[1], row[4] = i, "reversal", original[4]
            for col in (16, 18, 24):
                row[col] = -original[col]
            row[22] = -original[22]
            row[29], row[31] = original[0], "Feil vekt"
            reversed_ids.append(original)
            yield tuple(row)
            continue
        if roll < 0.03 and reversed_ids:
            original = reversed_ids.pop()
            row = list(original)
            kg = (original[18] * Decimal("1.1")).quantize(MILLI)
            row[0], row[1], row[18], row[19] = i, "correction", kg, "weighed"
            row[24] = (kg * original[27]).quantize(MILLI, ROUND_HALF_UP)
            row[30], row[31] = original[0], "Veid på nytt"
            yield tuple(row)
            continue
        at = START + timedelta(seconds=rng.randrange(span))
        slug, eu, (factor_id, version, value, is_default) = rng.choice(cats)
        giver, receiver = rng.randint(1, ORGS), rng.randint(1, ORGS)
        receiver = receiver if receiver != giver else giver % ORGS + 1
        unit = "pcs" if rng.random() < 0.8 else "m2"
        quantity = Decimal(rng.randint(1, 40))
        kg = Decimal(rng.randint(500, 2_000_000)).scaleb(-3)
        price = rng.choice((0, 0, 0, 15000, 2500))
        row = (i, "handover", at, at, i, 1, giver, f"9{giver:08d}", kinds[giver], receiver,
               f"9{receiver:08d}", kinds[receiver], "3203" if rng.random() < 0.95 else "3201",
               rng.choice(DISTRICTS), slug, eu, quantity, unit, kg,
               "weighed" if rng.random() < 0.3 else "estimated", "online_platform",
               rng.random() < 0.1, price, "at_pickup" if price else None,
               (kg * value).quantize(MILLI, ROUND_HALF_UP), factor_id, version, value,
               is_default, None, None, "", None)
        recent.append(row)
        if len(recent) > 5000:
            recent.pop(0)
        yield row


def _sqlite_value(v):
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, bool):
        return int(v)
    return v


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


# --- databases ---------------------------------------------------------------------------


def make_app(url: str):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                       "RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": None,
                       "MEILI_URL": None, "JOBS_MODE": "inline"})


def prepare_schema(flask_app) -> tuple[list, list]:
    """Tables, categories, emission factors and organisations; returns (cats, factors)."""
    from app.accounts.models import Organization
    from app.db import commit, db
    from app.exchange.factors import all_factors, ensure_emission_factors
    from app.listings.categories import ensure_categories

    with flask_app.app_context():
        db.metadata.create_all(db.engine)
        ensure_categories()
        ensure_emission_factors()
        db.session.execute(sa.insert(Organization), [
            {"id": i, "name": f"Org {i}", "kind": KINDS[i % 4], "orgnr": f"9{i:08d}"}
            for i in range(1, ORGS + 1)])
        commit()
        factors = all_factors()
        return category_factors(factors), factors


def load(rows, sqlite_path: str, pg_url: str | None, csv_path: str) -> None:
    """Stream the rows into SQLite (executemany), PostgreSQL (COPY) and a CSV for DuckDB."""
    import sqlite3

    lite = sqlite3.connect(sqlite_path)
    lite.execute("PRAGMA foreign_keys=OFF")
    lite.execute("PRAGMA synchronous=OFF")
    insert = (f"INSERT INTO reuse_records ({', '.join(COLUMNS)}) "
              f"VALUES ({', '.join('?' * len(COLUMNS))})")
    pg = copy = None
    if pg_url:
        import psycopg

        pg = psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"))
        pg.execute("SET session_replication_role = replica")  # no FK checks for the load
        copy_ctx = pg.cursor().copy(f"COPY reuse_records ({', '.join(COLUMNS)}) FROM STDIN")
        copy = copy_ctx.__enter__()
    with open(csv_path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 50_000:
                _flush(batch, lite, insert, copy, writer)
        _flush(batch, lite, insert, copy, writer)
    lite.commit()
    lite.close()
    if pg is not None:
        copy_ctx.__exit__(None, None, None)
        pg.commit()
        pg.execute("ANALYZE")
        pg.close()


def _flush(batch, lite, insert, copy, writer) -> None:
    lite.executemany(insert, [tuple(map(_sqlite_value, r)) for r in batch])
    if copy is not None:
        for row in batch:
            copy.write_row(row)
    writer.writerows([tuple(map(_csv_value, r)) for r in batch])
    batch.clear()


def naive_month_eu(session, period):
    from app.exchange.models import ReuseRecord as R
    from app.reporting.direct import key_expression, sums_columns

    start, end = period.utc_bounds()
    month = key_expression(session.get_bind().dialect.name, period, "month")
    return session.execute(sa.select(month, R.eu_category, *sums_columns()).where(
        R.completed_at >= start, R.completed_at < end).group_by(month, R.eu_category)).all()


def measure_database(name: str, url: str, runs: int, results: dict) -> None:
    from app.db import commit, db
    from app.reporting import direct, queries
    from app.reporting.eu import eu_table
    from app.reporting.periods import year_period
    from app.reporting.rollups import rebuild

    app = make_app(url)
    period = year_period(YEAR)
    with app.app_context():
        t = time.perf_counter()
        count = rebuild(db.session)
        commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            commit()
        rebuild_s = time.perf_counter() - t
        sizes = {m: db.session.scalar(sa.text(f"SELECT count(*) FROM {m}"))
                 for m in ("reuse_rollup_eu", "reuse_rollup_dims")}
        out = {"ledger_rows": count, "rebuild_s": round(rebuild_s, 1), "rollup_rows": sizes}
        cases = {
            "eu_table": (lambda: eu_table(YEAR), lambda: direct.eu_detail(db.session, period)),
            "monthly_by_eu": (lambda: queries.monthly_by_eu(period),
                              lambda: naive_month_eu(db.session, period)),
        }
        for case, (fast, naive) in cases.items():
            f_med, f_p95 = timed(fast, runs)
            n_med, n_p95 = timed(naive, max(3, runs // 3))
            out[case] = {"rollup_ms": (round(f_med, 1), round(f_p95, 1)),
                         "naive_ms": (round(n_med, 1), round(n_p95, 1)),
                         "ratio": round(n_med / f_med, 1)}
            db.session.rollback()
        fast_total = queries.totals(period).as_tuple()
        slow_total = direct.aggregate(db.session, period)["total"]
        out["reconciles"] = fast_total == slow_total
    results[name] = out


def measure_duckdb(csv_path: str, runs: int, results: dict) -> None:
    import duckdb

    con = duckdb.connect()
    t = time.perf_counter()
    types = {"completed_at": "TIMESTAMPTZ", "quantity": "DECIMAL(12,3)", "kg": "DECIMAL(14,3)",
             "co2e_kg": "DECIMAL(14,3)", "factor_value": "DECIMAL(10,4)",
             "waste_origin": "BOOLEAN", "factor_id": "BIGINT"}
    con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{csv_path}', header = true, "
                f"types = {types})")
    load_s = time.perf_counter() - t
    where = (f"completed_at >= TIMESTAMPTZ '{YEAR}-01-01 00:00:00+01' AND "
             f"completed_at < TIMESTAMPTZ '{YEAR + 1}-01-01 00:00:00+01'")
    sums = ("sum(CASE WHEN kind = 'reversal' THEN -1 ELSE 1 END), "
            "sum(CASE WHEN unit = 'pcs' THEN quantity ELSE 0 END), sum(kg), sum(co2e_kg)")
    eu_sql = (f"SELECT eu_category, weight_method, waste_origin, factor_id, {sums} FROM r "
              f"WHERE {where} GROUP BY ALL")
    month_sql = (f"SELECT strftime(timezone('Europe/Oslo', completed_at), '%Y-%m') AS m, "
                 f"eu_category, {sums} FROM r WHERE {where} GROUP BY ALL")
    out = {"load_s": round(load_s, 1)}
    for case, sql in (("eu_table", eu_sql), ("monthly_by_eu", month_sql)):
        med, p95 = timed(lambda sql=sql: con.execute(sql).fetchall(), runs)
        out[case] = {"ms": (round(med, 1), round(p95, 1))}
    results["duckdb"] = out


# --- export (run in a fresh process so peak RSS is the export's own) ----------------------


def export_child(url: str, start: str, end: str, mode: str) -> None:
    """One export of the per-record CSV (the code behind the download and the CLI) to
    /dev/null; prints rows/s, peak RSS before and after, and the tracemalloc peak."""
    import tracemalloc

    from app.db import db
    from app.reporting.periods import Period
    from app.reporting.records_csv import csv_stream, python_stream

    app = make_app(url)
    stream = csv_stream
    if mode.startswith("baseline-"):
        stream, mode = python_stream, mode.removeprefix("baseline-")
    with app.app_context():
        period = Period(date.fromisoformat(start), date.fromisoformat(end))
        db.session.execute(sa.text("SELECT 1"))  # connect before measuring
        before = _memory()["VmRSS"]
        _reset_peak()
        if mode == "trace":
            tracemalloc.start()
        t, cpu = time.perf_counter(), time.process_time()
        count = 0
        with open(os.devnull, "w") as sink:
            for chunk in stream(db.session, period, excel=mode == "excel"):
                sink.write(chunk)
                count += chunk.count("\n")
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if mode == "trace" else None
        rows = count - 1
        print(json.dumps({"loadavg": os.getloadavg()[0], "rows": rows, "seconds": round(seconds, 2),
                          "rows_per_s": round(rows / seconds),
                          "cpu_s": round(cpu, 2), "rows_per_cpu_s": round(rows / cpu),
                          "rss_before_mb": round(before / 1024),
                          "peak_rss_mb": round(_memory()["VmHWM"] / 1024),
                          "tracemalloc_peak_mb": round(peak / 1e6, 1) if peak else None}))


def _memory() -> dict[str, int]:
    """VmRSS / VmHWM (kB) of this process."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _sep, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0])
    return out


def _reset_peak() -> None:
    """Reset VmHWM to the current RSS, so the peak is the export's own (Linux)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


EXPORT_CASES = (("10% csv", "2025-07-01", "2025-12-31", "plain"),
                ("100% csv", "2021-01-01", "2025-12-31", "plain"),
                ("100% csv_excel", "2021-01-01", "2025-12-31", "excel"),
                ("100% csv, tracemalloc", "2021-01-01", "2025-12-31", "trace"))


def measure_export(name: str, url: str, results: dict, baseline: bool = False) -> None:
    """Each case in a fresh process; with ``baseline`` (SQLite), each case is run right
    after its baseline (the pure-Python formatting, ``records_csv.python_stream``) and
    the ratio new / baseline of the rows per second is given."""
    out = {}
    for label, start, end, mode in EXPORT_CASES:
        runs = [("", mode)]
        if baseline and mode != "trace":
            runs.insert(0, ("baseline ", f"baseline-{mode}"))
        for prefix, how in runs:
            args = [sys.executable, __file__, "--export-child", url, start, end, how]
            done = subprocess.run(args, capture_output=True, text=True, check=True)
            out[prefix + label] = json.loads(done.stdout.strip().splitlines()[-1])
        if len(runs) == 2:
            new, old = out[label], out["baseline " + label]
            out[label]["ratio_vs_baseline"] = round(new["rows_per_s"] / old["rows_per_s"], 2)
            out[label]["cpu_ratio_vs_baseline"] = round(
                new["rows_per_cpu_s"] / old["rows_per_cpu_s"], 2)
    results[f"{name} export"] = out


def export_only(rows: int, path: str | None) -> None:
    """The SQLite export alone: the new code and the pure-Python baseline, alternating."""
    print(f"machine: nproc={os.cpu_count()}, cpu={cpu_model()}, python="
          f"{platform.python_version()}, sqlite={__import__('sqlite3').sqlite_version}")
    workdir = None
    if path is None:
        workdir = Path(tempfile.mkdtemp(prefix="bench_reporting_"))
        path = str(workdir / "ledger.sqlite3")
    url = f"sqlite:///{path}"
    try:
        if not Path(path).exists():
            cats, _factors = prepare_schema(make_app(url))
            t = time.perf_counter()
            load(generate(rows, cats), path, None, os.devnull)
            print(f"loaded {rows} rows in {time.perf_counter() - t:.1f} s", flush=True)
        results: dict = {"loadavg_start": os.getloadavg()}
        measure_export("sqlite", url, results, baseline=True)
        results["loadavg_end"] = os.getloadavg()
        print(json.dumps(results, indent=1, default=str))
    finally:
        if workdir is not None:
            for item in workdir.iterdir():
                item.unlink()
            workdir.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--export-only", action="store_true",
                        help="only the SQLite per-record CSV export (and its baseline)")
    parser.add_argument("--sqlite-file", help="with --export-only: the ledger file to use; "
                        "made (and kept) if it does not exist")
    parser.add_argument("--export-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(*args.export_child)
        return
    if args.export_only:
        export_only(args.rows, args.sqlite_file)
        return

    import duckdb

    print(f"machine: nproc={os.cpu_count()}, cpu={cpu_model()}, python="
          f"{platform.python_version()}, sqlite={__import__('sqlite3').sqlite_version}, "
          f"duckdb={duckdb.__version__}")
    workdir = Path(tempfile.mkdtemp(prefix="bench_reporting_"))
    sqlite_url = f"sqlite:///{workdir / 'ledger.sqlite3'}"
    csv_path = str(workdir / "ledger.csv")
    pg_url = admin = scratch = None
    if not args.skip_postgres:
        admin = sa.create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
        scratch = f"bench_reporting_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{scratch}"')
        pg_url = sa.engine.make_url(args.postgres_url).set(database=scratch).render_as_string(
            hide_password=False)
    results: dict = {"rows": args.rows, "runs": args.runs,
                     "loadavg_start": os.getloadavg()}
    try:
        cats, _factors = prepare_schema(make_app(sqlite_url))
        if pg_url:
            prepare_schema(make_app(pg_url))
        t = time.perf_counter()
        load(generate(args.rows, cats), str(workdir / "ledger.sqlite3"), pg_url, csv_path)
        results["load_s"] = round(time.perf_counter() - t, 1)
        print(f"loaded {args.rows} rows in {results['load_s']} s", flush=True)
        measure_database("sqlite", sqlite_url, args.runs, results)
        measure_export("sqlite", sqlite_url, results)
        if pg_url:
            measure_database("postgresql", pg_url, args.runs, results)
            measure_export("postgresql", pg_url, results)
        measure_duckdb(csv_path, args.runs, results)
        results["loadavg_end"] = os.getloadavg()
    finally:
        if scratch:
            sa.engine.Engine.dispose(admin)
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            admin.dispose()
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    print(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
