"""Embedded setup: a failed delivery is retried after its backoff by the serving process
alone (a thread started with its first request), and ``jobs status`` says when the next
delivery is due."""

import threading
import urllib.request

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app import jobs, outbox
from app.db import commit, db
from app.outbox import DELIVERED, PENDING, OutboxEvent

STATE = {"failures_left": 0}
DELIVERED_EVENT = threading.Event()


@outbox.handler("test.retry", name="test.retry")
def _once_down(payload):
    if STATE["failures_left"] > 0:
        STATE["failures_left"] -= 1
        raise ConnectionError("receiver down")
    DELIVERED_EVENT.set()


@pytest.fixture
def app_config(app_config):
    return {**app_config, "JOBS_MODE": "inline", "JOBS_RETRY_THREAD": True,
            "JOBS_RETRY_SECONDS": 0.05, "JOBS_BACKOFF_SECONDS": 0.2}


@pytest.fixture
def served(committed_app):
    """The app on a real HTTP server on 127.0.0.1, as `flask run` serves it."""
    server = make_server("127.0.0.1", 0, committed_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    jobs.stop_retry_thread(committed_app)


def _event():
    db.session.rollback()
    return db.session.scalar(sa.select(OutboxEvent).where(OutboxEvent.topic == "test.retry"))


def test_a_failed_delivery_is_retried_by_the_serving_process(committed_app, served):
    STATE["failures_left"] = 1
    DELIVERED_EVENT.clear()
    with urllib.request.urlopen(served + "/") as response:  # noqa: S310 - our own server
        assert response.status == 200  # the process is serving

    outbox.emit("test.retry", n=1)
    commit()  # delivered inline at once: it fails and waits for its backoff
    event = _event()
    assert (event.status, event.attempts) == (PENDING, 1)

    assert DELIVERED_EVENT.wait(timeout=30), "nobody retried the delivery"
    jobs.stop_retry_thread(committed_app)
    event = _event()
    assert (event.status, event.attempts) == (DELIVERED, 2)


def test_the_retry_thread_can_be_switched_off(committed_app):
    assert jobs.start_retry_thread(committed_app) is not None  # wanted here
    jobs.stop_retry_thread(committed_app)
    committed_app.config["JOBS_RETRY_SECONDS"] = 0
    assert jobs.start_retry_thread(committed_app) is None
    committed_app.config.update(JOBS_RETRY_SECONDS=5, JOBS_RETRY_THREAD=None)
    assert jobs.start_retry_thread(committed_app) is None  # tests: off unless asked


def test_jobs_status_says_when_the_next_retry_is_due(committed_app):
    runner = committed_app.test_cli_runner()
    assert "next due   none" in runner.invoke(args=["jobs", "status"]).output
    STATE["failures_left"] = 1
    outbox.emit("test.retry", n=2)
    commit()
    event = _event()
    output = runner.invoke(args=["jobs", "status"]).output
    assert f"next due   {event.next_attempt_at.isoformat(timespec='seconds')}" in output
    assert "test.retry/test.retry retry attempts=1" in output


BACKGROUND = {"thread": None}
BACKGROUND_DONE = threading.Event()


@outbox.handler("test.background", name="test.background")
def _long_job(payload):
    BACKGROUND["thread"] = threading.current_thread().name
    BACKGROUND_DONE.set()


jobs.run_in_background("test.background")


def test_a_background_topic_runs_on_the_retry_thread_not_in_the_request(committed_app,
                                                                        served):
    """A bulk import (``listings.import``) must not hold the upload's answer in the
    embedded setup: with the retry thread running, its delivery is left to that thread,
    woken at once (the slow setting here shows it is the wake, not the period)."""
    committed_app.config["JOBS_RETRY_SECONDS"] = 30
    BACKGROUND_DONE.clear()
    with urllib.request.urlopen(served + "/") as response:  # noqa: S310 - our own server
        assert response.status == 200  # the thread is running
    outbox.emit("test.background", n=1)
    commit()
    assert BACKGROUND_DONE.wait(timeout=20), "the background delivery never ran"
    assert BACKGROUND["thread"] == "outbox-retry"
    jobs.stop_retry_thread(committed_app)
    db.session.rollback()
    event = db.session.scalar(sa.select(OutboxEvent).where(
        OutboxEvent.topic == "test.background"))
    assert (event.status, event.attempts) == (DELIVERED, 1)
