"""Roll-ups follow the ledger in the same transaction, equal a direct aggregation, and
can be rebuilt; periods follow Oslo dates (year ends, summer time)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from app.db import db, rollback
from app.reporting import direct, periods, queries
from app.reporting.check import differences
from app.reporting.models import RollupDim, RollupEU
from app.reporting.rollups import rebuild
from tests.reporting.conftest import oracle


def _eu(period):
    return {r.key: r.figures.as_tuple() for r in queries.aggregate(period, "eu_category").rows
            if not r.figures.is_zero}


def test_a_handover_is_in_the_rollups_at_once(ledger):
    record = ledger.handover(kg="31.500", quantity=2, category="office-chair")
    figures = queries.totals(periods.year_period(2026))
    assert (figures.records, figures.items, figures.kg, figures.co2e_kg) == (
        1, Decimal(2), Decimal("31.500"), record.co2e_kg)
    assert differences(db.session) == []


def test_a_reversal_nets_out_and_a_correction_counts_once(ledger):
    record = ledger.handover(kg="10.000", quantity=3)
    ledger.reverse(record, corrected_kg="12.345")
    figures = queries.totals(periods.year_period(2026))
    assert figures.records == 1 and figures.kg == Decimal("12.345")
    assert figures.items == Decimal(3)
    other = ledger.handover(kg="5.000")
    ledger.reverse(other)
    figures = queries.totals(periods.year_period(2026))
    assert figures.records == 1 and figures.kg == Decimal("12.345")
    assert differences(db.session) == []


def test_rollups_roll_back_with_the_ledger(ledger):
    ledger.flush_only = True
    ledger.handover(kg="7.000")
    assert queries.totals(periods.year_period(2026)).kg == Decimal("7.000")
    rollback()
    assert queries.totals(periods.year_period(2026)).kg == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RollupEU)) == 0


def test_year_boundary_follows_oslo(ledger):
    ledger.handover(at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC), kg="1.000")  # 00:30 Oslo
    ledger.handover(at=datetime(2025, 12, 31, 22, 59, tzinfo=UTC), kg="2.000")  # 23:59 Oslo
    assert queries.totals(periods.year_period(2026)).kg == Decimal("1.000")
    assert queries.totals(periods.year_period(2025)).kg == Decimal("2.000")
    by_year = direct.aggregate(db.session, periods.Period(date(2025, 1, 1), date(2026, 12, 31)),
                               "year")
    assert by_year == {"2025": (1, 1000, 2000, by_year["2025"][3]),
                       "2026": (1, 1000, 1000, by_year["2026"][3])}


def test_summer_time_edges(ledger):
    # Summer time starts 2026-03-29 01:00Z and ends 2026-10-25 01:00Z.
    ledger.handover(at=datetime(2026, 3, 31, 21, 59, tzinfo=UTC), kg="1.000")  # 23:59 +02
    ledger.handover(at=datetime(2026, 3, 31, 22, 0, tzinfo=UTC), kg="2.000")  # 00:00 1 April
    ledger.handover(at=datetime(2026, 10, 31, 22, 59, tzinfo=UTC), kg="4.000")  # 23:59 +01
    ledger.handover(at=datetime(2026, 10, 31, 23, 0, tzinfo=UTC), kg="8.000")  # 1 November
    ledger.handover(at=datetime(2026, 3, 29, 0, 59, tzinfo=UTC), kg="16.000")  # 01:59 +01
    ledger.handover(at=datetime(2026, 3, 29, 1, 0, tzinfo=UTC), kg="32.000")  # 03:00 +02
    months = {r.key: r.figures.kg for r in queries.aggregate(
        periods.year_period(2026), "month").rows}
    assert months["2026-03"] == Decimal("49.000")
    assert months["2026-04"] == Decimal("2.000")
    assert months["2026-10"] == Decimal("4.000")
    assert months["2026-11"] == Decimal("8.000")
    period = periods.year_period(2026)
    assert direct.aggregate(db.session, period, "month") == {
        k: v for k, v in oracle("month").items()}
    assert queries.totals(periods.Period(date(2026, 3, 29), date(2026, 3, 29))).kg == Decimal(
        "48.000")


def test_dst_rule_matches_zoneinfo():
    from datetime import timedelta

    for (start, end), year in zip(periods.dst_ranges(2000, 2100), range(2000, 2101),
                                  strict=True):
        for moment, summer in ((start - timedelta(seconds=1), False), (start, True),
                               (end - timedelta(seconds=1), True), (end, False)):
            offset = moment.astimezone(periods.OSLO).utcoffset()
            assert offset == timedelta(hours=2 if summer else 1), (year, moment)


def test_rebuild_gives_the_same_rollups(ledger):
    for day in range(1, 20):
        record = ledger.handover(at=datetime(2026, 1, day, 12, tzinfo=UTC), kg=f"{day}.125",
                                 category=["sofa", "laptop", "door", "rugs", "bicycles"][day % 5],
                                 weighed=day % 2 == 0, waste_origin=day % 3 == 0)
        if day % 4 == 0:
            ledger.reverse(record, corrected_kg="1.001" if day % 8 == 0 else None)
    before = (sorted(db.session.execute(sa.select(RollupEU.__table__)).all()),
              sorted(db.session.execute(sa.select(RollupDim.__table__)).all()))
    db.session.execute(sa.delete(RollupEU))
    assert differences(db.session) != []
    assert rebuild(db.session) == 19 + 4 + 2
    after = (sorted(db.session.execute(sa.select(RollupEU.__table__)).all()),
             sorted(db.session.execute(sa.select(RollupDim.__table__)).all()))
    assert after == before
    assert differences(db.session) == []
    assert _eu(periods.year_period(2026)) == {k: v for k, v in oracle("eu_category").items()}
