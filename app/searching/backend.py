"""The search backend of an app: made once per app, configured on first use, closed at exit.

The backend lives in ``app.extensions["kretslop.search"]``. Its settings (the synonym
table) come from the category names; they are applied on the first use in a process and
whenever they differ from the ones applied last (a stamp file next to the embedded index
remembers a fingerprint, so a Meilisearch server only re-indexes when something changed).
``flask search init`` and ``flask search reindex`` always apply them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import weakref
from dataclasses import asdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from app.db import db
from search import IndexSettings, SearchBackend, create_backend

log = logging.getLogger(__name__)

EXTENSION = "kretslop.search"
_lock = threading.Lock()


class _State:
    def __init__(self, backend: SearchBackend, configured: bool = False) -> None:
        self.backend = backend
        self.configured = configured


def _close(backend: Any) -> None:
    close = getattr(backend, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001 - closing at exit must never fail loudly
            log.debug("closing the search backend failed", exc_info=True)


def _state(app: Flask) -> _State:
    state = app.extensions.get(EXTENSION)
    if state is None:
        with _lock:
            state = app.extensions.get(EXTENSION)
            if state is None:
                config = app.config
                backend = create_backend(config.get("MEILI_URL"), config.get("MEILI_MASTER_KEY"),
                                         config["SEARCH_PATH"], config.get("MEILI_INDEX")
                                         or "listings")
                state = app.extensions[EXTENSION] = _State(backend)
                # Closed when the app goes away, and at interpreter exit at the latest.
                weakref.finalize(app, _close, backend)
    return state


def search_backend(app: Flask | None = None) -> SearchBackend:
    """The app's backend, with current settings applied (raises ``SearchUnavailable``)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    state = _state(app)
    if not state.configured:
        with _lock:
            if not state.configured:
                ensure_configured(state.backend, app)
                state.configured = True
    return state.backend


def raw_backend(app: Flask | None = None) -> SearchBackend:
    """The app's backend without touching its settings (status, tests)."""
    return _state(app or current_app._get_current_object()).backend  # type: ignore[attr-defined]


def set_backend(app: Flask, backend: SearchBackend, configured: bool = True) -> None:
    """Use ``backend`` for ``app`` (tests put a failing wrapper in front of the real one)."""
    app.extensions[EXTENSION] = _State(backend, configured)


# --- settings ---------------------------------------------------------------------------


def synonyms() -> dict[str, list[str]]:
    """The engine's synonym table: directed (a key finds its values, not the reverse).

    The curated table with the site admins' edits (``app.searching.synonyms.
    synonym_table()``) plus each category's bokmål <-> English name in both
    directions (translations mean the same thing) where the curated table has no
    entry for the name (names a site admin gave in the database included).
    """
    from app.listings.models import Category
    from app.searching.synonyms import synonym_table

    table = {key: list(values) for key, values in synonym_table().items()}

    def add(word: str, other: str) -> None:
        bucket = table.setdefault(word, [])
        if other not in bucket:
            bucket.append(other)

    # A name the curated table already has keeps its curated entry: "fliser" must not
    # find "tiles" (the English names of roof and ceiling tiles share that word).
    curated = set(table)
    rows = db.session.execute(sa.select(Category.name_nb, Category.name_en)
                              .order_by(Category.id)).all()
    for name_nb, name_en in rows:
        nb, en = name_nb.strip().lower(), name_en.strip().lower()
        if nb and en and nb != en:
            if nb not in curated:
                add(nb, en)
            if en not in curated:
                add(en, nb)
    return {key: sorted(values) for key, values in sorted(table.items())}


def index_settings() -> IndexSettings:
    """The settings the app wants on its index."""
    return IndexSettings(synonyms=synonyms())


def fingerprint(settings: IndexSettings, app: Flask) -> str:
    raw = asdict(settings)
    raw["ranking_rules"] = list(settings.ranking_rules)
    raw["target"] = [app.config.get("MEILI_URL") or "", app.config.get("MEILI_INDEX") or ""]
    # Bump when the backends' index shape changes, so servers get the new settings:
    # 2 = the compound_heads searchable attribute (documents need `search reindex`).
    raw["index_shape"] = 2
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _stamp_file(app: Flask) -> Path:
    name = app.config.get("MEILI_INDEX") or "listings"
    return Path(app.config["SEARCH_PATH"]) / f"{name}.settings.sha256"


def ensure_configured(backend: SearchBackend, app: Flask | None = None,
                      force: bool = False) -> bool:
    """Apply the settings when they differ from the last applied ones; True if applied."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    settings = index_settings()
    wanted = fingerprint(settings, app)
    stamp = _stamp_file(app)
    try:
        applied = stamp.read_text().strip() if stamp.exists() else ""
    except OSError:
        applied = ""
    # The embedded engine stores settings next to its documents and applying them is
    # cheap, so it is always brought up to date; a Meilisearch server only on a change.
    embedded = getattr(backend, "engine_name", "") == "embedded"
    if applied == wanted and not force and not embedded:
        remember = getattr(backend, "remember_settings", None)
        if remember is not None:  # Meilisearch: rewrite queries for the same table
            remember(settings)
        return False
    backend.configure(settings)
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(wanted + "\n")
    except OSError as exc:  # only costs a needless configure next time
        log.warning("could not write %s: %s", stamp, exc)
    return True
