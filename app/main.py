"""Site-wide pages: home, language switch, liveness (/healthz) and readiness (/readyz)."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app.db import db
from app.extensions import csrf
from app.pagecache import public_page

log = logging.getLogger(__name__)
bp = Blueprint("main", __name__)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only same-site relative paths; anything else (//evil, https://evil, a backslash,
    a control character such as CR/LF or TAB, NUL) falls back."""
    if not target or not isinstance(target, str):
        return fallback
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


@bp.get("/")
@public_page
def home():
    """The front page; for signed-in people with "Til behandling" (what waits for them)."""
    from flask_login import current_user

    todo = None
    if current_user.is_authenticated:
        from app.notifications.todo import todo_for

        todo = todo_for(current_user)
    return render_template("home.html", todo=todo)


@bp.post("/language")
@csrf.exempt  # a display preference: without a token, anonymous pages need no session
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        from flask_login import current_user

        if current_user.is_authenticated:
            current_user.locale = lang
    return redirect(safe_next(request.form.get("next"), "/"))


@bp.get("/favicon.ico")
def favicon():
    """Browsers, feed readers and link previews ask for /favicon.ico whatever the page
    says: send them to the SVG icon every page links to (issue 15)."""
    response = redirect(url_for("static", filename="favicon.svg"), 301)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/healthz")
def health():
    """Liveness: the process answers. Touches neither the database nor anything else."""
    return _uncached(jsonify(status="ok"))


@bp.get("/readyz")
def ready():
    """Readiness for load balancers: the database, the search backend, Redis (when
    configured) and the outbox (no delivery due for too long, not too many dead rows).
    200 with the checks when every one is ok, 503 otherwise. The body names checks and
    counts only: no URLs, hosts, paths or error texts (those go to the log)."""
    checks = {"database": _check_database(), "search": _check_search()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _check_redis()
    if checks["database"]["status"] == "ok":
        checks["outbox"] = _check_outbox()
    else:
        checks["outbox"] = {"status": "unknown"}
    ready = all(c["status"] == "ok" for c in checks.values())
    response = jsonify(status="ok" if ready else "unavailable", checks=checks)
    if not ready:
        response.status_code = 503
        response.headers["Retry-After"] = "10"
    return _uncached(response)


def _uncached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _failed(name: str, exc: BaseException) -> dict:
    log.warning("readyz: %s check failed: %s: %s", name, type(exc).__name__, exc)
    return {"status": "fail"}


def _check_database() -> dict:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        from app.db import rollback

        with contextlib.suppress(Exception):  # the connection is gone; nothing to undo
            rollback()
        return _failed("database", exc)
    return {"status": "ok"}


def _check_search() -> dict:
    from app.searching.backend import raw_backend

    try:
        stats = raw_backend().stats()
    except Exception as exc:  # noqa: BLE001
        return _failed("search", exc)
    return {"status": "ok", "engine": str(stats.get("engine") or "")}


def _check_redis() -> dict:
    from redis import Redis

    try:
        client = Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2,
                                socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001
        return _failed("redis", exc)
    return {"status": "ok"}


def _check_outbox() -> dict:
    from app import jobs

    max_age = float(current_app.config.get("READYZ_OUTBOX_MAX_AGE_MINUTES") or 15)
    # Dead rows need a person (``flask jobs status|retry``), not another instance: by
    # default they are reported without taking every instance out of the load balancer.
    max_dead = current_app.config.get("READYZ_MAX_DEAD_ROWS")
    try:
        overdue, dead = jobs.backlog(timedelta(minutes=max_age))
    except Exception as exc:  # noqa: BLE001
        return _failed("outbox", exc)
    ok = overdue == 0 and (max_dead is None or dead <= int(max_dead))
    return {"status": "ok" if ok else "fail", "overdue": overdue, "dead": dead}
