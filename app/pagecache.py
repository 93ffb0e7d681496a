"""A rendered-page cache for anonymous visitors on the public pages.

Most traffic to a marketplace is people who are not logged in reading listings and
search results; rendering those pages costs several milliseconds of Python each time,
while the bytes are the same for every anonymous visitor who asks in the same language.
This cache keeps such pages in the process's memory:

* **What is cached.** Only views marked with :func:`public_page`, only for ``GET`` and
  ``HEAD``, only for visitors without a login (no ``_user_id`` in the session, no
  remember-me cookie) and with no flash messages waiting, and only a ``200 text/html``
  answer that set no cookie, did not change the session and rendered no CSRF token
  (a token belongs to one session and must never be served to another).
* **Key.** The content generation, the page's language and the full path with its query.
* **Invalidation.** Every database transaction that writes (an ORM flush, an ORM
  ``INSERT``/``UPDATE``/``DELETE``, or code writing on the session's connection that says
  so with :func:`mark_written`) bumps the *content generation* after it commits;
  a page is only served for the generation it was rendered under. The generation lives
  in Redis when ``REDIS_URL`` is set (shared by every web and worker process) and in a
  file's timestamp under the instance directory otherwise (shared by the processes of
  one machine). Search indexing done by a worker ends in a commit too, so new search
  results show as soon as the index has them.
* **Bound.** ``PAGE_CACHE_SECONDS`` (default 60) caps the age of a page, for what can
  change without a write through the ORM (raw SQL, the passing of time);
  ``PAGE_CACHE_ENTRIES`` (default 500 per process) caps memory. ``PAGE_CACHE_SECONDS=0``
  turns the cache off; it is off in debug mode so template edits show at once.

Responses say ``X-Page-Cache: hit`` or ``miss`` so that the behaviour can be observed.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import Flask, Response, current_app, g, has_app_context, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session

REDIS_KEY = "kretslop:content-generation"
WROTE = "page_cache_wrote"  # in Session.info: this transaction wrote something
GENERATION = "content_generation"  # app.extensions: the generation (always there)


def public_page(view):
    """Mark a view whose anonymous rendering is the same for every anonymous visitor."""
    view._public_page = True
    return view


# --- the content generation -----------------------------------------------------------


class FileGeneration:
    """A generation number that is a file's modification time in nanoseconds."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def current(self) -> int:
        try:
            return os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return 0

    def bump(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        stamp = max(time.time_ns(), self.current() + 1)
        try:
            os.utime(self.path, ns=(stamp, stamp))
        except FileNotFoundError:
            self.path.touch()
            os.utime(self.path, ns=(stamp, stamp))


class RedisGeneration:
    """A generation number kept in Redis, shared by every process of the deployment."""

    def __init__(self, url: str) -> None:
        from redis import Redis

        self.redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def current(self) -> int:
        return int(self.redis.get(REDIS_KEY) or 0)

    def bump(self) -> None:
        self.redis.incr(REDIS_KEY)


# --- the cache ------------------------------------------------------------------------


class PageCache:
    def __init__(self, generation, seconds: float, entries: int) -> None:
        self.generation = generation
        self.seconds = seconds
        self.entries = entries
        self._pages: OrderedDict[tuple, tuple[float, int, str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[int, str, bytes] | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry[0] > self.seconds:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return entry[1:]

    def put(self, key: tuple, status: int, content_type: str, body: bytes) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic(), status, content_type, body)
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


def _cache() -> PageCache | None:
    return current_app.extensions.get("page_cache")


def _anonymous() -> bool:
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return False
    return "_user_id" not in session and "_flashes" not in session


def is_public_page() -> bool:
    """Whether this request's view is marked :func:`public_page`."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "_public_page", False)


def _key(cache: PageCache) -> tuple | None:
    if request.method not in ("GET", "HEAD") or not is_public_page():
        return None
    if "lang" in request.args:
        return None
    if not _anonymous():
        return None
    from app.i18n import select_locale

    try:
        generation = cache.generation.current()
    except Exception:  # noqa: BLE001 - Redis away: serve uncached rather than fail
        current_app.logger.warning("page cache: generation unavailable", exc_info=True)
        return None
    return (generation, select_locale(), request.full_path)


def _serve_from_cache():
    cache = _cache()
    if cache is None:
        return None
    key = _key(cache)
    if key is None:
        return None
    hit = cache.get(key)
    if hit is None:
        g.page_cache_key = key
        return None
    status, content_type, body = hit
    response = current_app.response_class(body, status=status, content_type=content_type)
    response.headers["X-Page-Cache"] = "hit"
    response.vary.add("Cookie")
    return response


def _store(response: Response) -> Response:
    key = g.pop("page_cache_key", None)
    cache = _cache()
    if key is None or cache is None:
        return response
    cacheable = (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and not session.modified
        and "csrf_token" not in g  # Flask-WTF keeps the token it rendered in g
        and _anonymous()
    )
    response.headers["X-Page-Cache"] = "miss"
    if cacheable:
        cache.put(key, response.status_code, response.content_type, response.get_data())
    return response


# --- invalidation ---------------------------------------------------------------------


def mark_written(session: Session) -> None:
    """Note that ``session``'s transaction wrote around the ORM (on its connection), so
    that its commit invalidates the stored pages like any other write."""
    session.info[WROTE] = True


@event.listens_for(Session, "after_flush")
def _wrote(session, _flush_context) -> None:
    mark_written(session)


@event.listens_for(Session, "do_orm_execute")
def _wrote_dml(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        mark_written(state.session)


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session) -> None:
    if not session.info.pop(WROTE, False) or not has_app_context():
        return
    generation = current_app.extensions.get(GENERATION)
    if generation is None:
        return
    try:
        generation.bump()
    except Exception:  # noqa: BLE001 - a stale page for PAGE_CACHE_SECONDS, not an error
        current_app.logger.warning("page cache: could not bump the generation",
                                   exc_info=True)
        cache = _cache()
        if cache is not None:
            cache.clear()


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(WROTE, None)


def content_generation(app: Flask | None = None):
    """The app's content generation (``current()``, ``bump()``); it exists, and is bumped
    after every writing commit, whether or not the page cache is on, so that other
    caches (the search page's category tree, app/searching/fragments.py) can use it."""
    return (app or current_app).extensions.get(GENERATION)


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        generation = RedisGeneration(app.config["REDIS_URL"])
    else:
        generation = FileGeneration(Path(app.config["INSTANCE_DIR"]) / "content-generation")
    app.extensions[GENERATION] = generation
    seconds = float(app.config.get("PAGE_CACHE_SECONDS", 60) or 0)
    if seconds <= 0 or app.debug:
        return
    app.extensions["page_cache"] = PageCache(
        generation, seconds, int(app.config.get("PAGE_CACHE_ENTRIES", 500)))
    app.before_request(_serve_from_cache)
    app.after_request(_store)
