"""``/api/v1/reports/...``: the reuse report, the EU 2021/19 table and the per-record
export. For members of municipality organisations and site admins only (others 403,
no credentials 401)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from app.api import bp
from app.api.helpers import login_required
from app.api.openapi import _OPERATIONS, component, operation, query
from app.errors import PermissionDenied, ValidationFailed
from app.reporting import periods
from app.reporting.downloads import records_download, table_download
from app.reporting.eu import eu_table, table_json
from app.reporting.exports import FORMATS, MEDIA_TYPES
from app.reporting.queries import GROUP_BYS, SIDES, aggregate
from app.reporting.tables import eu_sheet, report_table

RECORDS_NOTE = ("`records` is a net count of ledger rows: a hand-over or a correction "
                "counts +1, a reversal -1 (a reversed hand-over nets to 0, a corrected one "
                "to 1). kg, tonnes, items and co2e_kg are sums net of reversals, exact to the "
                "gram. `items` counts pieces (records in unit `pcs`). Dates are Europe/Oslo "
                "calendar dates, both inclusive; a period is at most 20 years. Formats: "
                "`json`; `csv` (UTF-8, comma, machine column names, no total row); "
                "`csv_excel` (UTF-8 with BOM, `;`, decimal comma, Norwegian titles, total "
                "row); `xlsx` (typed cells, one sheet per table and a `Metode` sheet). "
                "Rows and totals count only hand-overs between organisations that were "
                "verified (Enhetsregisteret or a site admin) when the record was written; "
                "the rest is summed apart in `unverified` (JSON) and on a last line with the "
                "key `unverified` (CSV, Excel CSV, XLSX), never in the total.")


def reporting_user() -> None:
    if not current_user.can_see_reporting:
        raise PermissionDenied(_("Bare kommunens ansatte og administratorer ser rapportene."))


def choice(name: str, allowed: tuple[str, ...], default: str, errors: dict) -> str:
    value = request.args.get(name) or default  # as sent: the document lists the values
    if value not in allowed:
        errors[name] = [_("Ukjent verdi. Gyldige verdier: %(v)s.", v=", ".join(allowed))]
    return value


def period_arg(errors: dict) -> periods.Period | None:
    try:
        return periods.parse(request.args.get("from"), request.args.get("to"))
    except ValidationFailed as exc:
        errors.update(exc.errors)
        return None


@bp.get("/reports/reuse")
@login_required
def reuse_report():
    reporting_user()
    errors: dict[str, list[str]] = {}
    period = period_arg(errors)
    group_by = choice("group_by", GROUP_BYS, "eu_category", errors)
    side = choice("side", SIDES, "giver", errors)
    fmt = choice("format", FORMATS, "json", errors)
    if errors:
        raise ValidationFailed(errors)
    report = aggregate(period, group_by, side)
    start, end = period.iso()
    body = {
        "from": start, "to": end, "group_by": group_by, "side": side,
        "rows": [{"key": r.key, "label": r.label, **r.figures.as_json()} for r in report.rows],
        "total": report.total.as_json(),
        "unverified": report.unverified.as_json(),
    }
    return table_download(fmt, f"kretslop_ombruk_{group_by}", period, [report_table(report)],
                          body)


@bp.get("/reports/eu-2021-19")
@login_required
def eu_report():
    reporting_user()
    errors: dict[str, list[str]] = {}
    try:
        year = periods.parse_year(request.args.get("year"))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    fmt = choice("format", FORMATS, "json", errors)
    if errors:
        raise ValidationFailed(errors)
    table = eu_table(year)
    return table_download(fmt, "kretslop_eu_2021_19", table.period, [eu_sheet(table)],
                          table_json(table))


@bp.get("/reports/records")
@login_required
def records_report():
    reporting_user()
    errors: dict[str, list[str]] = {}
    period = period_arg(errors)
    fmt = choice("format", FORMATS, "json", errors)
    if errors:
        raise ValidationFailed(errors)
    return records_download(fmt, period)


# --- the document ---------------------------------------------------------------------

_FIGURES = {"kg": {"type": "number", "description": "Kilograms, to the gram (3 decimals)."},
            "tonnes": {"type": "number", "description": "kg / 1000."},
            "records": {"type": "integer", "description": "Net count (reversal -1)."},
            "items": {"type": "number", "description": "Pieces (unit pcs)."},
            "co2e_kg": {"type": "number",
                        "description": "Estimated avoided emissions, kg CO2e."}}
FIGURES = component("ReportFigures", {"type": "object", "required": list(_FIGURES),
                                      "properties": _FIGURES})
component("ReportRow", {
    "type": "object", "required": ["key", "label", *_FIGURES],
    "properties": {"key": {"type": "string", "description": "EU category, category slug, "
                           "YYYY-MM, YYYY, district, organisation kind, organisation id "
                           "or municipality number."},
                   "label": {"type": "string"}, **_FIGURES}})
component("ReuseReport", {
    "type": "object", "required": ["from", "to", "group_by", "rows", "total"],
    "properties": {"from": {"type": "string", "format": "date"},
                   "to": {"type": "string", "format": "date"},
                   "group_by": {"type": "string", "enum": list(GROUP_BYS)},
                   "side": {"type": "string", "enum": list(SIDES)},
                   "rows": {"type": "array", "items": {"$ref": "#/components/schemas/ReportRow"}},
                   "total": FIGURES,
                   "unverified": {**FIGURES, "description": "Hand-overs involving an "
                                  "organisation that was not verified: not in the rows or "
                                  "the total."}}})
_EU_NUMBERS = {name: {"type": "number"} for name in (
    "tonnes", "kg", "co2e_kg", "tonnes_weighed", "tonnes_estimated", "tonnes_direct_reuse",
    "tonnes_preparing_for_reuse", "co2e_kg_default_factor")}
_EU_ROW = {"type": "object", "required": [*_EU_NUMBERS, "records", "items", "factors"],
           "properties": {**_EU_NUMBERS, "records": {"type": "integer"},
                          "items": {"type": "number"},
                          "eu_category": {"type": "string", "enum": [
                              "textiles", "eee", "furniture", "construction", "other"]},
                          "label": {"type": "string"},
                          "factors": {"type": "array", "items": {"type": "object"}}}}
component("EUReuseTable", {
    "type": "object", "required": ["year", "from", "to", "rows", "total", "unit"],
    "properties": {"year": {"type": ["integer", "null"]}, "from": {"type": "string"},
                   "to": {"type": "string"}, "decision": {"type": "string"},
                   "unit": {"type": "string"}, "rows": {"type": "array", "items": _EU_ROW},
                   "total": _EU_ROW,
                   "unverified": {**_EU_ROW, "description": "Hand-overs where the giving or "
                                  "the receiving organisation was not verified when the "
                                  "record was written (\"Ikke verifiserte organisasjoner\"): "
                                  "not in the rows or the total."},
                   "notes": {"type": "object"}}})

_PERIOD = [query("from", {"type": "string", "format": "date"},
                 "First Oslo date (default: 1 January this year)."),
           query("to", {"type": "string", "format": "date"}, "Last Oslo date (default: today).")]
_FORMAT = query("format", {"type": "string", "enum": list(FORMATS), "default": "json"})
operation("/reports/reuse", "get", "Kilograms, tonnes, records, items and CO2e, grouped",
          params=[*_PERIOD,
                  query("group_by", {"type": "string", "enum": list(GROUP_BYS),
                                     "default": "eu_category"}),
                  query("side", {"type": "string", "enum": list(SIDES), "default": "giver"},
                        "For org_kind and organization: the giving or receiving side."),
                  _FORMAT],
          responses={200: "ReuseReport"}, errors=(403, 422), tags=("reports",))
operation("/reports/eu-2021-19", "get", "Tonnes re-used per EU 2021/19 category in a year",
          params=[query("year", {"type": "integer", "minimum": periods.EARLIEST.year,
                                 "maximum": periods.LATEST.year}, "Default: this year."),
                  _FORMAT],
          responses={200: "EUReuseTable"}, errors=(403, 422), tags=("reports",))
operation("/reports/records", "get", "Every ledger record of a period (reversals marked)",
          params=[*_PERIOD, _FORMAT], responses={200: {"type": "object"}}, errors=(403, 422),
          tags=("reports",))
for _path in ("/reports/reuse", "/reports/eu-2021-19", "/reports/records"):
    _op = _OPERATIONS[_path]["get"]
    _op["description"] = RECORDS_NOTE
    _content = _op["responses"]["200"]["content"]
    for _fmt in ("csv", "xlsx"):
        _content[MEDIA_TYPES[_fmt].split(";")[0]] = {"schema": {"type": "string"}}
    _op["responses"]["200"]["headers"] = {"Content-Disposition": {
        "schema": {"type": "string"}, "description": "attachment for csv, csv_excel, xlsx"}}

