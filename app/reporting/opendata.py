"""Open data: yearly aggregates anyone may see and reuse (NLOD 2.0), never a person or a
single transaction.

Small counts are protected: a cell built from fewer than :data:`MIN_RECORDS` hand-overs
(net of reversals) is suppressed (shown empty, ``suppressed: true``). So that the total
cannot give a lone suppressed cell away, a second cell - the smallest other non-zero one
- is suppressed with it; where there is none, the total is suppressed too. Cells where
nothing was handed over are published as 0 (they say nothing about anyone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app

from app.db import db
from app.reporting import labels
from app.reporting.models import RollupEU
from app.reporting.periods import Period, today, year_period
from app.reporting.queries import Figures, aggregate

MIN_RECORDS = 3
NLOD = "https://data.norge.no/nlod/no/2.0"
THEME = "http://publications.europa.eu/resource/authority/data-theme/ENVI"


@dataclass
class Cell:
    year: int
    key: str
    figures: Figures
    suppressed: bool = False

    @property
    def sensitive(self) -> bool:
        f = self.figures
        return f.records < MIN_RECORDS and not (f.records == 0 and f.kg_g == 0)


def protect(cells: list[Cell], total: Cell) -> None:
    """Primary and secondary suppression within one year (see module doc)."""
    for cell in cells:
        cell.suppressed = cell.sensitive
    hidden = [c for c in cells if c.suppressed]
    if len(hidden) == 1:
        others = sorted((c for c in cells if not c.suppressed and c.figures.records > 0),
                        key=lambda c: (c.figures.kg_g, c.key))
        if others:
            others[0].suppressed = True
        else:
            total.suppressed = True
    if total.sensitive:
        total.suppressed = True
        for cell in cells:
            cell.suppressed = cell.suppressed or cell.figures.records > 0


def years() -> list[int]:
    first = db.session.scalar(sa.select(sa.func.min(RollupEU.year)))
    now = today().year
    return list(range(min(int(first), now) if first else now, now + 1))


def _period(year: int) -> Period:
    period = year_period(year)
    return Period(period.start, min(period.end, today()))


def dataset(dimension: str) -> list[tuple[list[Cell], Cell]]:
    """Per year: the protected cells of ``dimension`` (eu_category or district) and the
    protected total."""
    out = []
    for year in years():
        report = aggregate(_period(year), dimension)
        cells = [Cell(year, r.key, r.figures) for r in report.rows]
        total = Cell(year, "total", report.total)
        protect(cells, total)
        out.append((cells, total))
    return out


def _numbers(cell: Cell) -> dict:
    if cell.suppressed:
        return {"tonnes": None, "kg": None, "records": None, "co2e_kg": None,
                "suppressed": True}
    f = cell.figures
    return {"tonnes": float(f.tonnes), "kg": float(f.kg), "records": f.records,
            "co2e_kg": float(f.co2e_kg), "suppressed": False}


def rows(dimension: str) -> list[dict]:
    """Flat rows (totals last in each year) for CSV and JSON."""
    out = []
    for cells, total in dataset(dimension):
        for cell in [*cells, total]:
            row = {"year": cell.year, dimension: cell.key}
            if dimension == "eu_category":
                row["label_nb"] = _eu_name(cell.key, "nb")
                row["label_en"] = _eu_name(cell.key, "en")
            row.update(_numbers(cell))
            out.append(row)
    return out


def _eu_name(key: str, locale: str) -> str:
    from flask_babel import force_locale

    if key == "total":
        return "Totalt" if locale == "nb" else "Total"
    with force_locale(locale):
        return labels.eu_label(key)


def csv_text(dimension: str) -> str:
    import io

    from app.csvsafe import safe_dict_writer

    data = rows(dimension)
    buffer = io.StringIO()
    fields = ["year", dimension] + (["label_nb", "label_en"] if dimension == "eu_category"
                                     else []) + ["tonnes", "kg", "records", "co2e_kg",
                                                 "suppressed"]
    writer = safe_dict_writer(buffer, fields, lineterminator="\r\n")
    writer.writeheader()
    for row in data:
        writer.writerow({k: ("" if v is None else str(v).lower() if isinstance(v, bool)
                             else v) for k, v in row.items()})
    return buffer.getvalue()


DISTRIBUTIONS = (
    ("eu_category", "csv", "text/csv", "CSV"),
    ("eu_category", "json", "application/json", "JSON"),
    ("district", "csv", "text/csv", "CSV"),
    ("district", "json", "application/json", "JSON"),
)
TITLES = {
    "eu_category": ("Ombruk per år og EU-kategori", "Re-use per year and EU category"),
    "district": ("Ombruk per år og lokalsamfunn", "Re-use per year and local community"),
}


def dcat(base_url: str, url_for) -> dict:
    """DCAT-AP-NO metadata for the dataset as JSON-LD."""
    config = current_app.config
    name = config.get("OPEN_DATA_PUBLISHER_NAME", "Asker kommune")
    publisher_uri = config.get("OPEN_DATA_PUBLISHER_URI", "https://www.asker.kommune.no/")
    municipality = config.get("DEFAULT_MUNICIPALITY_NUMBER", "3203")
    span = years()
    landing = base_url + url_for("reporting.public")
    distributions = []
    for dimension, ext, media, file_type in DISTRIBUTIONS:
        url = base_url + url_for("reporting.open_data_file", dimension=dimension, ext=ext)
        nb, en = TITLES[dimension]
        distributions.append({
            "@id": url + "#distribution", "@type": "dcat:Distribution",
            "dct:title": [{"@value": f"{nb} ({file_type})", "@language": "nb"},
                          {"@value": f"{en} ({file_type})", "@language": "en"}],
            "dcat:downloadURL": {"@id": url}, "dcat:accessURL": {"@id": landing},
            "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media}"},
            "dct:format": {"@id": "http://publications.europa.eu/resource/authority/"
                                  f"file-type/{file_type}"},
            "dct:license": {"@id": NLOD},
        })
    dataset_id = base_url + url_for("reporting.dcat_jsonld") + "#dataset"
    return {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                     "foaf": "http://xmlns.com/foaf/0.1/", "vcard": "http://www.w3.org/2006/vcard/ns#",
                     "xsd": "http://www.w3.org/2001/XMLSchema#",
                     "skos": "http://www.w3.org/2004/02/skos/core#"},
        "@id": dataset_id, "@type": "dcat:Dataset",
        "dct:identifier": dataset_id,
        "dct:title": [{"@value": "Ombruk i Kretsløp", "@language": "nb"},
                      {"@value": "Re-use in Kretsløp", "@language": "en"}],
        "dct:description": [
            {"@language": "nb", "@value": "Tonn ombrukt gjennom fullførte overleveringer på "
             "Kretsløp, per år og EU-kategori (gjennomføringsbeslutning (EU) 2021/19) og per "
             "år og lokalsamfunn, med estimert unngått utslipp (kg CO2e). Netto etter "
             f"reverseringer. Celler med færre enn {MIN_RECORDS} overleveringer er skjult."},
            {"@language": "en", "@value": "Tonnes re-used through completed hand-overs on "
             "Kretsløp, per year and EU category (Implementing Decision (EU) 2021/19) and per "
             "year and local community, with estimated avoided emissions (kg CO2e). Net of "
             f"reversals. Cells built from fewer than {MIN_RECORDS} hand-overs are suppressed."},
        ],
        "dct:publisher": {"@id": publisher_uri, "@type": "foaf:Agent", "foaf:name": name},
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": name,
                              "vcard:hasURL": {"@id": landing}},
        "dct:license": {"@id": NLOD},
        "dct:accessRights": {"@id": "http://publications.europa.eu/resource/authority/"
                                    "access-right/PUBLIC"},
        "dcat:theme": [{"@id": THEME}],
        "dcat:keyword": [{"@value": k, "@language": "nb"} for k in
                         ("ombruk", "sirkulærøkonomi", "avfall", "klima")]
        + [{"@value": k, "@language": "en"} for k in ("re-use", "circular economy")],
        "dct:temporal": {"@type": "dct:PeriodOfTime",
                         "dcat:startDate": {"@value": date(span[0], 1, 1).isoformat(),
                                            "@type": "xsd:date"},
                         "dcat:endDate": {"@value": today().isoformat(), "@type": "xsd:date"}},
        "dct:spatial": {"@type": "dct:Location", "dct:identifier": municipality,
                        "skos:prefLabel": {"@value": labels.municipality_label(
                            municipality).split(" ", 1)[-1], "@language": "nb"}},
        "dct:accrualPeriodicity": {"@id": "http://publications.europa.eu/resource/authority/"
                                          "frequency/DAILY"},
        "dct:modified": {"@value": today().isoformat(), "@type": "xsd:date"},
        "dcat:landingPage": {"@id": landing},
        "dcat:distribution": distributions,
    }
