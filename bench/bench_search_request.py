"""Benchmark the whole ``GET /api/v1/search`` request against the engine alone and SQL LIKE.

Builds a scratch app (SQLite file database, embedded search in a temporary directory),
bulk-inserts 100,000 real ``Listing`` rows made from the seeded generator of
``bench_search_engine.py`` (its categories mapped onto the real taxonomy), indexes them
with the app's own ``reindex()`` (documents built from the rows), then runs the same
1,000 mixed queries three ways, interleaved:

* the whole request through the Flask test client (parsing, validation, the engine,
  JSON, the unit of work and security headers);
* the engine alone (``backend.search`` with the query the API would send);
* a naive SQL scan of the real tables (``LIKE '%word%'``, ``GROUP BY`` per facet).

    .venv/bin/python bench/bench_search_request.py                  # 100,000 listings
    .venv/bin/python bench/bench_search_request.py --docs 20000 --queries 300
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from bench_search_engine import T0, make_docs, make_queries, pct, rss_mb  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from search import SearchQuery  # noqa: E402

# bench_search_engine's category slugs -> the app's taxonomy
CATEGORY_MAP = {
    "mobler": "furniture", "stoler": "chair", "kontorstol": "office-chair", "bord": "table",
    "skrivebord": "desk", "oppbevaring": "storage", "sofa": "sofa",
    "byggevarer": "construction", "tre": "timber", "dorer": "door", "stein": "bricks",
    "innredning": "kitchen-units", "kjokken": "kitchen-units", "belysning": "lamp",
    "it": "monitor",
}  # fmt: skip
DAY = 86400


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")),
               platform.processor())
    return f"nproc={os.cpu_count()}, CPU={cpu}, Python {platform.python_version()}"


def build_database(app, docs: list[dict[str, Any]], now: float) -> None:
    """Categories, 300 organisations and one published Listing row per document."""
    from app.accounts.models import Organization
    from app.db import commit, db
    from app.listings import postcodes
    from app.listings.categories import ensure_categories
    from app.listings.models import Category, Listing

    db.create_all()
    ensure_categories()
    commit()
    category_ids = dict(db.session.execute(sa.select(Category.slug, Category.id)).all())
    orgs = {d["org_id"]: (d["org_name"], d["org_kind"]) for d in docs}
    db.session.execute(sa.insert(Organization), [
        {"id": i, "name": name, "kind": kind, "postcode": "1383"}
        for i, (name, kind) in sorted(orgs.items())])
    shift = now - (T0 + 730 * DAY)  # the generator's newest listing is published "now"

    def when(unix: int | None, extra: float = 0) -> datetime | None:
        return None if unix is None else datetime.fromtimestamp(unix + shift + extra, UTC)

    rows = []
    for d in docs:
        place = postcodes.lookup(d["postcode"])
        rows.append({
            "id": d["id"], "organization_id": d["org_id"], "title": d["title"],
            "description": d["description"], "material": d["material"],
            "category_id": category_ids[CATEGORY_MAP[d["category"]]],
            "condition": d["condition"], "quantity": d["quantity_available"],
            "quantity_available": d["quantity_available"], "unit": d["unit"],
            "price_ore": d["price_ore"], "postcode": d["postcode"],
            "district": place.district if place else d["district"],
            "lat": d["lat"] if d["lat"] is not None else place.lat,
            "lng": d["lng"] if d["lng"] is not None else place.lng,
            "status": "published", "published_at": when(d["published_at"]),
            # the generator's "active_at" is T0 + 400 days: keep the same share expired
            "available_until": when(d["available_until"], 330 * DAY),
        })
    for start in range(0, len(rows), 10_000):
        db.session.execute(sa.insert(Listing), rows[start:start + 10_000])
    commit()


def api_params(q: SearchQuery, districts: dict[str, str]) -> dict[str, Any]:
    """The generator's query as API parameters (NOK prices, real slugs and districts)."""
    p: dict[str, Any] = {}
    if q.q:
        p["q"] = q.q
    if q.category:
        p["category"] = CATEGORY_MAP[q.category]
    if q.conditions:
        p["condition"] = ",".join(q.conditions)
    if q.min_price_ore is not None:
        p["min_price"] = q.min_price_ore // 100
    if q.max_price_ore is not None:
        p["max_price"] = q.max_price_ore // 100
    if q.free_only:
        p["free"] = 1
    if q.districts:
        p["district"] = sorted({districts[d] for d in q.districts})
    position = q.geo or q.point
    if position:
        p["lat"], p["lng"] = position[0], position[1]
    if q.geo:
        p["radius_km"] = q.geo[2] / 1000
    if q.sort != "relevance":
        p["sort"] = q.sort
    if q.page != 1:
        p["page"] = q.page
    return p


