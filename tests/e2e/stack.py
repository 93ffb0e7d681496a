"""A running Kretsløp for end-to-end tests: real processes, real ports.

``embedded``: one gunicorn worker, SQLite, embedded search, inline jobs, as ``make run``.
``scale``: gunicorn with two workers on PostgreSQL, Redis-backed RQ workers in their
own process, the embedded search index shared on disk, as the README's production
recipe (with Meilisearch replaced by the embedded engine, which cannot be installed
here).

Which one a test gets by default comes from ``KRETSLOP_TEST_STACK`` (``embedded``, the
default, or ``scale``; CI's PostgreSQL pass sets ``scale``). A test that needs one shape
whatever the setting passes ``mode=`` (``tests/e2e/test_scale_stack.py`` always wants
``scale``). In ``scale`` a missing PostgreSQL or Redis skips, or fails in CI.

Migrating and seeding the demo data takes 15-50 s on the 2-core CI machine, and about
twenty test modules each start a stack. So each test process builds every (shape, seeded)
kind *once* (:class:`StackTemplate`: ``flask db upgrade``, ``flask seed demo`` and, in
``scale``, the RQ worker until every outbox event is delivered, exactly as a stack's own
start did) and a stack then starts from a copy of it: the SQLite file or
``CREATE DATABASE ... TEMPLATE``, and the instance, media, mail and search folders. The
template's address (``BASE_URL`` in e-mailed links and queued mail) is rewritten to the
stack's own, and it keeps the template's ``SECRET_KEY``, so a copy is the stack a fresh
seed on that port would have given. ``KRETSLOP_STACK_TEMPLATE=0`` migrates and seeds
every stack itself, as before.

Starting a stack still costs its processes' boot (gunicorn's workers and the RQ worker
each import the app: 4-9 s, 30-50 s in a whole run waiting for a core). So test modules
lease started stacks from :class:`StackPool`, one per kind and test process, which
:meth:`LiveStack.reset` puts back to the template's state between modules in 1-2 s.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests
import sqlalchemy as sa

from tests.conftest import (
    REDIS_URL,
    ROOT,
    _drop_postgres_database,
    _postgres_scratch_database,
    service_missing,
)

PYTHON = sys.executable
MODES = ("embedded", "scale")


def stack_mode() -> str:
    """The stack shape chosen by ``KRETSLOP_TEST_STACK`` (default ``embedded``)."""
    mode = os.environ.get("KRETSLOP_TEST_STACK", "").strip().lower() or "embedded"
    if mode not in MODES:
        raise ValueError(f"KRETSLOP_TEST_STACK={mode!r}: expected one of {', '.join(MODES)}")
    return mode


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveStack:
    def __init__(self, tmp: Path, mode: str | None = None, seed: bool = True) -> None:
        mode = mode or stack_mode()
        if mode not in MODES:
            raise ValueError(f"unknown LiveStack mode {mode!r}")
        tmp.mkdir(parents=True, exist_ok=True)
        self.tmp = tmp
        self.mode = mode
        self.seed = seed  # False: an empty marketplace that the test fills itself
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []  # gunicorn master first
        self.resets = 0
        self._pg: tuple[str, str, str] | None = None  # (scratch url, name, server url)
        self.env = dict(os.environ)
        for key in ("MAIL_SERVER", "MEILI_URL", "STRIPE_SECRET_KEY", "TEST_DATABASE_URL"):
            self.env.pop(key, None)
        self.env.update({
            "SECRET_KEY": secrets.token_hex(16),
            "INSTANCE_PATH": str(tmp / "instance"),
            "MAIL_DIR": str(tmp / "mail"),
            "MEDIA_ROOT": str(tmp / "media"),
            "SEARCH_PATH": str(tmp / "search"),
            "BASE_URL": self.url,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "RATELIMIT_ENABLED": "0",
            "PYTHONUNBUFFERED": "1",
            "BRREG_API_URL": "",  # registry off: no test reaches Enhetsregisteret
        })
        if mode == "scale":
            self._require_redis()  # before the scratch database, which stop() would drop
            self._pg = self._postgres()
            self.env.update({
                "DATABASE_URL": self._pg[0],
                "REDIS_URL": REDIS_URL,
                "JOBS_MODE": "redis",
                "JOBS_QUEUE": f"e2e-{secrets.token_hex(4)}",
                "JOBS_BACKOFF_SECONDS": "0.5",
            })
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{tmp / 'e2e.sqlite3'}"
            self.env["JOBS_MODE"] = "inline"
            self.env.pop("REDIS_URL", None)

    @staticmethod
    def _postgres() -> tuple[str, str, str]:
        url = os.environ.get("TEST_DATABASE_URL") or os.environ.get(
            "E2E_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        if not url.startswith("postgres"):
            url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        from app.config import _database_url

        url = _database_url(url)
        scratch, name = _postgres_scratch_database(url)
        return scratch, name, url

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(  # noqa: S603
            [PYTHON, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result

    def start(self) -> LiveStack:
        if templates_enabled():
            StackTemplate.for_stack(self).copy_into(self)
        else:
            self.prepare()
        self.web_workers = 2 if self.mode == "scale" else 1
        # --preload as in the Procfile: the master imports the app once and its workers are
        # forks of it, so a reset (below) replaces them in milliseconds.
        self._spawn("web.log", [PYTHON, "-m", "gunicorn", "--preload", "--workers",
                                str(self.web_workers), "--threads", "4",
                                "--bind", f"127.0.0.1:{self.port}",
                                "--access-logfile", "-", "wsgi:app"])
        if self.mode == "scale":
            self._spawn_job_worker()
        self._wait_until_up()
        if self.mode == "scale":
            # Ready means the demo data is searchable and matched, as after `make run`:
            # the worker delivers what `seed demo` left in the outbox (a copy of a
            # template has nothing left: its worker delivered it all).
            self.wait_until_idle(timeout=120)
        return self

    def prepare(self) -> None:
        """Migrate the database and (if ``seed``) load the demo data."""
        self.flask("db", "upgrade")
        if self.seed:
            self.flask("seed", "demo")

    def _spawn_job_worker(self) -> None:
        self._spawn("worker.log", [PYTHON, "-m", "flask", "--app", "wsgi", "jobs", "worker"])

    def reset(self) -> LiveStack:
        """Back to the state :meth:`start` gave, on the same port and with the same gunicorn
        master: the job worker stops, the web workers are replaced by fresh forks of the
        preloaded app, the database and the instance, media, mail and search
        folders are copied from the template again and the stack's job queue is emptied;
        then the job worker starts again. What one test module did is gone for the next,
        and no process keeps a cache, connection or open file from before."""
        if not templates_enabled():
            raise RuntimeError("reset() needs the stack templates (KRETSLOP_STACK_TEMPLATE)")
        master, *others = self.processes
        for process in others:  # the job worker: its work is about to be thrown away
            process.kill()
            process.wait(timeout=20)
        self.processes = [master]
        if master.poll() is not None:
            raise RuntimeError(f"the gunicorn master has exited:\n{self.logs()}")
        # The web workers are idle and what they hold is thrown away too: killed, they are
        # gone in 0.06 s (SIGQUIT or SIGHUP let each run its shutdown, 0.7-1.3 s measured);
        # the master forks new ones from the preloaded app at once.
        old = set(self.web_worker_pids())
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        self.wait_for(lambda: not old & set(self.web_worker_pids())
                      and len(self.web_worker_pids()) == self.web_workers, timeout=60,
                      interval=0.02)
        for name in _COPIED:
            shutil.rmtree(self.tmp / name, ignore_errors=True)
        for name in _SQLITE_FILES:
            (self.tmp / name).unlink(missing_ok=True)
        StackTemplate.for_stack(self).copy_into(self)
        if self.mode == "scale":
            self._clear_job_queue()
            self._spawn_job_worker()
        self._wait_until_up()
        self.resets += 1
        return self

    def _clear_job_queue(self) -> None:
        """Delete this stack's RQ queue and registries (jobs the last module left)."""
        from redis import Redis

        client = Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(match=f"*{self.env['JOBS_QUEUE']}*", count=500))
            if keys:
                client.delete(*keys)
        finally:
            client.close()

    def _spawn(self, log_name: str, command: list[str]) -> None:
        with open(self.tmp / log_name, "ab") as log:  # the child keeps its own copy
            self.processes.append(subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT))

    def _require_redis(self) -> None:
        from redis import Redis
        from redis.exceptions import ConnectionError as RedisDown

        try:
            Redis.from_url(REDIS_URL).ping()
        except RedisDown as exc:
            service_missing(f"Redis at {REDIS_URL} is not reachable: {exc}")

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a process exited early:\n{self.logs()}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not come up:\n{self.logs()}")

    def logs(self) -> str:
        out = []
        for name in ("web.log", "worker.log"):
            path = self.tmp / name
            if path.exists():
                out.append(f"--- {name}\n" + path.read_text(errors="replace")[-5000:])
        return "\n".join(out)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)
        if self._pg:
            _scratch, name, url = self._pg
            _drop_postgres_database(url, name)

    def token(self, email: str) -> str:
        return self.flask("tokens", "create", email).stdout.strip().splitlines()[-1]

    def app_config(self, **overrides) -> dict:
        """The configuration the stack's own processes read from their environment, for
        a Flask app in the test process that works as one more of them (like a CLI
        command): same database, job queue, search index, media and mail."""
        from unittest import mock

        from app.config import from_environment

        with mock.patch.dict(os.environ, self.env, clear=True):
            config = from_environment()
        return {**config, "TESTING": True, **overrides}

    @contextmanager
    def app_beside(self, **overrides):
        """A Flask app in the test process on the stack's database (to build data and
        read it back), pushed for the ``with`` block and disposed after it."""
        from tests.conftest import pushed_app

        with pushed_app(self.app_config(**overrides)) as application:
            yield application

    def web_worker_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the master, the first process)."""
        master = self.processes[0].pid
        pids = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                              if ":" in line)
            except OSError:  # the process ended while we looked
                continue
            if int(fields.get("PPid", "0").strip() or 0) == master:
                pids.append(int(status.parent.name))
        return sorted(pids)

    @staticmethod
    def peak_rss_mb(pid: int) -> float:
        """A process's peak resident memory so far (VmHWM), in MB."""
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise LookupError(f"no VmHWM for process {pid}")

    def pending_events(self) -> int:
        """Outbox events not yet delivered (0 at once in the embedded, inline setup)."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.env["DATABASE_URL"], poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                return conn.exec_driver_sql(
                    "SELECT count(*) FROM outbox_events WHERE status = 'pending'").scalar_one()
        finally:
            engine.dispose()

    def wait_until_idle(self, timeout: float = 60) -> None:
        """Wait until the worker has delivered every outbox event (fails with the logs)."""
        self.wait_for(lambda: self.pending_events() == 0, timeout=timeout, interval=0.5)

    def wait_for(self, predicate, timeout: float = 30, interval: float = 0.2):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"condition not met in {timeout}s\n{self.logs()}")


# --- the pool: one started stack per kind and test process, reset between modules ----


class StackPool:
    """Started stacks kept from one test module to the next in this test process.

    A module leases a stack of a kind (shape, seeded or not, and the settings it adds);
    the first lease starts one, a later lease of the same kind gets the same processes
    and port after :meth:`LiveStack.reset` (a copy of the template again, fresh web
    workers forked from the preloaded app, a new job worker): about a second instead of
    a start's boot of gunicorn's workers and the job worker. At most :attr:`KEEP` idle
    stacks are kept (the oldest stops); all stop when the test process exits."""

    KEEP = 2
    _idle: dict[tuple, LiveStack] = {}
    _closing_registered = False

    @classmethod
    @contextmanager
    def lease(cls, tmp: Path, mode: str | None = None, seed: bool = True,
              env: dict[str, str] | None = None):
        mode = mode or stack_mode()
        key = (mode, seed, frozenset((env or {}).items()))
        stack = cls._idle.pop(key, None) if templates_enabled() else None
        if stack is not None:
            stack.reset()
        else:
            stack = LiveStack(tmp, mode=mode, seed=seed)
            stack.env.update(env or {})
            try:
                stack.start()
            except BaseException:
                stack.stop()
                raise
        try:
            yield stack
        finally:
            if templates_enabled() and stack.processes[0].poll() is None:
                cls._keep(key, stack)
            else:
                stack.stop()

    @classmethod
    def _keep(cls, key: tuple, stack: LiveStack) -> None:
        if not cls._closing_registered:
            atexit.register(cls.close)
            cls._closing_registered = True
        cls._idle[key] = stack
        while len(cls._idle) > cls.KEEP:
            cls._idle.pop(next(iter(cls._idle))).stop()

    @classmethod
    def close(cls) -> None:
        while cls._idle:
            cls._idle.popitem()[1].stop()


# --- templates: migrate and seed once per test process, copy per stack ---------------


def templates_enabled() -> bool:
    return os.environ.get("KRETSLOP_STACK_TEMPLATE", "1").strip() != "0"


#: Settings each stack has of its own (a template's are replaced when it is copied).
_PER_STACK = {"SECRET_KEY", "INSTANCE_PATH", "MAIL_DIR", "MEDIA_ROOT", "SEARCH_PATH",
              "BASE_URL", "DATABASE_URL", "JOBS_QUEUE"}
#: Settings read when a request is served, never by ``db upgrade`` or ``seed demo``: a
#: module may set them on its stack and still start from the common template.
_SERVING_ONLY = ("STRIPE_", "PLATFORM_OPERATOR_ORGNR", "PLATFORM_FEE_PERCENT",
                 "IMPORT_INLINE_ROWS")
#: What a stack keeps under its folder besides the database (logs are its own).
_COPIED = ("instance", "mail", "media", "search")
_SQLITE_FILES = ("e2e.sqlite3", "e2e.sqlite3-wal", "e2e.sqlite3-shm")


class StackTemplate:
    """A migrated (and seeded) stack, stopped, kept to be copied by the stacks of this
    test process; removed (its PostgreSQL database dropped) when the process exits."""

    _built: dict[tuple, StackTemplate] = {}

    def __init__(self, mode: str, seed: bool, settings: dict[str, str]) -> None:
        import tempfile

        root = Path(tempfile.mkdtemp(prefix=f"kretslop-template-{mode}-"))
        atexit.register(shutil.rmtree, root, True)
        self.stack = LiveStack(root, mode=mode, seed=seed)
        self.stack.env.update(settings)
        if self.stack._pg:
            atexit.register(_drop_postgres_database, self.stack._pg[2], self.stack._pg[1])
        self.stack.prepare()
        if mode == "scale":
            # The worker delivers what the seed left in the outbox (search index, matches,
            # mail), as a stack's own start waits for; then it stops and the copies start
            # with nothing pending.
            self.stack._spawn("worker.log", [PYTHON, "-m", "flask", "--app", "wsgi",
                                             "jobs", "worker"])
            try:
                self.stack.wait_until_idle(timeout=120)
            finally:
                for process in self.stack.processes:
                    process.terminate()
                for process in self.stack.processes:
                    process.wait(timeout=30)
                self.stack.processes.clear()

    @classmethod
    def for_stack(cls, stack: LiveStack) -> StackTemplate:
        """The template for ``stack``'s shape, seed and settings (built on first use).
        A stack whose environment differs in anything the migration or the seed could
        read gets a template of its own."""
        settings = {key: value for key, value in stack.env.items()
                    if key not in _PER_STACK and not key.startswith(_SERVING_ONLY)}
        key = (stack.mode, stack.seed, frozenset(settings.items()))
        if key not in cls._built:
            cls._built[key] = cls(stack.mode, stack.seed, settings)
        return cls._built[key]

    def copy_into(self, stack: LiveStack) -> None:
        """Give ``stack`` (not started yet) this template's database and folders."""
        source = self.stack.tmp
        for name in _COPIED:
            if (source / name).exists():
                shutil.copytree(source / name, stack.tmp / name, dirs_exist_ok=True)
        if stack._pg:
            _scratch, name, server = stack._pg
            admin = sa.create_engine(sa.engine.make_url(server), isolation_level="AUTOCOMMIT",
                                     poolclass=sa.pool.NullPool)
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    conn.exec_driver_sql(
                        f'CREATE DATABASE "{name}" TEMPLATE "{self.stack._pg[1]}"')
            finally:
                admin.dispose()
        else:
            for name in _SQLITE_FILES:
                if (source / name).exists():
                    shutil.copy2(source / name, stack.tmp / name)
        stack.env["SECRET_KEY"] = self.stack.env["SECRET_KEY"]
        self._readdress(stack)

    def _readdress(self, stack: LiveStack) -> None:
        """The template's address becomes the stack's in the database's text and the
        e-mails (both are 127.0.0.1 with a five-digit port, so lengths stay the same)."""
        old = self.stack.url.removeprefix("http://")
        new = stack.url.removeprefix("http://")
        if len(old) != len(new):  # a port below 10000: quoted-printable lines would move
            raise RuntimeError(f"template address {old} and stack address {new} differ "
                               "in length")
        replace_in_database(stack.env["DATABASE_URL"], old, new)
        for path in (stack.tmp / "mail").glob("*.eml"):
            text = path.read_bytes().decode("utf-8", errors="surrogateescape")
            changed = replace_soft_broken(text, old, new)
            if changed != text:
                path.write_bytes(changed.encode("utf-8", errors="surrogateescape"))


