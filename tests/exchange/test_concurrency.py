"""Never oversold, also under concurrent acceptances (real commits, one connection per thread).

* Through the service, on the suite's database: 20 reservations of 1 unit against a
  listing of 5, all accepted at the same moment from 20 threads. On SQLite, where a writer
  whose snapshot went stale gets "database is locked" at once, each thread retries its
  unit of work the way a client retries; the outcome must be the same.
* Through the real HTTP API of a served app, always on PostgreSQL (a scratch database on
  the CI server when the suite itself runs on SQLite): exactly 5 answers are 200, the
  other 15 are 409 naming the current state. The app is served as
  ``KRETSLOP_TEST_STACK`` says: a threaded werkzeug server in this process (embedded,
  the default), or gunicorn x2 with an RQ worker (scale, CI's PostgreSQL pass), so the
  acceptances race in two server processes.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import create_app
from app.db import db, utcnow
from app.errors import Conflict
from tests.conftest import (
    IsolatedClient,
    _drop_postgres_database,
    _postgres_scratch_database,
    base_config,
    truncate_all,
)
from tests.e2e.stack import LiveStack, stack_mode

THREADS, UNITS = 20, 5
POOL = {"pool_size": THREADS + 5, "max_overflow": 5, "pool_pre_ping": True}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SQLALCHEMY_ENGINE_OPTIONS": POOL}


def _setup(units: int = UNITS, reservations: int = THREADS) -> dict:
    """Committed: two organisations, a listing of ``units`` and many requests of 1."""
    from app.accounts import orgnr
    from app.accounts.services import _new_user, add_member, create_api_token
    from app.accounts.services import create_organization as org
    from app.exchange import services
    from app.listings.categories import ensure_categories
    from app.listings.services import create_listing

    ensure_categories()
    seller_org = org("Heggedal Bygg AS", "business", orgnr.make(91234567), postcode="1389")
    buyer_org = org("Miljøsofa Asker", "reuse_shop", orgnr.make(93456789))
    seller = _new_user("giver@example.no", "Giver", "correct horse battery")
    buyer = _new_user("mottaker@example.no", "Mottaker", "correct horse battery")
    db.session.flush()
    add_member(seller, seller_org, "owner")
    add_member(buyer, buyer_org, "owner")
    # One unanswered request per organisation and listing: each request from its own shop.
    shops = [buyer_org] + [org(f"Butikk {i}", "reuse_shop", orgnr.make(93456789 + 7 * i))
                           for i in range(1, reservations)]
    db.session.flush()
    for shop in shops[1:]:
        add_member(buyer, shop, "owner")
    listing = create_listing(seller, seller_org, {
        "title": "Kontorstoler", "category": "office-chair", "condition": "good",
        "quantity": units, "unit": "pcs", "postcode": "1389"}, publish=True)
    db.session.flush()
    ids = [services.request_reservation(buyer, listing.id, 1, organization_id=shop.id).id
           for shop in shops]
    token, raw = create_api_token(seller, "test")
    token.last_used_at = utcnow()  # else every first request updates (and locks) its row
    db.session.commit()
    return {"listing_id": listing.id, "seller_id": seller.id, "buyer_id": buyer.id,
            "reservation_ids": ids, "seller_token": raw}


def _outcome(listing_id: int) -> tuple:
    from app.exchange.models import Reservation
    from app.listings.models import Listing

    db.session.rollback()
    listing = db.session.get(Listing, listing_id)
    db.session.refresh(listing)
    statuses = db.session.execute(sa.select(Reservation.status, sa.func.count()).where(
        Reservation.listing_id == listing_id).group_by(Reservation.status)).all()
    return listing.status, listing.quantity_available, dict(statuses)


def _is_locked(exc: Exception) -> bool:
    return isinstance(exc, sa.exc.OperationalError) and "locked" in str(exc)


def _in_threads(app, count, unit_of_work) -> list:
    """Run ``unit_of_work(i)`` in ``count`` threads, each with its own app context and
    connection, released together by a barrier. Retries on SQLite's 'locked'."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        with app.app_context():
            try:
                for attempt in range(500):
                    try:
                        prepared = unit_of_work(i, "prepare")
                        if attempt == 0:
                            barrier.wait(timeout=60)
                        results[i] = unit_of_work(i, prepared)
                        db.session.commit()
                        return
                    except Exception as exc:  # noqa: BLE001 - sorted out below
                        db.session.rollback()
                        if _is_locked(exc):
                            continue
                        results[i] = exc
                        return
                results[i] = RuntimeError("still locked after 500 attempts")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def test_parallel_acceptances_through_the_service_never_oversell(committed_app):
    from app.accounts.models import User
    from app.exchange import services
    from app.exchange.models import Reservation

    world = _setup()

    def accept(i, prepared):
        if prepared == "prepare":
            user = db.session.get(User, world["seller_id"])
            user.memberships  # noqa: B018 - loaded before the race
            return user, db.session.get(Reservation, world["reservation_ids"][i])
        user, reservation = prepared
        return services.accept(reservation, user).status

    results = _in_threads(committed_app, THREADS, accept)
    accepted = [r for r in results if r == "accepted"]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(accepted) == UNITS, results
    assert len(conflicts) == THREADS - UNITS, results
    assert {(c.extra["state"], c.extra["quantity_available"], c.extra["listing_status"])
            for c in conflicts} == {("requested", 0, "reserved")}
    assert _outcome(world["listing_id"]) == (
        "reserved", Decimal(0), {"accepted": UNITS, "requested": THREADS - UNITS})


