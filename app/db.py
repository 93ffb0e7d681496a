"""Database: typed declarative base, the Flask-SQLAlchemy handle and the unit of work.

Services flush and never commit. A request (or a CLI command, or a job) ends with
exactly one :func:`commit`, which also hands the outbox events written in that
transaction to the job runner once they are durable.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
_log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """Aware UTC now; every stored time is UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """SQLite: foreign keys on, WAL, a busy timeout, and SQLAlchemy-managed BEGIN.

    pysqlite's own transaction handling breaks SAVEPOINT; the documented fix is to
    switch it off here and emit BEGIN ourselves (see ``_sqlite_begin``).
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


def is_sqlite_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked": another connection holds, or has just committed,
    the write lock (a read transaction cannot become a write transaction then)."""
    orig = getattr(exc, "orig", None)
    return isinstance(exc, sa.exc.OperationalError) and "database is locked" in str(orig)


def bookkeeping_write(write) -> bool:
    """Run ``write()`` (a flush or an UPDATE of bookkeeping such as "last seen" or "last
    used") in a savepoint; if SQLite is busy, give the write up and go on.

    With SQLite in WAL mode, a request that has read and then writes fails at once with
    "database is locked" when another process committed in between (its snapshot is
    stale; the busy timeout does not help). Two gunicorn workers serving the same person
    or API token at the same moment did exactly that (503s under load). Such a timestamp
    can wait for the next request; the request itself must not fail. PostgreSQL waits for
    the row lock instead, so this never gives up there. Returns whether it was written.
    """
    try:
        with db.session.begin_nested():
            write()
        return True
    except sa.exc.OperationalError as exc:
        if not is_sqlite_busy(exc):
            raise
        _log.info("SQLite busy: bookkeeping write skipped for this request")
        return False


def append_only(table: sa.Table, message: str) -> None:
    """Make the database refuse UPDATE and DELETE on ``table`` (the ledger, the audit log).

    The triggers are installed with ``metadata.create_all`` (the test schema); each
    table's migration carries the same statements as text. PostgreSQL raises
    restrict_violation (23001), SQLite RAISE(ABORT) (a constraint error): both reach
    SQLAlchemy as IntegrityError."""
    name = table.name
    pg_function = (
        f"CREATE OR REPLACE FUNCTION {name}_append_only() RETURNS trigger\n"
        f"LANGUAGE plpgsql AS $$\nBEGIN\n    RAISE EXCEPTION '{message}'\n"
        f"        USING ERRCODE = 'restrict_violation';\nEND\n$$")
    pg_trigger = (f"CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {name}\n"
                  f"FOR EACH ROW EXECUTE FUNCTION {name}_append_only()")
    event.listen(table, "after_create", sa.DDL(pg_function).execute_if(dialect="postgresql"))
    event.listen(table, "after_create", sa.DDL(pg_trigger).execute_if(dialect="postgresql"))
    for op in ("UPDATE", "DELETE"):
        statement = (f"CREATE TRIGGER {name}_no_{op.lower()} BEFORE {op} ON {name} "
                     f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        event.listen(table, "after_create", sa.DDL(statement).execute_if(dialect="sqlite"))


def paginate(query: sa.Select, page: int, per_page: int) -> tuple[list, int]:
    """One page of an ORM select (newest-first order given by the caller) and the total."""
    counted = query.order_by(None).options().subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return list(rows.unique().all()), total


def commit() -> None:
    """Commit the current unit of work, then deliver the outbox events it wrote."""
    from app import jobs

    session = db.session()
    event_ids = list(session.info.pop("outbox_ids", []))
    try:
        session.commit()
    except Exception:
        session.rollback()
        raise
    if event_ids:
        try:
            jobs.dispatch(event_ids)
        except Exception:  # noqa: BLE001 - the commit stands; the rows stay pending
            # The work is committed and its outbox rows are durable: a failure to hand
            # them over (Redis down, a broken connection while delivering inline) must not
            # turn the answer into an error. The retry thread or the sweeper delivers them.
            logging.getLogger(__name__).exception(
                "outbox events %s committed but not dispatched; they will be retried",
                event_ids)
            session.rollback()


def rollback() -> None:
    session = db.session()
    session.info.pop("outbox_ids", None)
    session.rollback()
