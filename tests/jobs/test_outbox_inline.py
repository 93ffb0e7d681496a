"""The outbox and the in-process job runner (the embedded default)."""

import sqlalchemy as sa

from app import outbox
from app.db import commit, db, rollback
from app.jobs import run_due, status_counts
from app.outbox import OutboxEvent

CALLS: list[tuple[str, dict]] = []
FAILURES = {"left": 0}


@outbox.handler("test.ping", name="test.record")
def _record(payload):
    CALLS.append(("record", payload))


@outbox.handler("test.ping", name="test.flaky")
def _flaky(payload):
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise ConnectionError("engine down")
    CALLS.append(("flaky", payload))


@outbox.handler("test.chain", name="test.chain")
def _chain(payload):
    outbox.emit("test.ping", n=payload["n"] + 1)


def setup_function():
    CALLS.clear()
    FAILURES["left"] = 0


def _events(status=None):
    query = sa.select(OutboxEvent).order_by(OutboxEvent.id)
    if status:
        query = query.where(OutboxEvent.status == status)
    return db.session.scalars(query).all()


def test_one_row_per_handler_delivered_only_after_commit(app):
    outbox.emit("test.ping", n=1)
    assert CALLS == []  # nothing happens before the commit
    commit()
    assert sorted(CALLS) == [("flaky", {"n": 1}), ("record", {"n": 1})]
    assert {e.handler for e in _events("delivered")} == {"test.record", "test.flaky"}


def test_rolled_back_events_are_never_delivered(app):
    outbox.emit("test.ping", n=2)
    rollback()
    commit()
    assert CALLS == []
    assert _events() == []


def test_failed_handler_is_retried_alone_with_backoff(app):
    FAILURES["left"] = 1
    outbox.emit("test.ping", n=3)
    commit()
    assert CALLS == [("record", {"n": 3})]
    [pending] = _events("pending")
    assert pending.handler == "test.flaky"
    assert pending.attempts == 1
    assert "engine down" in pending.last_error
    assert pending.next_attempt_at > pending.created_at
    assert run_due() == 0  # not due yet
    pending.next_attempt_at = pending.created_at
    commit()
    assert run_due() == 1
    assert CALLS == [("record", {"n": 3}), ("flaky", {"n": 3})]  # record did not run again
    assert status_counts() == {"pending": 0, "delivered": 2, "dead": 0}


def test_gives_up_after_max_attempts_but_keeps_the_row(app):
    app.config["JOBS_MAX_ATTEMPTS"] = 2
    app.config["JOBS_BACKOFF_SECONDS"] = 0
    FAILURES["left"] = 5
    outbox.emit("test.ping", n=4)
    commit()
    run_due()
    [dead] = _events("dead")
    assert dead.attempts == 2 and dead.handler == "test.flaky"


def test_events_emitted_by_a_handler_are_delivered_too(app):
    outbox.emit("test.chain", n=10)
    commit()
    assert sorted(CALLS) == [("flaky", {"n": 11}), ("record", {"n": 11})]


def test_cli_status_and_retry(app, runner):
    app.config["JOBS_MAX_ATTEMPTS"] = 1
    FAILURES["left"] = 1
    outbox.emit("test.ping", n=5)
    commit()
    status = runner.invoke(args=["jobs", "status"])
    assert "dead       1" in status.output
    assert "engine down" in status.output
    retry = runner.invoke(args=["jobs", "retry"])
    assert "1 events pending again" in retry.output
    run = runner.invoke(args=["jobs", "run"])
    assert "delivered 1 events" in run.output


def test_a_failed_handover_to_the_job_runner_does_not_undo_or_fail_the_commit(
        app, monkeypatch, caplog):
    """After the commit the outbox rows are durable; if handing them to the runner fails
    (a broken connection while delivering inline, say), the commit stands, the rows stay
    pending for the retry thread or the sweeper, and the caller is not told it failed.
    The failure is a test double (``jobs.dispatch`` raising): a connection that breaks at
    exactly that moment cannot be arranged reliably here."""
    import sqlalchemy as sa

    from app import jobs, outbox
    from app.db import commit, db
    from app.outbox import PENDING, OutboxEvent

    def broken(event_ids):
        raise RuntimeError("connection lost while delivering")

    monkeypatch.setattr(jobs, "dispatch", broken)
    outbox.emit("mail.send", to="x@example.no", template="invitation", locale="nb",
                context={})
    commit()  # does not raise
    assert "committed but not dispatched" in caplog.text
    rows = db.session.scalars(sa.select(OutboxEvent).where(
        OutboxEvent.topic == "mail.send")).all()
    assert [row.status for row in rows] == [PENDING]
