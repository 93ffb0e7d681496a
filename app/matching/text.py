"""Text relevance between a request's title and a listing, in bokmål and English.

Words are folded with the search package (``æ -> ae``, ``ø -> o``, ``å -> aa``) and
stemmed by :func:`stem` (plural and definite endings; a compound by its head, through
``search.compound.split_compound``; a stem is never a stop word, so "tiles" is "tile",
not "til"). Every part of matching uses this one stemmer.

A request's title becomes *alternatives* ("Servanter og toaletter": either will do) of
*groups*: one per content word, holding the word in other spellings (the parts of a
compound, ``kontorstol`` -> ``kontor+stol``; the compound two neighbouring words make,
"kontor stol" -> ``kontorstol``; what a thing is for joined to it, "skap til garderobe"
-> ``garderobeskap``), what it also finds in the search's directed synonym table
(``=``: a request for "glassull" takes "mineralull", "gipsplater" takes no OSB), and the
head of a compound as a broader word (``~``: "gulvfliser" takes "Fliser" at half).
Phrases are parts joined by ``+``. The terms are stored with the request as one string
(``word:alt|alt+part|=synonym|~head word:... / alternative``, led by ``!parts`` when the
request asks for parts), so scoring a listing against thousands of requests is a few set
look-ups each.

The listing side (:class:`TextProfile`) keeps apart what the listing *says* (its title
before "til"/"for", its material), the heads of its compound words ("stol" in
"kontorstol"), its context (what the title says it is *for*, the first parts of its
compounds, the start of the description) and its category's names. A group scores 1
when an alternative is among the listing's own words, 0.7 for the head of a compound,
0.5 in the context or for a broader word, else 0. The category's names are a separate,
smaller signal (``TextMatch.category``) and never evidence: they are not named in
reasons and do not let a related sibling category through.

Parts and accessories: "Hjul til kontorstoler", "Armlener til HÅG-stoler", "HÅG-deler",
"Kontorstolhjul" are *for* a thing, not the thing. A listing is a part when what its
title says it is (before "til"/"for"/"med"/"på", a comma or a dash) holds a part word
(:data:`PART_STEMS`, or a bokmål compound ending in one), or when a request's words are
found only in what the listing is for ("X til Y" where the request asks for Y). A request
that itself asks for parts is not penalised for them (:func:`asks_for_parts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import NamedTuple

from search.text import fold, tokens

HEAD_WEIGHT = 0.7
CONTEXT_WEIGHT = 0.5
#: A group found only in the category's names counts this much of the text part.
CATEGORY_NAME_WEIGHT = 0.3
PURPOSE = frozenset(("til", "for"))
#: Leads a request's stored terms when the request asks for parts or accessories.
PARTS_MARK = "!parts "
#: Marks an alternative that comes from the synonym table, not from the request's words.
SYNONYM_MARK = "="
#: Words after these describe the thing ("Kontorstol med armlener"), they do not name it.
FEATURE = frozenset(("med", "with", "inkl", "inkludert", "including", "på", "on", "uten",
                     "without"))
MIN_HEAD = 4
DESCRIPTION_WORDS = 120
_STOP_TEXT = (
    "og i på til for med av en et ei som er fra om eller vi oss trenger ønsker søker "
    "ønskes kjøpes brukt brukte noen flere mange stk styk stykk gjerne helst nye ny "
    "den det de dem du dere seg sin sitt sine alle har hos ut inn opp ned "
    "the a an and or of for with to in on we need needed wanted want used some any pcs "
    "pieces piece please our")
#: Words that carry no meaning for matching and must never be named in a reason: units,
#: abbreviations and how people write condition ("i god stand", "pent brukt").
_NOISE_TEXT = (
    "mm cm m m2 m3 kg g lm kr nok ca ca. cirka pr per inkl evt etc osv bl.a str "
    "stand tilstand god gode godt bra fin fint fine pen pent pene fått mulig stykker "
    "good condition new like great excellent each approx approximately")
STOPWORDS = frozenset(fold(w) for w in _STOP_TEXT.split())
NOISE = frozenset(fold(w) for w in _NOISE_TEXT.split())
_SKIP = STOPWORDS | NOISE
_ENDINGS = ("ene", "er", "en", "et", "es", "s")
_ES_PLURAL = ("ses", "xes", "zes", "ches", "shes")

#: Parts and accessories, as people write them (any inflection; stemmed below).
_PART_TEXT = (
    "hjul hjulet hjulene armlene armlener armlenet armstøtte armstøtter deksel deksler "
    "fot føtter ben bein hylleknekt hylleknekter knekt knekter brakett braketter trekk "
    "trekket reservedel reservedeler del deler delene gassfjær gassfjærer gasspatron "
    "lader ladere veske vesker kabel kabler adapter adaptere feste fester beslag "
    "hengsel hengsler håndtak tilbehør arm armer støtte støtter "
    "wheel wheels castor castors caster casters armrest armrests part parts spare spares "
    "cover covers leg legs foot feet bracket brackets charger chargers bag bags cable "
    "caster casters "
    "cables mount mounts handle handles hinge hinges accessory accessories")
_SEGMENT = re.compile(r"[,;:()\[\]/|]| - | – ")


@cache
def _splitter():
    """``search.compound.split_compound`` when the search package has it, else None."""
    try:
        from search.compound import split_compound
    except ImportError:
        return None
    return split_compound


@lru_cache(maxsize=100_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """The stemmed parts of a compound ("kontorstoler" -> ("kontor", "stol")), or ().
    Each part is shorter than the word, so :func:`stem` and this end."""
    split = _splitter()
    if split is None:
        return ()
    parts = [p for p in split(fold(word)) if p]
    if len(parts) < 2:
        return ()
    return tuple(stem(p) for p in parts)


def _stem_once(w: str) -> str:
    for ending in _ENDINGS:
        if w.endswith(ending) and len(w) - len(ending) >= 3:
            if ending == "s" and w.endswith("ss"):
                return w
            if ending == "es" and not w.endswith(_ES_PLURAL):
                continue  # "tiles", "cables": only the "s" goes
            return w[: -len(ending)]
    return w


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Fold ``word`` and strip one plural/definite ending, then a final "e", from words of
    five letters or more ("stoler" -> "stol", "lamper"/"lampe" -> "lamp", "tables" ->
    "tabl"). A step that would leave a stop word or fewer than three letters is not
    taken ("tiles" -> "tile", never "til"). A compound is its stemmed parts joined, so
    the head decides the ending ("gulvflis" and "gulvfliser" are "gulvflis", where
    "gulvflis" alone would lose its "s" as an English plural)."""
    w = fold(word)
    if len(w) < 5 or not w.isalpha():
        return w
    parts = compound_parts(w) if len(w) >= 6 else ()
    if parts:  # the head carries the ending: "gulvflis"/"gulvfliser" -> "gulvflis"
        return "".join(parts)
    out = w
    once = _stem_once(w)
    if once != w and once not in _SKIP:
        out = once
    if out.endswith("e") and len(out) >= 5 and out[:-1] not in _SKIP:
        out = out[:-1]
    return out


