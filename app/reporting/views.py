"""Reporting pages: the municipal dashboard and downloads (``/reporting``), an
organisation's own figures (``/reporting/mine``) and the public figures and open data
(``/ombruk-i-tall``, ``/open-data/...``).

Bad input re-renders the page with form errors (422) or answers a download with a 422
problem; the dashboard and its downloads are for ``current_user.can_see_reporting``.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import ValidationFailed
from app.pagecache import public_page
from app.reporting import dashboard as pages
from app.reporting import opendata, periods
from app.reporting.downloads import attachment, records_download, table_download
from app.reporting.eu import eu_table, table_json
from app.reporting.exports import FORMATS, Table
from app.reporting.exports import table_json as plain_json
from app.reporting.forms import PeriodForm
from app.reporting.queries import aggregate
from app.reporting.tables import (
    SHEETS,
    category_month_sheet,
    eu_sheet,
    report_table,
    workbook_tables,
    year_slices,
)

bp = Blueprint("reporting", __name__)


@bp.record_once
def _configure(state) -> None:
    from app.reporting import templating

    templating.init_app(state.app)


def _require_reporting() -> None:
    if not current_user.can_see_reporting:
        abort(403, _("Bare kommunens ansatte og administratorer ser rapportene."))


@bp.get("/reporting")
@login_required
def dashboard():
    _require_reporting()
    form = PeriodForm(formdata=request.args)
    period = form.resolve()
    if period is None:
        return render_template("reporting/dashboard.html", form=form, data=None), 422
    form.fill(period)
    return render_template("reporting/dashboard.html", form=form,
                           data=pages.dashboard_data(period))


@bp.get("/reporting/download")
@login_required
def download():
    """One aggregate table (``table``) or all of them (``table=all``, XLSX) for a period."""
    _require_reporting()
    errors: dict[str, list[str]] = {}
    try:
        period = periods.parse(request.args.get("from"), request.args.get("to"))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    fmt = request.args.get("format", "xlsx")
    table = request.args.get("table", "all")
    if fmt not in FORMATS:
        errors["format"] = [_("Ukjent verdi. Gyldige verdier: %(v)s.", v=", ".join(FORMATS))]
    choices = (*SHEETS, "all", "records")
    if table not in choices:
        errors["table"] = [_("Ukjent verdi. Gyldige verdier: %(v)s.", v=", ".join(choices))]
    elif table == "all" and fmt != "xlsx":
        errors["format"] = [_("Alle tabeller samlet finnes bare som xlsx.")]
    if errors:
        raise ValidationFailed(errors)
    if table == "records":
        return records_download(fmt, period)
    tables = _tables(table, period)
    body = {"from": period.start.isoformat(), "to": period.end.isoformat(),
            "tables": [plain_json(t) for t in tables]}
    if table == "eu":
        body = {"tables": [table_json(eu_table(p)) for p in year_slices(period)]}
    return table_download(fmt, f"kretslop_{table}", period, tables, body)


def _tables(name: str, period) -> list[Table]:
    if name == "all":
        return workbook_tables(period)
    if name == "eu":
        return [eu_sheet(eu_table(p)) for p in year_slices(period)]
    if name == "category_month":
        return [category_month_sheet(period)]
    if name == "org_kind":
        return [report_table(aggregate(period, "org_kind", side))
                for side in ("giver", "receiver")]
    return [report_table(aggregate(period, name))]


@bp.get("/reporting/mine")
@login_required
def mine():
    orgs = [m.organization for m in sorted(current_user.memberships,
                                           key=lambda m: m.organization_id)]
    return render_template("reporting/mine.html", orgs=[pages.org_data(o) for o in orgs])


@bp.get("/ombruk-i-tall")
@public_page
def public():
    return render_template("reporting/public.html", data=pages.public_data())


@bp.get("/open-data")
@bp.get("/open-data/")
def open_data():
    return redirect(url_for("reporting.public", _anchor="apne-data"))


@bp.get("/open-data/reuse.jsonld")
def dcat_jsonld():
    body = opendata.dcat(request.host_url.rstrip("/"), url_for)
    response = jsonify(body)
    response.mimetype = "application/ld+json"
    return response


@bp.get("/open-data/reuse-<any(eu_category, district):dimension>.<any(csv, json):ext>")
def open_data_file(dimension: str, ext: str):
    name = f"kretslop_ombruk_{dimension}.{ext}"
    if ext == "json":
        response = jsonify({"license": opendata.NLOD, "min_records": opendata.MIN_RECORDS,
                            "rows": opendata.rows(dimension)})
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    else:
        response = attachment(opendata.csv_text(dimension), "csv", name)
        response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
