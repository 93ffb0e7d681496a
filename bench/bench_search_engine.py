"""Benchmark the embedded search engine against a naive SQLite LIKE scan.

Generates realistic listing documents deterministically (seeded): bokmål
mostly, some English, Asker postcodes and districts with coordinates.  Builds
the embedded index, runs a fixed mix of 1,000 queries (typos, prefixes,
filters, geo, facets, sorts, broad one-word queries) and runs the same queries
as ``LIKE '%term%'`` SQL over the same rows, in the same process, then prints
median / p95 of both and the ratio.  Each query also runs with the engine's
query caches dropped first ("cold"), so repeated queries in the mix do not hide
what a new query costs.  Wall-clock and this thread's CPU time are both given,
with the load average: the machine may be shared.

    .venv/bin/python bench/bench_search_engine.py            # 100,000 documents
    .venv/bin/python bench/bench_search_engine.py --docs 20000 --queries 300
"""

from __future__ import annotations

import argparse
import atexit
import math
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search import IndexSettings, SearchQuery  # noqa: E402
from search.embedded import EmbeddedBackend  # noqa: E402

# fmt: off
# (slug, nb, en, parent, title nouns)
CATEGORIES: list[tuple[str, str, str, str | None, list[str]]] = [
    ("mobler", "Møbler", "Furniture", None, []),
    ("stoler", "Stoler", "Chairs", "mobler", ["Stol", "Spisestol", "Barkrakk"]),
    ("kontorstol", "Kontorstol", "Office chair", "stoler", ["Kontorstol", "Arbeidsstol"]),
    ("bord", "Bord", "Tables", "mobler", ["Bord", "Spisebord", "Salongbord", "Møtebord"]),
    ("skrivebord", "Skrivebord", "Desk", "bord", ["Skrivebord", "Hev/senk-skrivebord"]),
    ("oppbevaring", "Oppbevaring", "Storage", "mobler", ["Hylle", "Reol", "Arkivskap", "Skap"]),
    ("sofa", "Sofa", "Sofa", "mobler", ["Sofa", "Lenestol", "Sovesofa"]),
    ("byggevarer", "Byggevarer", "Building materials", None, []),
    ("tre", "Trelast", "Timber", "byggevarer", ["Bjelke", "Planker", "Terrassebord"]),
    ("dorer", "Dører og vinduer", "Doors and windows", "byggevarer", ["Dør", "Vindu"]),
    ("stein", "Stein og tegl", "Stone and brick", "byggevarer", ["Teglstein", "Heller"]),
    ("innredning", "Innredning", "Interior", None, []),
    ("kjokken", "Kjøkken", "Kitchen", "innredning", ["Kjøkkenbenk", "Kjøkkenskap"]),
    ("belysning", "Belysning", "Lighting", "innredning", ["Lampe", "Taklampe", "Gulvlampe"]),
    ("it", "IT-utstyr", "IT equipment", None, ["Skjerm", "Tastatur", "Bærbar PC"]),
]
EN_NOUNS = {
    "stoler": ["Chair", "Dining chair"], "kontorstol": ["Office chair", "Task chair"],
    "bord": ["Table", "Meeting table"], "skrivebord": ["Desk", "Standing desk"],
    "oppbevaring": ["Shelf", "Bookcase", "Cabinet"], "sofa": ["Sofa", "Armchair"],
    "tre": ["Beam", "Planks", "Decking"], "dorer": ["Door", "Window"],
    "stein": ["Bricks", "Paving stones"], "kjokken": ["Kitchen counter", "Fridge"],
    "belysning": ["Lamp", "Ceiling lamp"], "it": ["Monitor", "Keyboard", "Laptop"],
}
BRANDS = ["Kinnarps", "HÅG", "Ikea", "Savo", "Kinnarps 6000", "Fora Form", "Ekornes", "Vestre",
          "Flokk", "Jotun", "Moelven", "Dell", "Lenovo", "Glamox", "Varier", "Stokke"]
