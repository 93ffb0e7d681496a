"""CPU time per request of the main pages, this checkout against an older one, interleaved.

On a machine shared with other work, wall-clock load tests (bench/bench_load.py) swing
with everyone else's load. CPU time spent by the process serving a request swings far
less: this script serves the pages through Flask's test client (real app, real SQLite
database with the demo data, the page cache off so every page renders, logged in over
HTTP like a browser for the "logged in" rows) and reports the median and p95 of
`time.process_time()` per request. With `--baseline-tree DIR` (an older checkout, e.g.
`git archive <commit> | tar -x -C DIR`) both run in alternating rounds in two child
processes on the same database, and the ratio is printed.

    .venv/bin/python bench/bench_pages.py [--requests 300] [--rounds 4] [--baseline-tree DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MEMBER, PASSWORD = "sofa@demo.kretslop.no", "kretslop-demo"  # noqa: S105 - public demo
PAGES = (("home, rendered", "/", False), ("listing, rendered", "{listing}", False),
         ("home, logged in", "/", True), ("listing, logged in", "{listing}", True))

CHILD = r'''
import json, os, re, sys, time
sys.path.insert(0, os.getcwd())
from app import create_app
app = create_app()
anonymous = app.test_client(use_cookies=False)
member = app.test_client()
page = member.get("/login").get_data(as_text=True)
csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
answer = member.post("/login", data={"csrf_token": csrf, "email": sys.argv[2],
                                     "password": sys.argv[3]})
assert answer.status_code == 302, answer.status_code
listing = re.search(r'href="(/listings/\d+)"', anonymous.get("/listings").get_data(
    as_text=True)).group(1)
pages = json.loads(sys.argv[4])
n = int(sys.argv[1])
out = {}
for name, path, logged_in in pages:
    client = member if logged_in else anonymous
    path = path.format(listing=listing)
    for _ in range(20):
        assert client.get(path).status_code == 200
    times = []
    for _ in range(n):
        start = time.process_time()
        response = client.get(path)
        times.append(time.process_time() - start)
        assert response.status_code == 200
    out[name] = times
print("RESULT=" + json.dumps(out))
'''


def run_child(tree: Path, env: dict, requests: int) -> dict[str, list[float]]:
    out = subprocess.run(
        [PYTHON, "-c", CHILD, str(requests), MEMBER, PASSWORD, json.dumps(PAGES)],
        cwd=tree, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(re.search(r"^RESULT=(.*)$", out, re.M).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per page and round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--baseline-tree", type=Path, metavar="DIR")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kretslop-pages-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'pages.sqlite3'}",
           "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "bench",
           "RATELIMIT_ENABLED": "0", "JOBS_MODE": "inline", "PAGE_CACHE_SECONDS": "0",
           "JOBS_RETRY_SECONDS": "0"}
    for key in ("REDIS_URL", "MEILI_URL", "STRIPE_SECRET_KEY"):
        env.pop(key, None)
    flask = [PYTHON, "-m", "flask", "--app", "wsgi"]
    try:
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        subprocess.run([*flask, "seed", "demo"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        trees = {"now": ROOT}
        if args.baseline_tree:
            trees["before"] = args.baseline_tree.resolve()
        print(f"nproc={os.cpu_count()}; test client, SQLite, demo data, page cache off; "
              f"{args.rounds} rounds x {args.requests} requests per page; CPU time per "
              f"request; load average before: {os.getloadavg()[0]:.1f}")
        times: dict[str, dict[str, list[float]]] = {t: {} for t in trees}
        for _ in range(args.rounds):
            for label, tree in trees.items():  # alternating: both see the same load
                for name, values in run_child(tree, env, args.requests).items():
                    times[label].setdefault(name, []).extend(values)
        for name, _path, _logged_in in PAGES:
            row = []
            for label in trees:
                values = sorted(times[label][name])
                median = statistics.median(values) * 1000
                p95 = values[int(len(values) * 0.95)] * 1000
                row.append((label, median, p95))
            text = "   ".join(f"{label} median {m:6.2f} ms p95 {p:6.2f} ms"
                              for label, m, p in row)
            if len(row) == 2:
                text += f"   | before/now {row[1][1] / row[0][1]:4.2f}x"
            print(f"{name:18} {text}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
