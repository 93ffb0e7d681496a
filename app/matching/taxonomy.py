"""The category tree as matching sees it: paths, names and how two categories relate.

Relations of a request's category to a listing's, best first:

* ``same``: the same category;
* ``parent``: the request asks for an ancestor ("Møbler" takes a "Kontorstol");
* ``sibling``: a *related* sibling under the same parent: their bokmål or English names
  share a word or one ends with the other ("Stol" and "Kontorstol", "Skrivebord" and
  "Hev-senk-skrivebord"); scoring also wants some shared words in the texts.
  Unrelated siblings ("Seng" and "Skrivebord") have nothing to do with each other.

Anything else is unrelated, a hard limit. Read from ``TAXONOMY`` (no database), cached.
"""

from __future__ import annotations

from functools import cache

from app.listings.categories import TAXONOMY

SAME, PARENT, SIBLING = "same", "parent", "sibling"
#: Score of each relation (the category part of the match score).
RELATION_SCORE = {SAME: 1.0, PARENT: 0.75, SIBLING: 0.5}


@cache
def _tree() -> tuple[dict, dict, dict]:
    nodes, parents, children = {}, {}, {}
    stack = [(root, None) for _eu, root in TAXONOMY]
    while stack:
        node, parent = stack.pop()
        nodes[node.slug] = node
        parents[node.slug] = parent
        children.setdefault(parent, []).append(node.slug)
        stack.extend((child, node.slug) for child in node.children)
    return nodes, parents, children


def exists(slug: str) -> bool:
    return slug in _tree()[0]


@cache
def path(slug: str) -> tuple[str, ...]:
    """Slugs from the root down to ``slug``."""
    _nodes, parents, _children = _tree()
    out = []
    current: str | None = slug
    while current is not None:
        out.append(current)
        current = parents[current]
    return tuple(reversed(out))


def name(slug: str, locale: str = "nb") -> str:
    node = _tree()[0].get(slug)
    if node is None:
        return slug
    return node.name_en if locale == "en" else node.name_nb


def names_with_aliases(slug: str) -> tuple[str, ...]:
    node = _tree()[0][slug]
    return (node.name_nb, node.name_en, *node.aliases)


@cache
def _name_words(slug: str) -> tuple[frozenset[str], frozenset[str]]:
    """(bokmål name words, English name words)."""
    from app.matching.text import words

    node = _tree()[0][slug]
    return frozenset(words(node.name_nb)), frozenset(words(node.name_en))


def _lexically_related(a: str, b: str) -> bool:
    """A shared word, or (bokmål compounds) one name ending with the other."""
    (nb_a, en_a), (nb_b, en_b) = _name_words(a), _name_words(b)
    if (nb_a | en_a) & (nb_b | en_b):
        return True
    return any(x != y and min(len(x), len(y)) >= 4 and (x.endswith(y) or y.endswith(x))
               for x in nb_a for y in nb_b)


@cache
def related_siblings(slug: str) -> tuple[str, ...]:
    """Siblings of ``slug`` whose names say they are the same kind of thing."""
    _nodes, parents, children = _tree()
    parent = parents.get(slug)
    if parent is None:
        return ()
    return tuple(s for s in children.get(parent, []) if s != slug and _lexically_related(s, slug))


@cache
def relation(request_slug: str, listing_slug: str) -> str | None:
    """How a request's category relates to a listing's (None: unrelated)."""
    if request_slug == listing_slug:
        return SAME
    if request_slug in path(listing_slug):
        return PARENT
    if request_slug in related_siblings(listing_slug):
        return SIBLING
    return None


@cache
def request_categories_for_listing(listing_slug: str) -> tuple[str, ...]:
    """The request categories that could match a listing in ``listing_slug``."""
    return tuple(dict.fromkeys((*path(listing_slug), *related_siblings(listing_slug))))


@cache
def listing_categories_for_request(request_slug: str) -> tuple[str, ...]:
    """Category filters (each includes its descendants) that find a request's listings."""
    return tuple(dict.fromkeys((request_slug, *related_siblings(request_slug))))


@cache
def descendants(slug: str) -> tuple[str, ...]:
    """``slug`` and every category below it."""
    _nodes, _parents, children = _tree()
    out, stack = [], [slug]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(children.get(current, []))
    return tuple(out)


def without_descendants(slugs: tuple[str, ...]) -> tuple[str, ...]:
    """Drop slugs already covered by an ancestor in the same tuple."""
    return tuple(s for s in slugs if not any(a != s and a in slugs for a in path(s)))