COLOURS_NB = ["svart", "hvit", "grå", "blå", "rød", "grønn", "eik", "bjørk", "furu", "brun"]
COLOURS_EN = ["black", "white", "grey", "blue", "red", "green", "oak", "birch", "pine", "brown"]
MATERIALS = ["tre", "stål", "aluminium", "stoff", "skinn", "glass", "plast", "tegl", "eik", ""]
NB_WORDS = str.split(
    "godt brukt fin stand noen riper lite brukt hentes i asker sentrum kan leveres "
    "etter avtale fra kontorlokale som skal pusses opp passer til skole barnehage "
    "eller hjemmekontor må hentes innen to uker ryddet lager solid og stødig "
    "justerbar høyde armlener hjul setehøyde ombruk sirkulær økonomi flere like "
    "tilgjengelig mengderabatt ved kjøp av alle kommunen gir bort overskudd "
    "demontert klar for henting bæres ut av kjøper målene står i bildet")
EN_WORDS = str.split(
    "gently used good condition some scratches pick up in asker can deliver by "
    "arrangement from office refurbishment suits schools and home offices sturdy "
    "adjustable height armrests wheels several available discount for all items "
    "dismantled ready for collection buyer carries out measurements shown")
# (postcode, district, lat, lng)
PLACES = [
    ("1383", "Asker sentrum", 59.8333, 10.4351), ("1384", "Asker sentrum", 59.8370, 10.4420),
    ("1385", "Borgen", 59.8470, 10.4180), ("1386", "Drengsrud", 59.8220, 10.4550),
    ("1388", "Borgen", 59.8520, 10.4010), ("1389", "Heggedal", 59.7810, 10.4460),
    ("1390", "Vollen", 59.8030, 10.4820), ("1391", "Vollen", 59.7960, 10.4900),
    ("1394", "Nesbru", 59.8590, 10.4970), ("1395", "Hvalstad", 59.8530, 10.4670),
    ("1396", "Billingstad", 59.8650, 10.4840), ("1397", "Nesøya", 59.8690, 10.5300),
    ("3440", "Røyken", 59.7470, 10.3920), ("3430", "Spikkestad", 59.7480, 10.3380),
    ("3470", "Slemmestad", 59.7810, 10.4950), ("3475", "Sætre", 59.6830, 10.5230),
    ("3478", "Nærsnes", 59.7550, 10.5200), ("3474", "Åros", 59.7040, 10.5170),
]
CONDITIONS = [("new", 5), ("like_new", 4), ("good", 3), ("fair", 2), ("for_parts", 1)]
ORG_KINDS = ["business", "reuse_shop", "municipality", "nonprofit"]
# fmt: on
T0 = 1_700_000_000


def category_paths() -> dict[str, tuple[list[str], list[str]]]:
    """slug -> (path slugs root..leaf, nb+en names of the category and its ancestors)."""
    by_slug = {c[0]: c for c in CATEGORIES}
    out = {}
    for slug, *_ in CATEGORIES:
        path, names, cur = [], [], by_slug[slug]
        while True:
            path.insert(0, cur[0])
            names += [cur[1], cur[2]]
            if cur[3] is None:
                break
            cur = by_slug[cur[3]]
        out[slug] = (path, names)
    return out


