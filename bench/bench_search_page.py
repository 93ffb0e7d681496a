"""Benchmark the rendered search page and the API search, in process, against a hello app.

Builds a scratch app (SQLite file, embedded search in a temporary directory, the page
cache OFF, so every page is rendered as for a logged-in visitor or a first visitor after
a change), with the demo data (``--docs 0``, default) or with ``--docs N`` generated
listings from ``bench_search_engine.py`` (as ``bench_search_request.py`` builds them).
Then runs a deterministic mix of searches (words, typos, filters, sorts, distance,
pages) through the Flask test client, each query interleaved across:

* ``hello``: a minimal Flask app's ``GET /`` (the baseline, same process, same moment);
* ``page, anonymous`` / ``page, logged in`` (a member's session cookie);
* ``page, no fragment caches``: the same page from a second app on the same database and
  index with ``SEARCH_FRAGMENT_CACHE=False`` (app/searching/fragments.py: category tree
  and cards built on every request), to show what those caches buy in the same run;
* ``API, anonymous`` / ``API, token`` (``Authorization: Bearer``).

The first 20 searches of the mix warm up; round 1 then runs the other searches for the
first time (its numbers are printed apart: the caches of app/searching/fragments.py only
hold the categories and the warm-up's cards then), later rounds repeat the whole mix.

Prints median and p95 wall-clock and CPU (this thread) per row, the ratio
hello median / row median (= throughput as a share of hello's, one core) and the
load average before and after (the machine may be shared).

    .venv/bin/python bench/bench_search_page.py                 # demo data
    .venv/bin/python bench/bench_search_page.py --docs 5000 --queries 200
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search_engine import make_docs, make_queries, pct  # noqa: E402
from bench_search_request import api_params, build_database, machine  # noqa: E402
from flask import Flask  # noqa: E402

PASSWORD = "gronn-sofa-sju-hyller-eik"  # noqa: S105 - a scratch database's bench user


def config(workdir: Path, **extra) -> dict:
    return {
        "TESTING": False, "SECRET_KEY": "bench", "INSTANCE_DIR": str(workdir / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "SEARCH_PATH": str(workdir / "search"), "MEDIA_ROOT": str(workdir / "media"),
        "MEILI_URL": None, "REDIS_URL": None, "JOBS_MODE": "inline",
        "JOBS_RETRY_SECONDS": 0, "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False,
        "PAGE_CACHE_SECONDS": 0, **extra,
    }


def setup(app, docs_n: int) -> tuple[str, list[dict]]:
    """Data, index and a member with an API token; returns (raw token, generated docs)."""
    from app.accounts import services
    from app.db import commit, db
    from app.searching.indexer import reindex

    with app.app_context():
        if docs_n:
            docs = make_docs(docs_n)
            build_database(app, docs, time.time())
        else:
            from app.demo import load_demo
            from app.listings.categories import ensure_categories

            db.create_all()
            ensure_categories()
            load_demo()
            commit()
            docs = make_docs(200)  # only for the districts of the query mix
        user, _org = services.create_user_cli("sokeren@example.no", PASSWORD, "Benkelaget",
                                              "nonprofit", None, "member", False)
        _token, raw = services.create_api_token(user, "bench")
        commit()
        result = reindex(batch_size=5000)
        print(f"index: {result.documents} documents")
        db.session.remove()
    return raw, docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=0, help="0: the demo data")
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=2, help="passes over the mix")
    args = parser.parse_args()
    print(f"machine: {machine()}; load average before: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    workdir = Path(tempfile.mkdtemp(prefix="bench-search-page-"))
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir: Path) -> None:
    from app import create_app

    app = create_app(config(workdir))
    raw_token, docs = setup(app, args.docs)
    plain = create_app(config(workdir, SEARCH_FRAGMENT_CACHE=False))
    hello = Flask("hello")
    hello.get("/")(lambda: "hello")

    districts = {d["district"]: d["district"] for d in docs}
    queries = [api_params(q, districts) for q in make_queries(args.queries)]
    for params in queries:
        params.pop("per_page", None)

    anon, member, nocache, api = (app.test_client(), app.test_client(), plain.test_client(),
                                  app.test_client())
    hello_client = hello.test_client()
    response = member.post("/login", data={"email": "sokeren@example.no", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    bearer = {"Authorization": f"Bearer {raw_token}"}
    rows = {
        "hello": lambda p: hello_client.get("/"),
        "page, anonymous": lambda p: anon.get("/search", query_string=p),
        "page, logged in": lambda p: member.get("/search", query_string=p),
        "page, no fragment caches": lambda p: nocache.get("/search", query_string=p),
        "API, anonymous": lambda p: api.get("/api/v1/search", query_string=p),
        "API, token": lambda p: api.get("/api/v1/search", query_string=p, headers=bearer),
    }
    for params in queries[:20]:  # warm-up: first-use settings, imports, template compile
        for name, call in rows.items():
            response = call(params)
            assert response.status_code == 200, (name, params, response.status_code)
    body = member.get("/search").get_data(as_text=True)
    assert "Sokeren" in body, "the member's page does not show the login"
    wall = {name: [] for name in rows}
    cpu = {name: [] for name in rows}
    first_cpu = {name: [] for name in rows}  # round 1: no search of the mix seen before
    for round_no in range(args.rounds):
        for params in queries[20:] if round_no == 0 else queries:
            for name, call in rows.items():
                t, c = time.perf_counter(), time.thread_time()
                response = call(params)
                wall[name].append((time.perf_counter() - t) * 1000)
                cpu[name].append((time.thread_time() - c) * 1000)
                if round_no == 0:
                    first_cpu[name].append(cpu[name][-1])
                assert response.status_code == 200, (name, params, response.status_code)
    size = f"{args.docs:,} generated listings" if args.docs else "demo data"
    print(f"{size}; {len(queries)} mixed searches x {args.rounds} rounds, interleaved; "
          f"page cache off; load average after: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    hello_med = statistics.median(wall["hello"])
    hello_cpu = statistics.median(cpu["hello"])
    for name in rows:
        med, p95 = statistics.median(wall[name]), pct(wall[name], 95)
        cmed, cp95 = statistics.median(cpu[name]), pct(cpu[name], 95)
        print(f"{name:26} median {med:7.2f} ms  p95 {p95:7.2f} ms  | CPU median {cmed:7.2f}"
              f" ms  p95 {cp95:7.2f} ms  | vs hello {hello_med / med:6.1%} "
              f"(CPU {hello_cpu / cmed:6.1%})")
    print("round 1 only (searches not seen before: every panel, map and most cards built):")
    first_hello = statistics.median(first_cpu["hello"])
    for name in rows:
        if name != "hello" and first_cpu[name]:
            cmed = statistics.median(first_cpu[name])
            print(f"{name:26} CPU median {cmed:7.2f} ms  p95 {pct(first_cpu[name], 95):7.2f}"
                  f" ms  | vs hello (CPU) {first_hello / cmed:6.1%}")


if __name__ == "__main__":
    main()
