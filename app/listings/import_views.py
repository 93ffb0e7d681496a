"""The bulk import page, its results and the downloadable templates."""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.views import apply_errors
from app.db import db
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.listings import import_jobs, importer, services, spreadsheet
from app.listings.forms import ImportForm, organization_choices
from app.listings.models import ImportJob
from app.listings.views import bp


def _organizations_form() -> ImportForm:
    if not current_user.memberships:
        raise PermissionDenied(_("Du må være medlem av en organisasjon for å importere "
                                 "annonser."))
    form = ImportForm()
    form.organization_id.choices = organization_choices(current_user)
    return form


def _page(form: ImportForm, result=None, status: int = 200):
    return render_template("listings/import.html", form=form, result=result,
                           columns=importer.COLUMNS, descriptions=spreadsheet.descriptions(),
                           max_rows=current_app.config["IMPORT_MAX_ROWS"],
                           inline_rows=current_app.config["IMPORT_INLINE_ROWS"]), status


@bp.route("/listings/import", methods=["GET", "POST"])
@login_required
def import_page():
    form = _organizations_form()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.errors else 200)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed({"file": [_("Velg en CSV- eller XLSX-fil.")]})
        organization = services.choose_organization(current_user, form.organization_id.data)
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return _page(form, status=422)
    config = current_app.config
    data = upload.read()
    try:
        table = importer.read(data, limits=importer.Limits.from_config(config))
    except importer.FileRejected as exc:
        form.file.errors = [str(exc)]
        return _page(form, status=exc.status)
    publish = bool(form.publish.data)
    if len(table.rows) > int(config["IMPORT_INLINE_ROWS"]):
        # Large: saved and run as a job (after the commit); its page shows the progress.
        job = import_jobs.start(data, upload.filename, organization, current_user, publish,
                                total_rows=len(table.rows))
        return redirect(url_for("listings.import_job", job_id=job.id), 303)
    del data
    result = importer.import_table(table, organization, current_user, publish=publish)
    status = 422 if result.errors and not result.created else 200
    return _page(form, result=result, status=status)


@bp.get("/listings/import/<int:job_id>")
@login_required
def import_job(job_id: int):
    """A large import's progress (refreshing itself while it runs), then its result."""
    job = db.session.get(ImportJob, job_id)
    if job is None or current_user.role_in(job.organization_id) is None:
        raise NotFound(_("Importen finnes ikke."))
    finished = job.status in import_jobs.FINISHED
    return render_template("listings/import_job.html", job=job, finished=finished,
                           percent=import_jobs.percent(job),
                           failed_rows=import_jobs.failed_rows(job),
                           max_errors=import_jobs.MAX_STORED_ERRORS)


@bp.get("/listings/import/template.<fmt>")
def import_template(fmt: str):
    if fmt == "csv":
        return Response(spreadsheet.template_csv(), mimetype="text/csv",
                        headers={"Content-Disposition":
                                 "attachment; filename=kretslop-annonser.csv"})
    if fmt == "xlsx":
        return Response(
            spreadsheet.template_xlsx(),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": "attachment; filename=kretslop-annonser.xlsx"})
    abort(404)


@bp.record_once
def _bound_pillow(state) -> None:
    """Pillow's own pixel limit follows ``IMAGE_MAX_PIXELS`` in every process of the app
    (the photo pipeline also checks it from the header, app/listings/images.py)."""
    from app.listings.images import bound_pillow

    bound_pillow(int(state.app.config["IMAGE_MAX_PIXELS"]))
