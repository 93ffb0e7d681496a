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

from array import array
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._fuzzy import Vocabulary
from .text import fold_variants, max_typos, tokens
from .types import SEARCHABLE_FIELDS as SEARCHABLE_RANKS

INF = 1 << 20  # cost of "did not match"; sums of up to ten words stay below 2**31
W_TYPO = 256  # typos dominate attribute rank (<= 3 * 4 per word) and prefix penalty
W_RANK = 4
NO_UNTIL = np.iinfo(np.int64).max
CODED = ("condition", "org_kind", "district", "postcode")
PREFIX_CACHE_MIN_TERMS = 8


@dataclass
class Plan:
    """A parsed text query: groups of alternatives of words; all groups must match."""

    groups: list[list[list[tuple[str, bool, bool]]]]  # (word, is_prefix, fuzzy)
    highlight_terms: set[str] = field(default_factory=set)
    highlight_prefixes: tuple[str, ...] = ()


@dataclass
class EngineResult:
    """Slots of the requested page plus totals, facets and distances."""

    ids: list[int]
    distances: list[float | None]
    total: int
    facets: dict[str, dict[str, int]]


def _grow(arr: np.ndarray, cap: int, fill: Any) -> np.ndarray:
    out = np.full(cap, fill, dtype=arr.dtype)
    out[: len(arr)] = arr
    return out


