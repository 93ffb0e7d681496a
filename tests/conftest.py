"""Shared fixtures: a real database (SQLite by default, PostgreSQL with TEST_DATABASE_URL),
an app per test whose session is bound to an outer transaction that is rolled back,
a test client, a CLI runner and builders.

Services (PostgreSQL, Redis, Chromium, ../shared) are *required* when
``KRETSLOP_REQUIRE_SERVICES=1`` (set by ``.ci/run``): a missing one fails the test
instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.db import db

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REQUIRE_SERVICES = os.environ.get("KRETSLOP_REQUIRE_SERVICES") == "1"
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... under -n


def worker_index(worker: str | None = None) -> int:
    """A pytest-xdist worker's number (this one's by default; 0 when not parallel)."""
    worker = XDIST_WORKER if worker is None else worker
    return int(worker[2:]) if worker.startswith("gw") else 0


def _worker_redis_url(url: str, worker: str | None = None) -> str:
    """Each xdist worker gets its own Redis database: TEST_REDIS_URL's number counted
    down by the worker index (15, 14, ... by default; Redis has 16)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base - worker_index(worker)) % 16}"))


REDIS_URL = _worker_redis_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))


def _share_url_builders() -> None:
    """Every test builds its own app (``create_app``), and Werkzeug compiles two URL
    builder functions per route for each (generated Python, ``ast`` + ``compile``): about
    three quarters of ``create_app``'s time in a cProfile, ~0.1-0.4 s per test. The
    generated function depends only on the rule's text, its parsed parts, its defaults
    and ``append_unknown`` (it reaches converters and query encoding through its
    ``self`` argument at call time), so one compiled function per such key serves every
    app of the test process, each rule binding it to itself as Werkzeug does. Not a
    double: the same code Werkzeug generates, made once."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "_kretslop_shared", False):
        return  # a Werkzeug without this private method: every app compiles its own
    built: dict = {}

    def shared(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        if not hasattr(self, "_trace") or not hasattr(self, "_converters"):
            return compile_builder(self, append_unknown)  # Werkzeug's internals moved
        key = (self.rule, self.map.host_matching if self.map else None,
               tuple(self._trace), append_unknown,
               tuple((name, repr(value)) for name, value in defaults.items()),
               tuple(self._converters[name].to_url(defaults[name])
                     for dynamic, name in self._trace if dynamic and name in defaults))
        function = built.get(key)
        if function is None:
            function = built[key] = compile_builder(self, append_unknown)
        return function

    shared._kretslop_shared = True
    shared.werkzeug_compile_builder = compile_builder  # tests/test_url_builders.py
    Rule._compile_builder = shared


_share_url_builders()


def _share_engines() -> None:
    """Every test builds its own app, and Flask-SQLAlchemy made each a new Engine: with
    it a new dialect, a new connection pool and an empty cache of compiled SQL, so every
    statement of every test was compiled again (a fifth of the in-process tests' time in
    a cProfile of tests/listings and tests/exchange). One Engine per URL and options
    serves every app of the test process instead, as one serves every request of a
    running app; the tests' isolation is the outer transaction each test rolls back
    (``app`` below) or the tables ``committed_app`` empties, never the Engine. Not a
    double: the same Engine SQLAlchemy would build, built once."""
    from flask_sqlalchemy.extension import SQLAlchemy

    make_engine = SQLAlchemy._make_engine
    if getattr(make_engine, "_kretslop_shared", False):
        return
    engines: dict = {}

    def shared(self, bind_key, options, app):
        key = (bind_key, repr(sorted(options.items(), key=lambda item: item[0])))
        engine = engines.get(key)
        if engine is None:
            engine = engines[key] = make_engine(self, bind_key, options, app)
        return engine

    shared._kretslop_shared = True
    SQLAlchemy._make_engine = shared


_share_engines()


def _share_compiled_templates() -> None:
    """Each test's app has its own Jinja environment, which parsed and compiled every
    template it rendered again (``Environment.compile`` was next in the profile after
    the engines). Jinja's own bytecode cache, in the test process's memory, gives every
    app's environment the compiled templates; Jinja checks each against the template's
    source, so an edited template compiles anew. Not a double: Jinja's documented
    cache (``MemcachedBytecodeCache``) with a dictionary as its store."""
    from flask import Flask
    from jinja2 import MemcachedBytecodeCache

    create = Flask.create_jinja_environment
    if getattr(create, "_kretslop_shared", False):
        return

    class Store(dict):
        def set(self, key, value, timeout=None):  # the memcached client's signature
            self[key] = value

    cache = MemcachedBytecodeCache(Store(), prefix="kretslop-tests/")

    def shared(self):
        environment = create(self)
        environment.bytecode_cache = cache
        return environment

    shared._kretslop_shared = True
    Flask.create_jinja_environment = shared


_share_compiled_templates()


def service_missing(reason: str) -> None:
    """Skip for a newcomer; fail in CI, where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing (KRETSLOP_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        service_missing(f"{path} is absent (a newcomer's clone has no ../shared)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Compile the .po catalogues so a plain ``pytest`` run uses the current texts."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (ROOT / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)


@pytest.fixture(autouse=True)
def _no_leftover_retry_thread():
    """A test must not leave the outbox retry thread running: it would wake every few
    seconds inside later tests and, through the shared ``db.session``, roll back their
    savepoints (CI saw foreign-key errors in unrelated setups from exactly that)."""
    yield
    from app import jobs

    leftover = [jobs._retry_threads.get(key) for key in list(jobs._retry_threads)]
    for key in list(jobs._retry_threads):
        jobs._retry_threads[key][1].set()
        jobs._retry_threads[key][2].set()
    alive = [r for r in leftover if r is not None and r[0].is_alive()]
    for running in leftover:
        if running is not None:
            running[0].join(timeout=10)
    jobs._retry_threads.clear()
    if alive:
        pytest.fail("the test left the outbox retry thread running; stop it with "
                    "jobs.stop_retry_thread(app) or set JOBS_RETRY_THREAD=False")


# --- the database --------------------------------------------------------------------


def _postgres_scratch_database(url: str) -> tuple[str, str]:
    """Create a database of our own on the server named by ``url``; return (url, name)."""
    base = sa.engine.make_url(url)
    name = f"kretslop_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        service_missing(f"PostgreSQL at {base.render_as_string()} is not reachable: {exc}")
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(url: str, name: str) -> None:
    admin = sa.create_engine(sa.engine.make_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    from app.config import _database_url

    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = _database_url(url)
    if url and url.startswith("postgresql"):
        scratch, name = _postgres_scratch_database(url)
        yield scratch
        _drop_postgres_database(url, name)
        return
    if REQUIRE_SERVICES and os.environ.get("TEST_EXPECT_POSTGRES") == "1":
        pytest.fail("TEST_EXPECT_POSTGRES=1 but TEST_DATABASE_URL is not PostgreSQL")
    yield url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def base_config(tmp_path: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "MAIL_DIR": str(tmp_path / "mail"),
        "MAIL_SERVER": None,
        "SEARCH_PATH": str(tmp_path / "search"),
        "MEILI_URL": None,
        "REDIS_URL": None,
        "JOBS_MODE": "inline",
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "STRIPE_SECRET_KEY": None,
        "STRIPE_PUBLISHABLE_KEY": None,
        "BASE_URL": "http://kretslop.test",
        "SERVER_NAME": None,
        # No test reaches Enhetsregisteret: "" turns the registry off; tests that need
        # it start tests/registry_server.py and set the URL.
        "BRREG_API_URL": "",
    }


@pytest.fixture(scope="session")
def _schema(database_url):
    """Create every table once per test session (migrations are tested separately)."""
    import app.models  # noqa: F401

    engine = sa.create_engine(database_url)
    db.metadata.drop_all(engine)
    db.metadata.create_all(engine)
    engine.dispose()
    return database_url


@pytest.fixture
def app_config(tmp_path, _schema) -> dict:
    """Override per test: ``def app_config(app_config): return {**app_config, ...}``."""
    return base_config(tmp_path, _schema)


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (fresh ``g`` and session), as in production.

    Flask reuses an already pushed app context for a request; the fixtures keep one
    pushed for the test body, so without this ``g`` (and the logged-in user cached in
    it) would leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's own session sees what the request wrote
        return response


@pytest.fixture
def app(app_config):
    """An app whose every session joins one outer transaction, rolled back at the end."""
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    original_session = db.session
    with application.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=original_session.registry.scopefunc,
        )
        try:
            yield application
        finally:
            db.session.remove()
            db.session = original_session
            outer.rollback()
            connection.close()  # back to the shared engine's pool (_share_engines)


@contextmanager
def pushed_app(config: dict, cleanup=None):
    """An app that really commits, its context pushed for the block; afterwards
    ``cleanup(engine)`` (if given) and the engine disposed."""
    application = create_app(config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        try:
            yield application
        finally:
            db.session.remove()
            if cleanup is not None:
                cleanup(db.engine)
            db.engine.dispose()


@pytest.fixture
def committed_app(app_config):
    """An app that really commits (for other threads/processes); tables are emptied after."""
    with pushed_app(app_config, cleanup=truncate_all) as application:
        yield application


def truncate_all(engine) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )
        return
    with engine.connect() as conn:
        # Like TRUNCATE: no foreign-key checks (self-references such as category parents
        # are RESTRICT, which SQLite checks row by row). The pragma only takes effect
        # outside a transaction, so it goes to the driver connection before BEGIN.
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                # Triggers may refuse DELETE (the append-only ledger): set them aside for
                # the emptying and put them back, in the same transaction.
                triggers = conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
                for name, _sql in triggers:
                    conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
                for table in tables:
                    conn.exec_driver_sql(f'DELETE FROM "{table}"')
                for _name, sql in triggers:
                    conn.exec_driver_sql(sql)
        finally:
            raw.execute("PRAGMA foreign_keys = ON")


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd, tests/mailserver.py) for one test; a module points
    the app at it with MAIL_SERVER/MAIL_PORT in its app_config."""
    from tests.mailserver import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- builders ------------------------------------------------------------------------


class Builders:
    """Make real rows through the services, committed into the test's transaction."""

    password = "correct horse battery"
    _counter = 0

    def __init__(self, app):
        self.app = app

    def _next(self) -> int:
        Builders._counter += 1
        return Builders._counter

    def org(self, kind: str = "business", name: str | None = None, verified: bool = True,
            **kw):
        """An organisation; ``verified`` (the default) as if Enhetsregisteret had confirmed
        it (a municipality with the registry form KOMM), else as self-registered."""
        from app.accounts import orgnr
        from app.accounts.models import VerificationState
        from app.accounts.services import create_organization
        from app.db import commit, utcnow

        n = self._next()
        number = kw.pop("orgnr", None)
        if number is None and kind != "nonprofit":
            number = orgnr.make(80000000 + n * 137)
        org = create_organization(name or f"Org {n}", kind, number, **kw)
        if verified:
            org.verification_state = VerificationState.VERIFIED.value
            org.verified_at = utcnow()
            org.registry_form = "KOMM" if kind == "municipality" else "AS"
            org.verification_reason = "test builder"
        commit()
        return org

    def user(self, org=None, role: str = "owner", email: str | None = None,
             site_admin: bool = False, locale: str = "nb", name: str | None = None,
             two_factor: bool = False):
        from app.accounts.services import _new_user, add_member
        from app.db import commit

        n = self._next()
        user = _new_user(email or f"user{n}@example.no", name or f"User {n}", self.password,
                         locale=locale, site_admin=site_admin)
        db.session.flush()
        if org is not None:
            add_member(user, org, role)
        if site_admin or two_factor:  # site admins must use two-factor (app/accounts/signin.py)
            enroll_two_factor(user)
        commit()
        return user

    def project(self, org, user=None, **kw):
        """A building project of ``org`` (app.projects) in Asker: a demolition at gnr 41
        bnr 118 unless ``kw`` says otherwise (API field names)."""
        from app.db import commit
        from app.projects.services import create_project

        data = {"name": "Rivning av Kunnskapsveien 1", "work_kind": "demolition",
                "address": "Kunnskapsveien 1", "postcode": "1383", "gnr": 41, "bnr": 118,
                "building_year": 1974, "former_use": "Kontorbygg",
                "mapping_date": "2026-11-20", "access_date": "2027-01-10",
                "demolition_start": "2027-02-01", "mapped_by": "Kari Kartlegger, Rådgiver AS",
                **kw}
        project = create_project(user, org, data)
        commit()
        return project

    def component(self, project, user=None, **kw):
        """A mapped component of ``project``: 12 suitable interior doors unless ``kw``
        says otherwise (API field names)."""
        from app.db import commit
        from app.listings.categories import ensure_categories
        from app.projects.services import create_component

        ensure_categories()

        data = {"building_part": "244", "name": "Innerdør eik 9x21", "quantity": 12,
                "unit": "pcs", "unit_weight_kg": 25, "category": "door",
                "condition": "good", "material": "Eik", "floor": "2", "room": "Korridor",
                "suitability": "suitable", **kw}
        component, _new = create_component(project, user, data)
        commit()
        return component

    def token(self, user) -> str:
        from app.accounts.services import create_api_token
        from app.db import commit

        _token, raw = create_api_token(user, "test")
        commit()
        return raw


@pytest.fixture
def make(app):
    return Builders(app)


# --- two-factor in tests ---------------------------------------------------------------

#: The TOTP secret of every user enrolled by the builders, by e-mail address.
TOTP_SECRETS: dict[str, str] = {}


def enroll_two_factor(user) -> str:
    """Turn two-factor on for ``user`` (site admins get it from Builders.user)."""
    from app.accounts.two_factor import enroll_for_tests

    secret = enroll_for_tests(user)
    TOTP_SECRETS[user.email] = secret
    return secret


def two_factor_code(email: str) -> str:
    """A code the second sign-in step will accept for ``email``: the TOTP code of a time
    step not used yet (now, or one either side), else a fresh recovery code."""
    import pyotp
    import sqlalchemy as sa

    from app.accounts import two_factor
    from app.accounts.models import User
    from app.db import commit

    user = db.session.scalar(sa.select(User).where(User.email == email))
    row = two_factor.setup_of(user)
    db.session.refresh(row)
    totp = pyotp.TOTP(TOTP_SECRETS[email])
    now = totp.timecode(two_factor.utcnow())
    for step in (now - 1, now, now + 1):
        if step > (row.last_step or 0):
            return totp.generate_otp(step)
    code = two_factor.new_recovery_codes(user)[0]
    commit()
    return code


def complete_two_factor(client, response, email: str, follow: bool = False):
    """If ``response`` sent the browser to the second sign-in step, give it a code."""
    import re

    if response.status_code != 302 or "/login/two-factor" not in response.headers.get(
            "Location", ""):
        return response
    html = client.get("/login/two-factor").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    return client.post("/login/two-factor", data={"code": two_factor_code(email),
                                                  "csrf_token": token},
                       follow_redirects=follow)


class Auth:
    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        import re

        html = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert match, "page has no CSRF token"
        return match.group(1)

    def login(self, email: str, password: str = Builders.password, follow: bool = False):
        token = self.csrf()
        response = self.client.post("/login", data={"email": email, "password": password,
                                                    "csrf_token": token})
        response = complete_two_factor(self.client, response, email.strip().lower())
        if follow and response.status_code in (301, 302, 303):
            return self.client.get(response.headers["Location"], follow_redirects=True)
        return response

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf("/")})


