"""Value types, errors and the backend protocol shared by every search backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

SORTS = ("relevance", "newest", "price_asc", "price_desc", "distance")
FACETS = ("category", "condition", "district", "org_kind")

#: Searchable text fields, most important first.  The rank decides the
#: attribute ranking rule: a match in the title beats one in the description.
SEARCHABLE_FIELDS: tuple[tuple[str, int], ...] = (
    ("title", 0),
    ("category_names", 1),
    ("material", 1),
    ("description", 2),
    ("org_name", 3),
)

DEFAULT_RANKING_RULES: tuple[str, ...] = (
    "sort",
    "words",
    "typo",
    "proximity",
    "attributeRank",
    "wordPosition",
    "exactness",
    "published_at:desc",
)


class SearchError(Exception):
    """A search request or write was rejected (bad input, engine error).

    ``code`` carries the engine's error code when it has one (for example
    Meilisearch's ``invalid_search_filter``).
    """

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class SearchUnavailable(SearchError):
    """The engine cannot be reached or a write did not complete: retry later."""


def document_id(doc: Any) -> int:
    """The integer ``id`` of a document, or :class:`SearchError` (``invalid_document_id``)."""
    if not isinstance(doc, dict) or isinstance(doc.get("id"), bool):
        raise SearchError(
            "each document must be a dict with an integer 'id'", "invalid_document_id"
        )
    try:
        return int(doc["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SearchError("each document needs an integer 'id'", "invalid_document_id") from exc


@dataclass(frozen=True)
class IndexSettings:
    """Index settings applied by :meth:`SearchBackend.configure`.

    ``synonyms`` maps a word (or phrase) to its equivalents; like Meilisearch
    they are one-way unless both directions are listed.  Keys and values are
    normalised (lower case, æ/ø/å folded) by the backends.
    """

    synonyms: dict[str, list[str]] = field(default_factory=dict)
    #: Meilisearch ``rankingRules``; the default needs server >= 1.36
    #: (``attributeRank``/``wordPosition``); older servers want ``attribute``.
    ranking_rules: tuple[str, ...] = DEFAULT_RANKING_RULES
    #: Upper bound on ``total`` and on how deep pagination can go.
    max_total_hits: int = 1_000_000
    #: Highest number of values reported per facet.
    max_values_per_facet: int = 1000
    #: Typo tolerance: word length from which one / two typos are allowed.
    one_typo_min_len: int = 5
    two_typos_min_len: int = 9


@dataclass
class SearchQuery:
    """What to search for.  Every field is optional; the empty query lists all."""

    q: str = ""
    #: Category slug; matches listings whose ``category_path`` contains it.
    category: str | None = None
    conditions: list[str] | None = None
    min_price_ore: int | None = None
    max_price_ore: int | None = None
    free_only: bool = False
    org_kinds: list[str] | None = None
    postcodes: list[str] | None = None
    districts: list[str] | None = None
    #: ``(lat, lng, radius_m)``: only listings within the radius.
    geo: tuple[float, float, float] | None = None
    #: ``(lat, lng)``: every hit carries its distance from this point.
    point: tuple[float, float] | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: list[str] | None = None
    highlight: bool = False
    #: Unix seconds: drop listings whose ``available_until`` is before it.
    active_at: int | None = None

    def origin(self) -> tuple[float, float] | None:
        """The point distances are measured from: ``point``, else ``geo``'s centre."""
        if self.point is not None:
            return (float(self.point[0]), float(self.point[1]))
        if self.geo is not None:
            return (float(self.geo[0]), float(self.geo[1]))
        return None

    def validate(self) -> None:
        """Raise :class:`SearchError` (code ``invalid_search_query``) on bad input."""
        problems: list[str] = []
        if self.sort not in SORTS:
            problems.append(f"sort must be one of {', '.join(SORTS)}")
        if self.sort == "distance" and self.origin() is None:
            problems.append("sort=distance needs geo or point")
        if self.page < 1:
            problems.append("page must be >= 1")
        if not 1 <= self.per_page <= 1000:
            problems.append("per_page must be between 1 and 1000")
        for name in self.facets or []:
            if name not in FACETS:
                problems.append(f"unknown facet {name!r}")
        if self.geo is not None and (len(self.geo) != 3 or self.geo[2] < 0):
            problems.append("geo must be (lat, lng, radius_m >= 0)")
        for point in (self.geo, self.point):
            if point is not None and not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
                problems.append("latitude/longitude out of range")
        if problems:
            raise SearchError("; ".join(problems), code="invalid_search_query")


@dataclass
class Hit:
    """One matching listing."""

    id: int
    doc: dict[str, Any]
    distance_m: float | None = None
    #: ``{"title": html, "description": html}`` when highlighting was asked for:
    #: matches in ``<mark>``, everything else HTML-escaped.
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass
class SearchResult:
    """A page of hits plus the exact number of matches and facet counts."""

    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    processing_ms: float = 0.0


@runtime_checkable
class SearchBackend(Protocol):
    """What the app needs from a search engine."""

    def configure(self, settings: IndexSettings) -> None:
        """Apply index settings (idempotent; creates the index)."""

    def upsert(self, docs: list[dict[str, Any]]) -> None:
        """Add documents or replace them by ``id``."""

    def delete(self, ids: list[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def search(self, query: SearchQuery) -> SearchResult:
        """Run a query."""

    def clear(self) -> None:
        """Remove every document (settings stay)."""

    def stats(self) -> dict[str, Any]:
        """``{"engine": name, "documents": n, ...}``."""
