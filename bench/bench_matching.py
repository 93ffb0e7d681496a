"""Benchmark matching: candidates from indexes versus scoring every row.

Builds (deterministically, seeded) an app database with 100,000 open wanted requests and
100,000 published listings around Asker, indexes the listings in the embedded search
engine, then measures in one run:

* **new listing -> requests**: what the ``matching.listing`` handler does before it
  stores anything: read the listing, ask the indexed SQL for candidate requests, score
  them (``find + score``); also the whole handler with storing the matches (in a
  savepoint that is rolled back, so every sample starts from the same state);
* **baseline**: read every open request and score each against the same listing; also
  the scoring loop alone with every request already in memory;
* **new request -> listings**: candidates from the search backend (the default) and from
  indexed SQL on listings, then scoring.

    .venv/bin/python bench/bench_matching.py                      # 100,000 + 100,000
    .venv/bin/python bench/bench_matching.py --requests 20000 --listings 20000
    .venv/bin/python bench/bench_matching.py --database-url postgresql://postgres@127.0.0.1/x
    .venv/bin/python bench/bench_matching.py --data-dir /tmp/bm_region   # build once, reuse
    .venv/bin/python bench/bench_matching.py --data-dir /tmp/bm_region --only listing \
        --profile /tmp/find.prof                 # cProfile over the find + score samples

A/B against older code on the same data: copy this script into a checkout of the older
version (``git archive <rev> | tar -x -C /tmp/old``) and run both with the same
``--data-dir``, one after the other (see docs/benchmarks.md, session 6).

``--data-dir`` keeps the database (SQLite: in that directory; PostgreSQL: the tables in
``--database-url``) and the search index, and reuses them when sizes and spread agree
(``params.json``). Every timed line prints wall time and, next to it, the process's CPU
time (the machine is shared: CPU time shows what the code cost when wall time waited).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.db import db, utcnow  # noqa: E402

NB_EXTRA = ["brukt", "pent", "svart", "hvit", "grå", "eik", "bjørk", "stål", "til kontor",
            "til skole", "til lager", "i god stand", "flere", "Kinnarps", "Håg", "Ikea"]
EN_EXTRA = ["used", "black", "white", "oak", "steel", "for the office", "for a school",
            "good condition", "several"]
CONDITIONS = ["new", "like_new", "good", "fair", "for_parts"]
RANK = {"new": 5, "like_new": 4, "good": 3, "fair": 2, "for_parts": 1}


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    return (f"nproc={os.cpu_count()}, CPU={model}, Python {platform.python_version()}, "
            f"SQLAlchemy {sa.__version__}, SQLite {sqlite3.sqlite_version}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def line(name: str, values: list[float], cpu: list[float] | None = None) -> str:
    out = (f"{name:44} median {statistics.median(values):9.2f} ms   "
           f"p95 {percentile(values, 0.95):9.2f} ms   ({len(values)} runs)")
    if cpu:
        out += (f"\n{'':44} cpu    {statistics.median(cpu):9.2f} ms   "
                f"p95 {percentile(cpu, 0.95):9.2f} ms   (load {os.getloadavg()[0]:.1f})")
    return out


# --- data ----------------------------------------------------------------------------


#: Towns outside the Asker region for --spread national: (name, lat, lng, thousands of
#: inhabitants, roughly); the Asker region's postcodes weigh in with Asker, Bærum and Lier.
TOWNS = [("Oslo", 59.91, 10.75, 700), ("Bergen", 60.39, 5.32, 290),
         ("Trondheim", 63.43, 10.40, 210), ("Stavanger", 58.97, 5.73, 145),
         ("Kristiansand", 58.15, 8.00, 115), ("Fredrikstad", 59.22, 10.93, 85),
         ("Tromsø", 69.65, 18.96, 78), ("Sandnes", 58.85, 5.74, 82),
         ("Lillestrøm", 59.96, 11.05, 90), ("Sarpsborg", 59.28, 11.11, 58),
         ("Skien", 59.21, 9.61, 55), ("Ålesund", 62.47, 6.15, 67), ("Bodø", 67.28, 14.40, 53),
         ("Hamar", 60.79, 11.07, 32), ("Tønsberg", 59.27, 10.41, 57), ("Moss", 59.43, 10.66, 50),
         ("Haugesund", 59.41, 5.27, 38), ("Arendal", 58.46, 8.77, 45),
         ("Larvik", 59.05, 10.03, 48), ("Gjøvik", 60.80, 10.69, 30), ("Molde", 62.74, 7.16, 32),
         ("Harstad", 68.80, 16.54, 25), ("Lillehammer", 61.11, 10.47, 28),
         ("Halden", 59.12, 11.39, 31), ("Kongsberg", 59.67, 9.65, 28),
         ("Porsgrunn", 59.14, 9.66, 37)]


class Spot:
    """A place to put a listing or a request (postcode may be empty)."""

    def __init__(self, postcode: str, district: str, lat: float, lng: float,
                 jitter: float = 0.01) -> None:
        self.postcode, self.district, self.lat, self.lng = postcode, district, lat, lng
        self.jitter = jitter


def places(spread: str) -> list[Spot]:
    """Weighted places. ``region``: every postcode around Asker (the worst case: all
    100,000 requests within 40 km). ``national``: the same postcodes weighted by their
    municipalities' size, plus the larger Norwegian towns."""
    from app.listings.postcodes import POSTCODES

    size = {"Asker": 95, "Bærum": 130, "Lier": 28, "Drammen": 100}
    codes = list(POSTCODES.values())
    out: list[Spot] = []
    if spread == "region":
        for place in codes:
            out.extend([Spot(place.postcode, place.district, place.lat, place.lng)]
                       * (4 if place.municipality == "Asker" else 1))
        return out
    per_code = {m: sum(p.municipality == m for p in codes) for m in size}
    for place in codes:
        weight = max(1, round(size[place.municipality] / per_code[place.municipality]))
        out.extend([Spot(place.postcode, place.district, place.lat, place.lng)] * weight)
    for name, lat, lng, thousands in TOWNS:
        out.extend([Spot("", name, lat, lng, jitter=0.05)] * thousands)
    return out


