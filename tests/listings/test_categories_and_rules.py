"""Categories (seed, tree, synonyms, paths, API, CLI), postcodes and the field rules."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.db import db
from app.listings import postcodes, rules
from app.listings.categories import (
    TAXONOMY,
    category_lookup,
    category_path,
    ensure_categories,
)
from app.listings.models import Category
from tests.openapi_check import check_response


def _categories() -> dict[str, Category]:
    return {c.slug: c for c in db.session.scalars(sa.select(Category))}


def test_ensure_categories_is_idempotent_and_repairs_changes(app, categories):
    count = len(_categories())
    assert count >= 60
    assert ensure_categories() == 0
    _categories()["sofa"].name_en = "Couch"
    assert ensure_categories() == 1
    assert _categories()["sofa"].name_en == "Sofa" and len(_categories()) == count


def test_every_category_maps_to_an_eu_category_and_children_have_weights(app, categories):
    by_slug = _categories()
    assert {c.eu_category for c in by_slug.values()} == {
        "textiles", "eee", "furniture", "construction", "other"}
    for eu, root in TAXONOMY:
        assert by_slug[root.slug].parent_id is None and root.slug == eu
    assert by_slug["office-chair"].typical_unit_weight_kg == Decimal("15")
    assert by_slug["sofa"].typical_unit_weight_kg == Decimal("45")
    assert by_slug["desk"].typical_unit_weight_kg == Decimal("35")
    assert by_slug["door"].typical_unit_weight_kg == Decimal("25")
    assert by_slug["window"].typical_unit_weight_kg == Decimal("20")
    assert by_slug["bricks"].typical_unit_weight_kg == Decimal("3")
    assert by_slug["insulation"].typical_unit == "m2"
    assert by_slug["steel"].typical_unit_weight_kg is None
    assert by_slug["monitor"].parent.slug == "it"


def test_category_path_for_objects_and_slugs(app, categories):
    monitor = _categories()["monitor"]
    assert category_path(monitor) == ["eee", "it", "monitor"]
    assert category_path("monitor") == ["eee", "it", "monitor"]
    assert category_path("furniture") == ["furniture"]
    with pytest.raises(KeyError):
        category_path("romskip")


def test_lookup_accepts_slug_and_names(app, categories):
    lookup = category_lookup()
    assert lookup["office-chair"] is lookup["kontorstol"] is lookup["office chair"]


def test_categories_api_returns_the_flat_tree(client, categories):
    response = client.get("/api/v1/categories")
    check_response(response)
    body = response.get_json()
    items = {c["slug"]: c for c in body["items"]}
    assert body["total"] == len(items)
    assert items["office-chair"] == {
        "slug": "office-chair", "name_nb": "Kontorstol", "name_en": "Office chair",
        "parent": "furniture", "eu_category": "furniture", "typical_unit_weight_kg": 15,
        "typical_unit": "pcs"}
    order = [c["slug"] for c in body["items"]]
    assert all(order.index(c["parent"]) < order.index(s) for s, c in items.items() if c["parent"])


def test_seed_categories_command(runner):
    first = runner.invoke(args=["listings", "seed-categories"])
    assert first.exit_code == 0 and "categories added or updated" in first.output
    second = runner.invoke(args=["listings", "seed-categories"])
    assert second.output.startswith("0 ")


def test_postcode_table_covers_asker_and_neighbours():
    assert postcodes.lookup("1389").district == "Heggedal"
    assert postcodes.lookup("3470").district == "Slemmestad"
    assert postcodes.lookup("3484").district == "Holmsbu"
    assert postcodes.lookup("1300").municipality == "Bærum"
    assert postcodes.lookup("3400").municipality == "Lier"
    assert postcodes.lookup("3015").municipality == "Drammen"
    assert postcodes.lookup("9990") is None
    wanted = {"Asker sentrum", "Heggedal", "Vollen", "Borgen", "Nesbru", "Billingstad",
              "Slemmestad", "Spikkestad", "Røyken", "Hyggen", "Åros", "Sætre", "Tofte",
              "Filtvet", "Holmsbu"}
    assert wanted <= set(postcodes.districts())
    for place in postcodes.POSTCODES.values():
        assert 59.0 < place.lat < 60.2 and 10.0 < place.lng < 10.8


@pytest.mark.parametrize(("text", "expected"), [
    ("12", Decimal(12)), ("1 234,5", Decimal("1234.5")), ("2,50", Decimal("2.50")),
    ("\u00a01000", Decimal(1000)), (3, Decimal(3)), (2.5, Decimal("2.5")),
])
def test_parse_decimal_reads_norwegian_numbers(text, expected):
    assert rules.parse_decimal(text, 3) == expected


@pytest.mark.parametrize("text", ["1.234,5", "abc", "", "NaN", "Infinity", True, None, [1]])
def test_parse_decimal_refuses(text):
    with pytest.raises(rules.Invalid):
        rules.parse_decimal(text, 3)


@given(st.integers(min_value=0, max_value=10**9))
def test_any_whole_ore_amount_round_trips(ore):
    kroner = Decimal(ore) / 100
    assert int(rules.parse_decimal(str(kroner).replace(".", ","), 2) * 100) == ore


@given(st.decimals(min_value=0, max_value=1000, places=3).filter(lambda d: d % Decimal("0.01")))
def test_prices_with_three_decimals_are_refused(price):
    with pytest.raises(rules.Invalid):
        rules.parse_decimal(str(price), 2)


def test_check_gathers_every_error_at_once(app, categories):
    _clean, errors = rules.check({"quantity": "-1", "unit": "tonn", "postcode": "12"},
                                 category_lookup())
    assert {"title", "category", "condition", "quantity", "unit", "postcode"} <= set(errors)


def test_check_end_must_follow_start(app, categories):
    now = datetime(2030, 1, 1, tzinfo=UTC)
    data = {"title": "x", "category": "door", "condition": "good", "quantity": 1,
            "unit": "pcs", "postcode": "1384",
            "available_from": datetime(2030, 3, 1, tzinfo=UTC),
            "available_until": datetime(2030, 2, 1, tzinfo=UTC)}
    _clean, errors = rules.check(data, category_lookup(), now=now)
    assert list(errors) == ["available_until"]


def test_end_of_day_is_oslo_time():
    from datetime import date

    assert rules.end_of_day(date(2027, 1, 15)).astimezone(UTC) == datetime(
        2027, 1, 15, 22, 59, 59, tzinfo=UTC)
    assert rules.start_of_day(date(2027, 7, 1)).astimezone(UTC) == datetime(
        2027, 6, 30, 22, 0, tzinfo=UTC)


def test_all_categories_is_loaded_once_and_sees_changes(app, categories):
    """Kept for the database session; a flushed category, a commit or a rollback makes the
    next call read the table again."""
    from sqlalchemy import event

    from app.db import commit
    from app.listings.categories import all_categories

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        first = all_categories()
        second = all_categories()
        assert [c.id for c in first] == [c.id for c in second]
        assert sum("FROM categories" in s for s in statements) == 1

        parent = next(c for c in first if c.parent_id is None)
        db.session.add(Category(slug="test-new-kind", name_nb="Ny sort", name_en="New kind",
                                parent_id=parent.id, eu_category=parent.eu_category,
                                sort_order=10_000))
        db.session.flush()
        assert "test-new-kind" in {c.slug for c in all_categories()}
        commit()
        assert "test-new-kind" in {c.slug for c in all_categories()}
        assert sum("FROM categories" in s for s in statements) == 3
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