def _is_content(token: str) -> bool:
    folded = fold(token)
    return len(folded) >= 2 and folded not in _SKIP and folded.isalpha()


def _content(found: list[str]) -> list[str]:
    return [t for t in found if _is_content(t)]


def words(text: str, limit: int | None = None) -> list[str]:
    """Stemmed content words of ``text`` (no stop or noise words, nothing with digits)."""
    found = tokens(text)
    return [stem(t) for t in _content(found[:limit] if limit else found)]


PART_STEMS = frozenset(stem(w) for w in _PART_TEXT.split())
#: Bokmål parts recognised at the end of a compound ("kontorstolhjul", "sofatrekk").
_PART_TAILS = tuple(sorted({stem(w) for w in (
    "hjul", "armlene", "armlener", "knekt", "knekter", "deksel", "deksler", "trekk",
    "gassfjær", "gassfjærer", "reservedel", "reservedeler", "brakett", "braketter",
    "håndtak", "hengsel", "hengsler", "tilbehør", "beslag", "lader", "ladere", "armstøtte",
    "armstøtter")}, key=len, reverse=True))
#: A title that says the thing is sold for parts ("El-sykkel til deler").
_FOR_PARTS = re.compile(r"\b(til|for)\s+(reserve)?deler\b|\bfor\s+(spare\s+)?parts\b",
                        re.IGNORECASE)
#: Words that join alternatives in a request: "Servanter og toaletter", "OSB eller
#: kryssfiner" want either.
_ALTERNATIVES = re.compile(r"\s+(?:og|eller|and|or|&)\s+|\s*/\s*", re.IGNORECASE)
#: Separates the alternatives in the stored terms.
ALTERNATIVE_MARK = "/"
#: Marks the head of a request's compound, a broader word ("gulvfliser" -> "flis"): a
#: listing that says only "Fliser" may be what is asked for (context weight, no evidence).
BROADER_MARK = "~"


