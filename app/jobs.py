"""The job runner: delivers outbox events after commit, retries with backoff, never loses one.

Two modes, chosen by ``JOBS_MODE``:

* ``inline`` (default, no servers): events are delivered in the committing process
  right after the commit; events emitted by a handler are queued and delivered in
  the same loop, so there is no recursion.
* ``redis``: event ids are enqueued on an RQ queue and ``flask jobs worker`` delivers
  them. A sweeper in the worker re-enqueues due retries and anything whose enqueue
  was lost (Redis down at commit time), so the outbox table stays the truth.

In inline mode a daemon thread in the serving process (started with its first request)
delivers due retries every ``JOBS_RETRY_SECONDS``, so nobody has to run ``flask jobs
run``; in redis mode the workers' sweeper does it.

A failed delivery keeps the row ``pending`` with ``attempts`` + 1 and an exponential
``next_attempt_at``; after ``JOBS_MAX_ATTEMPTS`` it becomes ``dead`` (still kept,
listed by ``flask jobs status``, revived by ``flask jobs retry``).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
import traceback
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.db import db, utcnow
from app.outbox import DEAD, DELIVERED, PENDING, OutboxEvent, resolve

log = logging.getLogger(__name__)
_local = threading.local()


def dispatch(event_ids: list[int]) -> None:
    """Called after a commit with the ids of the outbox rows it made durable."""
    if current_app.config["JOBS_MODE"] == "redis":
        _enqueue(event_ids)
    else:
        _deliver_inline(event_ids)


#: Topics whose deliveries are long (a bulk import): with the retry thread running, the
#: inline mode leaves them to that thread instead of running them before the response.
_BACKGROUND_TOPICS: set[str] = set()


def run_in_background(topic: str) -> None:
    """Deliver ``topic`` off the request in the inline mode (see the retry thread)."""
    _BACKGROUND_TOPICS.add(topic)


def _deliver_inline(event_ids: list[int]) -> None:
    app = current_app._get_current_object()
    if _BACKGROUND_TOPICS and _retry_thread_running(app):
        background = set(db.session.scalars(sa.select(OutboxEvent.id).where(
            OutboxEvent.id.in_(event_ids), OutboxEvent.topic.in_(_BACKGROUND_TOPICS))))
        db.session.rollback()
        if background:
            event_ids = [i for i in event_ids if i not in background]
            _retry_threads[id(app)][2].set()  # wake it now
    queue = getattr(_local, "queue", None)
    if queue is not None:  # already delivering in this thread: let the outer loop do it
        queue.extend(event_ids)
        return
    _local.queue = list(event_ids)
    try:
        while _local.queue:
            deliver(_local.queue.pop(0))
    finally:
        _local.queue = None


def backoff(attempts: int) -> timedelta:
    base = current_app.config["JOBS_BACKOFF_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def deliver(event_id: int) -> bool:
    """Deliver one event in its own transaction; returns True when it is delivered."""
    from app.db import commit, rollback

    session = db.session()
    rollback()  # start clean: never mix a delivery with someone else's work
    query = sa.select(OutboxEvent).where(
        OutboxEvent.id == event_id, OutboxEvent.status == PENDING
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    event = session.scalars(query).first()
    if event is None:  # delivered already, dead, or being delivered by another worker
        rollback()
        return False
    func = resolve(event.topic, event.handler)
    try:
        if func is None:
            raise LookupError(f"no handler {event.handler!r} for {event.topic!r}")
        func(dict(event.payload or {}))
        event.status = DELIVERED
        event.delivered_at = utcnow()
        event.attempts += 1
        commit()
        return True
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        rollback()
        _record_failure(event_id, exc)
        return False


def _record_failure(event_id: int, exc: Exception) -> None:
    from app.db import commit

    event = db.session.get(OutboxEvent, event_id)
    if event is None:
        return
    event.attempts += 1
    event.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    if event.attempts >= current_app.config["JOBS_MAX_ATTEMPTS"]:
        event.status = DEAD
        log.error("outbox event %s is dead after %s attempts: %s", event_id, event.attempts, exc)
    else:
        event.next_attempt_at = utcnow() + backoff(event.attempts)
        log.warning("outbox event %s failed (attempt %s): %s", event_id, event.attempts, exc)
    commit()


def due_event_ids(limit: int = 500) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(OutboxEvent.id)
            .where(OutboxEvent.status == PENDING, OutboxEvent.next_attempt_at <= utcnow())
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
    )


def run_due(limit: int = 500) -> int:
    """Deliver every due event in this process (used by ``flask jobs run`` and tests)."""
    delivered = 0
    for event_id in due_event_ids(limit):
        delivered += deliver(event_id)
    db.session.rollback()
    return delivered


# --- inline mode: due retries without anyone running `flask jobs run` ---------------

RETRY_LEASE = timedelta(seconds=120)  # a claimed row is due again if its process died
STALE_FIRST_ATTEMPT = timedelta(seconds=300)  # never tried: its process died after commit
_retry_threads: dict[int, tuple[threading.Thread, threading.Event, threading.Event]] = {}
_retry_lock = threading.Lock()


def retry_thread_wanted(app) -> bool:
    config = app.config
    if config["JOBS_MODE"] != "inline" or not config.get("JOBS_RETRY_SECONDS"):
        return False
    wanted = config.get("JOBS_RETRY_THREAD")
    return bool(wanted) if wanted is not None else not app.testing


def start_retry_thread(app) -> threading.Thread | None:
    """Start (once per app and process) the daemon thread that delivers due retries."""
    key = id(app)
    running = _retry_threads.get(key)
    if running is not None and running[0].is_alive():
        return running[0]
    if not retry_thread_wanted(app):
        return None
    with _retry_lock:
        running = _retry_threads.get(key)
        if running is not None and running[0].is_alive():
            return running[0]
        stop, wake = threading.Event(), threading.Event()
        thread = threading.Thread(target=_retry_loop, args=(app, stop, wake), daemon=True,
                                  name="outbox-retry")
        _retry_threads[key] = (thread, stop, wake)
        thread.start()
        log.info("outbox retries are delivered every %ss by this process",
                 app.config["JOBS_RETRY_SECONDS"])
        return thread


def _retry_thread_running(app) -> bool:
    running = _retry_threads.get(id(app))
    return running is not None and running[0].is_alive()


def stop_retry_thread(app) -> None:
    running = _retry_threads.pop(id(app), None)
    if running is not None:
        running[1].set()
        running[2].set()
        running[0].join(timeout=10)


def _retry_loop(app, stop: threading.Event, wake: threading.Event) -> None:
    while not stop.is_set():
        wake.wait(app.config["JOBS_RETRY_SECONDS"])
        wake.clear()
        if stop.is_set():
            return
        with app.app_context():
            try:
                deliver_due_retries()
            except Exception as exc:  # noqa: BLE001 - keep retrying; the rows stay pending
                log.warning("delivering due outbox retries failed: %s", exc)
            finally:
                db.session.remove()


def deliver_due_retries(limit: int = 100) -> int:
    """Deliver due rows that failed before (or were never tried long after their commit).

    Each row is claimed first with a conditional UPDATE that moves its due time past a
    lease, so two serving processes never deliver the same row; rows that are fresh are
    left to the inline delivery of the process that committed them."""
    from app.db import commit

    now = utcnow()
    ids = list(db.session.scalars(
        sa.select(OutboxEvent.id)
        .where(OutboxEvent.status == PENDING, OutboxEvent.next_attempt_at <= now,
               sa.or_(OutboxEvent.attempts > 0,
                      OutboxEvent.created_at <= now - STALE_FIRST_ATTEMPT,
                      OutboxEvent.topic.in_(_BACKGROUND_TOPICS)))
        .order_by(OutboxEvent.next_attempt_at).limit(limit)
    ))
    db.session.rollback()
    delivered = 0
    for event_id in ids:
        claimed = db.session.execute(
            sa.update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.status == PENDING,
                   OutboxEvent.next_attempt_at <= utcnow())
            .values(next_attempt_at=utcnow() + RETRY_LEASE)
        ).rowcount
        commit()
        if claimed:
            delivered += deliver(event_id)
    db.session.rollback()
    return delivered


def next_retry_at():
    """When the next pending delivery is due (None: nothing is pending)."""
    return db.session.scalar(
        sa.select(sa.func.min(OutboxEvent.next_attempt_at)).where(OutboxEvent.status == PENDING)
    )


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(OutboxEvent.status, sa.func.count()).group_by(OutboxEvent.status)
    ).all()
    counts = {PENDING: 0, DELIVERED: 0, DEAD: 0}
    counts.update({status: n for status, n in rows})
    return counts


def backlog(older_than: timedelta) -> tuple[int, int]:
    """(pending rows due for longer than ``older_than``, dead rows), for ``/readyz``."""
    due_before = utcnow() - older_than
    overdue = db.session.scalar(sa.select(sa.func.count(OutboxEvent.id)).where(
        OutboxEvent.status == PENDING, OutboxEvent.next_attempt_at < due_before)) or 0
    dead = db.session.scalar(sa.select(sa.func.count(OutboxEvent.id)).where(
        OutboxEvent.status == DEAD)) or 0
    return overdue, dead


# --- Redis (RQ) mode -------------------------------------------------------------


def redis_connection():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"])


def queue():
    from rq import Queue

    return Queue(current_app.config["JOBS_QUEUE"], connection=redis_connection())


def _job_id(event_id: int) -> str:
    """RQ job ids are global in a Redis database; the queue name keeps two deployments
    (or two test runs) on one Redis database from taking each other's jobs."""
    return f"{current_app.config['JOBS_QUEUE']}-outbox-{event_id}"


