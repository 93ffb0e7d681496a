"""Load benchmark: requests/s and p95 for the main pages under gunicorn, each against a
minimal Flask "hello" app measured in the same run with the same server settings.

Needs `wrk` (Debian package). Runs everything on 127.0.0.1 and stops by itself.

    .venv/bin/python bench/bench_load.py [--seconds 10] [--connections 16] [--workers 2]
                                         [--only ROW [--only ROW ...]] [--list]
                                         [--baseline-tree DIR]

Rows marked "logged in" send the session cookie of a demo organisation member (logged in
once over HTTP with the demo password); the page cache never serves a logged-in visitor,
so those pages are always rendered. "API search, token" sends a bearer API token of the
same member (made with `flask tokens create`). `--only` takes a row name (exact, else
every row whose name contains it, case-insensitive): `--only "listing, logged in"`,
`--only "logged in"` (all logged-in rows), `--only home --only "API search"`.

`--baseline-tree DIR` also serves an older checkout of the project (e.g. `git archive
<commit> | tar -x -C DIR`, with `.venv` linked) on the same database, and measures every
row on it right after the current code, in the same run: a "before/after" that a machine
shared with other work cannot skew between two runs minutes apart.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US=%d\\n", latency:percentile(95)))
  io.write(string.format("P50_US=%d\\n", latency:percentile(50)))
end
"""
HELLO = """
from flask import Flask
app = Flask(__name__)

@app.get("/")
def hello():
    return "hello"
"""
# A member of a demo organisation (README: demo accounts, password `kretslop-demo`).
DEMO_MEMBER = "sofa@demo.kretslop.no"
DEMO_PASSWORD = "kretslop-demo"  # noqa: S105 - public demo password
ROWS = ("home", "search page", "listing page", "API search",
        "home, rendered", "search, rendered", "listing, rendered",
        "home, logged in", "search, logged in", "listing, logged in", "API search, token",
        "floor: /healthz", "floor: /healthz, logged in")


def select_rows(only: list[str] | None) -> list[str]:
    """Row names chosen by --only: an exact name, else every row containing the text."""
    if not only:
        return list(ROWS)
    chosen: list[str] = []
    for wanted in only:
        wanted = wanted.strip().lower()
        exact = [row for row in ROWS if row.lower() == wanted]
        matches = exact or [row for row in ROWS if wanted in row.lower()]
        if not matches:
            sys.exit(f"--only {wanted!r} matches no row; rows: {', '.join(ROWS)}")
        chosen += [row for row in matches if row not in chosen]
    return [row for row in ROWS if row in chosen]


