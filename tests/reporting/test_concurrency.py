"""Roll-ups stay exact when hand-overs are recorded at the same time in several
transactions (upserts add; keys are written in one order, so no deadlock)."""

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.db import commit, db
from app.reporting import periods, queries
from app.reporting.check import differences
from tests.reporting.conftest import Ledger


def test_concurrent_handovers_on_the_same_day(committed_app):
    from app.accounts import orgnr
    from app.accounts.services import _new_user, create_organization
    from app.exchange.factors import ensure_emission_factors
    from app.listings.categories import ensure_categories

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    ensure_categories()
    ensure_emission_factors()
    orgs = {"business": create_organization("Giver AS", "business", orgnr.make(81234567)),
            "reuse_shop": create_organization("Mottaker", "reuse_shop", orgnr.make(81234999))}
    admin = _new_user("admin@race.test", "Admin", "correct horse battery", site_admin=True)
    commit()
    at = datetime(2026, 5, 5, 10, tzinfo=UTC)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(n: int) -> None:
        try:
            with committed_app.app_context():
                book = Ledger({k: db.session.merge(v) for k, v in orgs.items()},
                              db.session.merge(admin))
                start.wait()
                for i in range(10):
                    book.handover(at=at, kg=f"{n}.{i:03d}", category="sofa")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    total = queries.totals(periods.year_period(2026), verified=None)  # unverified orgs here
    assert total.records == 40
    assert total.kg == sum(Decimal(f"{n}.{i:03d}") for n in range(1, 5) for i in range(10))
    assert differences(db.session) == []