def replace_in_database(url: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in every text and JSON column of every table."""
    import app.models  # noqa: F401
    from app.db import db

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    postgres = engine.dialect.name == "postgresql"
    try:
        with engine.begin() as conn:
            for table in db.metadata.sorted_tables:
                for column in table.columns:
                    kind = column.type
                    if isinstance(kind, sa.Enum) or not isinstance(kind, sa.String | sa.JSON):
                        continue
                    if postgres:  # json/jsonb/varchar alike: compare and replace as text
                        cast = "" if isinstance(kind, sa.String) else "::" + kind.compile(
                            dialect=engine.dialect).lower()
                        text_of = f'"{column.name}"::text'
                    else:
                        cast, text_of = "", f'"{column.name}"'
                    conn.execute(sa.text(
                        f'UPDATE "{table.name}" SET "{column.name}" = '
                        f"replace({text_of}, :old, :new){cast} "
                        f"WHERE {text_of} LIKE :pattern"),
                        {"old": old, "new": new, "pattern": f"%{old}%"})
    finally:
        engine.dispose()


def replace_soft_broken(text: str, old: str, new: str) -> str:
    """``old`` -> ``new`` (same length) also where a quoted-printable soft line break
    (``=`` at a line end) splits it; the breaks stay where they were."""
    soft = r"(?:=\r?\n)?"
    pattern = re.compile(soft.join(re.escape(ch) for ch in old))

    def swap(match: re.Match) -> str:
        chars = iter(new)
        found = match.group(0)
        out, i = [], 0
        while i < len(found):
            brk = re.match(r"=\r?\n", found[i:])
            if brk:
                out.append(brk.group(0))
                i += len(brk.group(0))
                continue
            out.append(next(chars))
            i += 1
        return "".join(out)

    return pattern.sub(swap, text)