def make_docs(n: int, seed: int = 42) -> list[dict[str, Any]]:
    """``n`` listing documents in the shape the app sends; deterministic for a seed."""
    rng = random.Random(seed)
    paths = category_paths()
    leaves = [c for c in CATEGORIES if c[4]]
    orgs = [
        (
            i,
            f"{rng.choice(['Asker', 'Røyken', 'Heggedal', 'Vollen', 'Fjord'])} "
            f"{rng.choice(['Bygg', 'Kontor', 'Gjenbruk', 'Eiendom', 'Skole', 'Kirkens'])} "
            f"{rng.choice(['AS', 'SA', 'kommune', 'Bruktbutikk', 'forening'])}",
            rng.choice(ORG_KINDS),
        )
        for i in range(1, 301)
    ]
    docs = []
    for i in range(1, n + 1):
        slug, *_, nouns = rng.choice(leaves)
        english = rng.random() < 0.15
        if english:
            noun, colour, words = rng.choice(EN_NOUNS[slug]), rng.choice(COLOURS_EN), EN_WORDS
        else:
            noun, colour, words = rng.choice(nouns), rng.choice(COLOURS_NB), NB_WORDS
        title = f"{noun} {rng.choice(BRANDS)}, {colour}"
        if rng.random() < 0.3:
            title += f" {rng.choice([80, 120, 140, 160, 180])}x{rng.choice([60, 80, 90])}"
        description = " ".join(rng.choice(words) for _ in range(rng.randint(20, 60)))
        postcode, district, lat, lng = rng.choice(PLACES)
        has_geo = rng.random() > 0.05
        cond, rank = rng.choice(CONDITIONS)
        free = rng.random() < 0.3
        org_id, org_name, org_kind = rng.choice(orgs)
        path, names = paths[slug]
        docs.append(
            {
                "id": i,
                "title": title,
                "description": description.capitalize() + ".",
                "material": rng.choice(MATERIALS),
                "category": slug,
                "category_path": path,
                "category_names": names,
                "condition": cond,
                "condition_rank": rank,
                "price_ore": 0 if free else int(rng.lognormvariate(9.5, 1.2)) * 100,
                "is_free": free,
                "quantity_available": float(rng.randint(1, 40)),
                "unit": rng.choice(["pcs", "pcs", "pcs", "m", "m2", "kg"]),
                "org_id": org_id,
                "org_name": org_name,
                "org_kind": org_kind,
                "postcode": postcode,
                "district": district,
                "lat": lat + rng.uniform(-0.01, 0.01) if has_geo else None,
                "lng": lng + rng.uniform(-0.02, 0.02) if has_geo else None,
                "published_at": T0 + rng.randint(0, 730 * 86400),
                "available_until": (T0 + rng.randint(300, 900) * 86400)
                if rng.random() < 0.4
                else None,
                "thumb_url": None,
            }
        )
    return docs


def synonyms() -> dict[str, list[str]]:
    """What the app generates from category names: nb <-> en, both directions."""
    out: dict[str, list[str]] = {}
    for _, nb, en, _, _ in CATEGORIES:
        a, b = nb.lower(), en.lower()
        if a != b:
            out.setdefault(a, []).append(b)
            out.setdefault(b, []).append(a)
    return out


