"""Keeping the daily roll-ups equal to the ledger.

A listener on every ORM session's ``after_flush`` sees the :class:`ReuseRecord` rows the
flush inserted, reads them back as stored and adds them to the roll-ups with
``INSERT ... ON CONFLICT DO UPDATE`` (additions commute, so concurrent transactions
cannot lose one another's sums) - inside the same transaction, so the roll-ups commit
or roll back with the ledger rows. Rows written around the ORM (raw SQL, COPY) are not
seen: run ``flask reports rebuild-rollups`` after such a load; ``reports check-rollups``
compares the roll-ups with a direct aggregation of the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.exchange.models import ReuseRecord
from app.reporting.models import RollupDim, RollupEU
from app.reporting.periods import OSLO

R = ReuseRecord
LEDGER_COLUMNS = (R.kind, R.completed_at, R.eu_category, R.weight_method, R.waste_origin,
                  R.factor_id, R.category_slug, R.district, R.giver_kind, R.receiver_kind,
                  R.giver_org_id, R.receiver_org_id, R.municipality_number, R.unit,
                  R.quantity, R.kg, R.co2e_kg, R.giver_verified, R.receiver_verified)
EU_KEYS = ("day", "eu_category", "weight_method", "waste_origin", "factor_id", "verified")
DIM_KEYS = ("dimension", "day", "key", "verified")
SUMS = ("records", "items_milli", "kg_g", "co2e_g")
#: ``session.info`` flag that switches the listener off (bulk loads that rebuild after).
PAUSED = "reporting_rollups_paused"
BATCH = 5000

Sums = list[int]  # records, items_milli, kg_g, co2e_g


def milli(value: Decimal) -> int:
    """A Decimal with at most 3 decimals as an exact integer number of thousandths."""
    return int((Decimal(value) * 1000).to_integral_value(ROUND_HALF_UP))


def accumulate(rows: Iterable, eu: dict, dims: dict) -> date | None:
    """Add ledger rows (columns as :data:`LEDGER_COLUMNS`) to the two key -> sums maps.
    Returns the Oslo date of the last row."""
    day = None
    for (kind, completed_at, eu_category, weight_method, waste_origin, factor_id, category,
         district, giver_kind, receiver_kind, giver_org, receiver_org, municipality, unit,
         quantity, kg, co2e, giver_verified, receiver_verified) in rows:
        day = completed_at.astimezone(OSLO).date()
        verified = bool(giver_verified) and bool(receiver_verified)
        add = (-1 if kind == "reversal" else 1, milli(quantity) if unit == "pcs" else 0,
               milli(kg), milli(co2e))
        _add(eu, (day, eu_category, weight_method, bool(waste_origin), factor_id, verified), add)
        for key in (("category", day, category), ("district", day, district or ""),
                    ("giver_kind", day, giver_kind), ("receiver_kind", day, receiver_kind),
                    ("giver_org", day, str(giver_org)), ("receiver_org", day, str(receiver_org)),
                    ("municipality", day, municipality)):
            _add(dims, (*key, verified), add)
    return day


def _add(target: dict, key: tuple, add: tuple) -> None:
    sums = target.get(key)
    if sums is None:
        target[key] = list(add)
    else:
        for i in range(4):
            sums[i] += add[i]


def _rows(sums: dict, keys: tuple[str, ...]) -> list[dict]:
    rows = []
    for key, values in sums.items():
        row = dict(zip(keys, key, strict=True))
        row.update(zip(SUMS, values, strict=True))
        row["year"], row["month"] = row["day"].year, row["day"].month
        rows.append(row)
    rows.sort(key=lambda r: tuple(str(r[k]) for k in keys))  # one lock order for all writers
    return rows


def add_to_rollups(connection: sa.Connection, eu: dict, dims: dict) -> None:
    """Upsert (add) the sums into the roll-up tables."""
    for model, keys, sums in ((RollupEU, EU_KEYS, eu), (RollupDim, DIM_KEYS, dims)):
        rows = _rows(sums, keys)
        if rows:
            _upsert(connection, model.__table__, keys, rows)


def _upsert(connection: sa.Connection, table: sa.Table, keys: tuple[str, ...],
            rows: list[dict]) -> None:
    name = connection.dialect.name
    if name in ("postgresql", "sqlite"):
        insert = (postgresql if name == "postgresql" else sqlite).insert(table)
        statement = insert.on_conflict_do_update(
            index_elements=list(keys),
            set_={c: table.c[c] + insert.excluded[c] for c in SUMS})
        for start in range(0, len(rows), BATCH):
            connection.execute(statement, rows[start:start + BATCH])
        return
    for row in rows:  # any other database: update, else insert
        match = sa.and_(*(table.c[k] == row[k] for k in keys))
        result = connection.execute(sa.update(table).where(match).values(
            {c: table.c[c] + row[c] for c in SUMS}))
        if result.rowcount == 0:
            connection.execute(sa.insert(table).values(row))


@event.listens_for(Session, "after_flush")
def _keep_rollups(session: Session, flush_context) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, ReuseRecord)]
    if not ids or session.info.get(PAUSED):
        return
    connection = session.connection()
    eu: dict = {}
    dims: dict = {}
    for start in range(0, len(ids), BATCH):
        accumulate(connection.execute(sa.select(*LEDGER_COLUMNS).where(
            R.id.in_(ids[start:start + BATCH]))), eu, dims)
    add_to_rollups(connection, eu, dims)


def rebuild(session: Session, progress: Callable[[int], None] | None = None) -> int:
    """Empty the roll-ups and sum the whole ledger into them again, in Oslo-day order so
    only about a day of sums is held at a time. Returns the number of ledger rows."""
    from app.pagecache import mark_written

    mark_written(session)  # the public statistics page shows the roll-ups
    connection = session.connection()
    connection.execute(sa.delete(RollupEU))
    connection.execute(sa.delete(RollupDim))
    query = (sa.select(*LEDGER_COLUMNS).order_by(R.completed_at, R.id)
             .execution_options(stream_results=True, yield_per=BATCH))
    result = connection.execute(query)
    eu: dict = {}
    dims: dict = {}
    count = 0
    for batch in result.partitions():
        # Write out finished days (all but the last row's day, which may go on).
        last_day = accumulate(batch, eu, dims)
        count += len(batch)
        if len(dims) > 50 * BATCH:
            _write_finished(connection, eu, dims, last_day)
        if progress:
            progress(len(batch))
    _insert(connection, eu, dims)
    return count


def _insert(connection: sa.Connection, eu: dict, dims: dict) -> None:
    """Plain inserts for a rebuild (every key is written once): COPY on PostgreSQL."""
    for model, keys, sums in ((RollupEU, EU_KEYS, eu), (RollupDim, DIM_KEYS, dims)):
        rows = _rows(sums, keys)
        if not rows:
            continue
        table = model.__table__
        if connection.dialect.name == "postgresql":
            names = [c.name for c in table.columns]
            raw = connection.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[n] for n in names])
        else:
            for start in range(0, len(rows), BATCH):
                connection.execute(sa.insert(table), rows[start:start + BATCH])


def _write_finished(connection, eu: dict, dims: dict, open_day: date) -> None:
    done_eu = {k: v for k, v in eu.items() if k[0] != open_day}
    done_dims = {k: v for k, v in dims.items() if k[1] != open_day}
    _insert(connection, done_eu, done_dims)
    for key in done_eu:
        del eu[key]
    for key in done_dims:
        del dims[key]
