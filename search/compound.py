"""Bokmål compound splitting: "kontorstol" -> ["kontor", "stol"] (the head is the last part).

Method (chosen by measurement, see docs/search.md "Compounds"): a frequency-based
splitter in the manner of Koehn & Knight (2003) over a vendored word list,
``data/nb_words.tsv.gz`` (wordfreq's Norwegian bokmål frequencies, CC BY-SA 4.0,
see ``data/NOTICE.md``).  A folded word is split into 2..4 known words, each at
least three letters long, optionally joined by the linking letters ``s`` or ``e``
("arbeid-s-bord", "skriv-e-bord" is not needed: "skrive" is a word).  Of all
splits the one with the highest mean Zipf frequency of its parts wins, and it is
used only when that mean beats the frequency of the whole word by a margin, so
frequent plain words ("bordet", "stoler", "informasjon") stay whole.  Parts that
are function words ("til", "det", "for") or inflection endings never count, and a
three-letter part must be a common word ("ull", "bok", "rom": yes).

Nothing here needs the network; the list loads lazily (about 0.1 s, 10 MB).
"""

from __future__ import annotations

import gzip
from functools import cache, lru_cache
from pathlib import Path

from .text import fold

DATA_FILE = Path(__file__).with_name("data") / "nb_words.tsv.gz"
MIN_WORD = 6  # shorter words are not split
MIN_PART = 3
MAX_PARTS = 4
SHORT_PART_MIN_ZIPF = 3.5  # a three-letter part must be at least this common
WHOLE_WORD_MAX_ZIPF = 4.2  # more common words are plain words, never split
MARGIN = 0.6  # mean part frequency must beat the whole word's by this (Zipf units)
EXTRA_PART_PENALTY = 0.8  # per part beyond two
LINK_PENALTY = 0.1  # per linking letter: "møbel-stoff" before "møbel-s-toff"
SHORT_PART_WHOLE_MAX_ZIPF = 3.2  # a split with a three-letter part: only rarer words
LINKS = ("", "s", "e")

_STOP_TEXT = """
alle all andre at av bare begge ble bli blir da de dem den denne der dere
deres det dette din dine disse dit du eller en ene ens er ere ers est et ett
ets etter for fordi fra før han hans har hun hva hvem hver hvis hvor ikke
inn jeg kan kun lite man med meg men mer mest min mine mot mye ned noe noen
når også oss på sammen seg selv sin sine sitt skal som til uten var ved vil
ville vår våre nei neste hos and the with erne ende per her ser set kom sto
"""
#: Words that may never be a part: function words and inflection endings, so that
#: "bordet" is not "bor" + "det" and "tiles" never yields "til".
STOP_PARTS = frozenset(fold(w) for w in _STOP_TEXT.split())
#: Heads that are also derivational endings: only rare words end in them as
#: compounds ("arkivskap" yes; "landskap", "regnskap", "egenskap" no).
AMBIGUOUS_HEADS = {"skap": 3.5}
#: Derivational endings, never a head: "bærbar" is not "bær" + "bar".
SUFFIX_PARTS = frozenset(("bar", "lig", "lige", "het", "heten", "else", "ing", "inger", "isk"))
#: Inflection endings: a word that is a known word plus one of these ("stolene")
#: is an inflected plain word unless a split is clearly better.
ENDINGS = ("erne", "ene", "ens", "ers", "ets", "en", "er", "et", "e", "a", "r", "s")


@lru_cache(maxsize=1)
def _words() -> dict[str, float]:
    """Folded word -> Zipf frequency, from the vendored list."""
    out: dict[str, float] = {}
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as fh:
        for line in fh:
            word, _, score = line.rstrip("\n").partition("\t")
            if word and score:
                out[word] = int(score) / 100.0
    return out


def word_zipf(word: str) -> float:
    """Zipf frequency of a folded word in the list (0.0 when unknown)."""
    return _words().get(word, 0.0)


def _part_zipf(words: dict[str, float], part: str, head: bool = False) -> float:
    if len(part) < MIN_PART or part in STOP_PARTS:
        return 0.0
    if head and part in SUFFIX_PARTS:
        return 0.0
    z = words.get(part, 0.0)
    if head:  # an inflected head ("stolene") is as good as its base, nearly
        for ending in ENDINGS:
            if part.endswith(ending) and len(part) - len(ending) >= MIN_PART + 1:
                z = max(z, words.get(part[: -len(ending)], 0.0) - 0.3)
    if len(part) == MIN_PART and z < SHORT_PART_MIN_ZIPF:
        return 0.0
    return z


