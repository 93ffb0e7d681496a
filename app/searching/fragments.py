"""What the search page would otherwise rebuild on every request, kept per process.

Profiles of ``/search`` (pyinstrument and cProfile over real requests, docs/benchmarks.md
"Session 6") showed the page spending its time in three places besides the engine:
translations (every ``_()`` in the templates looks up the translations through
Flask-Babel's context, some 100 times a page), the category tree (all categories read as
ORM objects on every request) and the 20 result cards (number formatting, three
translated labels and a ``url_for`` each, then the macro). This module keeps:

* **The filter panel**, rendered from a context of plain values only (the parameters,
  the facet counts and the category tree, the errors, in the language), keyed by that
  whole context; paging and sorting a search keep the same panel.

* **The category tree** (slug, name in the language, parent) per *content generation*
  (app/pagecache.py: bumped after every writing commit, in every process) and language.
  A new or renamed category commits, so the next request reads the categories again.
  ``CATEGORY_CACHE_SECONDS`` also bounds the age (for a generation bump that failed).
* **Result cards**, rendered, keyed by their *content*: the language and every value
  the card shows or is built from (the document's fields, the highlighted title, the
  distance, the category's name). An edited listing has a different key, so it can never
  show stale; nothing of the viewer is in a card (no login state, no CSRF token), so
  a card is the same for everyone who reads that language. Bounded LRU.
* **The result map** (templates/_map.html ``search_map``), keyed by its data (the
  markers of the page's cards, the centre, the map settings) and the language.
* **Translations bound to the request**: ``gettext``/``ngettext`` for the template that
  look up the request's catalogue once instead of on every call, with the same meaning
  as Flask-Babel's (autoescaped Markup, ``%`` formatting, ``num`` for plurals).

All of it is skipped in debug mode, where template edits must show at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, get_template_attribute, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from app.db import db
from app.fragments import FragmentStore
from app.listings.models import Category
from app.pagecache import WROTE, content_generation

EXTENSION = "kretslop.search_fragments"


@dataclass
class Caches:
    categories: FragmentStore
    cards: FragmentStore
    panels: FragmentStore
    macros: FragmentStore


def caches() -> Caches | None:
    """The app's caches; None in debug mode (or with ``SEARCH_FRAGMENT_CACHE`` off)."""
    app = current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        if app.debug or not app.config.get("SEARCH_FRAGMENT_CACHE", True):
            return None
        found = app.extensions.setdefault(EXTENSION, Caches(
            categories=FragmentStore(float(app.config.get("CATEGORY_CACHE_SECONDS", 60)), 8),
            cards=FragmentStore(None, int(app.config.get("SEARCH_CARD_CACHE_ENTRIES", 5000))),
            panels=FragmentStore(None, int(app.config.get("SEARCH_PANEL_CACHE_ENTRIES", 1000))),
            macros=FragmentStore(None, int(app.config.get("SEARCH_PANEL_CACHE_ENTRIES", 1000)))))
    return found


# --- the category tree ------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryNode:
    id: int
    slug: str
    name: str
    parent_id: int | None


def _load_categories(locale: str) -> tuple[CategoryNode, ...]:
    """The columns the page needs, in tree order (as ``all_categories()``), without
    making ORM objects (that cost 4 ms of a page whose cache had just been invalidated)."""
    name = Category.name_en if locale == "en" else Category.name_nb  # as Category.name()
    rows = db.session.execute(sa.select(Category.id, Category.slug, name, Category.parent_id)
                              .order_by(Category.sort_order, Category.id))
    return tuple(CategoryNode(*row) for row in rows)


def _generation() -> int | None:
    """The content generation, read once per request (None when it cannot be read)."""
    if "search_generation" not in g:
        generation = content_generation()
        try:
            g.search_generation = generation.current() if generation is not None else None
        except Exception:  # noqa: BLE001 - Redis away: read the categories every time
            current_app.logger.warning("search: content generation unavailable",
                                       exc_info=True)
            g.search_generation = None
    return g.search_generation


def categories(locale: str) -> tuple[CategoryNode, ...]:
    """Every category in tree order (parents first), named in ``locale``."""
    found = caches()
    # The generation is read before the categories, so what is stored is at least as new
    # as the generation it is stored under.
    generation = _generation() if found is not None else None
    if found is None or generation is None or db.session.info.get(WROTE):
        # (a transaction that wrote and has not committed may see categories that the
        # generation does not count yet)
        return _load_categories(locale)
    key = (generation, locale)
    nodes = found.categories.get(key)
    if nodes is None:
        nodes = _load_categories(locale)
        found.categories.put(key, nodes)
    return nodes


