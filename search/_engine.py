"""In-memory columnar index behind the embedded backend (numpy, no I/O).

Documents live in dense *slots*.  Filterable fields are numpy columns, so a
filter is one vectorised comparison and a facet count one ``bincount`` over
the matching slots, whatever the size of the result set.  Text goes through an
inverted index: term -> (slots, best attribute rank).  A query word becomes a
dense cost array (typos, attribute rank, prefix); words are summed, and a
document matches when every word (or one of its synonyms) matched.  Replaced
or deleted documents only clear their ``alive`` bit until :meth:`compact`.
Not thread-safe: the backend serialises access.
"""

from __future__ import annotations

import json
import math
import os
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ._fuzzy import Vocabulary
from .compound import compound_tails
from .text import fold_variants, tokens
from .types import SEARCHABLE_FIELDS as SEARCHABLE_RANKS

NO_UNTIL = np.iinfo(np.int64).max
COLUMNS = ("ids", "alive", "price", "pub", "until", "lat", "lng", "latr", "lngr", "coslat", "free")
#: Unit vectors of the coordinates (NaN without), for chord distances; not in
#: snapshots: :meth:`Engine.load` derives them from ``latr`` and ``lngr``.
UNIT = ("ux", "uy", "uz")
CODED = ("condition", "org_kind", "district", "postcode", "path")
SNAPSHOT_FORMAT = 2  # 2: compound head terms
#: Prefix of the terms that index a compound under its head: the token
#: "kontorstol" is also indexed as HEAD_MARK + "stol" (see ``search.compound``).
HEAD_MARK = "\x01"


def _grow(arr: np.ndarray, cap: int, fill: Any) -> np.ndarray:
    out = np.full(cap, fill, dtype=arr.dtype)
    out[: len(arr)] = arr
    return out


