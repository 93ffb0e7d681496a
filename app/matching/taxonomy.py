"""The category tree as matching sees it: paths, names and how two categories relate.

Relations of a request's category to a listing's, best first:

* ``same``: the same category;
* ``parent``: the request asks for an ancestor ("Møbler" takes a "Kontorstol");
* ``sibling``: a *related* sibling under the same parent: in bokmål *and* in English
  the last words of their names (what the thing is) are the same or one ends with the
  other ("Stol"/"Kontorstol" and "Chair"/"Office chair", "Skrivebord"/"Hev-senk-skrivebord"
  and "Desk"/"Height-adjustable desk"); scoring also wants some shared words in the
  listing's own text. A shared modifier is not the thing: "Bærbar PC", "Stasjonær PC" and
  "PC-skjerm" are three things, and "Fliser", "Takstein" and "Himlingsplater" are not one
  thing because English calls them all tiles.
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


def all_nodes() -> tuple:
    """Every category node, parents first."""
    return tuple(_tree()[0].values())


def names_with_aliases(slug: str) -> tuple[str, ...]:
    node = _tree()[0][slug]
    return (node.name_nb, node.name_en, *node.aliases)


@cache
def _name_words(slug: str) -> tuple[str, str]:
    """(the last word of the bokmål name, of the English name), stemmed."""
    from app.matching.text import words

    node = _tree()[0][slug]
    nb, en = words(node.name_nb), words(node.name_en)
    return (nb[-1] if nb else ""), (en[-1] if en else "")


def _heads_related(x: str, y: str) -> bool:
    """The same head, or one ending with the other (compounds: "kontorstol", "armchair")."""
    return bool(x and y) and (x == y or (min(len(x), len(y)) >= 4
                                         and (x.endswith(y) or y.endswith(x))))


def _lexically_related(a: str, b: str) -> bool:
    """The heads of the names are related in bokmål and in English alike."""
    (nb_a, en_a), (nb_b, en_b) = _name_words(a), _name_words(b)
    return _heads_related(nb_a, nb_b) and _heads_related(en_a, en_b)


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