def log_in(base: str, email: str, password: str) -> str:
    """Log in over HTTP like a browser; the Cookie header value of the resulting session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) \
        or re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = urllib.parse.urlencode({"csrf_token": csrf.group(1), "email": email,
                                   "password": password}).encode()
    final = opener.open(base + "/login", data=data)
    if "/login" in final.geturl():
        raise RuntimeError(f"logging in as {email} failed (ended on {final.geturl()})")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    # The cookie must really carry the login: the account page answers 200, not a redirect.
    check = urllib.request.Request(base + "/account", headers={"Cookie": cookie})  # noqa: S310
    try:
        with urllib.request.build_opener(NoRedirect).open(check) as response:
            status = response.status
    except urllib.error.HTTPError as exc:  # a redirect to /login arrives as an error here
        status = exc.code
    if status != 200:
        raise RuntimeError(f"session cookie for {email} is not logged in ({status})")
    return cookie


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def gunicorn(app_path: str, port: int, workers: int, env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--workers", str(workers), "--threads", "1",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app_path],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_wrk(url: str, seconds: int, connections: int, script: Path,
            headers: tuple[str, ...] = ()) -> tuple[float, float]:
    extra = [arg for header in headers for arg in ("-H", header)]
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script),
         *extra, url],
        capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:  # said on the row's line, not hidden, and the other rows still run
        print(f"!! {url}: {non2xx.group(1)} error responses", flush=True)
    p95 = int(re.search(r"P95_US=(\d+)", out).group(1)) / 1000
    return rps, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", action="append", metavar="ROW",
                        help="run only this row (repeatable; exact name or part of names)")
    parser.add_argument("--list", action="store_true", help="print the row names and stop")
    parser.add_argument("--baseline-tree", type=Path, metavar="DIR",
                        help="also measure each row on this older checkout, same run")
    args = parser.parse_args()
    if args.list:
        print("\n".join(ROWS))
        return
    rows = select_rows(args.only)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")

    tmp = Path(tempfile.mkdtemp(prefix="kretslop-load-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'load.sqlite3'}",
           "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "bench",
           "RATELIMIT_ENABLED": "0", "JOBS_MODE": "inline"}
    for key in ("REDIS_URL", "MEILI_URL", "STRIPE_SECRET_KEY"):
        env.pop(key, None)
    flask = [PYTHON, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    subprocess.run([*flask, "seed", "demo"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    token = subprocess.run([*flask, "tokens", "create", DEMO_MEMBER, "--name", "bench"],
                           cwd=ROOT, env=env, check=True, capture_output=True,
                           text=True).stdout.strip().splitlines()[-1]
    (tmp / "hello_app.py").write_text(HELLO)
    script = tmp / "p95.lua"
    script.write_text(LUA)

    app_port, nocache_port, hello_port = free_port(), free_port(), free_port()
    servers = [gunicorn("wsgi:app", app_port, args.workers, env, ROOT),
               gunicorn("wsgi:app", nocache_port, args.workers,
                        {**env, "PAGE_CACHE_SECONDS": "0"}, ROOT),
               gunicorn("hello_app:app", hello_port, args.workers, env, tmp)]
    before: dict[str, str] = {}
    if args.baseline_tree:
        tree = args.baseline_tree.resolve()
        old_port, old_nocache_port = free_port(), free_port()
        servers += [gunicorn("wsgi:app", old_port, args.workers, env, tree),
                    gunicorn("wsgi:app", old_nocache_port, args.workers,
                             {**env, "PAGE_CACHE_SECONDS": "0"}, tree)]
    try:
        base = f"http://127.0.0.1:{app_port}"
        nocache = f"http://127.0.0.1:{nocache_port}"
        wait_up(base + "/healthz")
        wait_up(nocache + "/healthz")
        if args.baseline_tree:
            before = {base: f"http://127.0.0.1:{old_port}",
                      nocache: f"http://127.0.0.1:{old_nocache_port}"}
            for url in before.values():
                wait_up(url + "/healthz")
        wait_up(f"http://127.0.0.1:{hello_port}/")
        listing = re.search(r'href="/listings/(\d+)"',
                            urllib.request.urlopen(base + "/listings").read().decode())  # noqa: S310
        listing_path = f"/listings/{listing.group(1)}"
        # Anonymous visitors on the public pages are served by the page cache after the
        # first request; "rendered" rows are the same pages with the cache off (what a
        # logged-in visitor, or the first visitor after a change, costs).
        cookie = f"Cookie: {log_in(base, DEMO_MEMBER, DEMO_PASSWORD)}"
        bearer = f"Authorization: Bearer {token}"
        runs = {"home": (base, "/", ()), "search page": (base, "/search?q=stol", ()),
                "listing page": (base, listing_path, ()),
                "API search": (base, "/api/v1/search?q=stol", ()),
                "home, rendered": (nocache, "/", ()),
                "search, rendered": (nocache, "/search?q=stol", ()),
                "listing, rendered": (nocache, listing_path, ()),
                # Logged in: the page cache is on but never serves a logged-in visitor.
                "home, logged in": (base, "/", (cookie,)),
                "search, logged in": (base, "/search?q=stol", (cookie,)),
                "listing, logged in": (base, listing_path, (cookie,)),
                "API search, token": (base, "/api/v1/search?q=stol", (bearer,)),
                # The floor: a route that renders nothing and reads no table, through
                # every hook a page goes through (what Flask and our middleware cost).
                "floor: /healthz": (nocache, "/healthz", ()),
                "floor: /healthz, logged in": (nocache, "/healthz", (cookie,))}
        nproc = os.cpu_count()
        cpu = next((line.split(":", 1)[1].strip() for line in
                    Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "unknown")
        print(f"machine: nproc={nproc}, CPU={cpu}; gunicorn --workers {args.workers} "
              f"(sync); wrk -t2 -c{args.connections} -d{args.seconds}s; SQLite, demo data; "
              f"load average before: {os.getloadavg()[0]:.1f}")
        for name in rows:
            server, path, headers = runs[name]
            # The baseline is measured right before each page, in the same run.
            hello_rps, hello_p95 = run_wrk(f"http://127.0.0.1:{hello_port}/", args.seconds,
                                           args.connections, script)
            rps, p95 = run_wrk(server + path, args.seconds, args.connections, script, headers)
            print(f"{name:26} {rps:8.1f} req/s  p95 {p95:7.1f} ms   | hello {hello_rps:8.1f} "
                  f"req/s  p95 {hello_p95:6.1f} ms   | ratio {rps / hello_rps:6.1%}", flush=True)
            if before:
                old_rps, old_p95 = run_wrk(before[server] + path, args.seconds,
                                           args.connections, script, headers)
                print(f"{'  ...before':26} {old_rps:8.1f} req/s  p95 {old_p95:7.1f} ms   | "
                      f"ratio {old_rps / hello_rps:6.1%}   | now/before {rps / old_rps:5.2f}x",
                      flush=True)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a loaded machine: don't leave it running
                server.kill()
                server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