class Engine:
    """Columns and postings; queries are evaluated by :mod:`search._match` and ``_query``."""

    def __init__(self, one_typo: int = 5, two_typos: int = 9) -> None:
        self.one_typo, self.two_typos = one_typo, two_typos
        self.n = 0
        self.dead = 0
        self.slot_of_id: dict[int, int] = {}
        cap = 1024
        self.ids = np.zeros(cap, np.int64)
        self.alive = np.zeros(cap, bool)
        self.price = np.zeros(cap, np.int64)
        self.pub = np.zeros(cap, np.int64)
        self.until = np.full(cap, NO_UNTIL, np.int64)
        self.lat = np.full(cap, np.nan)
        self.lng = np.full(cap, np.nan)
        self.free = np.zeros(cap, bool)
        self.codes = {f: np.zeros(cap, np.int32) for f in CODED}
        self.latr = np.full(cap, np.nan)  # radians and cosine, for distances
        self.lngr = np.full(cap, np.nan)
        self.coslat = np.full(cap, np.nan)
        self.ux, self.uy, self.uz = (np.full(cap, np.nan) for _ in UNIT)
        # "path" codes a whole category_path ("mobler/stoler/kontorstol"); its slugs:
        self.path_slugs: list[tuple[str, ...]] = [()]
        self.values: dict[str, list[str]] = {f: [""] for f in CODED}
        self.lookup: dict[str, dict[str, int]] = {f: {} for f in CODED}
        self.recency = np.zeros(cap, np.int64)  # 0 = newest (published_at, then id)
        self._recency_gen = -1
        self.vocab = Vocabulary()
        self.term_ids: dict[str, int] = {}
        self.postings: list[tuple[np.ndarray, np.ndarray]] = []
        self._pt, self._ps, self._pr = array("i"), array("i"), array("b")
        self.generation = 0
        #: Per prefix: sparse (slots, cost) of its expansions; see ``_match``.
        self.prefix_cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        #: Per text query (words and settings): the plan and the live matching
        #: slots with their costs; see ``_query.text_matches``.  Like
        #: ``prefix_cache`` it is emptied by every write (:meth:`_changed`).
        self.text_cache: OrderedDict[tuple, tuple] = OrderedDict()
        self.text_cache_slots = 0

    # ---------------------------------------------------------------- writes
    def _ensure(self, need: int) -> None:
        cap = len(self.ids)
        if need <= cap:
            return
        cap = max(need, cap * 2)
        self.ids, self.alive = _grow(self.ids, cap, 0), _grow(self.alive, cap, False)
        self.price, self.pub = _grow(self.price, cap, 0), _grow(self.pub, cap, 0)
        self.until = _grow(self.until, cap, NO_UNTIL)
        self.lat, self.lng = _grow(self.lat, cap, np.nan), _grow(self.lng, cap, np.nan)
        self.free = _grow(self.free, cap, False)
        self.latr, self.lngr = _grow(self.latr, cap, np.nan), _grow(self.lngr, cap, np.nan)
        self.coslat = _grow(self.coslat, cap, np.nan)
        for name in UNIT:
            setattr(self, name, _grow(getattr(self, name), cap, np.nan))
        self.recency = _grow(self.recency, cap, 0)
        self.codes = {f: _grow(a, cap, 0) for f, a in self.codes.items()}

    def _set_unit(self, sel: slice) -> None:
        latr, lngr = self.latr[sel], self.lngr[sel]
        self.ux[sel] = np.cos(latr) * np.cos(lngr)
        self.uy[sel] = np.cos(latr) * np.sin(lngr)
        self.uz[sel] = np.sin(latr)

    def _code(self, fieldname: str, value: Any) -> int:
        if value is None or value == "":
            return 0
        key = str(value)
        code = self.lookup[fieldname].get(key)
        if code is None:
            code = len(self.values[fieldname])
            self.lookup[fieldname][key] = code
            self.values[fieldname].append(key)
        return code

    def add(self, docs: Iterable[dict[str, Any]]) -> None:
        """Insert or replace documents (by ``id``)."""
        new_terms: set[str] = set()
        tok_ids: dict[str, tuple[int, ...]] = {}
        for doc in docs:
            doc_id = int(doc["id"])
            old = self.slot_of_id.get(doc_id)
            if old is not None:
                self.alive[old] = False
                self.dead += 1
            slot = self.n
            self._ensure(slot + 1)
            self.n += 1
            self.slot_of_id[doc_id] = slot
            self.ids[slot], self.alive[slot] = doc_id, True
            self.price[slot] = int(doc.get("price_ore") or 0)
            self.pub[slot] = int(doc.get("published_at") or 0)
            until = doc.get("available_until")
            self.until[slot] = NO_UNTIL if until is None else int(until)
            lat, lng = doc.get("lat"), doc.get("lng")
            ok = lat is not None and lng is not None
            self.lat[slot] = float(lat) if ok else np.nan
            self.lng[slot] = float(lng) if ok else np.nan
            self.latr[slot] = math.radians(float(lat)) if ok else np.nan
            self.lngr[slot] = math.radians(float(lng)) if ok else np.nan
            self.coslat[slot] = math.cos(self.latr[slot]) if ok else np.nan
            if ok:  # used with a margin (GEO_EPS_M), so math vs numpy rounding is moot
                cos_lat, lng_r = self.coslat[slot], self.lngr[slot]
                self.ux[slot] = cos_lat * math.cos(lng_r)
                self.uy[slot] = cos_lat * math.sin(lng_r)
                self.uz[slot] = math.sin(self.latr[slot])
            else:
                self.ux[slot] = self.uy[slot] = self.uz[slot] = np.nan
            self.free[slot] = bool(doc.get("is_free"))
            for f in CODED[:-1]:
                self.codes[f][slot] = self._code(f, doc.get(f))
            path = [str(p) for p in doc.get("category_path") or []]
            if not path and doc.get("category"):
                path = [str(doc["category"])]
            code = self._code("path", "/".join(path))
            if code == len(self.path_slugs):
                self.path_slugs.append(tuple(path))
            self.codes["path"][slot] = code
            best: dict[int, int] = {}  # term id -> best (lowest) attribute rank
            for name, rank in SEARCHABLE_RANKS:  # ordered by rank, so first seen is best
                value = doc.get(name)
                if not value:
                    continue
                text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
                for tok in tokens(text):
                    tids = tok_ids.get(tok)
                    if tids is None:
                        tids = tok_ids[tok] = self._term_ids_for(tok, new_terms)
                    for tid in tids:
                        best.setdefault(tid, rank)
            self._pt.extend(best.keys())
            self._ps.extend([slot] * len(best))
            self._pr.extend(best.values())
        self.vocab.add_many(new_terms)
        self._changed()

    def _term_ids_for(self, token: str, new_terms: set[str]) -> tuple[int, ...]:
        out = []
        variants = fold_variants(token)
        terms = set(variants)
        for variant in variants:  # "kontorstol" is also found as the head "stol"
            terms.update(HEAD_MARK + tail for tail in compound_tails(variant))
        for term in sorted(terms):
            tid = self.term_ids.get(term)
            if tid is None:
                tid = self.term_ids[term] = len(self.postings)
                self.postings.append((np.empty(0, np.int32), np.empty(0, np.int8)))
                new_terms.add(term)
            out.append(tid)
        return tuple(out)

    def remove(self, ids: Iterable[int]) -> None:
        """Drop documents by id (unknown ids are ignored)."""
        for doc_id in ids:
            slot = self.slot_of_id.pop(int(doc_id), None)
            if slot is not None:
                self.alive[slot] = False
                self.dead += 1
        self._changed()

    def _changed(self) -> None:
        self.generation += 1
        self.drop_caches()

    def drop_caches(self) -> None:
        """Empty the query caches (every write does; results never depend on them)."""
        self.prefix_cache.clear()
        self.text_cache.clear()
        self.text_cache_slots = 0

    def flush(self) -> None:
        """Move pending postings into the per-term arrays."""
        if not self._pt:
            return
        t = np.frombuffer(self._pt, np.int32)
        order = np.argsort(t, kind="stable")
        t, s = t[order], np.frombuffer(self._ps, np.int32)[order]
        r = np.frombuffer(self._pr, np.int8)[order]
        cuts = np.flatnonzero(np.diff(t)) + 1
        starts = np.concatenate(([0], cuts))
        ends = np.concatenate((cuts, [len(t)]))
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            tid = int(t[a])
            old_s, old_r = self.postings[tid]
            if len(old_s):
                self.postings[tid] = (
                    np.concatenate((old_s, s[a:b])),
                    np.concatenate((old_r, r[a:b])),
                )
            else:
                self.postings[tid] = (s[a:b].copy(), r[a:b].copy())
        self._pt, self._ps, self._pr = array("i"), array("i"), array("b")

    def needs_compaction(self) -> bool:
        """True when dead slots make up a quarter of the index (and more than 1024)."""
        return self.dead > max(1024, self.n // 4)

    def compact(self) -> None:
        """Renumber slots without the dead ones."""
        self.flush()
        keep = self.alive[: self.n].copy()
        remap = np.cumsum(keep, dtype=np.int64) - 1
        m = int(keep.sum())
        for name in (*COLUMNS, *UNIT):
            arr = getattr(self, name)
            arr[:m] = arr[: self.n][keep]
        for arr in self.codes.values():
            arr[:m] = arr[: self.n][keep]
        self.alive[m:] = False
        for tid, (s, r) in enumerate(self.postings):
            k = keep[s]
            self.postings[tid] = (remap[s[k]].astype(np.int32), r[k])
        self.n, self.dead = m, 0
        self.slot_of_id = {int(i): slot for slot, i in enumerate(self.ids[:m].tolist())}
        self._changed()

    # ---------------------------------------------------------------- snapshots
    def save(self, file: Path, info: dict[str, Any]) -> None:
        """Write the whole index to ``file`` (npz, no pickle) atomically."""
        self.flush()
        n = self.n
        terms = sorted(self.term_ids, key=self.term_ids.__getitem__)
        sizes = np.fromiter((len(s) for s, _ in self.postings), np.int64, len(self.postings))
        empty_s, empty_r = np.empty(0, np.int32), np.empty(0, np.int8)
        arrays = {name: getattr(self, name)[:n] for name in COLUMNS}
        arrays.update({f"code_{f}": a[:n] for f, a in self.codes.items()})
        arrays["post_slots"] = np.concatenate([s for s, _ in self.postings] or [empty_s])
        arrays["post_ranks"] = np.concatenate([r for _, r in self.postings] or [empty_r])
        arrays["post_sizes"] = sizes
        meta = {**info, "format": SNAPSHOT_FORMAT, "terms": terms, "values": self.values}
        arrays["meta"] = np.array(json.dumps(meta, ensure_ascii=False))
        tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, file)

    @classmethod
    def load(cls, file: Path) -> tuple[Engine, dict[str, Any]] | None:
        """Read a snapshot written by :meth:`save`; None if missing or unreadable."""
        try:
            with np.load(file, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if meta.get("format") != SNAPSHOT_FORMAT:
                    return None
                arrays = {k: data[k] for k in data.files if k != "meta"}
        except (OSError, ValueError, KeyError):
            return None
        engine = cls()
        n = len(arrays["ids"])
        engine._ensure(n)
        engine.n = n
        for name in COLUMNS:
            getattr(engine, name)[:n] = arrays[name]
        for f in CODED:
            engine.codes[f][:n] = arrays[f"code_{f}"]
        engine._set_unit(slice(0, n))
        engine.values = {f: list(v) for f, v in meta["values"].items()}
        engine.lookup = {
            f: {v: i for i, v in enumerate(vs) if i} for f, vs in engine.values.items()
        }
        engine.path_slugs = [tuple(p.split("/")) if p else () for p in engine.values["path"]]
        bounds = np.cumsum(arrays["post_sizes"])[:-1]
        slots = np.split(arrays["post_slots"], bounds)
        ranks = np.split(arrays["post_ranks"], bounds)
        engine.postings = list(zip(slots, ranks, strict=True))
        engine.term_ids = {t: i for i, t in enumerate(meta["terms"])}
        engine.vocab.add_many(meta["terms"])
        alive_ids = engine.ids[:n][engine.alive[:n]].tolist()
        alive_slots = np.flatnonzero(engine.alive[:n]).tolist()
        engine.slot_of_id = dict(zip(alive_ids, alive_slots, strict=True))
        engine.dead = n - len(engine.slot_of_id)
        return engine, meta

    def ranked_by_recency(self) -> np.ndarray:
        """Per slot: position when ordered by published_at, then id, newest first."""
        if self._recency_gen != self.generation:
            n = self.n
            key = -((self.pub[:n] << 31) + np.clip(self.ids[:n], 0, (1 << 31) - 1))
            self.recency[np.argsort(key, kind="stable")] = np.arange(n)
            self._recency_gen = self.generation
        return self.recency

    @property
    def count(self) -> int:
        """Number of live documents."""
        return len(self.slot_of_id)


__all__ = ["Engine", "NO_UNTIL", "CODED", "HEAD_MARK"]
