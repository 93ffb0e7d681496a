"""The app as gunicorn's ``--preload`` builds it (Procfile, README *Running at scale*):
the master builds it once and forks the workers, so building it must leave nothing that
a fork would share: no database connection, no Redis connection, no thread."""

from __future__ import annotations

import inspect
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL, ROOT


def open_sockets(pid: str = "self") -> int:
    """Sockets among a process's open files (Linux's /proc)."""
    import contextlib
    import os

    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(FileNotFoundError):  # the listing's own, closed by now
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_building_the_app_opens_no_connection_and_starts_no_thread(database, tmp_path,
                                                                   database_url):
    """Built the way ``wsgi.py`` builds it, in a process of its own with the production
    settings a scale deployment has (its database, ``REDIS_URL``, jobs on Redis)."""
    if database == "postgres" and not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: only with TEST_DATABASE_URL (CI's second pass)")
    url = (database_url if database == "postgres"
           else f"sqlite:///{tmp_path / 'serving.sqlite3'}")
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "JOBS_MODE": "redis",
           "INSTANCE_PATH": str(tmp_path / "instance"), "MEDIA_ROOT": str(tmp_path / "m"),
           "SEARCH_PATH": str(tmp_path / "search"), "MAIL_DIR": str(tmp_path / "mail"),
           "BRREG_API_URL": ""}
    env.pop("TEST_DATABASE_URL", None)
    probe = inspect.getsource(open_sockets) + textwrap.dedent("""
        import threading
        import wsgi
        from app.db import db
        with wsgi.app.app_context():
            pools = [engine.pool.checkedin() + engine.pool.checkedout()
                     for engine in db.engines.values()]
        print(sum(pools), threading.active_count(), open_sockets())
    """)
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    pooled, threads, sockets = map(int, done.stdout.split()[-3:])
    assert pooled == 0, "a database connection was opened while building the app"
    assert threads == 1, "building the app started a thread (a fork would not have it)"
    assert sockets == 0, "building the app left a socket open (Redis or the database)"


def test_the_probe_sees_an_open_socket():
    """The socket count above can fail: a socket this process opens is counted."""
    before = open_sockets()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        assert open_sockets() == before + 1
