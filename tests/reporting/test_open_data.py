"""Open data: aggregates only, small counts suppressed (with a second cell so the total
cannot give one away), CSV and JSON, and the DCAT-AP-NO description as JSON-LD."""

import csv
import io
from datetime import UTC, datetime

from app.reporting.opendata import Cell, protect
from app.reporting.queries import Figures


def _cell(key, records, kg_g=1000):
    return Cell(2026, key, Figures(records=records, kg_g=kg_g * max(records, 1)))


def test_protect_suppresses_small_cells_and_one_more():
    cells = [_cell("textiles", 3, 5), _cell("eee", 1), _cell("furniture", 9),
             _cell("construction", 0, 0), _cell("other", 4)]
    total = Cell(2026, "total", Figures(records=17, kg_g=99_000))
    protect(cells, total)
    assert [c.suppressed for c in cells] == [True, True, False, False, False]
    assert not total.suppressed


def test_protect_hides_the_total_when_nothing_else_can_cover():
    cells = [_cell("textiles", 2), _cell("eee", 0, 0), _cell("furniture", 0, 0)]
    total = Cell(2026, "total", Figures(records=2, kg_g=2000))
    protect(cells, total)
    assert cells[0].suppressed and total.suppressed
    assert not cells[1].suppressed  # nothing handed over says nothing about anyone


def test_two_small_cells_cover_each_other():
    cells = [_cell("a", 1), _cell("b", 2), _cell("c", 10)]
    total = Cell(2026, "total", Figures(records=13, kg_g=13_000))
    protect(cells, total)
    assert [c.suppressed for c in cells] == [True, True, False] and not total.suppressed


def _book(ledger):
    at = datetime(2026, 2, 1, 10, tzinfo=UTC)
    for _ in range(4):
        ledger.handover(at=at, kg="100.000", category="sofa", district="Heggedal")
    for _ in range(3):
        ledger.handover(at=at, kg="10.000", category="rugs", district="Slemmestad")
    ledger.handover(at=at, kg="5.000", category="laptop", district="Vollen")  # one only


def test_open_data_files(client, ledger):
    _book(ledger)
    rows = list(csv.DictReader(io.StringIO(
        client.get("/open-data/reuse-eu_category.csv").get_data(as_text=True))))
    year = [r for r in rows if r["year"] == "2026"]
    by_key = {r["eu_category"]: r for r in year}
    assert list(by_key) == ["textiles", "eee", "furniture", "construction", "other", "total"]
    assert by_key["eee"]["suppressed"] == "true" and by_key["eee"]["kg"] == ""
    assert by_key["textiles"]["suppressed"] == "true"  # second-smallest, covers eee
    assert by_key["furniture"]["kg"] == "400.0" and by_key["furniture"]["records"] == "4"
    assert by_key["construction"]["kg"] == "0.0" and by_key["construction"]["suppressed"] == \
        "false"
    assert by_key["total"]["kg"] == "435.0"
    assert by_key["eee"]["label_nb"] == "Elektrisk og elektronisk utstyr"
    assert by_key["eee"]["label_en"] == "Electrical and electronic equipment"
    body = client.get("/open-data/reuse-district.json").get_json()
    assert body["license"] == "https://data.norge.no/nlod/no/2.0" and body["min_records"] == 3
    districts = {r["district"]: r for r in body["rows"] if r["year"] == 2026}
    assert districts["Vollen"]["kg"] is None and districts["Vollen"]["suppressed"] is True
    assert districts["Slemmestad"]["suppressed"] is True
    assert districts["Heggedal"]["kg"] == 400.0


def test_public_page_shows_aggregates_only(client, ledger, people):
    _book(ledger)
    html = client.get("/ombruk-i-tall").get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html and "<caption" in html
    assert 'scope="col"' in html and 'scope="row"' in html
    assert "0,44\u00a0t" in html  # 435 kg this year
    assert "Test business" not in html and "Test reuse_shop" not in html
    assert people.member.name not in html
    assert "færre enn 3 overleveringer" in html


def test_dcat_jsonld(client, ledger):
    _book(ledger)
    response = client.get("/open-data/reuse.jsonld")
    assert response.mimetype == "application/ld+json"
    doc = response.get_json()
    assert doc["@type"] == "dcat:Dataset"
    assert {"dcat", "dct", "foaf"} <= set(doc["@context"])
    assert {t["@language"] for t in doc["dct:title"]} == {"nb", "en"}
    assert {t["@language"] for t in doc["dct:description"]} == {"nb", "en"}
    assert doc["dct:publisher"]["foaf:name"] == "Asker kommune"
    assert doc["dct:license"] == {"@id": "https://data.norge.no/nlod/no/2.0"}
    assert doc["dct:spatial"]["dct:identifier"] == "3203"
    assert doc["dct:temporal"]["dcat:startDate"]["@value"].endswith("-01-01")
    assert doc["dcat:theme"] == [{"@id": "http://publications.europa.eu/resource/authority/"
                                         "data-theme/ENVI"}]
    distributions = doc["dcat:distribution"]
    assert len(distributions) == 4
    for dist in distributions:
        assert dist["@type"] == "dcat:Distribution"
        url = dist["dcat:downloadURL"]["@id"]
        assert url.startswith("http://localhost/open-data/reuse-")
        assert dist["dcat:mediaType"]["@id"].endswith(("text/csv", "application/json"))
        path = url[len("http://localhost"):]
        assert client.get(path).status_code == 200