class Engine:
    """Columns, postings and the query evaluator."""

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
        self.cat: list[np.ndarray] = []  # one row per depth of category_path
        self.values: dict[str, list[str]] = {f: [""] for f in (*CODED, "category")}
        self.lookup: dict[str, dict[str, int]] = {f: {} for f in (*CODED, "category")}
        self.vocab = Vocabulary()
        self.term_ids: dict[str, int] = {}
        self.postings: list[tuple[np.ndarray, np.ndarray]] = []
        self._pt, self._ps, self._pr = array("i"), array("i"), array("b")
        self.generation = 0
        self._prefix_cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()

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
        self.codes = {f: _grow(a, cap, 0) for f, a in self.codes.items()}
        self.cat = [_grow(a, cap, 0) for a in self.cat]

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
            self.free[slot] = bool(doc.get("is_free"))
            for f in CODED:
                self.codes[f][slot] = self._code(f, doc.get(f))
            path = list(doc.get("category_path") or [])
            if not path and doc.get("category"):
                path = [doc["category"]]
            while len(self.cat) < len(path):
                self.cat.append(np.zeros(len(self.ids), np.int32))
            for level, row in enumerate(self.cat):
                row[slot] = self._code("category", path[level]) if level < len(path) else 0
            best: dict[str, int] = {}
            for name, rank in SEARCHABLE_RANKS:
                value = doc.get(name)
                if not value:
                    continue
                text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
                for tok in tokens(text):
                    for term in fold_variants(tok):
                        if best.get(term, 99) > rank:
                            best[term] = rank
            for term, rank in best.items():
                tid = self.term_ids.get(term)
                if tid is None:
                    tid = self.term_ids[term] = len(self.postings)
                    self.postings.append((np.empty(0, np.int32), np.empty(0, np.int8)))
                    new_terms.add(term)
                self._pt.append(tid)
                self._ps.append(slot)
                self._pr.append(rank)
        self.vocab.add_many(new_terms)
        self._changed()

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
        self._prefix_cache.clear()

    def _flush(self) -> None:
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
        self._flush()
        keep = self.alive[: self.n].copy()
        remap = np.cumsum(keep, dtype=np.int64) - 1
        m = int(keep.sum())
        for name in ("ids", "price", "pub", "until", "lat", "lng", "free", "alive"):
            arr = getattr(self, name)
            arr[:m] = arr[: self.n][keep]
        for arr in (*self.codes.values(), *self.cat):
            arr[:m] = arr[: self.n][keep]
        self.alive[m:] = False
        for tid, (s, r) in enumerate(self.postings):
            k = keep[s]
            self.postings[tid] = (remap[s[k]].astype(np.int32), r[k])
        self.n, self.dead = m, 0
        self.slot_of_id = {int(i): slot for slot, i in enumerate(self.ids[:m].tolist())}
        self._changed()

    @property
    def count(self) -> int:
        """Number of live documents."""
        return len(self.slot_of_id)

    # ---------------------------------------------------------------- text
    def plan(self, words: list[str], last_is_prefix: bool, synonyms: dict) -> Plan:
        """Group query words, applying (multi-word) synonyms greedily, longest first."""
        longest = max((len(k) for k in synonyms), default=1)
        groups: list[list[list[tuple[str, bool, bool]]]] = []
        terms: set[str] = set()
        prefixes: list[str] = []
        i = 0
        while i < len(words):
            size = 1
            alts: list[tuple[str, ...]] = []
            for size in range(min(longest, len(words) - i), 0, -1):
                alts = synonyms.get(tuple(words[i : i + size]), [])
                if alts:
                    break
            literal = words[i : i + size]
            ends_query = i + size == len(words)
            group = [
                [
                    (w, ends_query and last_is_prefix and j == size - 1, True)
                    for j, w in enumerate(literal)
                ]
            ]
            group += [[(w, False, False) for w in alt] for alt in alts]
            for alt in group:
                for w, is_prefix, _ in alt:
                    terms.add(w)
                    if is_prefix:
                        prefixes.append(w)
            groups.append(group)
            i += size
        return Plan(groups, terms, tuple(prefixes))

    def _apply(self, acc: np.ndarray, slots: np.ndarray, costs: np.ndarray) -> None:
        cur = acc[slots]
        np.minimum(cur, costs, out=cur)
        acc[slots] = cur

    def _prefix_part(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """Sparse (slots, cost) for every longer term starting with ``word``."""
        hit = self._prefix_cache.get(word)
        if hit is not None:
            self._prefix_cache.move_to_end(word)
            return hit
        acc = np.full(self.n, INF, np.int32)
        for term in self.vocab.with_prefix(word):
            if term != word:
                s, r = self.postings[self.term_ids[term]]
                self._apply(acc, s, r.astype(np.int32) * W_RANK + 1)
        slots = np.flatnonzero(acc < INF).astype(np.int32)
        part = (slots, acc[slots])
        self._prefix_cache[word] = part
        if len(self._prefix_cache) > 256:
            self._prefix_cache.popitem(last=False)
        return part

    def _word_cost(self, word: str, is_prefix: bool, fuzzy: bool, plan: Plan) -> np.ndarray:
        acc = np.full(self.n, INF, np.int32)
        tid = self.term_ids.get(word)
        if tid is not None:
            s, r = self.postings[tid]
            self._apply(acc, s, r.astype(np.int32) * W_RANK)
        if is_prefix:
            if self.vocab.count_with_prefix(word) > PREFIX_CACHE_MIN_TERMS:
                self._apply(acc, *self._prefix_part(word))
            else:
                for term in self.vocab.with_prefix(word):
                    if term != word:
                        s, r = self.postings[self.term_ids[term]]
                        self._apply(acc, s, r.astype(np.int32) * W_RANK + 1)
        if fuzzy:
            allowed = max_typos(word, self.one_typo, self.two_typos)
            for term, typos in self.vocab.fuzzy(word, allowed):
                s, r = self.postings[self.term_ids[term]]
                self._apply(acc, s, r.astype(np.int32) * W_RANK + typos * W_TYPO)
                plan.highlight_terms.add(term)
        return acc

    def text_costs(self, plan: Plan) -> np.ndarray:
        """Cost per slot (< INF when the document matches every group)."""
        self._flush()
        total = np.zeros(self.n, np.int32)
        cache: dict[tuple[str, bool, bool], np.ndarray] = {}
        for group in plan.groups:
            best: np.ndarray | None = None
            for alt in group:
                alt_cost = np.zeros(self.n, np.int32)
                for key in alt:
                    if key not in cache:
                        cache[key] = self._word_cost(*key, plan)
                    alt_cost += cache[key]
                np.minimum(alt_cost, INF, out=alt_cost)
                best = alt_cost if best is None else np.minimum(best, alt_cost, out=best)
            assert best is not None
            total += best
        np.minimum(total, INF, out=total)
        return total


__all__ = ["Engine", "EngineResult", "Plan", "INF", "NO_UNTIL", "CODED"]