def _enqueue(event_ids: list[int]) -> None:
    try:
        q = queue()
        for event_id in event_ids:
            q.enqueue(
                "app.jobs.rq_deliver",
                event_id,
                job_id=_job_id(event_id),
                result_ttl=0,
                failure_ttl=3600,
            )
    except Exception as exc:  # noqa: BLE001 - the sweeper will pick the rows up
        log.warning("could not enqueue outbox events %s: %s", event_ids, exc)


def rq_deliver(event_id: int) -> bool:
    """RQ entry point; the worker runs it inside an application context."""
    return deliver(event_id)


def sweep(limit: int = 500) -> int:
    """Enqueue due events that have no job in the queue (retries and lost enqueues)."""
    from rq.job import Job, JobStatus

    ids = due_event_ids(limit)
    db.session.rollback()
    q = queue()
    enqueued = 0
    for event_id in ids:
        job_id = _job_id(event_id)
        job = Job.fetch(job_id, connection=q.connection) if _job_exists(q, job_id) else None
        if job is not None and job.get_status() in (JobStatus.QUEUED, JobStatus.STARTED):
            continue
        if job is not None:
            job.delete()
        q.enqueue("app.jobs.rq_deliver", event_id, job_id=job_id, result_ttl=0)
        enqueued += 1
    return enqueued


