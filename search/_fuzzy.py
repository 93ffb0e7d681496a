"""Typo lookup over the vocabulary: a symmetric-delete (SymSpell) index.

Every vocabulary term registers the strings obtained by deleting up to two
characters from its first ``PREFIX`` characters.  A query word generates its
own deletes; terms sharing one are candidates, verified with the real distance
(:func:`search.text.typo_cost`).  Lookups cost a few dozen dict probes instead
of a scan over the vocabulary.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from .text import typo_cost

PREFIX = 7
MAX_DELETES = 2
MIN_TERM_LEN = 3  # a 5-letter query word with 2 edits cannot match anything shorter


def _deletes(word: str, depth: int) -> set[str]:
    """``word`` plus every string made by deleting up to ``depth`` characters."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        nxt: set[str] = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1 :])
        out |= nxt
        frontier = nxt
    return out


class Vocabulary:
    """Terms of the index, with prefix ranges and typo-tolerant lookup."""

    def __init__(self) -> None:
        self._sorted: list[str] = []
        self._known: set[str] = set()
        self._deletes: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self._known)

    def __contains__(self, term: object) -> bool:
        return term in self._known

    def add_many(self, terms: Iterable[str]) -> None:
        """Register new terms (already known ones are ignored)."""
        new = [t for t in set(terms) if t not in self._known]
        if not new:
            return
        self._known.update(new)
        if len(new) > 64:
            self._sorted = sorted(self._known)
        else:
            for t in new:
                bisect.insort(self._sorted, t)
        for term in new:
            if len(term) < MIN_TERM_LEN:
                continue
            for d in _deletes(term[:PREFIX], MAX_DELETES):
                self._deletes.setdefault(d, []).append(term)

    def with_prefix(self, prefix: str) -> list[str]:
        """All terms starting with ``prefix`` (including ``prefix`` itself)."""
        lo = bisect.bisect_left(self._sorted, prefix)
        hi = bisect.bisect_left(self._sorted, prefix + "\U0010ffff", lo)
        return self._sorted[lo:hi]

    def count_with_prefix(self, prefix: str) -> int:
        """How many terms start with ``prefix``."""
        lo = bisect.bisect_left(self._sorted, prefix)
        return bisect.bisect_left(self._sorted, prefix + "\U0010ffff", lo) - lo

    def fuzzy(self, word: str, allowed: int) -> list[tuple[str, int]]:
        """Terms within ``allowed`` typos of ``word`` (other than ``word``), with their cost."""
        if allowed <= 0:
            return []
        seen: set[str] = set()
        out: list[tuple[str, int]] = []
        for d in _deletes(word[:PREFIX], allowed):
            for term in self._deletes.get(d, ()):
                if term in seen or term == word:
                    continue
                seen.add(term)
                cost = typo_cost(word, term, allowed)
                if cost is not None and cost > 0:
                    out.append((term, cost))
        return out