def _best_split(word: str, words: dict[str, float]) -> tuple[float, list[str]] | None:
    """Highest-scoring split of ``word`` into at least two parts (score, parts)."""
    n = len(word)

    @cache
    def tails(start: int, budget: int) -> tuple[tuple[float, tuple[str, ...]], ...]:
        # Every way to read word[start:] as 1..budget parts: (sum of zipf, parts).
        out: list[tuple[float, tuple[str, ...]]] = []
        z = _part_zipf(words, word[start:], head=True)
        if z > 0:
            out.append((z, (word[start:],)))
        if budget <= 1:
            return tuple(out)
        for end in range(start + MIN_PART, n - MIN_PART + 1):
            z = _part_zipf(words, word[start:end])
            if z <= 0:
                continue
            for link in LINKS:
                nxt = end + len(link)
                if link and word[end:nxt] != link:
                    continue
                if n - nxt < MIN_PART:
                    continue
                for tz, tparts in tails(nxt, budget - 1):
                    out.append((z + tz - LINK_PENALTY * len(link), (word[start:end], *tparts)))
        return tuple(out)

    best: tuple[float, list[str]] | None = None
    for total, parts in tails(0, MAX_PARTS):
        if len(parts) < 2:
            continue
        score = total / len(parts) - EXTRA_PART_PENALTY * (len(parts) - 2)
        if best is None or score > best[0]:
            best = (score, list(parts))
    return best


@lru_cache(maxsize=100_000)
def _split_folded(word: str) -> tuple[str, ...]:
    return split_with(word, _words())


def split_with(word: str, words: dict[str, float]) -> tuple[str, ...]:
    """The splitting rules over any folded word -> Zipf table (for comparisons)."""
    if len(word) < MIN_WORD or not word.isalpha() or not word.isascii():
        return ()
    whole = words.get(word, 0.0)
    if whole >= WHOLE_WORD_MAX_ZIPF:
        return ()
    # A known word plus an inflection ending ("stolene") competes as the whole word.
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_PART + 1:
            whole = max(whole, words.get(word[: -len(ending)], 0.0))
    best = _best_split(word, words)
    if best is None or best[0] < whole + MARGIN:
        return ()
    parts = best[1]
    if min(map(len, parts)) == MIN_PART and words.get(word, 0.0) >= SHORT_PART_WHOLE_MAX_ZIPF:
        return ()  # "samsung" is not "sam" + "ung"
    limit = AMBIGUOUS_HEADS.get(parts[-1])
    if limit is not None:
        joined = parts[-2] + parts[-1]  # "land" + "skap": is "landskap" a word?
        if word.endswith(joined) and words.get(joined, 0.0) >= limit:
            parts = [*parts[:-2], joined]
    return tuple(parts) if len(parts) > 1 else ()


def split_compound(word: str) -> list[str]:
    """Folded parts of a bokmål compound, head last; ``[]`` when ``word`` is not one.

    ``split_compound("Kontorstol") == ["kontor", "stol"]``,
    ``split_compound("arbeidsbord") == ["arbeid", "bord"]`` (linking s dropped),
    ``split_compound("bordet") == []``.
    """
    return list(_split_folded(fold(word.strip())))


def compound_head(word: str) -> str | None:
    """The head (last part) of a compound, or None when ``word`` is not one."""
    parts = _split_folded(fold(word.strip()))
    return parts[-1] if parts else None


def _boundaries(word: str, parts: tuple[str, ...], pos: int = 0) -> list[int] | None:
    """Where each part after the first starts (linking letters skipped), or None."""
    if not parts:
        return [] if pos == len(word) else None
    if not word.startswith(parts[0], pos):
        return None
    end = pos + len(parts[0])
    if len(parts) == 1:
        return [] if end == len(word) else None
    for link in LINKS:
        if word.startswith(link, end):
            rest = _boundaries(word, parts[1:], end + len(link))
            if rest is not None:
                return [end + len(link), *rest]
    return None


def compound_tails(word: str) -> list[str]:
    """Every ending of a folded compound that starts at a part boundary, longest first.

    ``compound_tails("moteromsbord") == ["romsbord", "bord"]``: the words a
    search for a head (or a shorter compound ending the word) should find.
    """
    parts = _split_folded(word)
    starts = _boundaries(word, parts) if parts else None
    return [word[i:] for i in starts or []]


__all__ = ["split_compound", "compound_head", "compound_tails", "word_zipf", "STOP_PARTS"]
