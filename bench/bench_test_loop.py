"""Benchmark the two set-ups the test suite repeats most (issue #19), old way against new
way in the same process, interleaved:

* ``create_app`` (once per in-process test): Werkzeug compiling every route's URL
  builders for each app (baseline) against the builders shared in the test process
  (``tests/conftest.py``, ``_share_url_builders``);
* a live stack per test module: a started stack of the process's pool reset to the
  seeded state (``StackPool``, ``LiveStack.reset``) against a stack of its own (a copy
  of the template, started and stopped);
* a live stack's start and stop (once per browser / live-stack test file):
  ``flask db upgrade`` + ``flask seed demo`` per stack (``KRETSLOP_STACK_TEMPLATE=0``,
  baseline) against a copy of the per-process template (``tests/e2e/stack.py``). The
  template's one build is printed separately. ``KRETSLOP_TEST_STACK`` picks the shape
  (``scale`` needs PostgreSQL in ``TEST_DATABASE_URL`` and Redis).

Prints median and p95 of each, their ratio and the load average.

    .venv/bin/python bench/bench_test_loop.py                 # 30 apps, 3 stacks each
    .venv/bin/python bench/bench_test_loop.py --apps 60 --stacks 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.routing.rules import Rule  # noqa: E402

import tests.conftest as test_setup  # noqa: E402  (installs the shared builders)
from app import create_app  # noqa: E402
from tests.e2e import stack as stacks  # noqa: E402


def summary(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[round(0.95 * (len(times) - 1))]


def bench_create_app(runs: int) -> None:
    import sqlalchemy as sa

    import app.models  # noqa: F401
    from app.db import db

    shared = Rule._compile_builder
    werkzeug = shared.werkzeug_compile_builder
    tmp = Path(tempfile.mkdtemp(prefix="bench-apps-"))
    url = f"sqlite:///{tmp / 'apps.sqlite3'}"
    engine = sa.create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()
    times: dict[str, list[float]] = {"werkzeug": [], "shared": []}
    for i in range(runs):
        for name, compile_builder in (("werkzeug", werkzeug), ("shared", shared)):
            Rule._compile_builder = compile_builder
            start = time.perf_counter()
            create_app(test_setup.base_config(tmp / f"{name}{i}", url))
            times[name].append(time.perf_counter() - start)
    Rule._compile_builder = shared
    old, new = summary(times["werkzeug"]), summary(times["shared"])
    print(f"create_app, {runs} each: Werkzeug's builders median {old[0] * 1000:.0f} ms "
          f"p95 {old[1] * 1000:.0f} ms; shared builders median {new[0] * 1000:.0f} ms "
          f"p95 {new[1] * 1000:.0f} ms; median ratio {old[0] / new[0]:.1f}x")


def _stack_once(tmp: Path) -> float:
    start = time.perf_counter()
    live = stacks.LiveStack(tmp)
    try:
        live.start()
    finally:
        live.stop()
    return time.perf_counter() - start


def bench_stacks(runs: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-stacks-"))
    start = time.perf_counter()
    stacks.StackTemplate.for_stack(stacks.LiveStack(tmp / "probe"))
    build = time.perf_counter() - start
    times: dict[str, list[float]] = {"seed": [], "copy": []}
    for i in range(runs):
        for name, flag in (("seed", "0"), ("copy", "1")):
            os.environ["KRETSLOP_STACK_TEMPLATE"] = flag
            times[name].append(_stack_once(tmp / f"{name}{i}"))
    os.environ.pop("KRETSLOP_STACK_TEMPLATE")
    old, new = summary(times["seed"]), summary(times["copy"])
    print(f"live stack ({stacks.stack_mode()}) start+stop, {runs} each: migrate+seed "
          f"median {old[0]:.1f} s p95 {old[1]:.1f} s; template copy median {new[0]:.1f} s "
          f"p95 {new[1]:.1f} s; median ratio {old[0] / new[0]:.1f}x "
          f"(the template's one build: {build:.1f} s)")


def bench_resets(runs: int) -> None:
    """A module's stack from the pool (``StackPool``: ``reset()`` of the started stack the
    module before used) against a stack of its own (a template copy, started and
    stopped), interleaved; each followed by one page, so a cold worker's first render is
    counted in both."""
    import requests

    tmp = Path(tempfile.mkdtemp(prefix="bench-resets-"))
    kept = stacks.LiveStack(tmp / "kept").start()
    times: dict[str, list[float]] = {"own": [], "reset": []}
    try:
        for i in range(runs):
            start = time.perf_counter()
            own = stacks.LiveStack(tmp / f"own{i}")
            try:
                own.start()
                requests.get(own.url + "/", timeout=30).raise_for_status()
            finally:
                own.stop()
            times["own"].append(time.perf_counter() - start)
            start = time.perf_counter()
            kept.reset()
            requests.get(kept.url + "/", timeout=30).raise_for_status()
            times["reset"].append(time.perf_counter() - start)
    finally:
        kept.stop()
    old, new = summary(times["own"]), summary(times["reset"])
    print(f"live stack ({stacks.stack_mode()}) per module, {runs} each: own stack (copy, "
          f"start, first page, stop) median {old[0]:.2f} s p95 {old[1]:.2f} s; pooled stack "
          f"(reset, first page) median {new[0]:.2f} s p95 {new[1]:.2f} s; "
          f"median ratio {old[0] / new[0]:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=30)
    parser.add_argument("--stacks", type=int, default=3)
    parser.add_argument("--resets", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    if args.apps:
        bench_create_app(args.apps)
    if args.stacks:
        bench_stacks(args.stacks)
    if args.resets:
        bench_resets(args.resets)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
