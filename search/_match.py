"""Text matching for the embedded engine: query words -> a cost per document.

Each query word is expanded into vocabulary terms: itself (0 typos), longer
terms it is a prefix of (last word only, small penalty), terms within the
allowed typos (Meilisearch's rules: 1 typo from 5 letters, 2 from 9, a typo on
the first letter counts double) and synonyms.  The word's cost in a document
is its best ``typos * W_TYPO + attribute_rank * W_RANK + prefix``; costs of the
words add up, and a document matches when no group of words is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._engine import Engine
from .text import max_typos

INF = 1 << 20  # cost of "did not match"; sums of up to ten words stay below 2**31
W_TYPO = 256  # typos dominate attribute rank (<= 3 * 4 per word) and prefix penalty
W_RANK = 4
PREFIX_CACHE_MIN_TERMS = 8


@dataclass
class Plan:
    """A parsed text query: groups of alternatives of words; all groups must match."""

    groups: list[list[list[tuple[str, bool, bool]]]]  # (word, is_prefix, fuzzy)
    highlight_terms: set[str] = field(default_factory=set)
    highlight_prefixes: tuple[str, ...] = ()


def plan_query(words: list[str], last_is_prefix: bool, synonyms: dict) -> Plan:
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


def _apply(acc: np.ndarray, slots: np.ndarray, costs: np.ndarray) -> None:
    cur = acc[slots]
    np.minimum(cur, costs, out=cur)
    acc[slots] = cur


def _prefix_part(engine: Engine, word: str) -> tuple[np.ndarray, np.ndarray]:
    """Sparse (slots, cost) for every longer term starting with ``word``."""
    hit = engine.prefix_cache.get(word)
    if hit is not None:
        engine.prefix_cache.move_to_end(word)
        return hit
    acc = np.full(engine.n, INF, np.int32)
    for term in engine.vocab.with_prefix(word):
        if term != word:
            s, r = engine.postings[engine.term_ids[term]]
            _apply(acc, s, r.astype(np.int32) * W_RANK + 1)
    slots = np.flatnonzero(acc < INF).astype(np.int32)
    part = (slots, acc[slots])
    engine.prefix_cache[word] = part
    if len(engine.prefix_cache) > 256:
        engine.prefix_cache.popitem(last=False)
    return part


def _word_cost(engine: Engine, word: str, is_prefix: bool, fuzzy: bool, plan: Plan) -> np.ndarray:
    acc = np.full(engine.n, INF, np.int32)
    tid = engine.term_ids.get(word)
    if tid is not None:
        s, r = engine.postings[tid]
        _apply(acc, s, r.astype(np.int32) * W_RANK)
    if is_prefix:
        if engine.vocab.count_with_prefix(word) > PREFIX_CACHE_MIN_TERMS:
            _apply(acc, *_prefix_part(engine, word))
        else:
            for term in engine.vocab.with_prefix(word):
                if term != word:
                    s, r = engine.postings[engine.term_ids[term]]
                    _apply(acc, s, r.astype(np.int32) * W_RANK + 1)
    if fuzzy:
        allowed = max_typos(word, engine.one_typo, engine.two_typos)
        for term, typos in engine.vocab.fuzzy(word, allowed):
            s, r = engine.postings[engine.term_ids[term]]
            _apply(acc, s, r.astype(np.int32) * W_RANK + typos * W_TYPO)
            plan.highlight_terms.add(term)
    return acc


def text_costs(engine: Engine, plan: Plan) -> np.ndarray:
    """Cost per slot (< INF when the document matches every group)."""
    engine.flush()
    total = np.zeros(engine.n, np.int32)
    cache: dict[tuple[str, bool, bool], np.ndarray] = {}
    for group in plan.groups:
        best: np.ndarray | None = None
        for alt in group:
            alt_cost = np.zeros(engine.n, np.int32)
            for key in alt:
                if key not in cache:
                    cache[key] = _word_cost(engine, *key, plan)
                alt_cost += cache[key]
            np.minimum(alt_cost, INF, out=alt_cost)
            best = alt_cost if best is None else np.minimum(best, alt_cost, out=best)
        if best is not None:
            total += best
    np.minimum(total, INF, out=total)
    return total
