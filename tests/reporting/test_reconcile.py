"""Every total reconciles with the ledger to the gram, reversals included, for random
ledgers, periods and groupings: roll-ups (what the pages and API read) = a direct SQL
aggregation of the ledger = a Python reference using zoneinfo (tests/reporting/conftest).
Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.db import db
from app.listings import weights
from app.listings.categories import category_lookup
from app.reporting import direct, eu, queries
from app.reporting.check import differences
from app.reporting.periods import Period, year_period
from tests.reporting.conftest import Ledger, oracle

# Instants near the edges that matter: Oslo year ends, summer time, month ends.
ANCHORS = [datetime(2025, 12, 31, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
           datetime(2026, 10, 25, 1, 0, tzinfo=UTC), datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
           datetime(2026, 10, 31, 23, 0, tzinfo=UTC), datetime(2024, 2, 29, 23, 0, tzinfo=UTC),
           datetime(2026, 12, 31, 23, 0, tzinfo=UTC)]
instants = st.one_of(
    st.builds(lambda a, m: a + timedelta(minutes=m), st.sampled_from(ANCHORS),
              st.integers(-150, 150)),
    st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)))
kgs = st.integers(1, 5_000_000).map(lambda g: Decimal(g).scaleb(-3))
handovers = st.fixed_dictionaries({
    "at": instants, "kg": kgs,
    "giver": st.sampled_from(["business", "nonprofit", "municipality", "business2"]),
    "receiver": st.sampled_from(["reuse_shop", "nonprofit"]),
    "category": st.sampled_from(["sofa", "office-chair", "laptop", "door", "steel", "rugs",
                                 "bicycles", "timber"]),
    "district": st.sampled_from(["Heggedal", "Slemmestad", "Sandvika", ""]),
    "weighed": st.booleans(), "waste_origin": st.booleans(),
    "quantity": st.integers(1, 40), "unit": st.sampled_from(["pcs", "pcs", "m2"]),
    "price_ore": st.sampled_from([0, 0, 15000, 99]),
})
actions = st.lists(st.tuples(handovers, st.sampled_from([None, "reverse", "correct"]),
                             kgs), min_size=1, max_size=14)
days = st.dates(date(2024, 1, 1), date(2027, 12, 31))


def _rollup_rows(period, group_by, side):
    return {r.key: r.figures.as_tuple()
            for r in queries.aggregate(period, group_by, side).rows if not r.figures.is_zero}


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=actions, a=days, b=days, side=st.sampled_from(["giver", "receiver"]))
def test_every_grouping_reconciles(people, actions, a, b, side):
    period = Period(min(a, b), max(a, b))
    savepoint = db.session.begin_nested()
    try:
        book = Ledger(people.orgs, people.admin, flush_only=True)
        for spec, action, new_kg in actions:
            spec = {**spec, "receiver": spec["receiver"]}
            if spec["giver"] == spec["receiver"]:
                spec["receiver"] = "reuse_shop"
            record = book.handover(**spec)
            if action == "reverse":
                book.reverse(record)
            elif action == "correct":  # a correction must be plausible (app.listings.weights)
                low, high = weights.total_range(category_lookup()[spec["category"]],
                                                spec["unit"], Decimal(spec["quantity"]))
                book.reverse(record, corrected_kg=min(max(new_kg, low), high))
        assert differences(db.session) == []
        for span in (period, year_period(2026), Period(date(2024, 1, 1), date(2027, 12, 31))):
            total = queries.totals(span).as_tuple()
            expected = oracle(None, side, span.start, span.end).get("total", (0, 0, 0, 0))
            assert total == expected
            assert direct.aggregate(db.session, span)["total"] == expected
            for group_by in queries.GROUP_BYS:
                want = oracle(group_by, side, span.start, span.end)
                assert _rollup_rows(span, group_by, side) == want, group_by
                got = direct.aggregate(db.session, span, group_by, side)
                assert {k: v for k, v in got.items() if any(v)} == want, group_by
                report = queries.aggregate(span, group_by, side)
                assert report.total.as_tuple() == expected
            table = eu.eu_table(span)
            assert table.total.figures.as_tuple() == expected
            for row in table.rows:
                parts = [row.weighed, row.estimated]
                assert sum(f.kg_g for f in parts) == row.figures.kg_g
                assert row.direct_reuse.kg_g + row.preparing.kg_g == row.figures.kg_g
                assert sum(f.co2e_g for f in row.factors.values()) == row.figures.co2e_g
    finally:
        savepoint.rollback()