def typo(word: str, rng: random.Random, edits: int) -> str:
    """``word`` with ``edits`` random substitutions/deletions/swaps (never the first letter)."""
    chars = list(word)
    for _ in range(edits):
        i = rng.randrange(1, len(chars) - 1)
        op = rng.choice("sdt")
        if op == "s":
            chars[i] = rng.choice("abcdefghijklmnoprstuv")
        elif op == "d":
            del chars[i]
        else:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def make_queries(n: int, seed: int = 7) -> list[SearchQuery]:
    """A deterministic mix of the queries the marketplace makes."""
    rng = random.Random(seed)
    broad = ["stol", "bord", "chair", "hylle", "lampe", "skap", "desk", "dør", "eik", "svart"]
    long_words = [
        "kontorstol",
        "skrivebord",
        "kjøkkenbenk",
        "terrassebord",
        "arkivskap",
        "spisestol",
        "salongbord",
        "teglstein",
        "gulvlampe",
        "arbeidsstol",
    ]
    prefixes = ["kontorst", "skriv", "k", "ho", "kjøkk", "lamp", "sp", "terr"]
    multi = [
        "kontorstol svart",
        "skrivebord hev senk",
        "spisebord eik",
        "office chair",
        "kjokken skap",
        "blaa sofa",
        "kinnarps 6000",
        "taklampe hvit",
    ]
    leaves = [c[0] for c in CATEGORIES]
    queries = []
    for i in range(n):
        kind = i % 20
        q = SearchQuery(active_at=T0 + 400 * 86400, highlight=rng.random() < 0.5)
        if kind < 4:
            q.q, q.facets = rng.choice(broad), ["category", "condition", "district", "org_kind"]
        elif kind < 7:
            w = rng.choice(long_words)
            q.q, q.facets = typo(w, rng, 2 if len(w) >= 9 else 1), ["category", "condition"]
        elif kind < 9:
            q.q, q.facets = rng.choice(prefixes), ["category"]
        elif kind < 12:
            q.q, q.facets = rng.choice(multi), ["condition", "district"]
        elif kind < 15:
            q.category, q.sort = rng.choice(leaves), "newest"
            q.conditions = rng.sample([c for c, _ in CONDITIONS], 2)
            q.min_price_ore, q.max_price_ore = 0, rng.choice([50_000, 200_000, 1_000_000])
            q.facets = ["category", "condition", "district", "org_kind"]
        elif kind < 17:
            _, _, lat, lng = rng.choice(PLACES)
            q.geo, q.sort = (lat, lng, rng.choice([500, 2000, 5000])), "distance"
            q.q = rng.choice(["", "stol", "bord", "kontorstol"])
            q.facets = ["district"]
        elif kind < 19:
            q.q, q.sort = rng.choice(broad + long_words), rng.choice(["price_asc", "price_desc"])
            q.free_only = q.sort == "price_asc" and rng.random() < 0.3
            q.districts = rng.sample(sorted({p[1] for p in PLACES}), 3)
            q.point = (59.8333, 10.4351)
        else:
            q.q, q.page = rng.choice(broad + ["", ""]), rng.randint(2, 20)
        queries.append(q)
    return queries