def as_args(params: dict[str, Any]) -> MultiDict:
    """Parameters as the request's query string arrives (strings, repeated keys)."""
    return MultiDict([(k, str(v)) for k, values in params.items()
                      for v in (values if isinstance(values, list) else [values])])


def like_scan(conn: sqlite3.Connection, params, descendants, now: float) -> int:
    """What one would write without a search engine, on the real tables."""
    where = ["l.status = 'published'", "l.quantity_available > 0",
             "(l.available_until IS NULL OR l.available_until > ?)"]
    args: list[Any] = [datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S")]
    for word in params.q.split():
        where.append("(l.title LIKE ? OR l.description LIKE ? OR l.material LIKE ? "
                     "OR c.name_nb LIKE ? OR c.name_en LIKE ?)")
        args += [f"%{word}%"] * 5
    if params.category:
        ids = descendants[params.category]
        where.append(f"l.category_id IN ({','.join('?' * len(ids))})")
        args += ids
    for column, values in (("l.condition", params.conditions), ("l.district", params.districts)):
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            args += values
    for op, value in ((">=", params.min_price_ore), ("<=", params.max_price_ore)):
        if value is not None:
            where.append(f"l.price_ore {op} ?")
            args.append(value)
    if params.free:
        where.append("l.price_ore = 0")
    if params.origin and params.radius_km:
        where.append("dist(l.lat, l.lng, ?, ?) <= ?")
        args += [*params.origin, params.radius_km * 1000]
    cond = " AND ".join(where)
    base = f"FROM listings l JOIN categories c ON c.id = l.category_id WHERE {cond}"
    total = conn.execute(f"SELECT count(*) {base}", args).fetchone()[0]
    for column in ("l.category_id", "l.condition", "l.district"):
        conn.execute(f"SELECT {column}, count(*) {base} GROUP BY 1", args).fetchall()
    order = {"relevance": "l.id", "newest": "l.published_at DESC", "price_asc": "l.price_ore",
             "price_desc": "l.price_ore DESC", "distance": "dist(l.lat, l.lng, ?, ?)"}
    extra = list(params.origin) if params.sort == "distance" else []
    conn.execute(f"SELECT l.*, c.slug {base} ORDER BY {order[params.sort]} LIMIT 20 OFFSET ?",
                 args + extra + [(params.page - 1) * 20]).fetchall()
    return total


def summary(name: str, times: list[float], cpu: list[float] | None = None
            ) -> tuple[float, float]:
    med, p95 = statistics.median(times), pct(times, 95)
    line = (f"{name:9} {len(times):5} queries  median {med:8.2f} ms  p95 {p95:8.2f} ms  "
            f"max {max(times):8.2f} ms")
    if cpu:
        line += f"   (CPU: median {statistics.median(cpu):.2f} ms  p95 {pct(cpu, 95):.2f} ms)"
    print(line)
    return med, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--baseline-queries", type=int, default=None,
                        help="run only the first N queries through the SQL scan (default all)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-search-request-"))
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir: Path) -> None:
    from app import create_app
    from app.db import db
    from app.listings.categories import all_categories
    from app.listings.postcodes import lookup
    from app.searching.backend import search_backend
    from app.searching.indexer import reindex
    from app.searching.params import parse
    from search.text import haversine_m

    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "INSTANCE_DIR": str(workdir / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "SEARCH_PATH": str(workdir / "search"), "MEDIA_ROOT": str(workdir / "media"),
        "MEILI_URL": None, "REDIS_URL": None, "JOBS_MODE": "inline",
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
    })
    now = time.time()
    docs = make_docs(args.docs)
    rss0 = rss_mb()
    with app.app_context():
        t = time.perf_counter()
        build_database(app, docs, now)
        print(f"database: {len(docs):,} Listing rows bulk-inserted in "
              f"{time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        result = reindex(batch_size=5000)
        print(f"reindex:  {result.documents:,} documents (active ones) in {result.seconds:.1f} s"
              f" via app.searching.indexer.reindex, RSS +{rss_mb() - rss0:.0f} MB")
        children: dict[int | None, list[int]] = {}
        slugs = {}
        for c in all_categories():
            children.setdefault(c.parent_id, []).append(c.id)
            slugs[c.slug] = c.id
        descendants = {}
        for slug, cid in slugs.items():
            ids, stack = [], [cid]
            while stack:
                ids.append(stack.pop())
                stack.extend(children.get(ids[-1], []))
            descendants[slug] = ids
        backend = search_backend()
        db.session.remove()
    districts = {d["district"]: lookup(d["postcode"]).district for d in docs}
    queries = [api_params(q, districts) for q in make_queries(args.queries)]
    conn = sqlite3.connect(workdir / "bench.sqlite3")
    conn.create_function("dist", 4, lambda a, b, c, d: None if a is None else
                         haversine_m(a, b, c, d), deterministic=True)
    client = app.test_client()
    for params in queries[:50]:  # warm-up: caches, first-use settings
        assert client.get("/api/v1/search", query_string=params).status_code == 200
    request_ms, engine_ms, like_ms, totals = [], [], [], []
    request_cpu, engine_cpu = [], []
    n_base = args.baseline_queries if args.baseline_queries is not None else len(queries)
    for i, params in enumerate(queries):
        t, c = time.perf_counter(), time.thread_time()
        response = client.get("/api/v1/search", query_string=params)
        request_ms.append((time.perf_counter() - t) * 1000)
        request_cpu.append((time.thread_time() - c) * 1000)
        assert response.status_code == 200, (params, response.get_json())
        totals.append(response.get_json()["total"])
        with app.app_context():
            parsed, errors = parse(as_args(params), known_categories=set(slugs))
            assert not errors, errors
            query = parsed.query()
            t, c = time.perf_counter(), time.thread_time()
            found = backend.search(query)
            engine_ms.append((time.perf_counter() - t) * 1000)
            engine_cpu.append((time.thread_time() - c) * 1000)
            assert found.total == totals[-1]
            if i < n_base:
                t = time.perf_counter()
                like_scan(conn, parsed, descendants, now)
                like_ms.append((time.perf_counter() - t) * 1000)
    print(f"queries: {len(queries)} mixed (mean total hits {statistics.mean(totals):,.0f}); "
          f"3 facets each, highlighting whenever there are words")
    print(f"(wall-clock times; CPU = this thread's CPU time, which other processes on the "
          f"machine do not inflate; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs)")
    rmed, rp95 = summary("request", request_ms, request_cpu)
    emed, ep95 = summary("engine", engine_ms, engine_cpu)
    print(f"overhead: request - engine  median {rmed - emed:.2f} ms  "
          f"(request / engine {rmed / emed:.1f}x median, {rp95 / ep95:.1f}x p95)")
    if like_ms:
        lmed, lp95 = summary("SQL LIKE", like_ms)
        same = request_ms[:len(like_ms)]
        print(f"ratio:    SQL LIKE / request  median {lmed / statistics.median(same):.0f}x  "
              f"p95 {lp95 / pct(same, 95):.0f}x (over the same {len(like_ms)} queries)")
    print(f"targets:  engine p95 < 5 ms: {'met' if ep95 < 5 else 'MISSED'} ({ep95:.2f} ms); "
          f"request p95 < 30 ms: {'met' if rp95 < 30 else 'MISSED'} ({rp95:.2f} ms); "
          f"wall-clock")
    conn.close()
    getattr(backend, "close", lambda: None)()


if __name__ == "__main__":
    main()
