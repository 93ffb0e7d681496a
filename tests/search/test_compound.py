"""The bokmål compound splitter (search/compound.py) on words as listings write them."""

from __future__ import annotations

import pytest

from search.compound import compound_head, compound_tails, split_compound

SPLITS = {
    "kontorstol": ["kontor", "stol"],
    "Kontorstoler": ["kontor", "stoler"],
    "kontorstolene": ["kontor", "stolene"],
    "arbeidsbord": ["arbeid", "bord"],  # linking s
    "kjøkkenbenk": ["kjokken", "benk"],
    "møteromsbord": ["mote", "rom", "bord"],
    "ståpult": ["staa", "pult"],
    "mineralull": ["mineral", "ull"],
    "bokhylle": ["bok", "hylle"],
    "arkivskap": ["arkiv", "skap"],
    "gipsplater": ["gips", "plater"],
    "eikeparkett": ["eik", "parkett"],  # linking e
    "kontorlandskap": ["kontor", "landskap"],  # not land + skap
    "konferansebord": ["konferanse", "bord"],
    "benkeplate": ["benk", "plate"],
}

NOT_COMPOUNDS = [
    "bordet", "stoler", "stolene", "kontoret", "hyller", "benken", "skapet",
    "landskap", "regnskap", "bærbar", "informasjon", "tiles", "pcs", "stol", "reol",
    "parkett", "vinduer", "skjerm", "laptop",
]


@pytest.mark.parametrize(("word", "parts"), SPLITS.items())
def test_compounds_split_into_folded_parts_head_last(word, parts):
    assert split_compound(word) == parts
    assert compound_head(word) == parts[-1]


@pytest.mark.parametrize("word", NOT_COMPOUNDS)
def test_plain_and_inflected_words_stay_whole(word):
    assert split_compound(word) == []
    assert compound_head(word) is None


def test_no_part_is_a_stop_word():
    for word in ["tilbud", "fortau", "detaljer", "mottaker", "tiles", "forhandler"]:
        assert not {"til", "for", "det", "mot"} & set(split_compound(word)), word


def test_tails_start_at_part_boundaries_and_drop_linking_letters():
    assert compound_tails("moteromsbord") == ["romsbord", "bord"]
    assert compound_tails("arbeidsbord") == ["bord"]
    assert compound_tails("kontorstol") == ["stol"]
    assert compound_tails("bordet") == []


def test_bad_input_is_not_a_compound():
    for word in ["", " ", "123456789", "kontor-stol", "x" * 40]:
        assert split_compound(word) == []
