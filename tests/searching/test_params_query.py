"""app.searching.params: the query text keeps the one trailing space that means 'whole word'."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.searching.params import clean_query, parse


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("kontorstol", "kontorstol"),
        ("kontorstol ", "kontorstol "),
        ("  kontor    stol  ", "kontor stol "),
        ("kontor\tstol\n", "kontor stol "),
        ("   ", ""),
        ("", ""),
    ],
)
def test_clean_query(raw, clean):
    assert clean_query(raw) == clean


def test_parse_keeps_the_trailing_space():
    params, errors = parse(MultiDict({"q": "skrivebord "}), known_categories=set())
    assert errors == {} and params.q == "skrivebord "
    assert params.query(now=0).q == "skrivebord "
