"""Components from a consultant's spreadsheet: upload, confirm the column mapping, import
all rows or none (``app.projects.importing``); and the templates to fill in."""

from __future__ import annotations

import time

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField

from app.listings.importer import FileRejected
from app.projects import importing, services
from app.projects.blueprint import bp
from app.projects.models import Project

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(FlaskForm):
    file = FileField(_l("Regneark (CSV eller XLSX)"))
    fil = HiddenField()


def _page(project: Project, form: ImportForm, upload=None, mapping=None, problems=(),
          checked=None, status: int = 200):
    return render_template(
        "projects/import.html", project=project, form=form, upload=upload,
        mapping=mapping or {}, problems=list(problems), checked=checked,
        fields=importing.FIELDS, required=importing.REQUIRED,
        shown_errors=importing.SHOWN_ERRORS, max_rows=importing.MAX_ROWS), status


def _chosen_mapping(width: int) -> dict[int, str]:
    mapping = {}
    for index in range(width):
        name = request.form.get(f"kolonne-{index}", "")
        if name in importing.LABELS:
            mapping[index] = name
    return mapping


@bp.route("/prosjekter/<int:project_id>/import", methods=["GET", "POST"])
@login_required
def import_components(project_id: int):
    project = services.project_for_mapping(project_id, current_user)
    config = current_app.config
    limits = importing.limits(config)
    instance = config["INSTANCE_DIR"]
    form = ImportForm()
    if request.method == "GET":
        token = request.args.get("fil")
        if not token:
            return _page(project, form)
        upload = importing.load(token, project, current_user, instance, limits)
        if upload is None:
            form.file.errors = [_("Filen er ikke lenger lagret. Last den opp på nytt.")]
            return _page(project, form)
        return _page(project, form, upload, importing.guess_mapping(upload.header))
    if not form.validate_on_submit():
        return _page(project, form, status=422)
    if form.fil.data:  # the mapping step
        upload = importing.load(form.fil.data, project, current_user, instance, limits)
        if upload is None:
            form.file.errors = [_("Filen er ikke lenger lagret. Last den opp på nytt.")]
            return _page(project, form, status=422)
        mapping = _chosen_mapping(len(upload.header))
        problems = importing.check_mapping(mapping)
        if problems:
            return _page(project, form, upload, mapping, problems, status=422)
        started = time.perf_counter()
        checked = importing.import_rows(project, current_user, upload, mapping)
        if checked.errors:
            return _page(project, form, upload, mapping, checked=checked, status=422)
        importing.discard(upload, instance)
        current_app.logger.info("project %s: %s components imported in %.2f s", project.id,
                                checked.rows, time.perf_counter() - started)
        flash(_("%(n)s komponenter importert.", n=checked.rows), "success")
        return redirect(url_for("projects.components", project_id=project.id), 303)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        form.file.errors = [_("Velg en CSV- eller XLSX-fil.")]
        return _page(project, form, status=422)
    try:
        upload = importing.store(upload_file.read(), upload_file.filename, project,
                                 current_user, instance, limits)
    except FileRejected as exc:
        form.file.errors = [str(exc)]
        return _page(project, form, status=exc.status)
    return redirect(url_for("projects.import_components", project_id=project.id,
                            fil=upload.token), 303)


@bp.get("/prosjekter/<int:project_id>/import/mal.<fmt>")
@login_required
def import_template(project_id: int, fmt: str):
    services.visible_project(project_id, current_user)
    if fmt == "csv":
        return Response(importing.template_csv(), mimetype="text/csv",
                        headers={"Content-Disposition":
                                 "attachment; filename=kretslop-komponenter.csv"})
    if fmt == "xlsx":
        return Response(importing.template_xlsx(), mimetype=XLSX,
                        headers={"Content-Disposition":
                                 "attachment; filename=kretslop-komponenter.xlsx"})
    abort(404)
