"""Search for Kretsløp listings: one interface, an embedded engine and Meilisearch.

No Flask and no ORM in here: the app turns listings into plain dicts (see
``docs/search.md``) and calls a :class:`SearchBackend` made by
:func:`create_backend`.
"""

from __future__ import annotations

from .types import (
    Hit,
    IndexSettings,
    SearchBackend,
    SearchError,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
)


def create_backend(
    meili_url: str | None, meili_key: str | None, path: str, index_name: str = "listings"
) -> SearchBackend:
    """Meilisearch when ``meili_url`` is set, else the embedded engine under ``path``."""
    if meili_url:
        from .meili import MeilisearchBackend

        return MeilisearchBackend(meili_url, meili_key, index_name=index_name)
    from .embedded import EmbeddedBackend

    return EmbeddedBackend(path, index_name=index_name)


__all__ = [
    "Hit",
    "IndexSettings",
    "SearchBackend",
    "SearchError",
    "SearchQuery",
    "SearchResult",
    "SearchUnavailable",
    "create_backend",
]