def test_both_sides_confirming_at_once_complete_exactly_once(committed_app):
    from app.accounts.models import User
    from app.exchange import handover, services
    from app.exchange.models import Reservation, ReuseRecord

    world = _setup(reservations=1)
    rid = world["reservation_ids"][0]
    seller = db.session.get(User, world["seller_id"])
    services.accept(db.session.get(Reservation, rid), seller)
    db.session.commit()

    def confirm(i, prepared):
        user_id = world["seller_id"] if i == 0 else world["buyer_id"]
        if prepared == "prepare":
            user = db.session.get(User, user_id)
            user.memberships  # noqa: B018
            return user, db.session.get(Reservation, rid)
        user, reservation = prepared
        return handover.confirm_handover(reservation, user)

    results = _in_threads(committed_app, 2, confirm)
    assert sum(isinstance(r, ReuseRecord) for r in results) == 1, results
    assert sum(r is None for r in results) == 1, results
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ReuseRecord.id))) == 1
    assert db.session.get(Reservation, rid).status == "completed"


# --- the real HTTP API on PostgreSQL ------------------------------------------------------


@pytest.fixture
def postgres_app(request, tmp_path, app_config):
    """A really committing app on PostgreSQL: the suite's database when it is PostgreSQL,
    else a scratch database on the CI server (service_missing when there is none)."""
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        yield request.getfixturevalue("committed_app")
        return
    from app.config import _database_url

    url = _database_url(os.environ.get("CI_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    scratch, name = _postgres_scratch_database(url)
    import app.models  # noqa: F401

    engine = sa.create_engine(scratch)
    db.metadata.create_all(engine)
    engine.dispose()
    config = {**base_config(tmp_path, scratch), "SQLALCHEMY_ENGINE_OPTIONS": POOL}
    application = create_app(config)
    application.test_client_class = IsolatedClient
    try:
        with application.app_context():
            try:
                yield application
            finally:
                db.session.remove()
                truncate_all(db.engine)
                db.engine.dispose()
    finally:
        _drop_postgres_database(url, name)


@pytest.fixture
def served_on_postgres(request, tmp_path):
    """(app in this process, URL of the same app served over HTTP), on PostgreSQL."""
    if stack_mode() == "scale":
        stack = LiveStack(tmp_path / "stack", mode="scale", seed=False)
        try:
            stack.start()
            with stack.app_beside(SQLALCHEMY_ENGINE_OPTIONS=POOL) as application:
                yield application, stack.url
        finally:
            stack.stop()
        return
    from werkzeug.serving import make_server

    application = request.getfixturevalue("postgres_app")
    server = make_server("127.0.0.1", 0, application, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        yield application, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        serving.join(timeout=10)


def test_parallel_acceptances_over_http_on_postgresql(served_on_postgres):
    _app, url = served_on_postgres
    world = _setup()
    base = f"{url}/api/v1"
    barrier = threading.Barrier(THREADS)
    answers: list = [None] * THREADS

    def post(i: int) -> None:
        rid = world["reservation_ids"][i]
        req = urllib.request.Request(  # noqa: S310 - http to our own test server
            f"{base}/reservations/{rid}/accept", data=b"{}", method="POST",
            headers={"Authorization": f"Bearer {world['seller_token']}",
                     "Content-Type": "application/json"})
        barrier.wait(timeout=60)
        try:
            with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310
                answers[i] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as exc:
            answers[i] = (exc.code, json.loads(exc.read()))

    clients = [threading.Thread(target=post, args=(i,)) for i in range(THREADS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=120)
    codes = sorted(code for code, _body in answers)
    assert codes == [200] * UNITS + [409] * (THREADS - UNITS), answers
    for code, body in answers:
        if code == 200:
            assert body["status"] == "accepted"
        else:
            assert body["state"] == "requested" and body["quantity_available"] == 0
            assert body["listing_status"] == "reserved"
    assert _outcome(world["listing_id"]) == (
        "reserved", Decimal(0), {"accepted": UNITS, "requested": THREADS - UNITS})


def test_parallel_reversals_over_http_have_one_winner_and_json_409s(served_on_postgres):
    """Issue 14 item 6: the losers of parallel reversals of one record got gunicorn's bare
    HTML 500 (the error handler failed after the failed write). Each must be a JSON 409."""
    from app.exchange import handover, services
    from app.exchange.models import Reservation, ReuseRecord

    _app, url = served_on_postgres
    world = _setup(units=2, reservations=1)
    from app.accounts.models import User

    seller = db.session.get(User, world["seller_id"])
    buyer = db.session.get(User, world["buyer_id"])
    reservation = db.session.get(Reservation, world["reservation_ids"][0])
    services.accept(reservation, seller)
    handover.confirm_handover(reservation, seller)
    record = handover.confirm_handover(reservation, buyer)
    db.session.commit()
    assert record is not None
    record_id = record.id
    barrier = threading.Barrier(THREADS)
    answers: list = [None] * THREADS

    def post(i: int) -> None:
        req = urllib.request.Request(  # noqa: S310 - http to our own test server
            f"{url}/api/v1/ledger/{record_id}/reverse", method="POST",
            data=json.dumps({"reason": f"Feilregistrert ({i})"}).encode(),
            headers={"Authorization": f"Bearer {world['seller_token']}",
                     "Content-Type": "application/json"})
        barrier.wait(timeout=60)
        try:
            with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310
                answers[i] = (response.status, response.headers.get_content_type(),
                              response.read())
        except urllib.error.HTTPError as exc:
            answers[i] = (exc.code, exc.headers.get_content_type(), exc.read())

    clients = [threading.Thread(target=post, args=(i,)) for i in range(THREADS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=120)
    codes = sorted(code for code, _type, _body in answers)
    assert codes[0] in (200, 201) and codes[1:] == [409] * (THREADS - 1), answers
    for code, content_type, body in answers:
        if code == 409:
            assert content_type == "application/problem+json", body[:200]
            assert json.loads(body)["status"] == 409
    db.session.expire_all()
    reversals = db.session.scalars(sa.select(ReuseRecord).where(
        ReuseRecord.reverses_id == record_id)).all()
    assert len(reversals) == 1
