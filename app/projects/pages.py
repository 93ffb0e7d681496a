"""The project pages: the list, a project's page, create, edit, complete and reopen,
and the partner organisations. Permissions as in ``services``."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.views import apply_errors
from app.common import pages
from app.common.pages import decimal_text
from app.errors import ValidationFailed
from app.listings.forms import organization_choices
from app.projects import progress, publish, services
from app.projects.blueprint import bp
from app.projects.forms import PROJECT_FORM_FIELDS, ActionForm, PartnerForm, ProjectForm
from app.projects.models import Project, ProjectStatus

PER_PAGE = 25


@bp.record_once
def _configure(state) -> None:
    from app.projects import templating

    templating.init_app(state.app)


@bp.get("/prosjekter")
@login_required
def index():
    """The signed-in person's projects (the template adds their figures)."""
    return pages.mine(services.projects_for_user, ProjectStatus, "projects/index.html",
                      PER_PAGE)


def _initial(project: Project) -> dict[str, Any]:
    def text(value):
        if value is None:
            return ""
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    values = {name: text(getattr(project, name)) for name in PROJECT_FORM_FIELDS}
    for name in ("area_m2", "reuse_target_percent"):
        values[name] = decimal_text(getattr(project, name))
    return values


def _submitted(form: ProjectForm, project: Project | None) -> dict[str, Any]:
    return pages.submitted_values(form, PROJECT_FORM_FIELDS,
                                  _initial(project) if project else None)


def _form_page(form: ProjectForm, project: Project | None, save, message: str):
    """Save a valid form and go to the project; otherwise the form again, 422 with the
    field errors (the rules' and the organisation's) and what was typed."""
    if form.validate_on_submit():
        try:
            saved = save()
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(message, "success")
            return redirect(url_for("projects.detail", project_id=saved.id))
    return render_template("projects/form.html", form=form, project=project), \
        422 if form.errors else 200


@bp.route("/prosjekter/ny", methods=["GET", "POST"])
@login_required
def new():
    services.choose_organization(current_user)  # 403 without a membership
    form = ProjectForm() if request.method == "POST" else ProjectForm(formdata=None)
    form.organization_id.choices = organization_choices(current_user)

    def save() -> Project:
        organization = services.choose_organization(current_user, form.organization_id.data)
        return services.create_project(current_user, organization, _submitted(form, None))

    return _form_page(form, None, save,
                      _("Prosjektet er opprettet. Nå kan dere kartlegge komponentene."))


@bp.route("/prosjekter/<int:project_id>/endre", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    project = services.project_for_change(project_id, current_user)
    services.require_active(project)  # a completed project's form is a 409 page too
    form = ProjectForm() if request.method == "POST" else \
        ProjectForm(formdata=None, data=_initial(project))
    del form.organization_id
    return _form_page(form, project,
                      lambda: services.update_project(project, _submitted(form, project)),
                      _("Endringene er lagret."))


@bp.get("/prosjekter/<int:project_id>")
@login_required
def detail(project_id: int):
    project = services.visible_project(project_id, current_user)
    owner = services.is_owner_member(current_user, project)
    return render_template(
        "projects/detail.html", project=project, figures=progress.progress(project.id),
        wanted=publish.wanted_for(project),
        owner=owner, admin=services.is_owner_admin(current_user, project),
        can_map=services.can_map(current_user, project) and project.is_active,
        action_form=ActionForm() if owner else None,
        partner_form=PartnerForm(formdata=None)
        if services.is_owner_admin(current_user, project) else None)


def _change_status(project_id: int, change, message: str):
    project = services.project_for_change(project_id, current_user)
    if ActionForm().validate_on_submit():
        change(project)
        flash(message, "info")
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.post("/prosjekter/<int:project_id>/avslutt")
@login_required
def complete(project_id: int):
    return _change_status(project_id, services.complete_project, _("Prosjektet er avsluttet."))


@bp.post("/prosjekter/<int:project_id>/gjenapne")
@login_required
def reopen(project_id: int):
    return _change_status(project_id, services.reopen_project, _("Prosjektet er åpnet igjen."))


@bp.post("/prosjekter/<int:project_id>/deltakere")
@login_required
def add_partner(project_id: int):
    project = services.project_for_change(project_id, current_user, admin=True)
    form = PartnerForm()
    if form.validate_on_submit():
        try:
            partner = services.add_partner(project, form.organization.data, form.role.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("%(org)s er lagt til i prosjektet.", org=partner.organization.name),
                  "success")
            return redirect(url_for("projects.detail", project_id=project.id) + "#deltakere")
    return render_template(
        "projects/detail.html", project=project, figures=progress.progress(project.id),
        wanted=publish.wanted_for(project), owner=True, admin=True,
        can_map=project.is_active, action_form=ActionForm(),
        partner_form=form), 422


@bp.post("/prosjekter/<int:project_id>/deltakere/<int:partner_id>/fjern")
@login_required
def remove_partner(project_id: int, partner_id: int):
    project = services.project_for_change(project_id, current_user, admin=True)
    services.require_active(project)  # as adding: a completed project's partners stay
    if ActionForm().validate_on_submit():
        services.remove_partner(project, partner_id)
        flash(_("Deltakeren er fjernet."), "info")
    return redirect(url_for("projects.detail", project_id=project.id) + "#deltakere")
