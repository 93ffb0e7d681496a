"""The Meilisearch backend, through the official ``meilisearch`` client only.

Meilisearch has no Norwegian pipeline: its Latin normaliser strips accents and
maps æ -> ae but leaves ø as ø.  So every text field gets a folded copy
(``title_folded`` ...; æ->ae, ø->o, å->aa) that is searchable right after the
original, synonyms are folded the same way and the query is folded before it
is sent.  Writes are asynchronous tasks: each one is awaited and its status
checked, because ``wait_for_task`` returns failed tasks without raising.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import meilisearch
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)

from ._fuzzy import Vocabulary, corrected_synonym_keys, synonym_vocabulary
from .compound import compound_tails
from .text import (
    MIN_PREFIX_LEN,
    fold,
    haversine_m,
    normalize_synonyms,
    query_words,
    render_marked,
    tokens,
)
from .types import (
    Hit,
    IndexSettings,
    SearchError,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    document_id,
)

T = TypeVar("T")
TEXT_FIELDS = ("title", "category_names", "material", "description", "org_name")
FILTERABLE = (
    "id", "category", "category_path", "condition", "condition_rank", "price_ore", "is_free",
    "org_id", "org_kind", "postcode", "district", "published_at", "available_until", "_geo",
)  # fmt: skip
SORTABLE = ("published_at", "price_ore", "id", "_geo")
FACET_ATTRIBUTES = {"category": "category_path", "condition": "condition",
                    "district": "district", "org_kind": "org_kind"}  # fmt: skip
#: Searchable last: the heads of the compounds in the text ("kontorstol" -> "stol"),
#: so a search for the head finds compounds below every exact hit.
COMPOUND_FIELD = "compound_heads"
ADDED_FIELDS = {f"{name}_folded" for name in TEXT_FIELDS} | {"_geo", COMPOUND_FIELD}
LOCALES = ["nob"]
PRE, POST = "\ue000", "\ue001"  # placeholder highlight tags (private-use characters)
BATCH = 5000


def quote(value: Any) -> str:
    """A filter string literal: double quotes, with backslashes and quotes escaped."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def number(value: float) -> str:
    """A filter number without exponent notation (``59.83``, ``5000``)."""
    if float(value).is_integer():
        return str(int(value))
    return format(float(value), ".7f").rstrip("0").rstrip(".")


def searchable_attributes() -> list[str]:
    """Every text field followed by its folded copy, most important first."""
    fields = [name for field in TEXT_FIELDS for name in (field, f"{field}_folded")]
    return [*fields, COMPOUND_FIELD]


def settings_body(settings: IndexSettings) -> dict[str, Any]:
    """The index settings, pinned explicitly (defaults change between server versions)."""
    synonyms = {
        " ".join(k): [" ".join(v) for v in values]
        for k, values in normalize_synonyms(settings.synonyms).items()
    }
    return {
        "searchableAttributes": searchable_attributes(),
        "displayedAttributes": ["*"],
        "filterableAttributes": list(FILTERABLE),
        "sortableAttributes": list(SORTABLE),
        "rankingRules": list(settings.ranking_rules),
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {
                "oneTypo": settings.one_typo_min_len,
                "twoTypos": settings.two_typos_min_len,
            },
        },
        "synonyms": synonyms,
        "stopWords": [],
        "localizedAttributes": [{"attributePatterns": ["*"], "locales": LOCALES}],
        "pagination": {"maxTotalHits": settings.max_total_hits},
        "faceting": {"maxValuesPerFacet": settings.max_values_per_facet},
    }


