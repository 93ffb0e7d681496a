"""``flask seed demo`` gives a first ``make run`` eighteen months of history (issue 15):
the dashboard, the EU table, the public statistics and the open data show figures, and
people find reservations in every state and open wanted requests."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from app.db import commit, db, utcnow
from app.demo import ORGANIZATIONS, load_demo
from app.exchange.models import Reservation, ReuseRecord
from app.wanted.models import WantedRequest


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count(m.id)))
                 for m in (ReuseRecord, Reservation, WantedRequest))


def test_the_demo_has_history_and_loading_it_again_adds_nothing(app, client):
    load_demo()
    commit()
    first = _counts()
    load_demo()
    commit()
    assert _counts() == first

    records = db.session.scalars(sa.select(ReuseRecord)).all()
    assert len(records) >= 120
    now = utcnow()
    oldest = min(r.completed_at for r in records)
    assert now - timedelta(days=560) < oldest < now - timedelta(days=500)  # about 18 months
    assert max(r.completed_at for r in records) < now
    months = {(r.completed_at.year, r.completed_at.month) for r in records}
    assert len(months) >= 16  # spread over the period, not in a lump
    assert {r.weight_method for r in records} == {"weighed", "estimated"}
    assert all(r.kind == "handover" and r.kg > 0 and r.co2e_kg > 0 for r in records)
    assert all(r.giver_verified and r.receiver_verified for r in records)
    org_ids = {r.giver_org_id for r in records} & {r.receiver_org_id for r in records}
    assert len(org_ids) == len(ORGANIZATIONS)  # every demo organisation gives and receives
    assert {r.eu_category for r in records} >= {"furniture", "construction", "eee", "textiles"}
    assert any(r.price_ore > 0 for r in records) and any(r.price_ore == 0 for r in records)

    statuses = set(db.session.scalars(sa.select(Reservation.status)))
    assert statuses >= {"requested", "accepted", "declined", "cancelled", "expired",
                        "completed"}
    wanted = set(db.session.scalars(sa.select(WantedRequest.status)))
    assert wanted >= {"open", "fulfilled"}

    # What a first visitor sees: public statistics and open data with real figures.
    html = client.get("/ombruk-i-tall").get_data(as_text=True)
    assert "<svg" in html
    rows = list(csv.DictReader(io.StringIO(
        client.get("/open-data/reuse-eu_category.csv").get_data(as_text=True))))
    totals = [r for r in rows if r["eu_category"] == "total"]
    assert len(totals) >= 2  # last year and this year
    assert all(float(r["kg"]) > 100 for r in totals)
    booked = sum(float(r.kg) for r in records)
    assert abs(sum(float(r["kg"]) for r in totals) - booked) < 1


def test_the_eu_table_of_this_year_is_filled(app):
    """The EU table (decision 2021/19) of the current year has weighed and estimated
    kilograms in several categories, all from verified organisations."""
    from app.reporting.eu import eu_table

    load_demo()
    commit()
    year = utcnow().year
    table = eu_table(year)
    booked = sum(r.kg for r in db.session.scalars(sa.select(ReuseRecord)).all()
                 if r.completed_at.year == year)
    assert table.total.figures.records > 30
    assert table.total.figures.kg == booked
    assert table.total.weighed.kg > 0 and table.total.estimated.kg > 0
    assert sum(1 for row in table.rows if row.figures.records) >= 4
    assert table.unverified.figures.records == 0