def _job_exists(q, job_id: str) -> bool:
    from rq.job import Job

    return bool(q.connection.exists(Job.key_for(job_id)))


def _worker_class():
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        def subscribe(self):
            """RQ's command channel (shutdown, stop-job) with a listener that wakes every
            second: RQ's own sleeps 60 s in get_message, and at shutdown closing the pubsub
            waits for it, so a stopping worker (SIGTERM, the end of a burst) hung for up to
            a minute (seen in the tests: 60 s per in-process burst, 20 s per stack stop)."""
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(
                sleep_time=1, daemon=True,
                exception_handler=getattr(self, "_pubsub_exception_handler", None))

    return Worker


def run_worker(app, burst: bool = False, sweep_every: float = 2.0) -> None:
    """Run an RQ worker in this process with a sweeper thread beside it."""
    _Worker = _worker_class()
    stop = threading.Event()

    def sweeper() -> None:
        while not stop.is_set():
            with app.app_context():
                try:
                    sweep()
                except Exception as exc:  # noqa: BLE001 - keep sweeping
                    log.warning("sweep failed: %s", exc)
                finally:
                    db.session.remove()
            stop.wait(sweep_every)

    with app.app_context():
        if burst:
            sweep()
        q = queue()
        thread = None
        if not burst:
            thread = threading.Thread(target=sweeper, name="outbox-sweeper", daemon=True)
            thread.start()
        worker = _Worker([q], connection=q.connection)
        # RQ installs its own SIGINT/SIGTERM handlers; run in a process that goes on
        # afterwards (tests, a CLI command in burst mode) they must be given back.
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            worker.work(burst=burst, with_scheduler=False)
        finally:
            if threading.current_thread() is threading.main_thread():
                for sig, handler in handlers.items():
                    signal.signal(sig, handler)
            stop.set()
            if thread is not None:
                thread.join(timeout=5)


def wait_until_delivered(timeout: float = 10.0) -> bool:
    """Test and CLI helper: poll until nothing is pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        if status_counts()[PENDING] == 0:
            return True
        time.sleep(0.05)
    return False
