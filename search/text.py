"""Text handling shared by the backends: tokens, Norwegian folding, typos, highlights."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_TOKEN_RE = re.compile(r"[^\W_]+")
# Applied before Unicode decomposition, which would turn "å" into "a".
_CANONICAL = str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "ß": "ss", "œ": "oe", "đ": "d"})
# The spelling Meilisearch's Latin normaliser produces for "å" (accent stripped).
_ALTERNATE = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "œ": "oe", "đ": "d"})
MAX_QUERY_WORDS = 10
#: The last query word is a prefix of longer words only from this many letters:
#: "pc" finds the word "pc", not "pcs"; "kon" finds "kontorstol".
MIN_PREFIX_LEN = 3
_STOP_TEXT = """
og i er det på som til en av for ikke med har at de den om et var fra men
ble kan seg så også vil da etter eller ved skal hadde hun han nå over enn
bare noen alle man inn hva hvor når dem under sin sitt sine mot ut opp
denne dette disse hos uten mellom mye mer meg deg oss dere vi jeg du the
and of to in for on with at by from or an is are a as be
"""
EARTH_RADIUS_M = 6_371_008.8


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case and fold to ASCII-ish: æ->ae, ø->o, å->aa, other accents stripped.

    ``fold("Kjøkkenbenk på Blå")`` is ``"kjokkenbenk paa blaa"``.  Separators are
    kept, so tokens of the folded text line up with tokens of the original.
    """
    return _strip_accents(text.lower().translate(_CANONICAL))


#: Function words: a typo correction never turns a content word into one
#: ("tiles" is not "til", "fpr" is not "for").
STOP_WORDS = frozenset(fold(w) for w in _STOP_TEXT.split())


@lru_cache(maxsize=200_000)
def fold_variants(token: str) -> frozenset[str]:
    """Every spelling under which an indexed (lower-case) token is findable.

    The canonical fold plus the accent-stripped one ("blå" -> "blaa", "bla"), so
    users who type "a" for "å" find it, as they would through Meilisearch.
    """
    if token.isascii():
        return frozenset((token,))
    canonical = _strip_accents(token.translate(_CANONICAL))
    return frozenset((canonical, _strip_accents(token.translate(_ALTERNATE))))


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits; everything else separates)."""
    return _TOKEN_RE.findall(text.lower())


def query_words(q: str) -> tuple[list[str], bool]:
    """Folded query words (at most ten, like Meilisearch) and whether the last is a prefix.

    The last word is searched as a prefix unless the query ends with a separator.
    """
    words = [w for w in (fold(t) for t in tokens(q)) if w]
    truncated = len(words) > MAX_QUERY_WORDS
    words = words[:MAX_QUERY_WORDS]
    last_is_prefix = bool(words) and not truncated and bool(_TOKEN_RE.search(q[-1:] or " "))
    return words, last_is_prefix


def max_typos(word: str, one_typo: int = 5, two_typos: int = 9) -> int:
    """Typos allowed for a query word of this length (Meilisearch defaults 5 / 9)."""
    if len(word) >= two_typos:
        return 2
    if len(word) >= one_typo:
        return 1
    return 0


def _osa_band_last_row(a: str, b: str, limit: int) -> list[int] | None:
    """The last row of the optimal-string-alignment table of ``a`` against ``b``
    (a transposition is one edit), computed only in the diagonal band |i - j| <= limit
    with values capped at ``limit + 1`` (cells outside the band cost more than
    ``limit`` anyway); None as soon as a whole row exceeds ``limit``."""
    la, lb = len(a), len(b)
    big = limit + 1
    prev2: list[int] = []
    prev = [j if j <= limit else big for j in range(lb + 1)]
    for i in range(1, la + 1):
        cur = [big] * (lb + 1)
        row_min = big
        if i <= limit:
            cur[0] = row_min = i
        ca = a[i - 1]
        for j in range(max(1, i - limit), min(lb, i + limit) + 1):
            cb = b[j - 1]
            v = prev[j - 1] + (ca != cb)
            x = prev[j] + 1
            if x < v:
                v = x
            x = cur[j - 1] + 1
            if x < v:
                v = x
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                x = prev2[j - 2] + 1
                if x < v:
                    v = x
            if v > big:
                v = big
            cur[j] = v
            if v < row_min:
                row_min = v
        if row_min > limit:
            return None
        prev2, prev = prev, cur
    return prev


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition is one edit), capped at limit+1.

    Only the diagonal band of the table is computed (``_osa_band_last_row``): the same
    answer as the whole table, in a fraction of the work.
    """
    if a == b:
        return 0
    big = limit + 1
    if abs(len(a) - len(b)) > limit:
        return big
    row = _osa_band_last_row(a, b, limit)
    return big if row is None else min(row[len(b)], big)