@lru_cache(maxsize=50_000)
def is_part_word(token: str) -> bool:
    """Whether ``token`` names a part or an accessory ("hjul", "armlener", "sofatrekk")."""
    s = stem(token)
    if s in PART_STEMS or fold(token) in PART_STEMS:
        return True
    if any(s.endswith(tail) and len(s) > len(tail) + 2 for tail in _PART_TAILS):
        return True
    parts = compound_parts(token)
    return bool(parts) and parts[-1] in PART_STEMS


def _thing_tokens(title: str) -> list[str]:
    """The tokens that name what a title is: its first segment (before a comma or a
    dash), before "til"/"for" and before "med"/"with"."""
    for segment in _SEGMENT.split(title):
        found = tokens(segment)
        out: list[str] = []
        for i, token in enumerate(found):
            if i and (token in PURPOSE or token in FEATURE):
                break
            out.append(token)
        if _content(out):
            return out
    return []


@lru_cache(maxsize=50_000)
def names_a_part(title: str) -> bool:
    """Whether a title names a part or an accessory ("Hjul til kontorstoler",
    "HÅG-deler, seter", "Reservedeler kontorstol"), not the thing itself."""
    return any(is_part_word(t) for t in _content(_thing_tokens(title)))


def sold_for_parts(title: str) -> bool:
    """Whether a title says the thing is sold for parts ("Kontorstoler til deler")."""
    return bool(_FOR_PARTS.search(title))


def split_purpose(text: str) -> tuple[list[str], list[str]]:
    """(tokens before the first "til"/"for", tokens after it)."""
    found = tokens(text)
    for i, token in enumerate(found):
        if i and token in PURPOSE:
            return found[:i], found[i + 1:]
    return found, []


# --- synonyms ------------------------------------------------------------------------


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(stem(t) for t in _content(tokens(text)))


@cache
def synonym_table() -> dict[tuple[str, ...], frozenset[tuple[str, ...]]]:
    """Request phrase (stemmed) -> the listing phrases it also takes: the search's directed
    table (``app.searching.synonyms``: curated data beside the category tree plus the site
    admins' edits), read as search reads it. A request is a standing search: "glassull"
    takes a listing that says only "mineralull", "gipsplater" takes no OSB, "laptop"
    takes "bærbar PC" and no monitor. Cleared by an admin's edit (:func:`clear_caches`)."""
    from app.searching.synonyms import synonym_table as directed

    table: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for key, values in directed().items():
        k = _phrase(key)
        if not k:
            continue
        for value in values:
            v = _phrase(value)
            if v and v != k:
                table.setdefault(k, set()).add(v)
    return {k: frozenset(v) for k, v in table.items() if v}


def clear_caches() -> None:
    """Forget the synonym table and everything built from it (after an admin edit)."""
    for cached in (synonym_table, category_words, listing_profile, _request_terms, _parse):
        cached.cache_clear()


# --- the request side ----------------------------------------------------------------


def request_terms(title: str) -> str:
    """The stored form of a request title's groups (see the module docstring)."""
    return _request_terms(title)


_PURPOSE_RAW = re.compile(r"\s(?:til|for)\s", re.IGNORECASE)


@lru_cache(maxsize=20_000)
def _request_terms(title: str) -> str:
    table = synonym_table()
    cut = _PURPOSE_RAW.search(title)
    main_text, purpose_text = (title[:cut.start()], title[cut.end():]) if cut else (title, "")
    if not _content(tokens(main_text)):
        main_text, purpose_text = purpose_text, ""
    purpose = _content(tokens(purpose_text))
    alternatives = []
    for text in _ALTERNATIVES.split(main_text):
        groups = _groups(_content(tokens(text)), table, purpose)
        if groups:
            alternatives.append(" ".join(groups))
    out = f" {ALTERNATIVE_MARK} ".join(alternatives)
    if out and names_a_part(title):
        out = PARTS_MARK + out
    return out