def category_slugs() -> frozenset[str]:
    """Every category's slug (to check a ``category`` parameter), cached like the tree."""
    found = caches()
    generation = _generation() if found is not None else None
    if found is None or generation is None or db.session.info.get(WROTE):
        return frozenset(db.session.scalars(sa.select(Category.slug)))
    key = (generation, "slugs")
    slugs = found.categories.get(key)
    if slugs is None:
        slugs = frozenset(db.session.scalars(sa.select(Category.slug)))
        found.categories.put(key, slugs)
    return slugs


# --- cards ------------------------------------------------------------------------------


def cached_card(key: Hashable, build: Callable[[], tuple[dict[str, Any], Markup]]
                ) -> tuple[dict[str, Any], Markup]:
    """The card (its values, its HTML) for ``key`` (which must hold everything the card is
    made from, the language included), built with ``build()`` on a miss."""
    found = caches()
    if found is None:
        return build()
    card = found.cards.get(key)
    if card is None:
        card = build()
        found.cards.put(key, card)
    return card


# --- the filter panel -------------------------------------------------------------------


def content_key(value: Any) -> str:
    """``value`` (dicts, lists and plain values) as one string with the same content: JSON
    with sorted keys, made in C (a tree of tuples cost 0.3 ms a page in Python)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=repr)


def categories_version() -> int | None:
    """What the category tree of this request is keyed by (None: not cached now)."""
    if caches() is None or db.session.info.get(WROTE):
        return None
    return _generation()


def rendered(template: str, context: dict[str, Any],
             derived: Callable[[], dict[str, Any]] | None = None,
             cacheable: bool = True) -> Markup:
    """``template`` rendered with ``context`` (plus ``derived()``, values computed from
    ``context`` alone, only on a miss) and nothing else: no viewer, no session, no context
    processors. From the cache when the same context was rendered before; the key is the
    template, the language and the whole context, so a change of any value renders anew."""
    def render() -> Markup:
        html = current_app.jinja_env.get_template(template).render(
            **context, **(derived() if derived else {}), **request_gettext())
        return Markup(html)  # noqa: S704 - an autoescaped template's output

    found = caches()
    if found is None or not cacheable:
        return render()
    key = (template, request.script_root, str(get_locale()), content_key(context))
    html = found.panels.get(key)
    if html is None:
        html = render()
        found.panels.put(key, html)
    return html


def macro(template: str, name: str, key: Any, *args: Any) -> Markup:
    """The macro ``name`` of ``template`` called with ``args``, from the cache when it was
    called with the same ``key`` (which must hold everything the output depends on)."""
    def render() -> Markup:
        return get_template_attribute(template, name)(*args)

    found = caches()
    if found is None:
        return render()
    full_key = (template, name, request.script_root, str(get_locale()), content_key(key))
    html = found.macros.get(full_key)
    if html is None:
        html = render()
        found.macros.put(full_key, html)
    return html


# --- translations -----------------------------------------------------------------------

def labels(locale: str, name: str, mapping: dict[str, Any]) -> dict[str, str]:
    """``mapping``'s lazy labels as text in ``locale``, translated once per process (the
    catalogues do not change while a process runs; ``name`` tells the mappings apart)."""
    if current_app.debug:  # catalogues may be recompiled while a debug server runs
        return {value: str(label) for value, label in mapping.items()}
    store = current_app.extensions.setdefault("kretslop.search_labels", {})
    key = (locale, name)
    found = store.get(key)
    if found is None:
        found = store[key] = {value: str(label) for value, label in mapping.items()}
    return found



def request_gettext() -> dict[str, Callable[..., str]]:
    """``gettext`` and ``ngettext`` for ``render_template``, bound to this request's
    catalogue (the template's ``_()`` resolves ``gettext`` from its context first)."""
    translations = get_translations()
    ugettext, ungettext = translations.ugettext, translations.ungettext

    @pass_context
    def gettext(context, string: str, **variables: Any) -> str:
        text = ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalogue, as Jinja's own gettext
        return text % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalogue, as Jinja's own gettext
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}
