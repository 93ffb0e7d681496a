"""Mapping components on site: the list by building part, and a phone-first form (photo
first; a ``client_key`` so a form sent twice makes one component; the page's script keeps
what was typed on the phone until it is saved)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app.accounts.views import apply_errors
from app.common.pages import decimal_text, locale, submitted_values
from app.errors import ServiceError, ValidationFailed
from app.listings.forms import category_choices
from app.projects import component_photos, ns3451, services
from app.projects.blueprint import bp
from app.projects.forms import COMPONENT_FORM_FIELDS, ActionForm, ComponentForm
from app.projects.models import Component, Project, Suitability

#: Kept from one component to the next: the surveyor walks room by room.
CARRIED = ("building_part", "floor", "room")


def _prepare(form: ComponentForm) -> None:
    form.building_part.choices = [SelectChoice("", _("Velg bygningsdel")),
                                  *[SelectChoice(c, label)
                                    for c, label in ns3451.choices(locale())]]
    form.category.choices = [SelectChoice("", _("Ingen kategori ennå")),
                             *category_choices(locale())]


def _initial(component: Component) -> dict[str, Any]:
    values = {name: getattr(component, name) for name in COMPONENT_FORM_FIELDS
              if name not in ("category", "quantity", "unit_weight_kg")}
    values.update(category=component.category.slug if component.category else "",
                  quantity=decimal_text(component.quantity),
                  unit_weight_kg=decimal_text(component.unit_weight_kg),
                  hazards=list(component.hazards or []))
    return values


def _submitted(form: ComponentForm, component: Component | None) -> dict[str, Any]:
    initial = _initial(component) if component is not None else None
    data = submitted_values(form, COMPONENT_FORM_FIELDS, initial)
    if initial is None:
        data["client_key"] = form.client_key.data or None
    return data


def _add_photos(component: Component) -> None:
    """Every uploaded photo, or a field error (the request then rolls back)."""
    for upload in request.files.getlist("photos"):
        if not upload or not upload.filename:
            continue
        try:
            component_photos.add_photo(component, upload.stream, upload.filename,
                                       upload.mimetype)
        except ValidationFailed as exc:
            raise ValidationFailed({"photos": [m for ms in exc.errors.values() for m in ms]}) \
                from None
        except ServiceError as exc:
            raise ValidationFailed({"photos": [str(exc)]}) from None


@bp.get("/prosjekter/<int:project_id>/komponenter")
@login_required
def components(project_id: int):
    project = services.visible_project(project_id, current_user)
    items = services.components(project)
    part = request.args.get("del", "")
    suitability = request.args.get("egnethet", "")
    shown = [c for c in items
             if (not part or c.building_part.startswith(part))
             and (not suitability or c.suitability == suitability)]
    groups: dict[str, list[Component]] = {}
    for component in shown:
        groups.setdefault(ns3451.group(component.building_part), []).append(component)
    parts = sorted({ns3451.group(c.building_part) for c in items})
    return render_template(
        "projects/components.html", project=project, groups=groups, total=len(items),
        shown=len(shown), parts=parts, part=part, suitability=suitability,
        suitabilities=[s.value for s in Suitability],
        can_map=services.can_map(current_user, project) and project.is_active)


def _render_form(project: Project, form: ComponentForm, component: Component | None,
                 status: int = 200):
    return render_template("projects/component_form.html", project=project, form=form,
                           component=component,
                           action_form=ActionForm() if component else None), status


@bp.route("/prosjekter/<int:project_id>/komponenter/ny", methods=["GET", "POST"])
@login_required
def new_component(project_id: int):
    project = services.project_for_mapping(project_id, current_user)
    if request.method == "GET":
        carried = {name: request.args.get(name, "") for name in CARRIED}
        form = ComponentForm(formdata=None, data={**carried,
                                                  "client_key": secrets.token_urlsafe(16)})
    else:
        form = ComponentForm()
    _prepare(form)
    if request.method == "POST" and form.validate_on_submit():
        try:
            component, is_new = services.create_component(project, current_user,
                                                          _submitted(form, None))
            if is_new:
                _add_photos(component)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            if is_new:
                flash(_("«%(name)s» er lagret. Kartlegg neste.", name=component.name),
                      "success")
            else:
                flash(_("«%(name)s» var allerede lagret.", name=component.name), "info")
            carried = {name: getattr(component, name) for name in CARRIED}
            return redirect(url_for("projects.new_component", project_id=project.id,
                                    **carried))
    return _render_form(project, form, None, 422 if form.errors else 200)


@bp.route("/prosjekter/<int:project_id>/komponenter/<int:component_id>/endre",
          methods=["GET", "POST"])
@login_required
def edit_component(project_id: int, component_id: int):
    project = services.project_for_mapping(project_id, current_user)
    component = services.component_of(project, component_id)
    if request.method == "GET":
        form = ComponentForm(formdata=None, data=_initial(component))
    else:
        form = ComponentForm()
    _prepare(form)
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.update_component(component, _submitted(form, component))
            _add_photos(component)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Endringene er lagret."), "success")
            return redirect(url_for("projects.components", project_id=project.id)
                            + f"#komponent-{component.id}")
    return _render_form(project, form, component, 422 if form.errors else 200)


@bp.post("/prosjekter/<int:project_id>/komponenter/<int:component_id>/slett")
@login_required
def delete_component(project_id: int, component_id: int):
    project = services.project_for_mapping(project_id, current_user)
    component = services.component_of(project, component_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.delete_component(component)
    flash(_("Komponenten er slettet."), "info")
    return redirect(url_for("projects.components", project_id=project.id))


@bp.post("/prosjekter/<int:project_id>/komponenter/<int:component_id>/bilder/"
         "<int:photo_id>/slett")
@login_required
def delete_component_photo(project_id: int, component_id: int, photo_id: int):
    project = services.project_for_mapping(project_id, current_user)
    component = services.component_of(project, component_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    component_photos.remove_photo(component, photo_id)
    flash(_("Bildet er slettet."), "info")
    return redirect(url_for("projects.edit_component", project_id=project.id,
                            component_id=component.id))