def _groups(originals: list[str], table, purpose: list[str]) -> list[str]:
    """One request alternative's groups (see the module docstring)."""
    stems = [stem(t) for t in originals]
    groups: list[str] = []
    seen: set[str] = set()
    for i, (original, s) in enumerate(zip(originals, stems, strict=True)):
        if s in seen:
            continue
        seen.add(s)
        alts = {(s,)}  # the request's own words, in other spellings
        synonyms = set(table.get((s,), ()))
        broader: set[str] = set()
        parts = compound_parts(original)
        if parts:
            alts.add(parts)
            broader.add(parts[-1])
        for pair in ((stems[i - 1], s) if i else None, (s, stems[i + 1]) if i + 1 < len(stems)
                     else None):
            if pair is None:
                continue
            if pair in table:
                alts.add(pair)
                synonyms |= table[pair]
            joined = stem(pair[0] + pair[1])  # "kontor stol" -> "kontorstol"
            if len(pair[0]) >= 3 and len(pair[1]) >= 3:
                alts.add((joined,))
        if purpose and len(originals) == 1:  # "skap til garderobe" -> "garderobeskap"
            alts.add((stem(fold(purpose[0]) + fold(original)),))
        own = {"+".join(a) for a in alts}
        rendered = sorted(own - {s}) + [
            # phrases before single words: "bærbar pc" is named rather than "bærbar"
            SYNONYM_MARK + "+".join(a) for a in sorted(synonyms, key=lambda a: (-len(a), a))
            if "+".join(a) not in own] + sorted(BROADER_MARK + b for b in broader - own)
        groups.append(f"{original}:" + "|".join([s, *rendered]))
    return groups


def asks_for_parts(terms: str) -> bool:
    """Whether a request (its stored terms) asks for parts or accessories itself."""
    return terms.startswith(PARTS_MARK)



# --- the listing side ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class TextProfile:
    """What a listing says (stems -> the word as written), the heads of its compounds,
    its context, its category's names, and whether its title names a part."""

    words: dict[str, str]
    heads: dict[str, str]
    context: dict[str, str] = field(default_factory=dict)
    category: frozenset[str] = frozenset()
    purpose: frozenset[str] = frozenset()
    is_part: bool = False
    every: frozenset[str] = frozenset()  # every key above, for a quick "nothing here"
    for_parts: bool = False  # "til deler": sold for parts


@cache
def category_words(slug: str) -> frozenset[str]:
    """Stemmed names and aliases of a category and its ancestors."""
    from app.matching.taxonomy import names_with_aliases, path

    out: set[str] = set()
    for s in path(slug):
        for name in names_with_aliases(s):
            out.update(words(name))
    return frozenset(out)


def _surface(found: list[str], into: dict[str, str]) -> None:
    for token in _content(found):
        into.setdefault(stem(token), token)


@lru_cache(maxsize=50_000)
def listing_profile(title: str, description: str, material: str, category: str) -> TextProfile:
    """The words a request title is compared with (cached: the nightly run and the
    request side meet the same listings again and again)."""
    main_title, purpose_tokens = split_purpose(title)
    main: dict[str, str] = {}
    _surface(main_title, main)
    _surface(tokens(material), main)
    heads: dict[str, str] = {}
    modifiers: dict[str, str] = {}
    for s, written in main.items():
        parts = compound_parts(written)
        if parts:
            heads.setdefault(parts[-1], written)
            for part in parts[:-1]:
                modifiers.setdefault(part, written)
        if len(s) > MIN_HEAD:
            for i in range(1, len(s) - MIN_HEAD + 1):
                heads.setdefault(s[i:], written)
    purpose: dict[str, str] = {}
    _surface(purpose_tokens, purpose)
    described: dict[str, str] = {}
    _surface(tokens(description)[:DESCRIPTION_WORDS], described)
    # the first part of a compound says what kind ("isolasjonsplater") or what for
    # ("stolputer"): context, not the thing
    modifiers = {k: v for k, v in modifiers.items() if k not in heads}
    context = {k: v for k, v in {**described, **modifiers, **purpose}.items() if k not in main}
    names = category_words(category)
    return TextProfile(main, heads, context, names,
                       frozenset(purpose) - set(main) - set(described) - set(modifiers),
                       names_a_part(title),
                       frozenset((*main, *heads, *context)) | names, sold_for_parts(title))


class TextMatch(NamedTuple):
    """How well a request's words fit a listing.

    ``score`` 0..1 from the listing's own text; ``category`` 0..1: the share of groups
    found only in the category's names; ``words``: the listing's words, as written there,
    that are the request's own words (inflected, compounded or split); ``synonyms``: (the
    listing's word, the request's word) for words found through the synonym table;
    ``part``: the listing is not the kind of thing asked
    for: a part or an accessory for a request for the thing, or (a request for parts) a
    whole item that does not mention the part."""

    score: float
    category: float
    words: list[str]
    part: bool
    synonyms: list[tuple[str, str]] = []

    @property
    def evidence(self) -> bool:
        """Whether the listing's own text says something the request asks for."""
        return bool(self.words or self.synonyms)


