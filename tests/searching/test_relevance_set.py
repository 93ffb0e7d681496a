"""The judged relevance set in ``bench/relevance/`` is well-formed, and its evaluation
script runs end to end on a small slice (no thresholds on quality here: the numbers go
to docs/benchmarks.md)."""

from __future__ import annotations

import importlib.util
import json
import math
from collections import Counter

import pytest

from app.listings.categories import _nodes
from app.listings.models import Condition
from app.listings.postcodes import POSTCODES
from tests.conftest import ROOT

BENCH = ROOT / "bench" / "relevance"


def _load_evaluate():
    spec = importlib.util.spec_from_file_location("relevance_evaluate", BENCH / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


evaluate = _load_evaluate()
DATA = evaluate.load_set()
LISTINGS = {x["key"]: x for x in DATA["listings"]}
REQUESTERS = {r["org"] for r in DATA["requests"]}


def test_counts_and_kinds():
    assert len(DATA["listings"]) >= 320
    assert len(LISTINGS) == len(DATA["listings"]), "listing keys are unique"
    assert len(DATA["queries"]) >= 90
    assert len({q["id"] for q in DATA["queries"]}) == len(DATA["queries"])
    assert len(DATA["requests"]) == 40
    assert len({r["id"] for r in DATA["requests"]}) == 40
    kinds = Counter(q["kind"] for q in DATA["queries"])
    assert set(kinds) == set(evaluate.KINDS), kinds
    assert min(kinds.values()) >= 10, kinds
    english = sum(x["org"] == "en" for x in DATA["listings"]) / len(DATA["listings"])
    assert 0.10 <= english <= 0.25, english


def test_listings_are_valid_for_the_app():
    nodes = _nodes()
    conditions = {c.value for c in Condition}
    for key, x in LISTINGS.items():
        assert x["category"] in nodes and not nodes[x["category"]][0].children, key
        assert x["condition"] in conditions, key
        assert x["postcode"] in POSTCODES, key
        assert x["org"] in DATA["orgs"] and x["org"] not in REQUESTERS, key
        assert x["title"].strip() and x["quantity"] > 0 and x["price_nok"] >= 0, key
        assert isinstance(x["part"], bool), key
    parts = [k for k, x in LISTINGS.items() if x["part"]]
    assert len(parts) >= 15


def test_judgements_point_at_listings_and_use_the_scale():
    for item in DATA["queries"] + DATA["requests"]:
        judged = item["judgements"]
        assert judged, item["id"]
        assert set(judged) <= set(LISTINGS), (item["id"], set(judged) - set(LISTINGS))
        assert all(isinstance(g, int) and 1 <= g <= 3 for g in judged.values()), item["id"]
        assert any(g >= evaluate.RELEVANT for g in judged.values()), item["id"]


def test_requests_are_valid_and_parts_are_never_the_right_match():
    nodes = _nodes()
    for r in DATA["requests"]:
        assert r["categories"] and all(c in nodes for c in r["categories"]), r["id"]
        assert r["postcode"] in POSTCODES and r["org"] in DATA["orgs"], r["id"]
        if not r["asks_for_parts"]:
            wrong = [k for k, g in r["judgements"].items()
                     if LISTINGS[k]["part"] and g >= evaluate.RELEVANT]
            assert wrong == [], (r["id"], wrong)
    assert sum(r["asks_for_parts"] for r in DATA["requests"]) >= 1


def test_metrics_on_hand_worked_rankings():
    judged = {"a": 3, "b": 2, "c": 1}
    assert evaluate.ndcg(["a", "b", "c"], judged) == pytest.approx(1.0)
    # b, a, c: DCG = 3 + 7/log2(3) + 1/2; ideal = 7 + 3/log2(3) + 1/2
    expected = (3 + 7 / math.log2(3) + 0.5) / (7 + 3 / math.log2(3) + 0.5)
    assert evaluate.ndcg(["b", "a", "c"], judged) == pytest.approx(expected)
    assert evaluate.ndcg(["x", "y"], judged) == 0.0
    # two relevant (grade >= 2): P@5 is out of 2; R@20 out of 2
    assert evaluate.precision(["x", "a", "c", "y", "z"], judged) == pytest.approx(0.5)
    assert evaluate.recall(["b", "x"], judged) == pytest.approx(0.5)


def test_the_script_runs_on_a_small_slice(capsys):
    """The whole pipeline (scratch app, services, reindex, HTTP API, FTS5, matching) on
    three queries and two requests; only the shape and ranges are checked."""
    data = evaluate.select(DATA, ["c01", "t03", "e06"], ["w01", "w30"])
    assert 0 < len(data["listings"]) < len(DATA["listings"])
    result = evaluate.evaluate(data)
    assert result["counts"] == {"listings": len(data["listings"]),
                                "documents": len(data["listings"]), "queries": 3,
                                "requests": 2}
    for side in ("engine", "baseline"):
        overall = result[side]["by_kind"]["overall"]
        assert overall["queries"] == 3
        for metric in ("ndcg10", "p5", "r20"):
            assert 0.0 <= overall[metric] <= 1.0
        assert set(result[side]["per_query"]) == {"c01", "t03", "e06"}
    matching = result["matching"]
    assert set(matching["per_request"]) == {"w01", "w30"}
    assert 0.0 <= matching["precision_at_3"] <= matching["precision_at_3_ceiling"] <= 1.0
    # every offered listing is one of the slice's listings
    offered = {k for row in matching["per_request"].values() for k in row["top3"]}
    assert offered <= {x["key"] for x in data["listings"]}
    json.dumps(result)  # --json must be able to write it
    evaluate.print_report(result, verbose=True)
    out = capsys.readouterr().out
    assert "overall" in out and "precision@3" in out
