"""Text relevance between a request's title and a listing, in bokmål and English.

Words are folded with the search package (``æ -> ae``, ``ø -> o``, ``å -> aa``), then
lightly stemmed (plural and definite endings), so "Kontorstoler" and "kontorstol" meet.
A request's title becomes *groups*: one per word, holding the word and its synonyms from
the category names (``stol`` <-> ``chair``; phrases such as ``office chair`` as parts
joined by ``+``). The groups are stored with the request as one string
(``word:alt|alt+part ...``), so scoring a listing against thousands of requests is a
few set look-ups each.

A group scores 1 when one of its alternatives is among the listing's main words (title,
material and the names of its category and the category's ancestors), 0.7 when the word
is the last part of a compound among them ("stol" in "kontorstol": Norwegian compounds end
with what the thing is), 0.5 when it is only in the context (the start of the
description), else 0.

Words after "til" / "for" say what a thing is *for*, not what it is: "Stoler til kantina"
wants chairs, "Hjul til kontorstoler" offers wheels. In a request title they are left
out; in a listing title they count as context.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from search.text import fold, tokens

HEAD_WEIGHT = 0.7
CONTEXT_WEIGHT = 0.5
PURPOSE = frozenset(("til", "for"))
MIN_HEAD = 4
DESCRIPTION_WORDS = 120
_STOP_TEXT = (
    "og i på til for med av en et ei som er fra om eller vi oss trenger ønsker søker "
    "ønskes kjøpes brukt brukte noen flere mange stk styk stykk gjerne helst nye ny "
    "the a an and or of for with to in on we need needed wanted want used some any pcs "
    "pieces piece please our")
STOPWORDS = frozenset(fold(w) for w in _STOP_TEXT.split())
_ENDINGS = ("ene", "er", "en", "et", "es", "s")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Fold and strip one plural/definite ending from words of five letters or more."""
    w = fold(word)
    if len(w) < 5 or not w.isalpha():
        return w
    for ending in _ENDINGS:
        if w.endswith(ending) and len(w) - len(ending) >= 3:
            if ending == "s" and w.endswith("ss"):
                return w
            return w[: -len(ending)]
    return w


def words(text: str, limit: int | None = None) -> list[str]:
    """Stemmed content words of ``text`` (no stop words, no bare numbers)."""
    out = []
    for token in tokens(text)[:limit] if limit else tokens(text):
        folded = fold(token)
        if folded in STOPWORDS or len(folded) < 2 or folded.isdigit():
            continue
        out.append(stem(token))
    return out


@cache
def synonym_table() -> dict[tuple[str, ...], frozenset[tuple[str, ...]]]:
    """Category synonyms as stemmed phrases, both directions."""
    from app.listings.categories import category_synonyms

    table: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for key, values in category_synonyms().items():
        k = tuple(stem(t) for t in tokens(key))
        if not k:
            continue
        bucket = table.setdefault(k, set())
        for value in values:
            v = tuple(stem(t) for t in tokens(value))
            if v and v != k:
                bucket.add(v)
    return {k: frozenset(v) for k, v in table.items() if v}


def split_purpose(text: str) -> tuple[list[str], list[str]]:
    """(tokens before the first "til"/"for", tokens after it)."""
    found = tokens(text)
    for i, token in enumerate(found):
        if i and token in PURPOSE:
            return found[:i], found[i + 1:]
    return found, []


def _content(found: list[str]) -> list[str]:
    return [t for t in found if fold(t) not in STOPWORDS and len(t) >= 2
            and not fold(t).isdigit()]


def request_terms(title: str) -> str:
    """The stored form of a request title's groups (see the module docstring)."""
    table = synonym_table()
    main, purpose = split_purpose(title)
    originals = _content(main) or _content(purpose)
    stems = [stem(t) for t in originals]
    groups: list[str] = []
    seen: set[str] = set()
    for i, (original, s) in enumerate(zip(originals, stems, strict=True)):
        if s in seen:
            continue
        seen.add(s)
        alts = {(s,)} | set(table.get((s,), ()))
        for pair in ((stems[i - 1], s) if i else None, (s, stems[i + 1]) if i + 1 < len(stems)
                     else None):
            if pair is not None and pair in table:
                alts |= {pair} | set(table[pair])
        rendered = sorted("+".join(a) for a in alts)
        rendered.remove(s)
        groups.append(f"{original}:" + "|".join([s, *rendered]))
    return " ".join(groups)


@dataclass(frozen=True, slots=True)
class TextProfile:
    """A listing's main words, the tails of its compound words and its context words."""

    words: frozenset[str]
    heads: frozenset[str]
    context: frozenset[str] = frozenset()


@cache
def category_words(slug: str) -> frozenset[str]:
    """Stemmed names and aliases of a category and its ancestors."""
    from app.matching.taxonomy import names_with_aliases, path

    out: set[str] = set()
    for s in path(slug):
        for name in names_with_aliases(s):
            out.update(words(name))
    return frozenset(out)


@lru_cache(maxsize=50_000)
def listing_profile(title: str, description: str, material: str, category: str) -> TextProfile:
    """The words a request title is compared with (cached: the nightly run and the
    request side meet the same listings again and again)."""
    main_title, purpose = split_purpose(title)
    main = {stem(t) for t in _content(main_title)} | set(words(material)) | \
        category_words(category)
    context = ({stem(t) for t in _content(purpose)}
               | set(words(description, DESCRIPTION_WORDS))) - main
    heads = {w[i:] for w in main if len(w) > MIN_HEAD for i in range(1, len(w) - MIN_HEAD + 1)}
    return TextProfile(frozenset(main), frozenset(heads), frozenset(context))


def text_score(terms: str, profile: TextProfile) -> tuple[float, list[str]]:
    """(relevance 0..1, the request's words that were found). No words: (0.5, [])."""
    if not terms:
        return 0.5, []
    total = 0.0
    found: list[str] = []
    groups = terms.split(" ")
    listing_words, heads, context = profile.words, profile.heads, profile.context
    for group in groups:
        original, _sep, alts = group.partition(":")
        best = 0.0
        for alt in alts.split("|"):
            parts = alt.split("+") if "+" in alt else (alt,)
            if all(part in listing_words for part in parts):
                best = 1.0
                break
            if len(parts) == 1 and alt in heads:
                best = max(best, HEAD_WEIGHT)
            elif best < CONTEXT_WEIGHT and all(p in listing_words or p in context
                                               for p in parts):
                best = CONTEXT_WEIGHT
        if best:
            found.append(original)
            total += best
    return total / len(groups), found