def category_tables():
    from app.listings.models import Category
    from app.matching.taxonomy import _tree

    _nodes, _parents, children = _tree()
    ids = dict(db.session.execute(sa.select(Category.slug, Category.id)).all())
    leaves = [s for s in ids if not children.get(s)]
    inner = [s for s in ids if children.get(s)]
    return ids, leaves, inner


def title_for(rng: random.Random, slug: str, english: bool) -> str:
    from app.matching.taxonomy import _tree

    node = _tree()[0][slug]
    words = [node.name_en] if english else [node.name_nb, *node.aliases[:2]]
    extra = EN_EXTRA if english else NB_EXTRA
    return f"{rng.choice(words).capitalize()} {rng.choice(extra)}".strip()


def build(n_requests: int, n_listings: int, spread: str = "region", seed: int = 7) -> None:
    from app.accounts.models import Organization
    from app.listings.categories import ensure_categories
    from app.listings.models import Listing
    from app.matching.text import request_terms
    from app.wanted.models import WantedRequest, WantedRequestCategory
    from app.wanted.rules import bounding_box
    from app.wanted.services import LINK_COPY

    rng = random.Random(seed)
    ensure_categories()
    db.session.commit()
    ids, leaves, inner = category_tables()
    where = places(spread)
    now = utcnow()
    orgs = [{"name": f"Org {i}", "kind": rng.choice(["business", "reuse_shop", "municipality",
                                                    "nonprofit"]), "orgnr": None}
            for i in range(1, 1001)]
    db.session.execute(sa.insert(Organization), orgs)
    org_ids = db.session.scalars(sa.select(Organization.id)).all()
    started = time.perf_counter()
    rows = []
    for i in range(n_listings):
        slug = rng.choice(leaves)
        place = rng.choice(where)
        quantity = rng.choice([1, 2, 4, 6, 10, 12, 20, 30, 40, 60, 100])
        rows.append({
            "organization_id": rng.choice(org_ids), "title": title_for(rng, slug,
                                                                       rng.random() < 0.15),
            "description": "Hentes etter avtale. " * rng.randint(1, 4),
            "category_id": ids[slug], "condition": rng.choice(CONDITIONS),
            "quantity": quantity, "quantity_available": quantity, "unit": "pcs",
            "unit_weight_kg": 10, "weight_estimated": True, "postcode": place.postcode,
            "district": place.district,
            "lat": place.lat + rng.uniform(-place.jitter, place.jitter),
            "lng": place.lng + rng.uniform(-2 * place.jitter, 2 * place.jitter),
            "price_ore": 0 if rng.random() < 0.4 else rng.choice([5000, 10000, 25000, 50000]),
            "status": "published", "published_at": now - timedelta(minutes=i),
        })
        if len(rows) == 5000:
            db.session.execute(sa.insert(Listing), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Listing), rows)
    db.session.commit()
    print(f"  {n_listings} listings in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    terms_cache: dict[str, str] = {}
    first_id = (db.session.scalar(sa.select(sa.func.max(WantedRequest.id))) or 0) + 1
    requests, links = [], []
    for i in range(n_requests):
        roll = rng.random()
        slugs = [rng.choice(inner) if roll < 0.12 else rng.choice(leaves)]
        if rng.random() < 0.1:
            slugs.append(rng.choice(leaves))
        slugs = list(dict.fromkeys(slugs))
        place = rng.choice(where)
        lat = place.lat + rng.uniform(-place.jitter, place.jitter)
        lng = place.lng + rng.uniform(-2 * place.jitter, 2 * place.jitter)
        radius = round(min(500.0, rng.lognormvariate(2.5, 0.6)), 1)
        quantity = rng.choice([1, 2, 5, 10, 20, 50])
        condition = rng.choice([None, None, "fair", "good", "like_new"])
        title = title_for(rng, slugs[0], rng.random() < 0.2)
        terms = terms_cache.get(title)
        if terms is None:
            terms = terms_cache[title] = request_terms(title)
        box = bounding_box(lat, lng, radius)
        requests.append({
            "id": first_id + i, "organization_id": rng.choice(org_ids), "title": title,
            "description": "", "quantity": quantity,
            "min_quantity": max(1, quantity // rng.choice([1, 2, 5])), "unit": "pcs",
            "max_price_ore": rng.choice([None, None, 0, 0, 10000, 30000]),
            "min_condition": condition, "min_condition_rank": RANK.get(condition, 0),
            "postcode": place.postcode, "district": place.district, "lat": lat, "lng": lng,
            "radius_km": radius, **box,
            "needed_by": None if rng.random() < 0.4 else date.today() + timedelta(
                days=rng.randint(1, 200)),
            "status": "open", "match_terms": terms,
        })
        row = requests[-1]
        copy = {name: row[name] for name in LINK_COPY}
        links.extend({"request_id": first_id + i, "category_id": ids[s], "position": p,
                      "is_open": True, "quantity": float(row["quantity"]),
                      "min_quantity": float(row["min_quantity"]),
                      "radius_km": float(row["radius_km"]), **copy}
                     for p, s in enumerate(slugs))
        if len(requests) == 5000:
            db.session.execute(sa.insert(WantedRequest), requests)
            db.session.execute(sa.insert(WantedRequestCategory), links)
            requests, links = [], []
    if requests:
        db.session.execute(sa.insert(WantedRequest), requests)
        db.session.execute(sa.insert(WantedRequestCategory), links)
    db.session.commit()
    print(f"  {n_requests} open requests in {time.perf_counter() - started:.1f} s")


# --- measurements --------------------------------------------------------------------


def listing_to_requests(listing_id: int):
    from app.matching import candidates

    try:
        from app.matching.batch import score_columns
    except ImportError:  # the code before session 6 (for an A/B run from its tree)
        from app.matching.batch import score_requests as score_columns
    now = utcnow()
    facts = candidates.listing_facts_by_id([listing_id])[listing_id]
    found = candidates.requests_for_listing(facts, now)
    return len(found), len(score_columns(facts, found, now))


def every_request(listing_id: int, preloaded=None):
    from app.matching import candidates
    from app.matching.scoring import Scored, score
    from app.wanted.models import RequestStatus, WantedRequest

    now = utcnow()
    facts = candidates.listing_facts_by_id([listing_id])[listing_id]
    if preloaded is None:
        ids = db.session.scalars(sa.select(WantedRequest.id)
                                 .where(WantedRequest.status == RequestStatus.OPEN)).all()
        preloaded = list(candidates.request_facts_by_id(ids).values())
    return sum(isinstance(score(r, facts, now), Scored) for r in preloaded)


def request_to_listings(request_id: int, strategy: str):
    from app.matching import candidates
    from app.matching.scoring import Scored, score

    now = utcnow()
    facts = candidates.request_facts_by_id([request_id])[request_id]
    found = candidates.listings_for_request(facts, now, strategy)
    kept = [lf for lf in found if isinstance(score(facts, lf, now), Scored)]
    return len(found), len(kept)


#: CPU milliseconds of the last ``timed`` call (process time: this process only).
LAST_CPU: list[float] = [0.0]


def timed(func, *args) -> tuple[float, object]:
    cpu = time.process_time()
    start = time.perf_counter()
    result = func(*args)
    LAST_CPU[0] = (time.process_time() - cpu) * 1000
    return (time.perf_counter() - start) * 1000, result


def main() -> None:  # noqa: C901 - a script, top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--baseline-samples", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--spread", choices=("region", "national"), default="region",
                        help="region: all data within 40 km of Asker (the worst case); "
                        "national: spread over Norway by population")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary directory.")
    parser.add_argument("--data-dir", default=None,
                        help="Build the data into this directory (and the database) once "
                        "and reuse it on later runs with the same sizes and spread.")
    parser.add_argument("--only", choices=("listing", "all"), default="all",
                        help="listing: only new listing -> requests (no baselines, no "
                        "request -> listings)")
    parser.add_argument("--profile", default=None,
                        help="Write a cProfile of the find + score samples to this file.")
    args = parser.parse_args()

    if args.data_dir:
        workdir = Path(args.data_dir)
        workdir.mkdir(parents=True, exist_ok=True)
        args.keep = True
    else:
        workdir = Path(tempfile.mkdtemp(prefix="bench_matching_"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_PATH": str(workdir / "search"),
                      "INSTANCE_DIR": str(workdir), "MAIL_DIR": str(workdir / "mail"),
                      "JOBS_MODE": "inline", "MEILI_URL": None, "TESTING": True})
    print(f"machine: {machine()}")
    print(f"database: {sa.engine.make_url(url).get_backend_name()}, spread: {args.spread}, "
          f"load average before: {os.getloadavg()[0]:.1f}")
    rng = random.Random(11)
    try:
        with app.app_context():
            import app.models  # noqa: F401
            from app.listings.models import Listing
            from app.matching import services
            from app.wanted.models import WantedRequest

            params = {"requests": args.requests, "listings": args.listings,
                      "spread": args.spread, "url": url}
            marker = workdir / "params.json"
            if marker.exists() and json.loads(marker.read_text()) == params:
                print(f"reusing the data in {workdir}")
                from app.matching.models import Match

                # the matches (none: every sample is rolled back) as the current model
                # has them (reasons nullable since session 6)
                if db.engine.dialect.name == "postgresql":
                    with db.engine.begin() as conn:
                        conn.exec_driver_sql(
                            "ALTER TABLE matches ALTER COLUMN reasons DROP NOT NULL")
                else:
                    Match.__table__.drop(db.engine)
                    Match.__table__.create(db.engine)
            else:
                marker.unlink(missing_ok=True)
                db.metadata.drop_all(db.engine)
                db.metadata.create_all(db.engine)
                print("building data:")
                build(args.requests, args.listings, args.spread)
                if db.engine.dialect.name == "postgresql":  # what autovacuum does after a load
                    with db.engine.connect() as conn:
                        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                            "ANALYZE")
                started = time.perf_counter()
                from app.searching.indexer import reindex

                result = reindex()
                print(f"  indexed {result.documents} listings in the embedded engine in "
                      f"{time.perf_counter() - started:.1f} s")
                if args.data_dir:
                    marker.write_text(json.dumps(params))
            listing_ids = db.session.scalars(sa.select(Listing.id)).all()
            request_ids = db.session.scalars(sa.select(WantedRequest.id)).all()
            sample_l = rng.sample(listing_ids, min(args.samples, len(listing_ids)))
            sample_r = rng.sample(request_ids, min(args.samples, len(request_ids)))
            for lid in sample_l[:20]:  # warm caches (stems, taxonomy, SQLite pages)
                listing_to_requests(lid)

            print("\nnew listing -> requests")
            find, find_cpu, sizes = [], [], []
            profiler = cProfile.Profile() if args.profile else None
            for lid in sample_l:
                if profiler:
                    profiler.enable()
                ms, (n_found, n_kept) = timed(listing_to_requests, lid)
                if profiler:
                    profiler.disable()
                find.append(ms)
                find_cpu.append(LAST_CPU[0])
                sizes.append((n_found, n_kept))
            if profiler:
                profiler.dump_stats(args.profile)
            print(line("find + score (indexed SQL)", find, find_cpu))
            found_sizes = [s[0] for s in sizes]
            kept_sizes = [s[1] for s in sizes]
            print(f"{'':44} candidates median {statistics.median(found_sizes):.0f} "
                  f"(p95 {percentile(found_sizes, 0.95):.0f}), matches median "
                  f"{statistics.median(kept_sizes):.0f} (p95 {percentile(kept_sizes, 0.95):.0f})")
            store, store_cpu = [], []
            for lid in sample_l[:100]:
                nested = db.session.begin_nested()
                ms, _outcome = timed(services.match_listing, lid)
                nested.rollback()
                store.append(ms)
                store_cpu.append(LAST_CPU[0])
            db.session.rollback()
            print(line("whole handler: find + score + store", store, store_cpu))
            if args.only == "listing":
                target = "met" if percentile(find, 0.95) < 20 else "MISSED"
                print(f"{'':44} target p95 < 20 ms: {target}")
                db.session.remove()
                db.engine.dispose()
                return
            baseline = []
            for lid in sample_l[:args.baseline_samples]:
                ms, _n = timed(every_request, lid)
                baseline.append(ms)
            print(line("baseline: read and score every request", baseline))
            from app.matching import candidates

            preloaded = list(candidates.request_facts_by_id(request_ids).values())
            loop = []
            for lid in sample_l[:args.baseline_samples]:
                ms, _n = timed(every_request, lid, preloaded)
                loop.append(ms)
            del preloaded
            print(line("baseline: score every request (in memory)", loop))
            print(f"{'':44} speed-up vs reading and scoring everything: "
                  f"{statistics.median(baseline) / statistics.median(find):.0f}x median, "
                  f"{percentile(baseline, 0.95) / percentile(find, 0.95):.0f}x p95; "
                  f"vs the in-memory loop: "
                  f"{statistics.median(loop) / statistics.median(find):.0f}x median")
            target = "met" if percentile(find, 0.95) < 20 else "MISSED"
            print(f"{'':44} target p95 < 20 ms: {target}")

            print("\nnew request -> listings")
            for strategy in ("search", "sql"):
                times, sizes = [], []
                for rid in sample_r[:20]:
                    request_to_listings(rid, strategy)
                for rid in sample_r:
                    ms, size = timed(request_to_listings, rid, strategy)
                    times.append(ms)
                    sizes.append(size)
                print(line(f"find + score ({strategy})", times))
                print(f"{'':44} candidates median {statistics.median(s[0] for s in sizes):.0f}"
                      f", matches median {statistics.median(s[1] for s in sizes):.0f}")
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
