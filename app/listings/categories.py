"""The category taxonomy: seed data, idempotent seeding, synonyms and paths.

Every category maps to one of the five EU 2021/19 re-use categories. Leaf categories
carry a typical weight of one ``typical_unit`` (an office chair ~15 kg per piece,
insulation ~1.5 kg per m²) that a listing takes as its estimated unit weight when the
owner gives none. Sources: manufacturers' data sheets and common reference weights;
they are estimates and every listing says so (``weight_estimated``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import db
from app.listings.models import Category

#: A listing's weight per unit must lie within this factor of the category's typical
#: weight (1/20 to 20 times: a 15 kg office chair allows 0.75-300 kg per piece). The
#: widest real spread inside one of our categories is about tenfold (a folding chair and
#: a heavy oak armchair); beyond twentyfold the number is a typo or the wrong unit.
WEIGHT_RANGE_FACTOR = 20

#: Weight per unit (kg) for a unit that is not the category's typical one, or for a
#: category without a typical weight. Wide but finite, from what the unit can hold:
#: a piece from a pen (0.01 kg) to a machine or a site hut (5 t); a running metre from
#: thread (1 g) to a heavy steel beam or a concrete pipe (1 t); a square metre from thin
#: fabric (10 g) to a 40 cm concrete slab (1 t); a cubic metre from loose insulation
#: (1 kg) to solid lead (11.3 t, so 12 t). ``kg`` is always exactly 1.
UNIT_WEIGHT_DEFAULTS: dict[str, tuple[str, str]] = {
    "pcs": ("0.01", "5000"),
    "m": ("0.001", "1000"),
    "m2": ("0.01", "1000"),
    "m3": ("1", "12000"),
    "kg": ("1", "1"),
}


@dataclass(frozen=True)
class Node:
    slug: str
    name_nb: str
    name_en: str
    weight: float | None = None
    unit: str = "pcs"
    aliases: tuple[str, ...] = ()
    children: tuple[Node, ...] = field(default_factory=tuple)


def N(slug, nb, en, weight=None, unit="pcs", aliases=(), children=()):  # noqa: N802
    return Node(slug, nb, en, weight, unit, tuple(aliases), tuple(children))


#: (EU 2021/19 category, root node); order here is the sort order.
TAXONOMY: tuple[tuple[str, Node], ...] = (
    ("furniture", N("furniture", "Møbler", "Furniture", aliases=("møbel", "inventar"), children=(
        N("sofa", "Sofa", "Sofa", 45, aliases=("sofaer", "couch", "settee")),
        N("armchair", "Lenestol", "Armchair", 20, aliases=("lenestoler", "godstol")),
        N("chair", "Stol", "Chair", 6, aliases=("stoler", "spisestol", "chairs")),
        N("office-chair", "Kontorstol", "Office chair", 15,
          aliases=("kontorstoler", "skrivebordsstol", "desk chair")),
        N("desk", "Skrivebord", "Desk", 35, aliases=("pult", "kontorpult", "desks")),
        N("height-adjustable-desk", "Hev-senk-skrivebord", "Height-adjustable desk", 45,
          aliases=("hev/senk-bord", "standing desk", "sit-stand desk")),
        N("table", "Bord", "Table", 25, aliases=("spisebord", "tables")),
        N("meeting-table", "Møtebord", "Meeting table", 60,
          aliases=("konferansebord", "conference table")),
        N("storage", "Skap og oppbevaring", "Cabinets and storage", 40,
          aliases=("skap", "arkivskap", "cabinet", "filing cabinet")),
        N("shelving", "Hyller og reoler", "Shelving", 25,
          aliases=("hylle", "reol", "bokhylle", "shelf", "bookcase")),
        N("bed", "Seng", "Bed", 40, aliases=("senger", "beds")),
        N("room-divider", "Skillevegg og akustikkskjerm", "Room divider and acoustic screen",
          10, aliases=("skjermvegg", "akustikkplate", "partition")),
        N("outdoor-furniture", "Utemøbler", "Outdoor furniture", 15,
          aliases=("hagemøbler", "garden furniture")),
    ))),
    ("construction", N("construction", "Byggematerialer og byggevarer",
                       "Construction materials and products",
                       aliases=("byggevarer", "byggematerialer", "building materials"),
                       children=(
        N("timber", "Trelast", "Timber", 2.2, "m",
          aliases=("treverk", "bjelker av tre", "plank", "lumber", "konstruksjonsvirke")),
        N("boards", "Plater", "Boards and panels", 10, "m2",
          aliases=("gipsplater", "sponplater", "osb", "plywood", "kryssfiner")),
        N("door", "Dør", "Door", 25, aliases=("dører", "innerdør", "ytterdør", "doors")),
        N("window", "Vindu", "Window", 20, aliases=("vinduer", "windows")),
        N("bricks", "Teglstein", "Bricks", 3, aliases=("murstein", "tegl", "brick")),
        N("roof-tiles", "Takstein", "Roof tiles", 4.2, aliases=("takpanner", "roof tile")),
        N("tiles", "Fliser", "Tiles", 20, "m2",
          aliases=("gulvfliser", "veggfliser", "keramiske fliser", "floor tiles")),
        N("flooring", "Gulv", "Flooring", 8, "m2",
          aliases=("parkett", "laminat", "gulvbelegg", "parquet")),
        N("ceiling-tiles", "Himlingsplater", "Ceiling tiles", 4, "m2",
          aliases=("himling", "takplater", "ceiling panels")),
        N("insulation", "Isolasjon", "Insulation", 1.5, "m2",
          aliases=("glassull", "steinull", "isolasjonsplater", "mineral wool")),
        N("steel", "Stål", "Steel", None, "kg",
          aliases=("stålbjelker", "stålprofiler", "bjelke", "steel beams", "girder")),
        N("sanitary-ware", "Sanitærutstyr", "Sanitary ware", 20,
          aliases=("toalett", "servant", "vask", "toilet", "washbasin")),
        N("kitchen-units", "Kjøkkeninnredning", "Kitchen units", 30,
          aliases=("kjøkkenskap", "benkeplate", "kitchen cabinets")),
        N("radiator", "Radiator", "Radiator", 20, aliases=("radiatorer", "panelovn")),
        N("paving-stones", "Belegningsstein", "Paving stones", 130, "m2",
          aliases=("brostein", "heller", "pavers")),
        N("cladding", "Kledning", "Cladding", 9, "m2",
          aliases=("panel", "trekledning", "siding")),
    ))),
    ("eee", N("eee", "Elektrisk og elektronisk utstyr", "Electrical and electronic equipment",
              aliases=("elektronikk", "ee-avfall", "electronics"), children=(
        N("it", "IT-utstyr", "IT equipment", aliases=("data", "datautstyr", "computers"),
          children=(
            N("computer", "Stasjonær PC", "Desktop computer", 8,
              aliases=("pc", "datamaskin", "desktop")),
            N("laptop", "Bærbar PC", "Laptop", 2, aliases=("bærbar", "notebook")),
            N("monitor", "PC-skjerm", "Computer monitor", 5,
              aliases=("skjerm", "dataskjerm", "pc-skjermer", "screen", "display")),
            N("printer", "Skriver", "Printer", 15, aliases=("printer", "kopimaskin", "copier")),
        )),
        N("appliances", "Hvitevarer og kjøkkenapparater", "Appliances",
          aliases=("hvitevarer", "white goods"), children=(
            N("refrigerator", "Kjøleskap", "Refrigerator", 55, aliases=("fridge", "kjøl")),
            N("dishwasher", "Oppvaskmaskin", "Dishwasher", 45),
            N("washing-machine", "Vaskemaskin", "Washing machine", 70),
            N("cooker", "Komfyr", "Cooker", 50, aliases=("stove", "oven", "stekeovn")),
            N("microwave", "Mikrobølgeovn", "Microwave oven", 12, aliases=("mikro",)),
            N("coffee-machine", "Kaffemaskin", "Coffee machine", 8),
        )),
        N("lighting", "Belysning", "Lighting", aliases=("lys", "lights"), children=(
            N("lamp", "Lampe", "Lamp", 3, aliases=("lamper", "taklampe", "gulvlampe")),
            N("light-fitting", "Lysarmatur", "Light fitting", 4,
              aliases=("armatur", "lysrørarmatur", "luminaire")),
        )),
        N("tv-av", "TV og lyd/bilde", "TV and audio-visual", 10,
          aliases=("tv", "prosjektor", "projector", "høyttaler", "speaker")),
        N("power-tools", "Elektroverktøy", "Power tools", 3,
          aliases=("drill", "sag", "verktøy", "tools")),
    ))),
    ("textiles", N("textiles", "Tekstiler", "Textiles", aliases=("tekstil", "klær", "fabric"),
                   children=(
        N("workwear", "Arbeidsklær", "Workwear", 1, aliases=("verneklær", "klær", "clothing")),
        N("curtains", "Gardiner", "Curtains", 2, aliases=("gardin", "forheng", "drapes")),
        N("rugs", "Tepper", "Rugs and carpets", 10, aliases=("teppe", "carpet", "rug")),
        N("bedding", "Sengetøy og håndklær", "Bedding and towels", 1,
          aliases=("dyner", "puter", "håndkle", "towels")),
        N("fabric", "Stoff", "Fabric", 0.3, "m", aliases=("metervare", "cloth")),
    ))),
    ("other", N("other", "Annet", "Other", aliases=("diverse", "miscellaneous"), children=(
        N("bicycles", "Sykler", "Bicycles", 15, aliases=("sykkel", "bike", "bicycle")),
        N("pallets", "Paller og emballasje", "Pallets and packaging", 25,
          aliases=("pall", "europall", "pallet")),
        N("whiteboards", "Tavler", "Whiteboards", 10, aliases=("whiteboard", "tavle")),
        N("sports", "Sport og fritid", "Sports and leisure"),
        N("toys", "Leker", "Toys"),
        N("kitchenware", "Kjøkkenutstyr", "Kitchenware", aliases=("servise", "kopper")),
        N("office-supplies", "Kontorrekvisita", "Office supplies"),
        N("plants", "Planter", "Plants", aliases=("plante", "potteplanter")),
        N("misc", "Diverse", "Miscellaneous"),
    ))),
)


def _walk():
    """(eu_category, node, parent_slug, sort_order) for every node, parents first."""
    order = 0
    stack = [(eu, root, None) for eu, root in reversed(TAXONOMY)]
    while stack:
        eu, node, parent = stack.pop()
        order += 10
        yield eu, node, parent, order
        stack.extend((eu, child, node.slug) for child in reversed(node.children))


def ensure_categories() -> int:
    """Insert or update every seeded category by slug; returns how many changed. Flushes
    once: a new category gets its parent as an object, and the unit of work inserts
    parents before children (a flush per new row cost 14 ms for the whole tree)."""
    existing = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    changed = 0
    with db.session.no_autoflush:
        for eu, node, parent_slug, order in _walk():
            weight = Decimal(str(node.weight)) if node.weight is not None else None
            parent = existing[parent_slug] if parent_slug else None
            values = {
                "name_nb": node.name_nb, "name_en": node.name_en, "eu_category": eu,
                "typical_unit_weight_kg": weight, "typical_unit": node.unit,
                "sort_order": order,
            }
            category = existing.get(node.slug)
            if category is None:
                db.session.add(category := Category(slug=node.slug, parent=parent, **values))
                existing[node.slug] = category
                changed += 1
                continue
            if category.parent is not parent or any(
                    getattr(category, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(category, k, v)
                category.parent = parent
                changed += 1
    db.session.flush()
    return changed


@cache
def _nodes() -> dict[str, tuple[Node, str | None]]:
    return {node.slug: (node, parent) for _eu, node, parent, _o in _walk()}


def category_path(category: Category | str) -> list[str]:
    """Slugs from the root down to ``category`` (a Category or a slug)."""
    if isinstance(category, Category):
        path = []
        node: Category | None = category
        while node is not None:
            path.append(node.slug)
            node = node.parent
        return path[::-1]
    nodes = _nodes()
    if category not in nodes:
        raise KeyError(category)
    path = []
    slug: str | None = category
    while slug is not None:
        path.append(slug)
        slug = nodes[slug][1]
    return path[::-1]


_SESSION_KEY = "all_categories"


def all_categories() -> list[Category]:
    """Every category in tree order.

    Loaded once per database session (a page asks several times: filters, facet tree,
    card labels); forgotten when the session commits, rolls back or flushes a category.
    """
    info = db.session.info
    categories = info.get(_SESSION_KEY)
    if categories is None:
        categories = info[_SESSION_KEY] = list(db.session.scalars(
            sa.select(Category).order_by(Category.sort_order, Category.id)))
    return list(categories)


@sa.event.listens_for(Session, "after_flush")
def _forget_after_flush(session, _context) -> None:
    if any(isinstance(o, Category) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_SESSION_KEY, None)


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_soft_rollback")
def _forget(session, *_args) -> None:
    session.info.pop(_SESSION_KEY, None)


def category_lookup() -> dict[str, Category]:
    """Slug, bokmål and English name (lowercased) -> Category, for the importer and forms."""
    lookup: dict[str, Category] = {}
    for category in all_categories():
        for key in (category.name_en.lower(), category.name_nb.lower(), category.slug):
            lookup[key] = category
    return lookup


def depth(category: Category) -> int:
    n, node = 0, category.parent
    while node is not None:
        n, node = n + 1, node.parent
    return n


def ids_with_descendants(category: Category) -> list[int]:
    """The ids of ``category`` and everything below it (a parent includes its children)."""
    children: dict[int | None, list[int]] = {}
    for c in all_categories():
        children.setdefault(c.parent_id, []).append(c.id)
    ids, stack = [], [category.id]
    while stack:
        current = stack.pop()
        ids.append(current)
        stack.extend(children.get(current, []))
    return ids
