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

import json
import sqlite3
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ._engine import Engine
from ._query import execute
from .text import mark_terms, normalize_synonyms
from .types import Hit, IndexSettings, SearchError, SearchQuery, SearchResult, SearchUnavailable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, body TEXT);
CREATE INDEX IF NOT EXISTS docs_seq ON docs (seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('seq', '0'), ('epoch', '0'), ('settings', '{}');
"""


def _check_doc(doc: Any) -> int:
    if not isinstance(doc, dict) or isinstance(doc.get("id"), bool):
        raise SearchError(
            "each document must be a dict with an integer 'id'", "invalid_document_id"
        )
    try:
        return int(doc["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SearchError("each document needs an integer 'id'", "invalid_document_id") from exc


class EmbeddedBackend:
    """:class:`~search.types.SearchBackend` stored under ``path`` (a directory)."""

    engine_name = "embedded"

    def __init__(self, path: str | Path, index_name: str = "listings") -> None:
        self.path = Path(path)
        self.index_name = index_name
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

    # ------------------------------------------------------------ storage
    def _meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def _sync(self) -> Engine:
        """Bring the in-memory engine up to the stored sequence number."""
        meta = self._meta()
        if meta["settings"] != self._settings_raw:
            raw = json.loads(meta["settings"])
            raw["ranking_rules"] = tuple(raw.get("ranking_rules", IndexSettings.ranking_rules))
            self._settings = IndexSettings(**raw)
            self._synonyms = normalize_synonyms(self._settings.synonyms)
            self._settings_raw = meta["settings"]
            if self._engine is not None:  # typo rules are read at query time
                self._engine.one_typo = self._settings.one_typo_min_len
                self._engine.two_typos = self._settings.two_typos_min_len
        seq = int(meta["seq"])
        if self._engine is None or meta["epoch"] != self._epoch:
            engine = Engine(self._settings.one_typo_min_len, self._settings.two_typos_min_len)
            rows = self._db.execute("SELECT body FROM docs WHERE body IS NOT NULL ORDER BY id")
            engine.add(json.loads(body) for (body,) in rows)
            self._engine, self._epoch, self._seq = engine, meta["epoch"], seq
        elif seq > self._seq:
            rows = self._db.execute(
                "SELECT id, body FROM docs WHERE seq > ? ORDER BY seq", (self._seq,)
            ).fetchall()
            self._engine.remove(i for i, body in rows if body is None)
            self._engine.add(json.loads(body) for _, body in rows if body is not None)
            self._seq = seq
        if self._engine.needs_compaction():
            self._engine.compact()
        return self._engine

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
        rows = [(_check_doc(d), json.dumps(d, ensure_ascii=False)) for d in docs]
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
            self._sync()

        self._guard("clear", run)

    def search(self, query: SearchQuery) -> SearchResult:
        """Run a query; see :class:`~search.types.SearchQuery`."""
        query.validate()
        return self._guard("search", lambda: self._search(query))

    def _search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        engine = self._sync()
        found, plan = execute(engine, query, self._synonyms, self._settings.max_values_per_facet)
        docs = self._fetch(found.ids)
        hits: list[Hit] = []
        for doc_id, dist in zip(found.ids, found.distances, strict=True):
            doc = docs.get(doc_id)
            if doc is None:  # deleted by another process since our last sync
                continue
            hit = Hit(id=doc_id, doc=doc, distance_m=dist)
            if query.highlight:
                terms = plan.highlight_terms if plan else set()
                prefixes = plan.highlight_prefixes if plan else ()
                hit.highlights = {
                    name: mark_terms(str(doc.get(name) or ""), terms, prefixes)
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
            size = sum(p.stat().st_size for p in self.path.glob(f"{self.index_name}.sqlite3*"))
            return {
                "engine": self.engine_name,
                "documents": engine.count,
                "terms": len(engine.vocab),
                "disk_bytes": size,
                "path": str(self.path),
            }

        return self._guard("stats", run)

    def close(self) -> None:
        """Close the SQLite connection."""
        with self._lock:
            self._db.close()
