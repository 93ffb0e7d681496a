"""Benchmark reservations: contested acceptances and the nightly reminder run.

1. Contested acceptance. A listing of 100 units, 200 requests of 1 unit, accepted from
   20 threads at once (each thread its own connection, 10 acceptances in a row, one
   transaction each). Two ways to hold the quantity, interleaved over ``--runs`` runs:

   * ``conditional``: ``UPDATE listings SET quantity_available = quantity_available - q
     WHERE id = :id AND status = 'published' AND quantity_available >= q`` (what
     ``app.exchange.services`` does, on every database);
   * ``for-update`` (PostgreSQL only; SQLite has no row locks, so there it would
     oversell): ``SELECT ... FOR UPDATE`` on the listing, check in Python, ``UPDATE``.

   Prints wall time, acceptances per second and the number accepted (must be 100); on
   SQLite also how often a thread had to restart its transaction ("database is locked").
   The commit writes the outbox rows (e-mail, events) but does not deliver them.

2. Nightly reminders. ``--due`` accepted reservations whose pickup time has passed:
   one ``send_reminders()`` + commit (a reminder e-mail per side as outbox rows), then a
   second run the same day, which must find nothing.

    .venv/bin/python bench/bench_exchange.py
    .venv/bin/python bench/bench_exchange.py --postgres postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

THREADS, PER_THREAD, UNITS = 20, 10, 100


def make_app(url: str, workdir: Path):
    from app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(workdir), "TESTING": False,
        "MEDIA_ROOT": str(workdir / "media"), "MAIL_DIR": str(workdir / "mail"),
        "JOBS_MODE": "inline", "RATELIMIT_ENABLED": False, "MAIL_SERVER": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": THREADS + 5, "max_overflow": 5},
    })


def world(n_requests: int):
    """Two organisations, a published listing of UNITS and ``n_requests`` requests of 1."""
    from app.accounts.services import _new_user, add_member, create_organization
    from app.db import db
    from app.exchange import services
    from app.listings.categories import ensure_categories
    from app.listings.services import create_listing

    ensure_categories()
    tag = uuid.uuid4().hex[:6]
    seller_org = create_organization(f"Giver {tag}", "nonprofit", postcode="1389")
    buyer_org = create_organization(f"Mottaker {tag}", "nonprofit")
    seller = _new_user(f"giver-{tag}@example.no", "Giver", "correct horse battery")
    buyer = _new_user(f"mottaker-{tag}@example.no", "Mottaker", "correct horse battery")
    db.session.flush()
    add_member(seller, seller_org, "owner")
    add_member(buyer, buyer_org, "owner")
    listing = create_listing(seller, seller_org, {
        "title": "Kontorstoler", "category": "office-chair", "condition": "good",
        "quantity": UNITS, "unit": "pcs", "postcode": "1389"}, publish=True)
    db.session.flush()
    ids = [services.request_reservation(buyer, listing.id, 1).id for _ in range(n_requests)]
    db.session.commit()
    return seller.id, listing.id, ids


def take_for_update(listing, quantity, now):
    """The alternative: lock the listing row, check in Python, update."""
    from app.db import db
    from app.exchange import services
    from app.listings.models import Listing

    row = db.session.execute(sa.select(Listing.status, Listing.quantity_available)
                             .where(Listing.id == listing.id).with_for_update()).one()
    if row.status != "published" or row.quantity_available < quantity:
        return False
    db.session.execute(sa.update(Listing).where(Listing.id == listing.id).values(
        quantity_available=Listing.quantity_available - quantity, updated_at=now))
    services._availability_changed(listing)
    return True


def contested(app, variant: str, threads: int = THREADS) -> tuple[float, int, int]:
    from app.accounts.models import User
    from app.db import db
    from app.errors import Conflict
    from app.exchange import services
    from app.exchange.models import Reservation

    with app.app_context():
        seller_id, _listing_id, ids = world(THREADS * PER_THREAD)
        db.session.remove()
    original = services._take
    if variant == "for-update":
        services._take = take_for_update
    per_thread = len(ids) // threads
    barrier = threading.Barrier(threads + 1)
    accepted, retries = [0] * threads, [0] * threads

    def work(t: int) -> None:
        with app.app_context():
            user = db.session.get(User, seller_id)
            user.memberships  # noqa: B018 - loaded before the clock starts
            db.session.rollback()
            barrier.wait()
            for rid in ids[t * per_thread:(t + 1) * per_thread]:
                while True:
                    try:
                        services.accept(db.session.get(Reservation, rid), user)
                        db.session.commit()
                        accepted[t] += 1
                    except Conflict:
                        db.session.rollback()
                    except sa.exc.OperationalError as exc:
                        db.session.rollback()
                        if "locked" in str(exc):
                            retries[t] += 1
                            continue
                        raise
                    break
            db.session.remove()

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for thread in workers:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - start
    services._take = original
    return elapsed, sum(accepted), sum(retries)


def reminders(app, due: int) -> tuple[float, float, int]:
    from app.db import db, utcnow
    from app.exchange.models import Reservation
    from app.exchange.reminders import send_reminders

    with app.app_context():
        _seller_id, listing_id, ids = world(due)
        past = utcnow() - timedelta(days=5)
        db.session.execute(sa.update(Reservation).where(Reservation.id.in_(ids)).values(
            status="accepted", accepted_at=past, pickup_at=past + timedelta(days=3),
            reminders_sent=0, last_reminded_on=None))
        db.session.commit()
        now = utcnow()
        start = time.perf_counter()
        run = send_reminders(now=now)
        db.session.commit()
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = send_reminders(now=now)
        db.session.commit()
        second = time.perf_counter() - start
        assert len(again.reminded) == 0, "a second run the same day must find nothing"
        db.session.remove()
        return first, second, len(run.reminded)


def scratch_postgres(url: str) -> tuple[str, str]:
    base = sa.engine.make_url(url)
    name = f"kretslop_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), name


def drop_postgres(url: str, name: str) -> None:
    admin = sa.create_engine(sa.engine.make_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def run_on(label: str, url: str, args) -> None:
    import app.models  # noqa: F401 - every table
    from app.db import db

    workdir = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    application = make_app(url, workdir)
    with application.app_context():
        db.metadata.drop_all(db.engine)
        db.metadata.create_all(db.engine)
        db.engine.dispose()
    variants = ["conditional"] + (["for-update"] if label == "postgresql" else []) \
        + ["sequential"]
    times: dict[str, list[float]] = {v: [] for v in variants}
    retries: dict[str, list[int]] = {v: [] for v in variants}
    print(f"\n{label}: {THREADS} threads x {PER_THREAD} acceptances, listing of {UNITS}")
    for _run in range(args.runs):
        for variant in variants:
            elapsed, accepted, retried = contested(
                application, "conditional" if variant == "sequential" else variant,
                1 if variant == "sequential" else THREADS)
            assert accepted == UNITS, f"{variant}: {accepted} accepted, expected {UNITS}"
            times[variant].append(elapsed)
            retries[variant].append(retried)
    total = THREADS * PER_THREAD
    for variant in variants:
        median = statistics.median(times[variant])
        extra = f", restarts median {statistics.median(retries[variant]):.0f}" \
            if label == "sqlite" else ""
        print(f"  {variant:12} median {median:6.3f} s  max {max(times[variant]):6.3f} s  "
              f"{total / median:7.0f} attempts/s, {UNITS} accepted every run{extra}")
    first, second, reminded = reminders(application, args.due)
    print(f"  reminders: {reminded} reservations in {first:.2f} s "
          f"({1000 * first / max(reminded, 1):.2f} ms each); same day again {second:.3f} s")
    with application.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--due", type=int, default=2000)
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    from app.config import _database_url

    print(f"machine: nproc={os.cpu_count()}, Python {platform.python_version()}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-exchange-db-"))
    run_on("sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}", args)
    url = _database_url(args.postgres)
    try:
        scratch, name = scratch_postgres(url)
    except sa.exc.OperationalError as exc:
        print(f"\npostgresql: not reachable at {args.postgres} ({exc.orig}); skipped")
        return
    try:
        run_on("postgresql", scratch, args)
    finally:
        drop_postgres(url, name)


if __name__ == "__main__":
    main()
