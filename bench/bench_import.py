"""Benchmark the bulk import: 5,000 listings from CSV and from XLSX.

Generates a realistic 5,000-row spreadsheet (bokmål titles, Asker postcodes, every
column of the template filled in most rows), then, in one process and on a fresh
SQLite database (or ``--database-url``), runs the full import repeatedly:

* import: read, map headers, check every row with the listing rules, write the
  listings in batches with their ``listing.changed`` outbox rows (a consumer is
  registered, as the search indexer will be) and commit;
* baseline: only reading the same file (``csv.reader`` over the decoded text, or
  openpyxl's read-only row iteration), no checking and no database.

Prints median and p95 (of ``--runs`` runs; with few runs p95 is close to the
slowest), rows per second, and the ratio to the baseline. The outbox events are
written but not delivered here (delivery is the indexer's cost, not the import's).

    .venv/bin/python bench/bench_import.py
    .venv/bin/python bench/bench_import.py --rows 5000 --runs 7 \
        --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

ITEMS = [  # title, category, unit, quantity range, weight or "", price choices
    ("Kontorstoler, svarte", "office-chair", "stk", (1, 40), "", ("0", "150", "250")),
    ("Hev-senk-skrivebord", "height-adjustable-desk", "stk", (1, 20), "", ("0", "400")),
    ("Skrivebord i bjørk", "desk", "stk", (1, 12), "32,5", ("0", "200")),
    ("PC-skjermer 24\"", "PC-skjerm", "stk", (1, 30), "", ("0", "150,50")),
    ("Innerdører, hvite", "door", "stk", (1, 15), "", ("0", "200")),
    ("Vinduer 3-lags", "Vindu", "stk", (1, 10), "32", ("500", "1200")),
    ("Teglstein, rød", "bricks", "stk", (100, 3000), "3,1", ("0", "2,50")),
    ("Stålbjelker HEB 200", "steel", "kg", (100, 2000), "", ("8", "12")),
    ("Gulvfliser, grå", "tiles", "m2", (5, 80), "", ("0", "150")),
    ("Konstruksjonsvirke 48 x 198", "timber", "m", (10, 400), "4,5", ("25",)),
    ("Sofa, 3-seter", "Sofa", "stk", (1, 2), "", ("0", "1200")),
    ("Lamper, LED", "lamp", "stk", (1, 25), "1,5", ("0", "50")),
]
CONDITIONS = ("ny", "som ny", "god", "brukbar", "til deler")
POSTCODES = ("1384", "1389", "1394", "1390", "1388", "1375", "1395", "3470", "3440", "3430",
             "3475", "3481", "3484", "3474", "3442", "1300", "3400")
HEADER = ["tittel", "beskrivelse", "kategori", "tilstand", "antall", "enhet",
          "vekt_per_enhet_kg", "pris_nok", "postnummer", "adresse", "tilgjengelig_til",
          "materiale", "mål", "henteinstruksjoner", "fra_avfall"]


def rows(count: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    today = date.today()
    out = []
    for n in range(count):
        title, category, unit, (lo, hi), weight, prices = rng.choice(ITEMS)
        quantity = rng.randint(lo, hi)
        out.append([
            f"{title} #{n + 1}", f"Fra rehabilitering av bygg {rng.randint(1, 99)}. "
            "Hentes på stedet, ta med bæremannskap.", category, rng.choice(CONDITIONS),
            str(quantity), unit, weight, rng.choice(prices), rng.choice(POSTCODES),
            f"Industriveien {rng.randint(1, 120)}",
            (today + timedelta(days=rng.randint(14, 200))).isoformat(), "Stål, tre", "",
            "Ring 12345678 dagen før.", rng.choice(("ja", "nei", "nei", "")),
        ])
    return out


def as_csv(data: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows([HEADER, *data])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(data: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Annonser")
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def baseline_csv(data: bytes) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def baseline_xlsx(data: bytes) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:  # noqa: PLR0915 - a script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from app import create_app, outbox
    from app.config import _database_url
    from app.db import db
    from app.listings import CHANGED, importer
    from app.listings.categories import ensure_categories
    from app.listings.models import Listing
    from app.outbox import OutboxEvent

    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    url = _database_url(args.database_url) if args.database_url else \
        f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(workdir),
                      "MEDIA_ROOT": str(workdir / "media"), "JOBS_MODE": "inline",
                      "TESTING": False, "RATELIMIT_ENABLED": False})
    outbox.handler(CHANGED, name="bench.indexer")(lambda payload: None)
    data = rows(args.rows)
    files = {"CSV": as_csv(data), "XLSX": as_xlsx(data)}
    baselines = {"CSV": baseline_csv, "XLSX": baseline_xlsx}
    print(f"machine: nproc={os.cpu_count()}, CPU={cpu_model()}, Python "
          f"{platform.python_version()}, database {sa.engine.make_url(url).get_backend_name()}")
    with app.app_context():
        db.metadata.drop_all(db.engine)
        db.metadata.create_all(db.engine)
        from app.accounts.services import create_organization

        ensure_categories()
        org = create_organization("Bench Bygg AS", "nonprofit")
        db.session.commit()

        def clean() -> None:
            db.session.execute(sa.delete(OutboxEvent))
            db.session.execute(sa.delete(Listing))
            db.session.commit()

        for kind, blob in files.items():
            print(f"\n{kind}: {args.rows} rows, {len(blob) / 1e6:.2f} MB")
            imports, reads = [], []
            for run in range(args.runs):
                start = time.perf_counter()
                result = importer.import_listings(blob, org, None, max_rows=args.rows)
                db.session.commit()  # the rows and their outbox rows, not the delivery
                imports.append(time.perf_counter() - start)
                assert result.created == args.rows and not result.errors, result.errors[:3]
                events = db.session.scalar(sa.select(sa.func.count(OutboxEvent.id)))
                assert events == args.rows, events
                clean()
                start = time.perf_counter()
                assert baselines[kind](blob) == args.rows + 1
                reads.append(time.perf_counter() - start)
                if run == 0:
                    print(f"  first run {imports[0]:.2f} s (includes warming up)")
            for name, values in (("import", imports), ("baseline", reads)):
                median = statistics.median(values)
                print(f"  {name:8} median {median:6.3f} s  p95 {percentile(values, 0.95):6.3f} s"
                      f"  {args.rows / median:9,.0f} rows/s")
            ratio = statistics.median(imports) / statistics.median(reads)
            print(f"  import / baseline: {ratio:.1f}x the time of only reading the file")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
