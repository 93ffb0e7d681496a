"""Copy every row from this app's database to another one (the move from the embedded
SQLite to PostgreSQL). The target must be empty and upgraded to the same migration; the
reference data that `db upgrade` puts there (categories, emission factors) is replaced by
the source's own rows, so every id the source's rows refer to stays the same."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from app.db import db


def copy_database(target_url: str, batch: int = 2000,
                  progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy all tables in foreign-key order; returns rows copied per table."""
    import app.models  # noqa: F401 - every table is known

    source = db.engine
    target = sa.create_engine(target_url)
    counts: dict[str, int] = {}
    try:
        with source.connect() as src, target.begin() as dst:
            version = sa.text("SELECT version_num FROM alembic_version")
            source_version = src.execute(version).scalar()
            target_version = dst.execute(version).scalar()
            if source_version != target_version:
                raise RuntimeError(f"the target is at migration {target_version}, the source at "
                                   f"{source_version}: run `flask db upgrade` on both first")
            for table in db.metadata.sorted_tables:
                if table.name in REFERENCE_TABLES:
                    continue
                if dst.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                    raise RuntimeError(f"the target table {table.name} is not empty")
            _clear_reference_data(dst)
            for table in db.metadata.sorted_tables:
                counts[table.name] = 0
                result = src.execution_options(yield_per=batch).execute(sa.select(table))
                for rows in result.partitions():
                    dst.execute(table.insert(), [dict(row._mapping) for row in rows])
                    counts[table.name] += len(rows)
                    if progress:
                        progress(table.name, len(rows))
            if target.dialect.name == "postgresql":
                _reset_sequences(dst)
    finally:
        target.dispose()
    return counts


#: Filled by ``db upgrade`` itself (app/reference.py): the source's rows replace them.
REFERENCE_TABLES = ("emission_factors", "categories")


def _clear_reference_data(conn) -> None:
    tables = db.metadata.tables
    conn.execute(sa.update(tables["categories"]).values(parent_id=None))
    for name in REFERENCE_TABLES:
        conn.execute(sa.delete(tables[name]))


def _reset_sequences(conn) -> None:
    """After inserting explicit ids, move each serial sequence past the highest id."""
    for table in db.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
            continue
        # Names come from our own metadata, not from input.
        conn.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "  # noqa: S608
            f"COALESCE((SELECT MAX({pk[0].name}) FROM \"{table.name}\"), 0) + 1, false)"))