def prefix_typo_cost(word: str, term: str, allowed: int) -> int | None:
    """Fewest typos reading ``word`` as the beginning of a longer ``term`` (None: too many).

    One optimal-string-alignment table of ``word`` against the first
    ``len(word) + allowed`` letters of ``term`` (banded, as in :func:`osa_distance`);
    the answer is the best cell of its last row over proper prefixes of ``term``.
    A typo on the first letter counts as two, as in :func:`typo_cost`.
    """
    if allowed <= 0 or not word or not term:
        return None
    m = len(word)
    t = term[: min(len(term) - 1, m + allowed)]  # proper prefixes only
    if len(t) < max(1, m - allowed):
        return None
    row = _osa_band_last_row(word, t, allowed)
    if row is None:
        return None
    d = min(row[max(1, m - allowed) :])
    if word[0] != term[0]:
        d += 1
    return d if d <= allowed else None


def typo_cost(word: str, term: str, allowed: int) -> int | None:
    """Typos needed to read ``word`` as ``term``, or None when more than allowed.

    As in Meilisearch, a typo on the first letter counts as two.
    """
    if allowed <= 0:
        return 0 if word == term else None
    d = osa_distance(word, term, allowed)
    if word and term and word[0] != term[0]:
        d += 1
    return d if d <= allowed else None


def normalize_phrase(text: str) -> tuple[str, ...]:
    """A synonym key or value as folded tokens."""
    return tuple(fold(t) for t in tokens(text))


def normalize_synonyms(
    synonyms: dict[str, list[str]],
) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Fold and tokenise a synonym table; empty entries are dropped, lists merged."""
    out: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for key, values in synonyms.items():
        k = normalize_phrase(key)
        if not k:
            continue
        bucket = out.setdefault(k, [])
        for value in values:
            v = normalize_phrase(value)
            if v and v != k and v not in bucket:
                bucket.append(v)
    return {k: v for k, v in out.items() if v}


def render_marked(text: str, ranges: Iterable[tuple[int, int]]) -> str:
    """HTML-escape ``text`` and wrap the given character ranges in ``<mark>``."""
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    pos = 0
    for start, end in merged:
        out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def mark_terms(
    text: str,
    terms: set[str],
    prefixes: tuple[str, ...] = (),
    memo: dict[str, bool] | None = None,
    heads: set[str] | None = None,
) -> str:
    """Highlight tokens whose folded spelling is in ``terms`` or starts with a prefix.

    With ``heads``, a compound is marked when one of its endings at a part
    boundary (``search.compound.compound_tails``) is a head in the set, or starts
    with one of the prefixes. ``memo`` (token -> matched) can be shared between
    the hits of one query.
    """
    memo = {} if memo is None else memo
    found = _TOKEN_RE.findall(text)
    for tok in set(found).difference(memo):  # memo keys: tokens as written
        memo[tok] = _token_hit(tok.lower(), terms, prefixes, heads)
    if not any(map(memo.__getitem__, found)):  # most descriptions: nothing to mark
        return html.escape(text)
    ranges = [m.span() for m in _TOKEN_RE.finditer(text) if memo[m.group()]]
    return render_marked(text, ranges)


def _token_hit(
    tok: str, terms: set[str], prefixes: tuple[str, ...], heads: set[str] | None
) -> bool:
    variants, tails = _token_forms(tok)
    for v in variants:
        if v in terms or (prefixes and v.startswith(prefixes)):
            return True
    if heads:
        for t in tails:
            if t in heads or (prefixes and t.startswith(prefixes)):
                return True
    return False


@lru_cache(maxsize=100_000)
def _token_forms(tok: str) -> tuple[frozenset[str], frozenset[str]]:
    """A lower-case token's spellings (:func:`fold_variants`) and their compound heads."""
    from .compound import compound_tails  # text is imported by compound

    variants = fold_variants(tok)
    return variants, frozenset(t for v in variants for t in compound_tails(v))


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