_NO_TERMS = TextMatch(0.5, 0.0, [], False, [])


@lru_cache(maxsize=50_000)
def _parse(terms: str) -> tuple[bool, tuple[tuple[tuple, ...], ...]]:
    """(asks for parts, alternatives); an alternative is a tuple of groups, a group is
    (every word in it, its alternatives as parts, the request's word as written, the
    positions of synonyms, the positions of broader words)."""
    asks_parts = terms.startswith(PARTS_MARK)
    if asks_parts:
        terms = terms[len(PARTS_MARK):]
    alternatives = []
    for alternative in terms.split(f" {ALTERNATIVE_MARK} ") if terms else ():
        groups = []
        for group in alternative.split(" "):
            original, _sep, written = group.partition(":")
            raw = written.split("|")
            alts = tuple(tuple(alt.lstrip(SYNONYM_MARK + BROADER_MARK).split("+"))
                         for alt in raw)
            groups.append((frozenset(p for alt in alts for p in alt), alts, original,
                           frozenset(i for i, a in enumerate(raw) if a[0] == SYNONYM_MARK),
                           frozenset(i for i, a in enumerate(raw) if a[0] == BROADER_MARK)))
        alternatives.append(tuple(groups))
    return asks_parts, tuple(alternatives)


def text_score(terms: str, profile: TextProfile) -> TextMatch:
    """Compare a request's stored terms with a listing's profile (no words: 0.5). A
    request with alternatives ("Servanter og toaletter") takes the best of them."""
    asks_parts, alternatives = _parse(terms)
    if not alternatives:
        return _NO_TERMS
    best = None
    for groups in alternatives:
        scored = _score_groups(groups, profile)
        if best is None or scored[:2] > best[:2]:
            best = scored
    score, category, found, synonyms, thing = best
    evidence = bool(found or synonyms)
    if asks_parts:  # a whole item, or a part that does not mention the one asked for
        part = not profile.is_part or not evidence
    else:
        part = profile.is_part or (evidence and not thing)
    return TextMatch(score, category, found, part, synonyms)


def _score_groups(groups, profile: TextProfile):
    """(score, category share, own words found, synonym pairs, found in the thing)."""
    total = category_total = 0.0
    found: list[str] = []
    listing_words, heads, context = profile.words, profile.heads, profile.context
    categories, purpose, every = profile.category, profile.purpose, profile.every
    thing = False  # a group found in what the listing is, not only in what it is for
    synonyms: dict[str, list[str]] = {}  # the listing's word -> the request's words
    for group_words, alts, original, synonym_at, broader_at in groups:
        if group_words.isdisjoint(every):
            continue
        best, written, in_category, in_purpose, at = 0.0, None, False, False, -1
        for i, parts in enumerate(alts):
            if len(parts) == 1:
                alt = parts[0]
                if i in broader_at:
                    if best < CONTEXT_WEIGHT and (alt in listing_words or alt in heads):
                        best, written, at = CONTEXT_WEIGHT, None, i
                    continue
                if alt in listing_words:
                    best, written, at = 1.0, listing_words[alt], i
                    break
                if alt in heads:
                    if best < HEAD_WEIGHT:
                        best, written, at = HEAD_WEIGHT, heads[alt], i
                elif best < CONTEXT_WEIGHT and alt in context:
                    best, written, at = CONTEXT_WEIGHT, context[alt], i
                    in_purpose = alt in purpose
                elif not best and alt in categories:
                    in_category = True
                continue
            if all(part in listing_words for part in parts):
                best, written, at = 1.0, " ".join(listing_words[p] for p in parts), i
                break
            if best < CONTEXT_WEIGHT and all(p in listing_words or p in context
                                             for p in parts):
                best, at = CONTEXT_WEIGHT, i
                written = " ".join(listing_words.get(p) or context[p] for p in parts)
                in_purpose = all(p in purpose for p in parts)
            elif not best and all(p in categories for p in parts):
                in_category = True
        if best:
            total += best
            if written is None:  # a broader word: no evidence, nothing to name
                continue
            thing = thing or not in_purpose
            if at in synonym_at:
                synonyms.setdefault(written, []).append(original)
            elif written not in found:
                found.append(written)
        elif in_category:
            category_total += 1
    pairs = [(w, " ".join(originals)) for w, originals in synonyms.items() if w not in found]
    return total / len(groups), category_total / len(groups), found, pairs, thing