@pytest.fixture
def auth(client):
    return Auth(client)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- scheduling: the long files first --------------------------------------------------

#: Files that take longest here (``--durations`` on the 2-core CI machine, the README's
#: test section): started first, so that xdist (``--dist loadfile
#: --no-loadscope-reorder`` in the Makefile) does not end with one worker running a long
#: file while the other is idle. A file that serves the app over HTTP (a live stack, a
#: browser) counts as long too; the rest follow, the files with most tests first.
LONG_FILES = (
    "tests/security/test_api_schemathesis.py",
    "tests/security/test_authorization_matrix.py",
    "tests/browser/test_journey_exchange.py",
    "tests/browser/test_pay_with_card.py",
    "tests/browser/test_journey_listing.py",
    "tests/browser/test_responsive.py",
    "tests/browser/test_accessibility.py",
    "tests/e2e/test_scale_stack.py",
    "tests/e2e/test_resource_limits.py",
)


def pytest_collection_modifyitems(session, config, items):
    root = Path(str(config.rootpath))
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(Path(str(item.path)).relative_to(root).as_posix(), []).append(item)

    def order(name: str) -> tuple:
        if name in LONG_FILES:
            return (0, LONG_FILES.index(name))
        served = name.startswith(("tests/browser/", "tests/e2e/")) or any(
            item.get_closest_marker("slow") for item in files[name])
        return (1 if served else 2, -len(files[name]), name)

    items[:] = [item for name in sorted(files, key=order) for item in files[name]]
