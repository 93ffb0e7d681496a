"""Relevance of search and matching on our own judged set (issue #17).

Builds a throw-away app (temporary SQLite database and embedded search index), inserts
the organisations and listings of ``bench/relevance/`` through the app's own services,
indexes them as production does (``app.searching.indexer.reindex``: documents from
``app.searching.documents``, settings from ``app.searching.backend.index_settings``),
then measures in one run:

* **engine**: every query through the app's ``GET /api/v1/search`` (Flask test client,
  the same parameter parsing and backend as production), first 20 hits;
* **baseline**: SQLite FTS5 over the same documents (the same searchable fields:
  title, category_names, material, description, org_name; ``unicode61
  remove_diacritics 2``; BM25 with weights 10/5/3/1/1; every query word must match,
  the last one also as a prefix, as a search box does);
* **matching**: the wanted requests created through ``app.wanted.services``; the outbox
  (inline) runs the real matching handler; the offered matches are read back in the
  order the app shows them (score, distance, id).

Metrics: nDCG@10 (gain 2^grade - 1), P@5 (relevant = grade >= 2; divided by
min(5, number relevant), so 1.0 is reachable), R@20 (relevant found in the first 20 /
all relevant), zero-result queries; by kind and overall (macro means). Matching:
precision@3 (macro over requests that got an offer; relevant = grade >= 2), requests
without any offer, and parts or accessories in the top 3 of requests for the thing.

    .venv/bin/python bench/relevance/evaluate.py            # table
    .venv/bin/python bench/relevance/evaluate.py --json     # machine output
    .venv/bin/python bench/relevance/evaluate.py --queries c01,s03 --requests w01 -v
    .venv/bin/python bench/relevance/evaluate.py --seed 3 --dump-documents /tmp/docs.jsonl

``-v`` lists the weakest queries and requests with their top hits (listing keys from
``listings.jsonl``). The listings are published in a seeded random order because the
engine breaks ties by publication time; ``--seed`` shows how much that moves a number.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

KINDS = ("compound", "synonym", "typo", "no_diacritics", "english", "inflection", "plain")
RELEVANT = 2  # grade at or above which a listing counts as relevant
TOP_K = 20
SEED = 17


# --- the set ---------------------------------------------------------------------------


def _jsonl(name: str) -> list[dict]:
    with (HERE / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_set() -> dict[str, Any]:
    """The organisations, listings, queries and requests as stored."""
    return {"orgs": json.loads((HERE / "orgs.json").read_text(encoding="utf-8")),
            "listings": _jsonl("listings.jsonl"), "queries": _jsonl("queries.jsonl"),
            "requests": _jsonl("requests.jsonl")}


def select(data: dict[str, Any], query_ids: list[str] | None,
           request_ids: list[str] | None) -> dict[str, Any]:
    """Only the chosen queries/requests (None: all); with a choice, only the listings
    they judge (a small, fast slice for tests)."""
    if query_ids is None and request_ids is None:
        return data
    queries = [q for q in data["queries"] if query_ids is None or q["id"] in query_ids]
    requests = [r for r in data["requests"] if request_ids is None or r["id"] in request_ids]
    judged = {k for item in queries + requests for k in item["judgements"]}
    listings = [x for x in data["listings"] if x["key"] in judged]
    return {**data, "listings": listings, "queries": queries, "requests": requests}


# --- metrics ---------------------------------------------------------------------------


def ndcg(ranked: list[str], judgements: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** judgements.get(key, 0) - 1) / math.log2(i + 2)
              for i, key in enumerate(ranked[:k]))
    ideal = sorted(judgements.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def precision(ranked: list[str], judgements: dict[str, int], k: int = 5) -> float:
    relevant = {key for key, g in judgements.items() if g >= RELEVANT}
    if not relevant:
        return 0.0
    return sum(key in relevant for key in ranked[:k]) / min(k, len(relevant))


def recall(ranked: list[str], judgements: dict[str, int], k: int = TOP_K) -> float:
    relevant = {key for key, g in judgements.items() if g >= RELEVANT}
    if not relevant:
        return 0.0
    return sum(key in relevant for key in ranked[:k]) / len(relevant)


def score_queries(queries: list[dict], ranked: dict[str, list[str]],
                  totals: dict[str, int]) -> dict[str, Any]:
    """Per query and per kind (macro means), plus "overall"."""
    per_query = {}
    for q in queries:
        r, j = ranked[q["id"]], q["judgements"]
        per_query[q["id"]] = {"kind": q["kind"], "q": q["q"], "ndcg10": ndcg(r, j),
                              "p5": precision(r, j), "r20": recall(r, j),
                              "zero": totals[q["id"]] == 0, "top": r[:5]}
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in per_query.values():
        groups[row["kind"]].append(row)
        groups["overall"].append(row)
    summary = {}
    for kind in (*KINDS, "overall"):
        rows = groups.get(kind)
        if not rows:
            continue
        summary[kind] = {"queries": len(rows),
                         "ndcg10": sum(r["ndcg10"] for r in rows) / len(rows),
                         "p5": sum(r["p5"] for r in rows) / len(rows),
                         "r20": sum(r["r20"] for r in rows) / len(rows),
                         "zero": sum(r["zero"] for r in rows)}
    return {"by_kind": summary, "per_query": per_query}


# --- the app ---------------------------------------------------------------------------


@contextmanager
def scratch_app(workdir: Path):
    """An app on a fresh SQLite database and search directory in ``workdir``."""
    import sqlalchemy as sa

    from app import create_app
    from app.db import db

    config = {
        "TESTING": True, "SECRET_KEY": "relevance-bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'app.sqlite3'}",
        "INSTANCE_DIR": str(workdir / "instance"), "MEDIA_ROOT": str(workdir / "media"),
        "MAIL_DIR": str(workdir / "mail"), "MAIL_SERVER": None,
        "SEARCH_PATH": str(workdir / "search"), "MEILI_URL": None, "REDIS_URL": None,
        "JOBS_MODE": "inline", "JOBS_RETRY_THREAD": False, "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://", "STRIPE_SECRET_KEY": None,
        "STRIPE_PUBLISHABLE_KEY": None, "BASE_URL": "http://kretslop.test",
        "SERVER_NAME": None, "BRREG_API_URL": "", "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    app = create_app(config)
    with app.app_context():
        import app.models as _every_table  # noqa: F401 - registers every table

        db.metadata.create_all(db.engine)
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
            sa.orm.close_all_sessions()


def build(data: dict[str, Any], seed: int = SEED) -> tuple[dict[int, str], dict[str, tuple]]:
    """Organisations, one member each, and the listings through the services;
    returns (listing id -> key, org key -> (org, user))."""
    from app.accounts import orgnr
    from app.accounts.models import VerificationState
    from app.accounts.services import _new_user, add_member, create_organization
    from app.db import commit, db, utcnow
    from app.errors import ValidationFailed
    from app.listings import services as listing_services
    from app.listings.categories import ensure_categories

    ensure_categories()
    commit()
    people: dict[str, tuple] = {}
    for n, (key, spec) in enumerate(sorted(data["orgs"].items()), start=1):
        number = None if spec["kind"] == "nonprofit" else orgnr.make(81000000 + n * 137)
        org = create_organization(spec["name"], spec["kind"], number)
        org.verification_state = VerificationState.VERIFIED.value
        org.verified_at = utcnow()
        org.registry_form = "KOMM" if spec["kind"] == "municipality" else "AS"
        org.verification_reason = "relevance bench"
        user = _new_user(f"{key}@relevance.test", spec["name"], None)
        db.session.flush()
        add_member(user, org, "owner")
        people[key] = (org, user)
    commit()
    ids: dict[int, str] = {}
    # Seeded shuffle: publication order is the engine's last tie-breaker (newest first);
    # the file lists parts right after their main items, which would otherwise always win.
    order = list(data["listings"])
    random.Random(seed).shuffle(order)
    fields = ("title", "description", "material", "category", "condition", "quantity",
              "unit", "price_nok", "postcode", "unit_weight_kg")
    for spec in order:
        org, user = people[spec["org"]]
        try:
            listing = listing_services.create_listing(
                user, org, {f: spec[f] for f in fields if f in spec}, publish=True)
        except ValidationFailed as exc:
            raise SystemExit(f"listing {spec['key']} is refused: {exc.errors}") from exc
        commit()
        ids[listing.id] = spec["key"]
    return ids, people


def engine_search(app, queries: list[dict], keys: dict[int, str]):
    """Every query through ``GET /api/v1/search``: (ranked keys, totals, ms per query)."""
    client = app.test_client()
    ranked, totals, times = {}, {}, []
    for q in queries:
        started = time.perf_counter()
        response = client.get("/api/v1/search", query_string={"q": q["q"], "per_page": TOP_K})
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{q['id']} {q['q']!r}: HTTP {response.status_code} "
                               f"{response.get_data(as_text=True)[:300]}")
        body = response.get_json()
        ranked[q["id"]] = [keys[hit["id"]] for hit in body["hits"]]
        totals[q["id"]] = body["total"]
    return ranked, totals, times


def documents() -> list[dict]:
    """The documents production indexes (the same builder and rule as a reindex)."""
    from app.searching.documents import indexable_documents

    return [doc for batch in indexable_documents() for doc in batch]


FTS_FIELDS = ("title", "category_names", "material", "description", "org_name")


def baseline_search(docs: list[dict], queries: list[dict], keys: dict[int, str]):
    """SQLite FTS5 (unicode61, remove_diacritics 2) with BM25 over the same documents."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE fts USING fts5({', '.join(FTS_FIELDS)}, "
                 "tokenize = 'unicode61 remove_diacritics 2')")
    for doc in docs:
        values = [" ".join(doc.get(f) or []) if f == "category_names" else (doc.get(f) or "")
                  for f in FTS_FIELDS]
        conn.execute(f"INSERT INTO fts(rowid, {', '.join(FTS_FIELDS)}) VALUES (?, ?, ?, ?, ?, ?)",
                     [doc["id"], *values])
    tokenizer = sqlite3.connect(":memory:")
    tokenizer.execute("CREATE VIRTUAL TABLE v USING fts5(x, tokenize = 'unicode61')")
    ranked, totals, times = {}, {}, []
    for q in queries:
        words = ["".join(ch for ch in w if ch.isalnum()) for w in
                 q["q"].replace("-", " ").replace("/", " ").split()]
        words = [w for w in words if w]
        started = time.perf_counter()
        if not words:
            hits: list[int] = []
        else:
            terms = [f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*']
            hits = [row[0] for row in conn.execute(
                "SELECT rowid FROM fts WHERE fts MATCH ? "
                "ORDER BY bm25(fts, 10.0, 5.0, 3.0, 1.0, 1.0), rowid DESC",
                [" AND ".join(terms)])]
        times.append((time.perf_counter() - started) * 1000)
        ranked[q["id"]] = [keys[i] for i in hits[:TOP_K]]
        totals[q["id"]] = len(hits)
    return ranked, totals, times


def run_matching(requests: list[dict], people: dict[str, tuple],
                 keys: dict[int, str], parts: set[str]) -> dict[str, Any]:
    """The requests through the services (the outbox runs matching); what is offered."""
    import sqlalchemy as sa

    from app.db import commit, db
    from app.matching.models import VISIBLE_STATES, Match
    from app.wanted import services as wanted_services

    fields = ("title", "categories", "postcode", "radius_km", "quantity", "min_quantity",
              "max_price_nok", "min_condition", "unit", "description")
    request_keys: dict[int, str] = {}
    for spec in requests:
        org, user = people[spec["org"]]
        wanted = wanted_services.create_request(user, org, {f: spec[f] for f in fields})
        commit()
        request_keys[wanted.id] = spec["id"]
    offered: dict[str, list[str]] = {spec["id"]: [] for spec in requests}
    rows = db.session.execute(
        sa.select(Match.request_id, Match.listing_id).where(Match.state.in_(VISIBLE_STATES))
        .order_by(Match.request_id, Match.score.desc(), Match.distance_m, Match.id)).all()
    for request_id, listing_id in rows:
        offered[request_keys[request_id]].append(keys[listing_id])
    per_request, precisions, ceilings = {}, [], []
    parts_on_top = []
    for spec in requests:
        top = offered[spec["id"]][:3]
        judged = spec["judgements"]
        row = {"title": spec["title"], "offered": len(offered[spec["id"]]), "top3": top,
               "p3": None}
        if top:
            row["p3"] = sum(judged.get(k, 0) >= RELEVANT for k in top) / len(top)
            precisions.append(row["p3"])
            # the best possible with this many offers and this many right listings in the set
            right = sum(g >= RELEVANT for g in judged.values())
            ceilings.append(min(len(top), right) / len(top))
        if not spec.get("asks_for_parts"):
            parts_on_top += [(spec["id"], k) for k in top if k in parts]
        per_request[spec["id"]] = row
    return {"precision_at_3": sum(precisions) / len(precisions) if precisions else 0.0,
            "precision_at_3_ceiling": sum(ceilings) / len(ceilings) if ceilings else 0.0,
            "requests": len(requests),
            "without_offer": sum(1 for r in per_request.values() if not r["top3"]),
            "parts_in_top_3": len(parts_on_top), "parts_in_top_3_pairs": parts_on_top,
            "per_request": per_request}


# --- reporting -------------------------------------------------------------------------


def provenance() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    dirty = git("status", "--porcelain", "--", "search", "app") != ""
    # RELEVANCE_COMMIT names the code when it runs outside a checkout (a `git archive`)
    return {"date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
            "commit": os.environ.get("RELEVANCE_COMMIT") or git("rev-parse", "--short", "HEAD"),
            "uncommitted_changes_in_search_or_app": dirty,
            "machine": f"nproc={os.cpu_count()}, {model}, Python {platform.python_version()}, "
                       f"SQLite {sqlite3.sqlite_version}"}


def evaluate(data: dict[str, Any], matching: bool = True, seed: int = SEED,
             dump_documents: Path | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="kretslop-relevance-"))
    try:
        with scratch_app(workdir) as app:
            keys, people = build(data, seed)
            from app.searching.indexer import reindex

            reindex()
            built = time.perf_counter() - started
            docs = documents()
            if dump_documents is not None:
                with dump_documents.open("w", encoding="utf-8") as handle:
                    for doc in docs:
                        handle.write(json.dumps({**doc, "key": keys[doc["id"]]},
                                                ensure_ascii=False) + "\n")
            engine_ranked, engine_totals, engine_ms = engine_search(app, data["queries"], keys)
            base_ranked, base_totals, base_ms = baseline_search(docs, data["queries"], keys)
            parts = {x["key"] for x in data["listings"] if x.get("part")}
            match = run_matching(data["requests"], people, keys, parts) if matching else None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        **provenance(), "seed": seed,
        "counts": {"listings": len(data["listings"]), "documents": len(docs),
                   "queries": len(data["queries"]), "requests": len(data["requests"])},
        "engine": {**score_queries(data["queries"], engine_ranked, engine_totals),
                   "median_ms": sorted(engine_ms)[len(engine_ms) // 2] if engine_ms else 0},
        "baseline": {**score_queries(data["queries"], base_ranked, base_totals),
                     "median_ms": sorted(base_ms)[len(base_ms) // 2] if base_ms else 0},
        "matching": match,
        "seconds": {"build": round(built, 1), "total": round(time.perf_counter() - started, 1)},
    }


def print_report(result: dict[str, Any], verbose: bool = False) -> None:
    print(f"Relevance set: {result['counts']['listings']} listings "
          f"({result['counts']['documents']} indexed), {result['counts']['queries']} queries, "
          f"{result['counts']['requests']} wanted requests")
    dirty = result["uncommitted_changes_in_search_or_app"]
    print(f"{result['date_utc']} UTC, commit {result['commit']}"
          f"{' + uncommitted changes in app/ or search/' if dirty else ''}, {result['machine']}, "
          f"seed {result['seed']}")
    print()
    print(f"{'kind':14} {'n':>3} | {'engine nDCG@10':>14} {'P@5':>5} {'R@20':>5} {'zero':>4} |"
          f" {'FTS5 nDCG@10':>12} {'P@5':>5} {'R@20':>5} {'zero':>4}")
    engine, base = result["engine"]["by_kind"], result["baseline"]["by_kind"]
    for kind in (*KINDS, "overall"):
        if kind not in engine:
            continue
        e, b = engine[kind], base[kind]
        if kind == "overall":
            print("-" * 86)
        print(f"{kind:14} {e['queries']:>3} | {e['ndcg10']:14.3f} {e['p5']:5.2f} {e['r20']:5.2f}"
              f" {e['zero']:>4} | {b['ndcg10']:12.3f} {b['p5']:5.2f} {b['r20']:5.2f}"
              f" {b['zero']:>4}")
    print(f"median time per query: engine {result['engine']['median_ms']:.1f} ms (HTTP API), "
          f"FTS5 {result['baseline']['median_ms']:.2f} ms")
    m = result["matching"]
    if m is not None:
        print()
        print(f"Matching: precision@3 {m['precision_at_3']:.3f} (at most "
              f"{m['precision_at_3_ceiling']:.3f}: some requests have fewer than 3 right "
              f"listings in the set) over {m['requests'] - m['without_offer']} requests with "
              f"an offer ({m['without_offer']} without); parts/accessories in the top 3 of "
              f"a request for the thing: {m['parts_in_top_3']}")
    if verbose:
        print()
        print("Weakest engine queries (nDCG@10 < 0.7):")
        for qid, row in sorted(result["engine"]["per_query"].items(),
                               key=lambda item: item[1]["ndcg10"]):
            if row["ndcg10"] >= 0.7:
                break
            fts = result["baseline"]["per_query"][qid]["ndcg10"]
            print(f"  {qid} {row['kind']:13} {row['q']!r:26} {row['ndcg10']:.2f} "
                  f"(FTS5 {fts:.2f}) top: {', '.join(row['top'])}")
        if m is not None:
            print("Requests with precision@3 < 1:")
            for rid, row in m["per_request"].items():
                if row["p3"] is not None and row["p3"] < 1:
                    print(f"  {rid} {row['title']!r:28} {row['p3']:.2f} top3: "
                          f"{', '.join(row['top3'])}")
            if m["parts_in_top_3_pairs"]:
                print("  parts on top:", m["parts_in_top_3_pairs"])
    print(f"\n{result['seconds']['total']} s in all ({result['seconds']['build']} s to build).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--queries", help="comma-separated query ids (default: all)")
    parser.add_argument("--requests", help="comma-separated request ids (default: all)")
    parser.add_argument("--no-matching", action="store_true", help="search only")
    parser.add_argument("--seed", type=int, default=SEED,
                        help="publication order of the listings (default %(default)s)")
    parser.add_argument("--dump-documents", type=Path, metavar="PATH",
                        help="also write the indexed documents (JSONL, with each key)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list the weakest queries and requests")
    args = parser.parse_args(argv)
    data = select(load_set(), args.queries.split(",") if args.queries else None,
                  args.requests.split(",") if args.requests else None)
    result = evaluate(data, matching=not args.no_matching, seed=args.seed,
                      dump_documents=args.dump_documents)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print_report(result, verbose=args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
