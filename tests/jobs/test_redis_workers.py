"""Redis-backed workers (RQ) against a real Redis: delivery, lost enqueues, the worker command."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import outbox
from app.db import commit, db
from app.jobs import run_worker, status_counts
from tests.conftest import REDIS_URL, ROOT

SEEN: list[dict] = []


@outbox.handler("test.redis", name="test.redis")
def _seen(payload):
    SEEN.append(payload)


@pytest.fixture
def app_config(app_config, redis_url, jobs_queue):
    return {**app_config, "JOBS_MODE": "redis", "REDIS_URL": redis_url,
            "JOBS_QUEUE": jobs_queue}


def test_commit_enqueues_and_a_worker_delivers(committed_app):
    SEEN.clear()
    outbox.emit("test.redis", n=1)
    commit()
    assert SEEN == []  # nothing inline in redis mode
    assert status_counts()["pending"] == 1
    run_worker(committed_app, burst=True)
    assert SEEN == [{"n": 1}]
    db.session.rollback()  # end this session's read snapshot; the worker had its own
    assert status_counts() == {"pending": 0, "delivered": 1, "dead": 0}


def test_event_whose_enqueue_was_lost_is_swept_up(committed_app):
    SEEN.clear()
    committed_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # Redis "down" at commit
    outbox.emit("test.redis", n=2)
    commit()
    committed_app.config["REDIS_URL"] = REDIS_URL
    assert status_counts()["pending"] == 1
    run_worker(committed_app, burst=True)  # burst mode sweeps before working
    assert SEEN == [{"n": 2}]


def test_the_worker_command_delivers_mail_in_another_process(committed_app, tmp_path):
    """`flask jobs worker` as a real process: the test commits, the worker sends the mail."""
    from app.mail import queue_mail

    mail_dir = tmp_path / "worker-mail"
    queue_mail("shop@example.no", "password_reset", "nb", name="Ingrid", path="/x", minutes=60)
    commit()
    env = {
        **os.environ,
        "DATABASE_URL": committed_app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": committed_app.config["REDIS_URL"],
        "JOBS_QUEUE": committed_app.config["JOBS_QUEUE"],
        "MAIL_DIR": str(mail_dir),
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env.pop("MAIL_SERVER", None)
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not list(Path(mail_dir).glob("*.eml")):
            time.sleep(0.1)
        files = list(Path(mail_dir).glob("*.eml"))
        assert len(files) == 1, "worker did not deliver"
        import email
        import email.policy

        message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
        assert message["Subject"] == "Nytt passord for Kretsløp"
        assert message["To"] == "shop@example.no"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0].decode(errors="replace")
    assert "Traceback" not in output, output
    db.session.rollback()
    assert status_counts()["delivered"] == 1


def test_the_in_process_worker_gives_the_signal_handlers_back(committed_app):
    """RQ's worker installs its own SIGINT/SIGTERM handlers when it starts work. Run in
    the test process (burst), it must put the previous ones back: otherwise Ctrl-C, or
    pytest-xdist stopping a worker with SIGTERM, would only ask a finished RQ worker to
    stop and the pytest process would carry on."""
    import signal

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    outbox.emit("test.redis", n=3)
    commit()
    run_worker(committed_app, burst=True)
    after = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    assert after == before
