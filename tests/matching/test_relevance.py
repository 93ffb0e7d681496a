"""Issue #17: matches are the thing asked for.

The listing's own words count, not its category's names; parts and accessories are not
offered for a request for the thing; laptops are not monitors; one stemmer that never
makes a stop word ("tiles" is not "til"); reasons name words both sides contain, never
noise, with amounts written as people write them, in bokmål and English."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask_babel import force_locale

from app.matching import reasons, taxonomy
from app.matching.scoring import Excluded, Scored, score
from app.matching.text import (
    STOPWORDS,
    listing_profile,
    names_a_part,
    request_terms,
    stem,
    text_score,
    words,
)
from tests.matching.eval_set import LISTINGS
from tests.matching.test_scoring import NOW, listing, request


def _chairs_request(title="10-20 kontorstoler", **kw):
    return request(**{"title": title, "quantity": 20, "min_quantity": 10,
                      "max_price_ore": None, "min_condition_rank": 2, **kw})


# --- the listing's own text, not its category's names ---------------------------------


def test_category_names_are_no_text_evidence():
    wheels = listing_profile("Hjul til kontorstoler", "", "", "office-chair")
    plain = listing_profile("Håg H05", "", "", "office-chair")
    # "kontorstol" is the category's name; the listing "Håg H05" does not say it
    match = text_score(request_terms("Kontorstoler"), plain)
    assert match.score == 0.0 and match.words == []
    assert match.category == 1.0  # a separate, smaller signal
    # in "Hjul til kontorstoler" the chairs are what the wheels are for
    assert text_score(request_terms("Kontorstoler"), wheels).part


def test_a_sibling_category_needs_words_from_the_listing_itself():
    chairs = request(categories=("chair",), title="Stoler")
    # listed as office chairs, but the listing's own text says nothing about chairs
    assert score(chairs, listing(title="Håg H05"), NOW) == Excluded("category")
    assert isinstance(score(chairs, listing(title="Håg H05 kontorstoler"), NOW), Scored)


# --- parts and accessories -------------------------------------------------------------


@pytest.mark.parametrize("title", [
    "Armlener til HÅG-stoler", "Hjul til kontorstoler", "Hjul og gassfjærer til kontorstoler",
    "HÅG-deler, seter og rygger", "Kontorstolhjul, 50 stk", "Reservedeler kontorstol",
    "Trekk for kontorstol, blå", "Office chair wheels", "Spare parts for office chairs",
    "Armrests for Kinnarps chairs", "Ben til skrivebord", "Hylleknekter, galvanisert",
    "Skjermarmer, doble", "Nakkestøtte til kontorstol",
])
def test_titles_that_name_a_part(title):
    assert names_a_part(title)


@pytest.mark.parametrize("title", [
    "Kontorstoler Håg H05", "Kontorstol med armlener", "Office chairs with armrests",
    "Kontorstoler til deler", "Stoler til kantina", "Sofa, 3-seter, som ny",
    "Skrivebord, bjørk 160x80", "Hev-senk-skrivebord", "Uttrekksbord i eik",
    "Kontorstoler, hjul litt slitt", "Whiteboards on wheels", "Kontorstoler på hjul",
    "Dyner og puter", "Pallekarmer", "Lenestol med armlener", "Lysarmaturer",
])
def test_titles_that_name_the_thing(title):
    assert not names_a_part(title)


def test_armrests_and_wheels_are_not_offered_for_chairs():
    wanted = _chairs_request()
    chairs = score(wanted, listing("Kontorstoler Håg H05", quantity_available=30), NOW)
    assert isinstance(chairs, Scored)
    for title in ("Armlener til HÅG-stoler", "Hjul til kontorstoler", "HÅG-deler",
                  "Kontorstolhjul"):
        # nearer, free and plenty: still not what a shop asking for chairs wants
        part = listing(title, quantity_available=500, lat=59.8336, lng=10.4353)
        assert score(wanted, part, NOW) == Excluded("part"), title
    # an English request and a part written "X for Y"
    english = _chairs_request("Office chairs")
    assert score(english, listing("Wheels for office chairs"), NOW) == Excluded("part")
    assert isinstance(score(english, listing("Office chairs with armrests"), NOW), Scored)


def test_a_request_for_parts_gets_parts_first():
    wanted = _chairs_request("Hjul til kontorstoler", min_condition_rank=0)
    wheels = score(wanted, listing("Hjul til kontorstoler"), NOW)
    chairs = score(wanted, listing("Kontorstoler Håg H05"), NOW)
    assert isinstance(wheels, Scored) and isinstance(chairs, Scored)
    assert wheels.score > 2 * chairs.score - 5
    assert {"code": "whole", "params": {}} in chairs.reasons
    assert not any(r["code"] == "whole" for r in wheels.reasons)
    with force_locale("nb"):
        assert "nevner ikke delene dere ser etter" in reasons.render(chairs.reasons)


def test_the_thing_for_parts_scores_low_without_a_lowest_condition():
    wanted = _chairs_request(min_condition_rank=0)
    good = score(wanted, listing("Kontorstoler"), NOW)
    broken = score(wanted, listing("Kontorstoler", condition_rank=1), NOW)
    assert broken.score < good.score / 2 + 5


def test_sold_for_parts_scores_low_for_the_thing():
    bikes = request(categories=("bicycles",), title="Sykler", min_condition_rank=0,
                    max_price_ore=None)

    def bike(title):
        return listing(title, category="bicycles",
                       profile=listing_profile(title, "", "", "bicycles"))

    whole, broken = score(bikes, bike("El-sykkel"), NOW), score(bikes, bike(
        "El-sykkel til deler"), NOW)
    assert broken.score < whole.score / 2 + 5


def test_parts_in_the_evaluation_set_are_recognised():
    from tests.matching.eval_set import PARTS

    for key, spec in LISTINGS.items():
        assert names_a_part(spec["title"]) == (key in PARTS), key


# --- laptops are not monitors ----------------------------------------------------------


def test_laptops_are_not_monitors():
    assert taxonomy.relation("laptop", "monitor") is None
    assert taxonomy.relation("laptop", "computer") is None
    assert taxonomy.relation("tiles", "roof-tiles") is None
    assert taxonomy.relation("tiles", "ceiling-tiles") is None
    # the siblings that are one thing stay related
    assert taxonomy.relation("chair", "office-chair") == taxonomy.SIBLING
    assert taxonomy.relation("desk", "height-adjustable-desk") == taxonomy.SIBLING
    laptops = request(categories=("laptop",), title="Bærbare PC-er", max_price_ore=None)
    monitor = listing("PC-skjermer 24 tommer", category="monitor",
                      profile=listing_profile("PC-skjermer 24 tommer", "", "", "monitor"))
    assert score(laptops, monitor, NOW) == Excluded("category")
    laptop = listing("Bærbare PC-er Lenovo", category="laptop",
                     profile=listing_profile("Bærbare PC-er Lenovo", "", "", "laptop"))
    assert isinstance(score(laptops, laptop, NOW), Scored)
    # "Laptops" finds "bærbar PC", a bag for one is not offered
    assert text_score(request_terms("Laptops"), laptop.profile).score == 1.0
    bag = replace(laptop, profile=listing_profile("Vesker til bærbar PC", "", "", "laptop"))
    assert score(replace(laptops, terms=request_terms("Laptops")), bag, NOW) == \
        Excluded("part")


# --- one stemmer, never a stop word ----------------------------------------------------


def test_tiles_is_not_til():
    assert stem("tiles") == stem("tile") == "tile"
    assert words("Tiles til bad") == ["tile", "bad"]
    assert request_terms("Tiles").startswith("tiles:tile")
    assert stem("stoler") == stem("stol") == "stol"
    assert stem("lamper") == stem("lampe") == stem("lampen") == "lamp"
    assert stem("tables") == stem("table")
    assert stem("boxes") == "box"


def test_no_word_of_the_vocabulary_stems_to_a_stop_word():
    """Every word of the category tree and the evaluation set."""
    from app.listings.categories import TAXONOMY
    from search.text import fold, tokens

    vocabulary: set[str] = set()
    stack = [root for _eu, root in TAXONOMY]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        for name in (node.name_nb, node.name_en, *node.aliases):
            vocabulary.update(tokens(name))
    for spec in LISTINGS.values():
        vocabulary.update(tokens(spec["title"]))
    vocabulary |= {"tiles", "tilen", "forer", "fores", "ender", "dets", "inner", "others"}
    stemmed_to_stop = {w: stem(w) for w in vocabulary
                       if stem(w) in STOPWORDS and fold(w) not in STOPWORDS}
    assert stemmed_to_stop == {}
    assert len(vocabulary) > 150


# --- compounds, alternatives, what the words weigh ---------------------------------------


def test_a_compound_is_stemmed_by_its_head():
    # "flis" ends in "s" like an English plural; in a compound the head decides
    assert stem("gulvflis") == stem("gulvfliser") == stem("Gulvflisene")
    assert stem("grendehus") == stem("grendehuset")


def test_a_request_with_alternatives_takes_either():
    terms = request_terms("Servanter og toaletter")
    for title in ("Servanter", "Toaletter, vegghengte"):
        assert text_score(terms, listing_profile(title, "", "", "sanitary-ware")).score == 1.0
    assert text_score(terms, listing_profile("Blandebatterier", "", "",
                                             "sanitary-ware")).score == 0.0
    either = request_terms("Kryssfiner eller OSB")
    assert text_score(either, listing_profile("OSB plater", "", "", "boards")).score == 1.0
    assert text_score(either, listing_profile("Gipsplater", "", "", "boards")).score == 0.0


def test_what_a_thing_is_for_joins_its_name():
    terms = request_terms("Skap til garderobe")
    lockers = text_score(terms, listing_profile("Elevskap / garderobeskap", "", "", "storage"))
    assert lockers.score == 1.0 and lockers.words == ["garderobeskap"]


def test_the_words_outweigh_distance_and_price():
    doors = request(categories=("door",), title="Ytterdør", quantity=1, min_quantity=1,
                    max_price_ore=None, min_condition_rank=0, radius_km=40)

    def door(title, **kw):
        return listing(title, category="door", profile=listing_profile(title, "", "", "door"),
                       **kw)

    asked = score(doors, door("Ytterdør i eik", price_ore=200000, lat=59.60, lng=10.25), NOW)
    near = score(doors, door("Klasseromsdører", quantity_available=6), NOW)
    assert asked.score > near.score
    # a listing that says only "Dører" may be outer doors: between the two
    plain = score(doors, door("Dører", price_ore=200000, lat=59.60, lng=10.25), NOW)
    assert asked.score > plain.score
    assert text_score(doors.terms, door("Dører").profile).score == 0.5


def test_split_and_joined_compounds_meet():
    joined = listing_profile("Kontorstoler Håg", "", "", "chair")
    split = listing_profile("Kontor stoler HÅG", "", "", "chair")
    for terms in (request_terms("kontor stol"), request_terms("Kontorstoler")):
        assert text_score(terms, joined).score == 1.0
        assert text_score(terms, split).score == 1.0
    # the head is the thing: a request for chairs finds office chairs, below exact hits
    head = text_score(request_terms("stoler"), joined)
    assert 0.5 <= head.score < 1.0 and head.words == ["kontorstoler"] and not head.part
    assert text_score(request_terms("stoler"), listing_profile("Stoler", "", "", "chair")
                      ).score == 1.0


# --- reasons ---------------------------------------------------------------------------


def _reasons(wanted, item, locale="nb"):
    result = score(wanted, item, NOW)
    assert isinstance(result, Scored), result
    with force_locale(locale):
        return reasons.render(result.reasons)


def test_reasons_name_only_words_both_sides_contain(app):
    desks = request(categories=("desk",), title="Pulter, ca 10 stk i god stand",
                    max_price_ore=None)
    # the category's names are no words of the listing: nothing to name
    text = _reasons(desks, listing("Håg 160x80 mm", category="desk",
                                   profile=listing_profile("Håg 160x80 mm", "", "", "desk")))
    assert not any("«" in t for t in text), text
    # a word of the same meaning is named as the listing writes it, with the request's
    # word beside it, never as if the listing said "pulter"
    text = _reasons(desks, listing("Skrivebord, bjørk 160x80 mm", category="desk",
                                   profile=listing_profile("Skrivebord, bjørk 160x80 mm",
                                                           "", "", "desk")))
    assert "«skrivebord» passer til «pulter»" in text, text
    assert not any("treff på" in t for t in text), text
    text = _reasons(desks, listing("Pulter i god stand, ca 120 cm", category="desk",
                                   profile=listing_profile("Pulter i god stand, ca 120 cm",
                                                           "Stand: pent brukt, ca 2 år",
                                                           "", "desk")))
    assert "treff på «pulter»" in text, text
    joined = " ".join(text)
    for noise in ("«ca»", "«stand»", "«mm»", "«cm»", "«god»", "«120»", "«i»"):
        assert noise not in joined
    # an English request and a Norwegian listing
    english = request(categories=("desk",), title="Office desks", max_price_ore=None)
    text = _reasons(english, listing("Skrivebord, bjørk", category="desk",
                                     profile=listing_profile("Skrivebord, bjørk", "", "",
                                                             "desk")))
    assert "«skrivebord» passer til «desks»" in text, text


@pytest.mark.parametrize(("wanted", "available", "unit", "expected"), [
    (10, 30, "pcs", "alle 10 stk"),
    (1, 30, "pcs", "1 stk"),
    (10, 4, "pcs", "4 av 10 stk"),
    (2.5, 10, "m2", "alle 2,5 m²"),
    (100, 40, "m", "40 av 100 meter"),
])
def test_amounts_read_as_people_write_them(app, wanted, available, unit, expected):
    item = listing(quantity_available=available, unit=unit, price_ore=5000)
    text = _reasons(request(quantity=wanted, min_quantity=min(wanted, 1), unit=unit), item)
    assert expected in text, text
    per = {"pcs": "50 kr per stk", "m2": "50 kr per m²", "m": "50 kr per meter"}[unit]
    assert per in text, text
    assert not any("NOK" in t or "pcs" in t or "alle 1 stk" in t for t in text)


def test_reasons_in_english(app):
    wanted = request(quantity=2.5, min_quantity=1, unit="m2")
    item = listing("Kontorstoler Håg", quantity_available=1.5, unit="m2", price_ore=4050)
    english = _reasons(wanted, item, "en")
    norwegian = _reasons(wanted, item, "nb")
    assert english[0] == "same category: Office chair"
    assert english[1] == "matching words: «kontorstoler»"  # the request said "Kontorstoler"
    assert any(t.endswith(" km away") and "." in t for t in english)
    # numbers in the reader's format: "1.5 of 2.5" and "40.50" in English
    assert any("1.5" in t and "2.5" in t for t in english)
    assert any(t == "1,5 av 2,5 m²" for t in norwegian)
    assert any("40.50" in t for t in english) and "40,50 kr per m²" in norwegian
