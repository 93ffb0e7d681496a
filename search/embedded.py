"""The embedded search backend: no server, a directory on disk, numpy in memory.

Durability: documents are stored in SQLite (``<path>/<index>.sqlite3``, WAL) with
a change sequence number; deletions leave tombstones.  The in-memory
:class:`~search._engine.Engine` is derived from it: built at first use, then
kept current by replaying rows whose sequence is newer than what it has seen.
Every call checks that sequence first (one indexed SQLite read), so several
processes sharing the directory (gunicorn workers, a CLI) see each other's
writes.  Within a process one lock serialises access, which makes the backend
safe for Flask's threaded dev server.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ._engine import Engine
from ._fuzzy import Vocabulary, synonym_vocabulary
from ._query import execute
from .text import mark_terms, normalize_synonyms
from .types import (
    Hit,
    IndexSettings,
    SearchError,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    document_id,
)

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, body TEXT);
CREATE INDEX IF NOT EXISTS docs_seq ON docs (seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('seq', '0'), ('epoch', '0'), ('settings', '{}');
"""


@functools.lru_cache(maxsize=8)
def _parsed_settings(text: str) -> tuple[IndexSettings, dict, Vocabulary]:
    """Stored settings as the engine uses them, with the synonym table normalised and its
    typo vocabulary built: 30-40 ms for our table, so computed once per settings text in
    a process (every backend opened on the same settings shares them; nothing changes
    them after they are built)."""
    raw = json.loads(text)
    raw["ranking_rules"] = tuple(raw.get("ranking_rules", IndexSettings.ranking_rules))
    settings = IndexSettings(**raw)
    synonyms = normalize_synonyms(settings.synonyms)
    return settings, synonyms, synonym_vocabulary(synonyms)