def to_meili(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as stored in Meilisearch: ``_geo`` and folded text copies added."""
    out = {**doc, "id": document_id(doc)}
    for name in TEXT_FIELDS:
        value = doc.get(name)
        if isinstance(value, list):
            out[f"{name}_folded"] = [fold(str(v)) for v in value]
        elif value:
            out[f"{name}_folded"] = fold(str(value))
    heads = compound_heads_text(doc)
    if heads:
        out[COMPOUND_FIELD] = heads
    if doc.get("lat") is not None and doc.get("lng") is not None:
        out["_geo"] = {"lat": float(doc["lat"]), "lng": float(doc["lng"])}
    return out


def compound_heads_text(doc: dict[str, Any]) -> str:
    """The compound endings of every searchable word, folded ("stol romsbord bord")."""
    seen: dict[str, None] = {}
    for name in TEXT_FIELDS:
        value = doc.get(name)
        if not value:
            continue
        text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
        for tok in tokens(text):
            for tail in compound_tails(fold(tok)):
                seen.setdefault(tail, None)
    return " ".join(seen)


def meili_query(q: str, syn_vocab: Vocabulary | None = None, one: int = 5, two: int = 9) -> str:
    """The folded query text sent to Meilisearch, with our rules applied on top.

    * A last word shorter than ``MIN_PREFIX_LEN`` is sent as a whole word (a
      trailing space): "pc" must not find "pcs".
    * A word within the typos of a one-word synonym key is replaced by that key,
      because Meilisearch applies synonyms to exact query words only
      ("konferansbord" -> "konferansebord", which then gets its synonyms).
    """
    words, last_is_prefix = query_words(q)
    if not words:
        return fold(q)
    out = []
    for word in words:
        keys, _ = corrected_synonym_keys(word, syn_vocab, one, two)
        out.append(keys[0] if keys else word)
    text = " ".join(out)
    if not last_is_prefix or len(out[-1]) < MIN_PREFIX_LEN:
        text += " "
    return text


def filters(query: SearchQuery) -> list[str]:
    """Filter expressions (the array form: every element must hold)."""
    out: list[str] = []
    if query.category:
        out.append(f"category_path = {quote(query.category)}")
    for attribute, values in (
        ("condition", query.conditions),
        ("org_kind", query.org_kinds),
        ("postcode", query.postcodes),
        ("district", query.districts),
    ):
        if values:
            out.append(f"{attribute} IN [{', '.join(quote(v) for v in values)}]")
    if query.min_price_ore is not None:
        out.append(f"price_ore >= {int(query.min_price_ore)}")
    if query.max_price_ore is not None:
        out.append(f"price_ore <= {int(query.max_price_ore)}")
    if query.free_only:
        out.append("is_free = true")
    if query.active_at is not None:
        at = int(query.active_at)
        out.append(
            f"(available_until IS NULL OR NOT available_until EXISTS OR available_until >= {at})"
        )
    if query.geo is not None:
        lat, lng, radius = query.geo
        out.append(f"_geoRadius({number(lat)}, {number(lng)}, {number(radius)})")
    return out


def search_params(query: SearchQuery) -> dict[str, Any]:
    """The body of ``POST /indexes/{uid}/search`` (without ``q``)."""
    params: dict[str, Any] = {
        "page": query.page,
        "hitsPerPage": query.per_page,
        "matchingStrategy": "all",
        "locales": LOCALES,
        "attributesToRetrieve": ["*"],
    }
    flt = filters(query)
    if flt:
        params["filter"] = flt
    origin = query.origin()
    sort = {
        "newest": ["published_at:desc"],
        "price_asc": ["price_ore:asc"],
        "price_desc": ["price_ore:desc"],
    }.get(query.sort)
    if query.sort == "distance" and origin is not None:
        sort = [f"_geoPoint({number(origin[0])}, {number(origin[1])}):asc"]
    if sort:
        params["sort"] = sort
    if query.facets:
        params["facets"] = [FACET_ATTRIBUTES[name] for name in query.facets]
    if query.highlight:
        params["attributesToHighlight"] = [
            "title", "description", "title_folded", "description_folded",
        ]  # fmt: skip
        params["highlightPreTag"], params["highlightPostTag"] = PRE, POST
    return params


def _marked_ranges(formatted: Any, expected: str) -> list[tuple[int, int]] | None:
    """Ranges between placeholder tags, if the untagged text is ``expected``."""
    if not isinstance(formatted, str):
        return None
    ranges: list[tuple[int, int]] = []
    plain: list[str] = []
    pos, start = 0, -1
    for ch in formatted:
        if ch == PRE:
            start = pos
        elif ch == POST and start >= 0:
            ranges.append((start, pos))
            start = -1
        else:
            plain.append(ch)
            pos += 1
    return ranges if "".join(plain) == expected else None


def highlight(text: str, formatted: dict[str, Any], name: str) -> str:
    """Escaped HTML with ``<mark>`` around matches in the field or its folded copy."""
    ranges = _marked_ranges(formatted.get(name), text) or []
    pieces = [fold(ch) for ch in text]
    folded_ranges = _marked_ranges(formatted.get(f"{name}_folded"), "".join(pieces))
    if folded_ranges:
        owner: list[int] = []  # folded character index -> original character index
        for i, piece in enumerate(pieces):
            owner.extend([i] * len(piece))
        ranges += [(owner[a], owner[b - 1] + 1) for a, b in folded_ranges if b > a]
    return render_marked(text, ranges)


class MeilisearchBackend:
    """:class:`~search.types.SearchBackend` on a Meilisearch server."""

    engine_name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        index_name: str = "listings",
        timeout_s: float = 5.0,
        task_timeout_ms: int = 30_000,
    ) -> None:
        self.url = url
        self.index_name = index_name
        self.task_timeout_ms = task_timeout_ms
        self.client = meilisearch.Client(url, api_key or None, timeout=timeout_s)
        self.index = self.client.index(index_name)
        self._settings = IndexSettings()
        self._syn_vocab: Vocabulary | None = None

    def remember_settings(self, settings: IndexSettings) -> None:
        """Know the settings the server has, without sending them (query rewriting)."""
        self._settings = settings
        self._syn_vocab = synonym_vocabulary(normalize_synonyms(settings.synonyms))

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run a client call, translating client errors into ours."""
        try:
            return fn()
        except (MeilisearchCommunicationError, MeilisearchTimeoutError) as exc:
            raise SearchUnavailable(f"Meilisearch {what}: {exc}") from exc
        except MeilisearchApiError as exc:
            cls = SearchUnavailable if exc.status_code >= 500 else SearchError
            raise cls(f"Meilisearch {what}: {exc.message}", code=exc.code) from exc

    def _wait(self, what: str, task_uid: int, ok_codes: Iterable[str] = ()) -> None:
        """Wait for a task and raise :class:`SearchUnavailable` unless it succeeded."""
        task = self._call(
            what, lambda: self.client.wait_for_task(task_uid, timeout_in_ms=self.task_timeout_ms)
        )
        if task.status == "succeeded":
            return
        error = task.error or {}
        if error.get("code") in set(ok_codes):
            return
        raise SearchUnavailable(
            f"Meilisearch {what} task {task_uid} {task.status}: {error.get('message', '')}",
            code=error.get("code"),
        )

    def configure(self, settings: IndexSettings) -> None:
        """Create the index (primary key ``id``) if needed and pin every setting."""
        info = self._call(
            "create index", lambda: self.client.create_index(self.index_name, {"primaryKey": "id"})
        )
        self._wait("create index", info.task_uid, ok_codes=("index_already_exists",))
        body = settings_body(settings)
        info = self._call("settings", lambda: self.index.update_settings(body))
        self._wait("settings", info.task_uid)
        self.remember_settings(settings)

    def upsert(self, docs: list[dict[str, Any]]) -> None:
        """Add or replace documents, in batches, waiting for each task."""
        prepared = [to_meili(d) for d in docs]
        for start in range(0, len(prepared), BATCH):
            batch = prepared[start : start + BATCH]
            info = self._call("add documents", lambda b=batch: self.index.add_documents(b, "id"))
            self._wait("add documents", info.task_uid)

    def delete(self, ids: list[int]) -> None:
        """Delete by id (a filter on ``id``; the id-list route is deprecated in the client)."""
        clean = [int(i) for i in ids]
        for start in range(0, len(clean), BATCH):
            expr = f"id IN [{', '.join(map(str, clean[start : start + BATCH]))}]"
            info = self._call("delete", lambda e=expr: self.index.delete_documents(filter=e))
            self._wait("delete", info.task_uid)

    def clear(self) -> None:
        """Delete every document (an index that does not exist yet counts as empty)."""
        info = self._call("clear", self.index.delete_all_documents)
        self._wait("clear", info.task_uid, ok_codes=("index_not_found",))

    def search(self, query: SearchQuery) -> SearchResult:
        """Run a query with exact totals (``page``/``hitsPerPage``)."""
        query.validate()
        started = time.perf_counter()
        params = search_params(query)
        settings = self._settings
        q = meili_query(
            query.q, self._syn_vocab, settings.one_typo_min_len, settings.two_typos_min_len
        )
        resp = self._call("search", lambda: self.index.search(q, params))
        origin = query.origin()
        hits: list[Hit] = []
        for raw in resp.get("hits", []):
            doc = {k: v for k, v in raw.items() if k not in ADDED_FIELDS and not k.startswith("_")}
            distance = None
            if origin is not None and doc.get("lat") is not None and doc.get("lng") is not None:
                distance = haversine_m(origin[0], origin[1], float(doc["lat"]), float(doc["lng"]))
            hit = Hit(id=int(doc["id"]), doc=doc, distance_m=distance)
            if query.highlight:
                formatted = raw.get("_formatted") or {}
                hit.highlights = {
                    name: highlight(str(doc.get(name) or ""), formatted, name)
                    for name in ("title", "description")
                }
            hits.append(hit)
        names = {v: k for k, v in FACET_ATTRIBUTES.items()}
        facets = {
            names.get(attr, attr): dict(sorted(counts.items(), key=lambda p: (-p[1], p[0])))
            for attr, counts in (resp.get("facetDistribution") or {}).items()
        }
        return SearchResult(
            hits=hits,
            total=int(resp.get("totalHits", len(hits))),
            page=query.page,
            per_page=query.per_page,
            facets=facets,
            processing_ms=(time.perf_counter() - started) * 1000,
        )

    def stats(self) -> dict[str, Any]:
        """Engine name, document count and whether the server is still indexing."""
        try:
            stats = self._call("stats", self.index.get_stats)
        except SearchError as exc:
            if exc.code != "index_not_found":
                raise
            return {"engine": self.engine_name, "documents": 0, "url": self.url}
        return {
            "engine": self.engine_name,
            "documents": stats.number_of_documents,
            "is_indexing": stats.is_indexing,
            "url": self.url,
            "index": self.index_name,
        }
