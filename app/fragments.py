"""Rendered template fragments that are the same for every viewer, kept per process.

Profiles of the listing page (pyinstrument over real requests, docs/benchmarks.md
"Session 6: logged-in and rendered pages") showed most of a rendering spent in parts that
depend only on the listing and the language: the photos, the facts (number and date
formatting, translated labels), the description, the map and the pickup windows. The page
cache (app/pagecache.py) keeps whole pages, but only for anonymous visitors; these
fragments serve everyone, logged in or not, because nothing of the viewer is in them.

In a template::

    {% call cached_fragment("listing-facts", listing.id) %} ... {% endcall %}

* **Key.** The fragment's name, the caller's key values, the language and the *content
  generation* read when the request began (app/pagecache.py: bumped after every commit
  that wrote, in every process). Any write anywhere makes every fragment render anew.
* **Never stale for the writer, never from a race.** The generation is read before the
  view loads anything, so what a request renders is at least as new as its key says (a
  commit elsewhere meanwhile can only make it newer, and requests after that commit use
  the next generation). A request that wrote, committed or not, neither serves nor
  keeps fragments from then on: its own change must show to it.
* **Never another person's content.** A fragment that contains this request's CSRF
  token (it belongs to one session) is not kept; fragments must not use ``current_user``: the
  test ``tests/test_page_speed.py`` renders them for an owner, another member and an
  anonymous visitor and compares.
* **Bound.** ``FRAGMENT_CACHE_SECONDS`` (default 60) caps the age, for what changes
  without a write (the passing of time: "from today" in pickup windows);
  ``FRAGMENT_CACHE_ENTRIES`` (default 2000) caps memory. 0 seconds, debug mode or no
  content generation turn it off (the fragment is simply rendered).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.pagecache import WROTE

EXTENSION = "kretslop.fragments"


class FragmentStore:
    """A thread-safe LRU of rendered strings (or other values) with an optional age
    bound (``seconds=None``: entries live until pushed out). The search page's caches
    (app/searching/fragments.py) use it too."""

    def __init__(self, seconds: float | None, entries: int) -> None:
        self.seconds = seconds
        self.entries = entries
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0  # for tests and for looking at a running process

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None and self.seconds is not None \
                    and time.monotonic() - entry[0] > self.seconds:
                del self._items[key]
                entry = None
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, text: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), text)
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def _generation():
    """The content generation object of app/pagecache.py, or None."""
    extensions = current_app.extensions
    generation = extensions.get("content_generation")
    if generation is None and extensions.get("page_cache") is not None:
        generation = extensions["page_cache"].generation
    return generation


def _note_generation() -> None:
    """Before the view loads anything: the generation its data belongs to."""
    if request.method not in ("GET", "HEAD") or request.endpoint in (None, "static"):
        return
    generation = _generation()
    if generation is None:
        return
    try:
        g.fragment_generation = generation.current()
    except Exception:  # noqa: BLE001 - Redis away: render everything, fail nothing
        current_app.logger.warning("fragments: generation unavailable", exc_info=True)


@event.listens_for(Session, "after_commit", insert=True)  # before pagecache pops WROTE
def _wrote_and_committed(session) -> None:
    if session.info.get(WROTE) and has_request_context():
        g.fragments_off = True


def _usable_generation() -> int | None:
    """The generation to key on, or None when no fragment may be served or kept now."""
    from app.db import db

    started = g.get("fragment_generation")
    if started is None or g.get("fragments_off") or db.session.info.get(WROTE):
        return None
    return started


def cached_fragment(name: str, *key: Hashable, caller: Callable[[], Markup]) -> Markup:
    """The rendered ``caller`` body from the store, or rendered now (and kept)."""
    store: FragmentStore | None = current_app.extensions.get(EXTENSION)
    generation = _usable_generation() if store is not None else None
    if generation is None:
        return caller()
    from flask_babel import get_locale

    full_key = (name, generation, str(get_locale()), *key)
    text = store.get(full_key)
    if text is not None:
        return text
    # The macro Jinja made of the block: escaped as the template said, Markup already.
    text = caller()
    token = g.get("csrf_token")  # Flask-WTF keeps the (signed) token it rendered in g
    if not (token and token in text) and _usable_generation() == generation:
        store.put(full_key, text)
    return text


def cached_value(name: str, *key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()``'s result kept like a fragment (same generation and write rules), for
    small values such as a person's unread count: put the person in ``key``."""
    store: FragmentStore | None = current_app.extensions.get(EXTENSION)
    generation = _usable_generation() if store is not None else None
    if generation is None:
        return compute()
    full_key = ("value:" + name, generation, *key)
    found = store.get(full_key)
    if found is not None:
        return found[0]
    value = compute()
    if _usable_generation() == generation:
        store.put(full_key, (value,))
    return value


def init_app(app: Flask) -> None:
    app.jinja_env.globals["cached_fragment"] = cached_fragment
    app.jinja_env.globals["cached_value"] = cached_value
    seconds = float(app.config.get("FRAGMENT_CACHE_SECONDS", 60) or 0)
    if seconds <= 0 or app.debug:
        return
    app.extensions[EXTENSION] = FragmentStore(
        seconds, int(app.config.get("FRAGMENT_CACHE_ENTRIES", 2000)))
    app.before_request(_note_generation)