class EmbeddedBackend:
    """:class:`~search.types.SearchBackend` stored under ``path`` (a directory)."""

    engine_name = "embedded"

    def __init__(
        self, path: str | Path, index_name: str = "listings", snapshot_min_changes: int = 5000
    ) -> None:
        self.path = Path(path)
        self.index_name = index_name
        #: Write a snapshot once this many documents changed since the last one
        #: (and at least a quarter of the index): restarts then load it and
        #: replay only newer rows instead of re-tokenising everything.
        self.snapshot_min_changes = snapshot_min_changes
        self._snapshot_file = self.path / f"{index_name}.snapshot.npz"
        self._unsaved = 0
        self._lock = threading.RLock()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path / f"{index_name}.sqlite3", check_same_thread=False, timeout=30
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise SearchUnavailable(f"cannot open search index at {self.path}: {exc}") from exc
        self._engine: Engine | None = None
        self._seq = 0
        self._epoch = ""
        self._settings_raw = ""
        self._settings = IndexSettings()
        self._synonyms: dict = {}
        self._syn_vocab: Vocabulary | None = None
        #: Highlight memos (token -> marked) per set of highlight terms: whether a
        #: token is marked depends on nothing else, so they never go stale.
        self._marks: OrderedDict[tuple, dict[str, bool]] = OrderedDict()

    # ------------------------------------------------------------ storage
    def _meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def _sync(self) -> Engine:
        """Bring the in-memory engine up to the stored sequence number."""
        meta = self._meta()
        if meta["settings"] != self._settings_raw:
            self._settings, self._synonyms, self._syn_vocab = _parsed_settings(
                meta["settings"])
            self._settings_raw = meta["settings"]
        seq = int(meta["seq"])
        if self._engine is None or meta["epoch"] != self._epoch:
            self._engine = self._load(meta["epoch"], seq)
            self._epoch = meta["epoch"]
        engine = self._engine
        engine.one_typo = self._settings.one_typo_min_len
        engine.two_typos = self._settings.two_typos_min_len
        if seq > self._seq:
            rows = self._db.execute(
                "SELECT id, body FROM docs WHERE seq > ? ORDER BY seq", (self._seq,)
            ).fetchall()
            engine.remove(i for i, body in rows if body is None)
            engine.add(json.loads(body) for _, body in rows if body is not None)
            self._seq = seq
            self._unsaved += len(rows)
        if engine.needs_compaction():
            engine.compact()
        if self._unsaved >= max(self.snapshot_min_changes, engine.count // 4):
            self._save_snapshot(engine)
        return engine

    def _load(self, epoch: str, seq: int) -> Engine:
        """The engine from the snapshot (if current enough), else rebuilt from SQLite."""
        loaded = Engine.load(self._snapshot_file)
        if loaded is not None:
            engine, info = loaded
            if info.get("epoch") == epoch and int(info.get("seq", -1)) <= seq:
                self._seq, self._unsaved = int(info["seq"]), 0
                return engine
        engine = Engine()
        rows = self._db.execute("SELECT body FROM docs WHERE body IS NOT NULL ORDER BY id")
        engine.add(json.loads(body) for (body,) in rows)
        self._seq, self._unsaved = seq, engine.count
        return engine

    def _save_snapshot(self, engine: Engine) -> None:
        try:
            engine.save(self._snapshot_file, {"seq": self._seq, "epoch": self._epoch})
            self._unsaved = 0
        except OSError as exc:  # the SQLite store stays the source of truth
            log.warning("could not write search snapshot %s: %s", self._snapshot_file, exc)

    def _write(self, rows: list[tuple[int, str | None]]) -> None:
        """Store documents (body) or tombstones (None) under a new sequence number."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            seq = int(self._meta()["seq"]) + 1
            self._db.executemany(
                "INSERT OR REPLACE INTO docs (id, seq, body) VALUES (?, ?, ?)",
                [(i, seq, body) for i, body in rows],
            )
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (str(seq),))

    def _guard(self, what: str, fn: Any) -> Any:
        with self._lock:
            try:
                return fn()
            except sqlite3.OperationalError as exc:  # locked, disk full, I/O
                raise SearchUnavailable(f"search index {what} failed: {exc}") from exc
            except sqlite3.Error as exc:
                raise SearchError(f"search index {what} failed: {exc}") from exc

    # ------------------------------------------------------------ protocol
    def configure(self, settings: IndexSettings) -> None:
        """Store the settings; synonyms and typo rules apply from the next query."""
        raw = asdict(settings)
        raw["ranking_rules"] = list(settings.ranking_rules)
        text = json.dumps(raw, sort_keys=True, ensure_ascii=False)

        def run() -> None:
            with self._db:
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'settings'", (text,))

        self._guard("configure", run)

    def upsert(self, docs: list[dict[str, Any]]) -> None:
        """Add or replace documents by ``id``."""
        rows = [(document_id(d), json.dumps(d, ensure_ascii=False)) for d in docs]
        if rows:
            self._guard("write", lambda: (self._write(rows), self._sync()))

    def delete(self, ids: list[int]) -> None:
        """Remove documents by id."""
        rows: list[tuple[int, str | None]] = [(int(i), None) for i in ids]
        if rows:
            self._guard("delete", lambda: (self._write(rows), self._sync()))

    def clear(self) -> None:
        """Remove every document; other processes rebuild on their next call."""

        def run() -> None:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute("DELETE FROM docs")
                epoch = f"{time.time_ns()}-{id(self)}"
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'epoch'", (epoch,))
            self._engine = None
            self._snapshot_file.unlink(missing_ok=True)
            self._sync()

        self._guard("clear", run)

    def search(self, query: SearchQuery) -> SearchResult:
        """Run a query; see :class:`~search.types.SearchQuery`."""
        query.validate()
        return self._guard("search", lambda: self._search(query))

    def _search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        engine = self._sync()
        found, plan = execute(
            engine, query, self._synonyms, self._settings.max_values_per_facet, self._syn_vocab
        )
        docs = self._fetch(found.ids)
        hits: list[Hit] = []
        memo = self._highlight_memo(plan) if query.highlight else {}
        for doc_id, dist in zip(found.ids, found.distances, strict=True):
            doc = docs.get(doc_id)
            if doc is None:  # deleted by another process since our last sync
                continue
            hit = Hit(id=doc_id, doc=doc, distance_m=dist)
            if query.highlight and plan is None:  # no words: nothing to mark
                hit.highlights = {
                    name: html.escape(str(doc.get(name) or "")) for name in ("title", "description")
                }
            elif query.highlight:
                terms, prefixes = plan.highlight_terms, plan.highlight_prefixes
                heads = plan.highlight_heads
                hit.highlights = {
                    name: mark_terms(str(doc.get(name) or ""), terms, prefixes, memo, heads)
                    for name in ("title", "description")
                }
            hits.append(hit)
        total = min(found.total, self._settings.max_total_hits)
        return SearchResult(
            hits=hits,
            total=total,
            page=query.page,
            per_page=query.per_page,
            facets=found.facets,
            processing_ms=(time.perf_counter() - started) * 1000,
        )

    def _highlight_memo(self, plan: Any) -> dict[str, bool]:
        """The token -> marked memo shared by queries with the same highlight terms."""
        if plan is None:
            return {}
        key = (
            frozenset(plan.highlight_terms),
            plan.highlight_prefixes,
            frozenset(plan.highlight_heads),
        )
        memo = self._marks.get(key)
        if memo is None or len(memo) > 20_000:  # bounded: 128 memos of <= 20,000 tokens
            memo = self._marks[key] = {}
            if len(self._marks) > 128:
                self._marks.popitem(last=False)
        else:
            self._marks.move_to_end(key)
        return memo

    def _fetch(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        sql = f"SELECT id, body FROM docs WHERE body IS NOT NULL AND id IN ({marks})"  # noqa: S608
        return {i: json.loads(body) for i, body in self._db.execute(sql, ids)}

    def stats(self) -> dict[str, Any]:
        """Engine name, document count, vocabulary size and bytes on disk."""

        def run() -> dict[str, Any]:
            engine = self._sync()
            files = self.path.glob(f"{self.index_name}.*")
            size = sum(p.stat().st_size for p in files if p.is_file())
            return {
                "engine": self.engine_name,
                "documents": engine.count,
                "terms": len(engine.vocab),
                "disk_bytes": size,
                "path": str(self.path),
            }

        return self._guard("stats", run)

    def drop_caches(self) -> None:
        """Forget every query cache (text matches, prefixes, highlight memos).

        Results do not change; benchmarks use it to time queries uncached.
        """
        with self._lock:
            self._marks.clear()
            if self._engine is not None:
                self._engine.drop_caches()

    def close(self) -> None:
        """Close the SQLite connection."""
        with self._lock:
            self._db.close()
