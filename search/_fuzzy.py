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

from .text import max_typos, prefix_typo_cost, typo_cost

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
            if len(term) < MIN_TERM_LEN or not term[0].isalnum():  # head terms: no typos
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

    def fuzzy(self, word: str, allowed: int, prefix: bool = False) -> list[tuple[str, int]]:
        """Terms within ``allowed`` typos of ``word`` (other than ``word``), with their cost.

        With ``prefix``, typos are counted against the term's beginning, as for the
        last query word in Meilisearch ("bokhyle" finds "bokhyller" with one typo).
        Candidates come from the deletes of the first ``PREFIX`` letters, so a
        prefix typo is found when ``word`` is at most two letters shorter than that.
        """
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
                if prefix:
                    pcost = prefix_typo_cost(word, term, allowed)
                    if pcost is not None and (cost is None or pcost < cost):
                        cost = pcost
                if cost is not None and cost > 0:
                    out.append((term, cost))
        return out


def synonym_vocabulary(synonyms: dict[tuple[str, ...], list]) -> Vocabulary:
    """Typo lookup over the one-word keys of a normalised synonym table."""
    vocab = Vocabulary()
    vocab.add_many(k[0] for k in synonyms if len(k) == 1)
    return vocab


def corrected_synonym_keys(
    word: str, syn_vocab: Vocabulary | None, one_typo: int = 5, two_typos: int = 9
) -> tuple[list[str], int]:
    """Synonym keys ``word`` is a typo of (the fewest typos; sorted), and those typos.

    Synonyms apply after typo correction: "konferansbord" is one typo from the
    key "konferansebord", so it gets that key's synonyms.  Empty when ``word`` is
    a key itself or no key is within the allowed typos.
    """
    if syn_vocab is None or not len(syn_vocab) or word in syn_vocab:
        return [], 0
    found = syn_vocab.fuzzy(word, max_typos(word, one_typo, two_typos))
    if not found:
        return [], 0
    fewest = min(t for _, t in found)
    return sorted(k for k, t in found if t == fewest), fewest