def rss_mb() -> float:
    """Resident memory of this process in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def reference_backend(commit: str, workdir: Path) -> Any:
    """The embedded backend of ``commit`` (``git archive``) over ``workdir``.

    Its ``search`` package is imported as ``search_at_<commit>``; the index files
    are shared (same format), so both engines answer over the same documents.
    """
    import importlib
    import subprocess

    root = Path(__file__).resolve().parents[1]
    name = f"search_at_{commit[:10]}"
    dest = Path(tempfile.mkdtemp(prefix="bench-ref-"))
    atexit.register(shutil.rmtree, dest, ignore_errors=True)
    tar = subprocess.run(
        ["git", "-C", str(root), "archive", commit, "search"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
    (dest / "search").rename(dest / name)
    sys.path.insert(0, str(dest))
    package = importlib.import_module(name)
    backend = importlib.import_module(f"{name}.embedded").EmbeddedBackend(workdir)
    backend.query_type = package.SearchQuery
    backend.search(package.SearchQuery(q="bord"))
    return backend


def timed(out: list[tuple[float, float]], fn: Any) -> Any:
    """Call ``fn``; append (wall-clock ms, this thread's CPU ms) to ``out``."""
    c, t = time.thread_time(), time.perf_counter()
    result = fn()
    out.append(((time.perf_counter() - t) * 1000, (time.thread_time() - c) * 1000))
    return result


def build_sqlite(docs: list[dict[str, Any]]) -> sqlite3.Connection:
    """The naive baseline: one table, no indexes beyond the primary key."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE l (id INTEGER PRIMARY KEY, title, description, material, cats, "
        "category_path, condition, price_ore, is_free, org_kind, postcode, district, "
        "lat, lng, published_at, available_until)"
    )
    db.executemany(
        "INSERT INTO l VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                d["id"],
                d["title"],
                d["description"],
                d["material"],
                " ".join(d["category_names"]),
                "/" + "/".join(d["category_path"]) + "/",
                d["condition"],
                d["price_ore"],
                d["is_free"],
                d["org_kind"],
                d["postcode"],
                d["district"],
                d["lat"],
                d["lng"],
                d["published_at"],
                d["available_until"],
            )
            for d in docs
        ],
    )
    db.create_function(
        "dist",
        4,
        lambda a, b, c, d: (
            None if a is None else math.dist((a * 111_195, b * 55_900), (c * 111_195, d * 55_900))
        ),
        deterministic=True,
    )
    return db


def like_search(db: sqlite3.Connection, q: SearchQuery) -> int:
    """The query as a LIKE scan: count, facets (GROUP BY) and one page."""
    where, args = ["1"], []
    for word in q.q.split():
        where.append("(title LIKE ? OR description LIKE ? OR material LIKE ? OR cats LIKE ?)")
        args += [f"%{word}%"] * 4
    if q.category:
        where.append("category_path LIKE ?")
        args.append(f"%/{q.category}/%")
    for col, values in (("condition", q.conditions), ("district", q.districts)):
        if values:
            where.append(f"{col} IN ({','.join('?' * len(values))})")
            args += values
    if q.min_price_ore is not None:
        where += ["price_ore >= ?", "price_ore <= ?"]
        args += [q.min_price_ore, q.max_price_ore]
    if q.free_only:
        where.append("is_free")
    if q.active_at:
        where.append("(available_until IS NULL OR available_until >= ?)")
        args.append(q.active_at)
    point = q.origin()
    if q.geo:
        where.append("dist(lat, lng, ?, ?) <= ?")
        args += list(q.geo)
    cond = " AND ".join(where)
    total = db.execute(f"SELECT count(*) FROM l WHERE {cond}", args).fetchone()[0]
    facet_cols = {
        "category": "category_path",
        "condition": "condition",
        "district": "district",
        "org_kind": "org_kind",
    }
    for name in q.facets or []:
        db.execute(
            f"SELECT {facet_cols[name]}, count(*) FROM l WHERE {cond} GROUP BY 1", args
        ).fetchall()
    order = {
        "newest": "published_at DESC",
        "price_asc": "price_ore",
        "relevance": "id",
        "price_desc": "price_ore DESC",
        "distance": "dist(lat, lng, ?, ?)",
    }[q.sort]
    extra = list(point) if q.sort == "distance" and point else []
    db.execute(
        f"SELECT * FROM l WHERE {cond} ORDER BY {order} LIMIT ? OFFSET ?",
        args + extra + [q.per_page, (q.page - 1) * q.per_page],
    ).fetchall()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--baseline-queries",
        type=int,
        default=None,
        help="run only the first N queries through the LIKE scan (default all)",
    )
    parser.add_argument("--keep", help="build the index in this directory and keep it")
    parser.add_argument(
        "--against",
        metavar="COMMIT",
        help="also run every query on the engine as of COMMIT (its search/ package from git, "
        "over the same index directory), interleaved, as a reference",
    )
    args = parser.parse_args()
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")),
        platform.processor(),
    )
    print(f"machine: {os.cpu_count()} cpus, {cpu}, Python {platform.python_version()}")
    docs = make_docs(args.docs)
    queries = make_queries(args.queries)
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="bench-search-"))
    try:
        rss0 = rss_mb()
        t = time.perf_counter()
        backend = EmbeddedBackend(workdir)
        backend.configure(IndexSettings(synonyms=synonyms()))
        for start in range(0, len(docs), 5000):
            backend.upsert(docs[start : start + 5000])
        build_s = time.perf_counter() - t
        disk = sum(p.stat().st_size for p in workdir.glob("*"))
        print(
            f"build: {len(docs):,} docs in {build_s:.1f} s (upserts of 5,000), "
            f"RSS +{rss_mb() - rss0:.0f} MB, on disk {disk / 1e6:.0f} MB"
        )
        t = time.perf_counter()
        reopened = EmbeddedBackend(workdir)
        reopened.search(SearchQuery(q="stol"))
        print(f"restart: reopening and first query {time.perf_counter() - t:.1f} s")
        reopened.search(SearchQuery(q="bord"))  # the copy the "cold" runs use
        # Each query three ways, interleaved so that they share the machine's load:
        # the engine as it runs in the app (its query caches warm), a second copy
        # of it (the reopened one) with every cache dropped before each query (the
        # cost of a query never seen before), and the LIKE scan (only the first
        # --baseline-queries).
        n_base = args.baseline_queries or len(queries)
        ref = reference_backend(args.against, workdir) if args.against else None
        db = build_sqlite(docs)
        load0 = os.getloadavg()
        warm: list[tuple[float, float]] = []
        cold: list[tuple[float, float]] = []
        base: list[tuple[float, float]] = []
        old: list[tuple[float, float]] = []
        totals = []
        for i, q in enumerate(queries):
            if ref is not None:
                ref_q = ref.query_type(**{f: getattr(q, f) for f in q.__dataclass_fields__})
                timed(old, lambda q=ref_q: ref.search(q))
            totals.append(timed(warm, lambda q=q: backend.search(q).total))
            reopened.drop_caches()
            timed(cold, lambda q=q: reopened.search(q))
            if i < n_base:
                timed(base, lambda q=q: like_search(db, q))
        load1 = os.getloadavg()
        print(
            f"load average {load0[0]:.2f} before, {load1[0]:.2f} after the queries "
            f"({os.cpu_count()} CPUs); CPU = this thread's CPU time per query"
        )
        line = (
            "{:<13} {:>5} queries  median {:8.2f} ms  p95 {:8.2f} ms  max {:8.2f} ms"
            "   (CPU: median {:.2f} ms  p95 {:.2f} ms)"
        )
        rows_by_name = [("engine", warm), ("engine, cold", cold), ("LIKE", base)]
        if old:
            rows_by_name.insert(2, (f"at {args.against[:10]}", old))
        for name, rows in rows_by_name:
            wall, cpu = [w for w, _ in rows], [c for _, c in rows]
            print(
                line.format(
                    name,
                    len(rows),
                    statistics.median(wall),
                    pct(wall, 95),
                    max(wall),
                    statistics.median(cpu),
                    pct(cpu, 95),
                )
            )
        print(f"mean total hits {statistics.mean(totals):,.0f}")
        med, p95 = statistics.median(w for w, _ in warm), pct([w for w, _ in warm], 95)
        cmed, cp95 = statistics.median(w for w, _ in cold), pct([w for w, _ in cold], 95)
        head = [w for w, _ in warm[:n_base]]
        bmed, bp95 = statistics.median(w for w, _ in base), pct([w for w, _ in base], 95)
        print(
            f"ratio  : LIKE / engine  median {bmed / statistics.median(head):.0f}x  "
            f"p95 {bp95 / pct(head, 95):.0f}x (same {n_base} queries); "
            f"cold / warm engine median {cmed / med:.2f}x  p95 {cp95 / p95:.2f}x"
        )
        if old:
            omed, op95 = statistics.median(w for w, _ in old), pct([w for w, _ in old], 95)
            ocpu = [c for _, c in old]
            print(
                f"ratio  : {args.against[:10]} / engine  median {omed / med:.2f}x  "
                f"p95 {op95 / p95:.2f}x wall-clock, CPU p95 "
                f"{pct(ocpu, 95) / pct([c for _, c in warm], 95):.2f}x"
            )
        cpu95 = pct([c for _, c in warm], 95)
        print(
            f"goal p95 <= 3 ms: {'met' if p95 <= 3 else 'MISSED'} wall-clock ({p95:.2f} ms), "
            f"{'met' if cpu95 <= 3 else 'MISSED'} in CPU time ({cpu95:.2f} ms)"
        )
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
