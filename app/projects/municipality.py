"""A municipality's building projects (``/prosjekter/kommune``): every project in its
area with the reuse mapped and achieved, the totals by year, a map, and the downloads.

Who sees what is ``services.municipality_projects``: members of an organisation with
municipal access see their municipality's projects, site admins every project, anyone
else is refused (403, like the reporting pages). Filters (``year``, ``status``) are a
GET form; a bad value re-renders the page with the field's error (422), and a download
with a bad filter answers a 422 problem.
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from app import maps
from app.common.pages import page_number
from app.errors import ValidationFailed
from app.projects import municipal_export, progress, services
from app.projects.blueprint import bp
from app.projects.forms import STATUS_LABELS

PER_PAGE = 50
#: Every project of a municipality is read for the totals and the map (four queries for
#: the figures whatever their number); this bounds one answer.
LIMIT = 5000
YEARS = (2000, 2100)


class MunicipalityFilter(FlaskForm):
    """The list's filters (a GET form: no CSRF token, bookmarkable)."""

    class Meta:
        csrf = False

    year = StringField(_l("År"), description=_l("For eksempel 2026. Tomt: alle år."),
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})
    status = SelectField(_l("Status"), default="",
                         choices=[SelectChoice("", _l("Alle")),
                                  *(SelectChoice(k, v) for k, v in STATUS_LABELS.items())])

    def values(self) -> tuple[int | None, str | None] | None:
        """(year, status), or None with errors on the fields."""
        ok = True
        year = None
        text = (self.year.data or "").strip()
        if text:
            if text.isdigit() and YEARS[0] <= int(text) <= YEARS[1]:
                year = int(text)
            else:
                self.year.errors = [_("Skriv et årstall mellom %(a)s og %(b)s.",
                                      a=YEARS[0], b=YEARS[1])]
                ok = False
        status = self.status.data or None
        if status is not None and status not in STATUS_LABELS:
            self.status.errors = [_("Velg en av verdiene i listen.")]
            ok = False
        return (year, status) if ok else None


def _rows(year: int | None, status: str | None) -> list[municipal_export.ProjectRow]:
    projects, _total = services.municipality_projects(current_user, 1, LIMIT, year=year,
                                                      status=status)
    figures = progress.progress_for(p.id for p in projects)
    return municipal_export.project_rows(projects, figures)


def _map_data(rows: list[municipal_export.ProjectRow]) -> dict | None:
    if not maps.maps_enabled():
        return None
    markers = []
    for row in rows:
        p = row.project
        label = " · ".join(x for x in (p.address, p.matrikkel,
                                       str(STATUS_LABELS.get(p.status, p.status))) if x)
        item = maps.marker(p.id, p.name, p.lat, p.lng, label,
                           url=url_for("projects.detail", project_id=p.id))
        if item is not None:
            markers.append(item)
    if not markers:
        return None
    return {"tiles": maps.tile_url(),
            "attribution": current_app.config.get("MAP_ATTRIBUTION") or "",
            "markers": markers, "centre": None}


@bp.get("/prosjekter/kommune")
@login_required
def municipality():
    form = MunicipalityFilter(formdata=request.args)
    values = form.values()
    if values is None:
        services.municipality_projects(current_user, 1, 1)  # 403 before any error
        return render_template("projects/municipality.html", form=form, rows=[],
                               items=[], totals=[], map_data=None, without_place=[],
                               page=1, pages=0, total=0, filters={}), 422
    year, status = values
    rows = _rows(year, status)
    page = page_number()
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(page, pages)
    filters = {k: v for k, v in (("year", year), ("status", status)) if v}
    without_place = [r for r in rows if r.project.lat is None or r.project.lng is None]
    return render_template(
        "projects/municipality.html", form=form, rows=rows,
        items=rows[(page - 1) * PER_PAGE: page * PER_PAGE], page=page, pages=pages,
        total=len(rows), totals=municipal_export.year_totals(rows),
        map_data=_map_data(rows), without_place=without_place, filters=filters)


@bp.get("/prosjekter/kommune/eksport.<any(csv, xlsx):fmt>")
@login_required
def municipality_export(fmt: str):
    form = MunicipalityFilter(formdata=request.args)
    values = form.values()
    if values is None:
        services.municipality_projects(current_user, 1, 1)  # 403 before any error
        raise ValidationFailed({name: list(field.errors) for name, field in
                                (("year", form.year), ("status", form.status))
                                if field.errors})
    year, status = values
    return municipal_export.export_response(fmt, _rows(year, status))
