"""Fixtures for the search tests: sample listings and every available backend.

The embedded backend always runs.  The Meilisearch backend runs when
``MEILI_URL`` (and optionally ``MEILI_KEY``) point at a real server; otherwise
it is skipped, also in CI, because no Meilisearch server can be installed on
our machines (see ``docs/search.md``).  Its HTTP conformance is covered by
``test_meili_spec.py`` against a recording test double instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from search import IndexSettings, SearchBackend
from search.embedded import EmbeddedBackend

SHARED_DIR = Path(__file__).resolve().parents[2] / ".." / "shared"
MEILI_SPEC = SHARED_DIR / "specs" / "meilisearch-openapi.json"
T0 = 1_700_000_000
ASKER = (59.8333, 10.4351)

SYNONYMS = {
    "chair": ["stol"],
    "stol": ["chair"],
    "desk": ["skrivebord"],
    "skrivebord": ["desk"],
    "couch": ["sofa"],  # one-way: "sofa" does not find "couch"
}

# slug -> (path, nb+en names of the category and its ancestors), as the app sends them
CATEGORIES: dict[str, tuple[list[str], list[str]]] = {
    "kontorstol": (
        ["mobler", "stoler", "kontorstol"],
        ["Kontorstol", "Office chair", "Stoler", "Chairs", "Møbler", "Furniture"],
    ),
    "stoler": (["mobler", "stoler"], ["Stoler", "Chairs", "Møbler", "Furniture"]),
    "skrivebord": (
        ["mobler", "bord", "skrivebord"],
        ["Skrivebord", "Desk", "Bord", "Tables", "Møbler", "Furniture"],
    ),
    "bord": (["mobler", "bord"], ["Bord", "Tables", "Møbler", "Furniture"]),
    "sofa": (["mobler", "sofa"], ["Sofa", "Sofa", "Møbler", "Furniture"]),
    "oppbevaring": (["mobler", "oppbevaring"], ["Oppbevaring", "Storage", "Møbler", "Furniture"]),
    "kjokken": (["innredning", "kjokken"], ["Kjøkken", "Kitchen", "Innredning", "Interior"]),
    "stein": (["byggevarer", "stein"], ["Stein og tegl", "Bricks", "Byggevarer", "Building"]),
    "diverse": (["diverse"], ["Diverse", "Miscellaneous"]),
}


def require_shared(path: Path = SHARED_DIR) -> Path:
    """``path`` under ../shared, or skip (fail when ``KRETSLOP_REQUIRE_SERVICES=1``)."""
    if not path.exists():
        reason = f"{path} is absent (a clone without ../shared)"
        if os.environ.get("KRETSLOP_REQUIRE_SERVICES") == "1":
            pytest.fail(f"required by KRETSLOP_REQUIRE_SERVICES=1: {reason}")
        pytest.skip(reason)
    return path


def listing(
    id: int,
    title: str,
    category: str,
    *,
    description: str = "",
    material: str = "",
    condition: str = "good",
    price_ore: int = 10_000,
    org_kind: str = "business",
    postcode: str = "1384",
    district: str = "Asker sentrum",
    geo: tuple[float, float] | None = ASKER,
    published: int = 0,
    until: int | None = None,
) -> dict[str, Any]:
    """A listing document in the shape the app sends."""
    path, names = CATEGORIES[category]
    rank = {"new": 5, "like_new": 4, "good": 3, "fair": 2, "for_parts": 1}[condition]
    return {
        "id": id,
        "title": title,
        "description": description,
        "material": material,
        "category": category,
        "category_path": path,
        "category_names": names,
        "condition": condition,
        "condition_rank": rank,
        "price_ore": price_ore,
        "is_free": price_ore == 0,
        "quantity_available": 1.0,
        "unit": "pcs",
        "org_id": 100 + id % 3,
        "org_name": f"Org {id % 3}",
        "org_kind": org_kind,
        "postcode": postcode,
        "district": district,
        "lat": geo[0] if geo else None,
        "lng": geo[1] if geo else None,
        "published_at": T0 + published,
        "available_until": None if until is None else T0 + until,
        "thumb_url": None,
    }


def sample_listings() -> list[dict[str, Any]]:
    """Twelve listings chosen so every contract test has a clear expected answer."""
    return [
        listing(1, "Kontorstol Kinnarps 6000, svart", "kontorstol", price_ore=50_000,
                description="Godt brukt, justerbar.", material="stoff", published=100),
        listing(2, "Kontorstol HÅG Capisco", "kontorstol", condition="like_new",
                price_ore=120_000, org_kind="reuse_shop", postcode="1389", district="Heggedal",
                geo=(59.7810, 10.4460), published=200),
        listing(3, "Skrivebord hev/senk 160x80", "skrivebord", condition="new",
                price_ore=250_000, org_kind="municipality", geo=(59.8370, 10.4420),
                published=300),
        listing(4, "Kjøkkenbenk i eik", "kjokken", condition="fair", price_ore=0,
                description="Pent brukt kjøkken, må demonteres.", org_kind="municipality",
                postcode="1390", district="Vollen", geo=(59.8030, 10.4820), published=400,
                until=1000),
        listing(5, "Blå sofa, tre seter", "sofa", price_ore=30_000, org_kind="nonprofit",
                postcode="3440", district="Røyken", geo=(59.7470, 10.3920), published=500),
        listing(6, "Bærestol for barn", "stoler", price_ore=0, org_kind="nonprofit",
                postcode="3470", district="Slemmestad", geo=(59.7810, 10.4950), published=600),
        listing(7, "Office chair, ergonomic", "kontorstol", price_ore=40_000,
                description="English listing from a consultancy.", postcode="1395",
                district="Hvalstad", geo=(59.8530, 10.4670), published=700),
        listing(8, "Spisebord med seks stoler", "bord", price_ore=80_000, org_kind="reuse_shop",
                geo=None, published=800),
        listing(9, 'Hylle <b>Ivar</b> & co "høy"', "oppbevaring", condition="for_parts",
                price_ore=0, postcode="1389", district="Heggedal", geo=(59.7815, 10.4465),
                published=900),
        listing(10, "Teglstein, 200 stk", "stein", price_ore=100, postcode="3475",
                district="Sætre", geo=(59.6830, 10.5230), published=50),
        listing(11, "Arkivskap i stål", "oppbevaring", price_ore=60_000,
                description="Passer ved siden av en kontorstol.", org_kind="municipality",
                postcode="1396", district="Billingstad", geo=(59.8650, 10.4840), published=150),
        listing(12, "Stol i bjørk", "diverse", price_ore=5_000, org_kind="nonprofit",
                postcode="1385", district='Borgen "nord" \\ øst', geo=(59.8470, 10.4180),
                published=250),
    ]  # fmt: skip


def backend_names() -> list[Any]:
    """``embedded`` always, ``meilisearch`` when MEILI_URL is set."""
    reason = "MEILI_URL is not set; no Meilisearch server can be installed here (also in CI)"
    return [
        "embedded",
        pytest.param(
            "meilisearch", marks=pytest.mark.skipif(not os.environ.get("MEILI_URL"), reason=reason)
        ),
    ]


def make_backend(name: str, tmp_path: Path) -> Iterator[SearchBackend]:
    """A fresh, empty, configured backend; the Meilisearch index is dropped afterwards."""
    if name == "embedded":
        backend = EmbeddedBackend(tmp_path / "search")
        backend.configure(IndexSettings(synonyms=SYNONYMS))
        yield backend
        backend.close()
        return
    from search.meili import MeilisearchBackend

    index = f"test_{uuid.uuid4().hex[:12]}"
    meili = MeilisearchBackend(os.environ["MEILI_URL"], os.environ.get("MEILI_KEY"), index)
    meili.configure(IndexSettings(synonyms=SYNONYMS))
    yield meili
    task = meili.client.delete_index(index)
    meili.client.wait_for_task(task.task_uid)


@pytest.fixture(params=backend_names())
def search_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """Each available backend, empty and configured with :data:`SYNONYMS`."""
    yield from make_backend(request.param, tmp_path)


@pytest.fixture
def filled_backend(search_backend: SearchBackend) -> SearchBackend:
    """Each available backend holding :func:`sample_listings`."""
    search_backend.upsert(sample_listings())
    return search_backend
