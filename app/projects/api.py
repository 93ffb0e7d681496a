"""Building projects in the API (issue #21): projects, their mapped components (one, or
up to 500 at once, all or nothing), photos, publishing ahead of demolition and the
running report, so consultants' tools can push mappings.

Access is the services' (``app.projects.services``): the owning organisation changes the
project, partners map components, a municipality reads; others get 404.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.api import bp
from app.api.helpers import (
    Unauthorized,
    UnsupportedMediaType,
    act_on,
    created,
    json_body,
    login_required,
    page_args,
    page_json,
)
from app.api.openapi import (
    ORGANIZATION,
    component,
    list_of,
    operation,
    page_params,
    path_id,
    query,
)
from app.common import user_or_none
from app.db import paginate
from app.errors import ValidationFailed
from app.listings.categories import category_lookup
from app.listings.models import Condition, Unit
from app.listings.serialize import listing_json
from app.projects import component_photos, progress, publish, rules, services
from app.projects.models import (
    Component,
    Hazard,
    ProjectStatus,
    Suitability,
    WorkKind,
)
from app.projects.serialize import component_json, photo_json, project_json
from app.validation import Field, Schema

BULK_MAX = 500
STATUSES = tuple(s.value for s in ProjectStatus)
SUITABILITIES = tuple(s.value for s in Suitability)
_NULLABLE_DATE = {"nullable": True, "description": "YYYY-MM-DD; null clears it."}
_MATRIKKEL = {"min": 1, "max": rules.MATRIKKEL_MAX}

_PROJECT = {
    "name": Field("string", required=True, max_length=rules.NAME_MAX),
    "description": Field("text", max_length=rules.DESCRIPTION_MAX),
    "work_kind": Field("string", required=True, choices=tuple(w.value for w in WorkKind)),
    "address": Field("string", max_length=rules.SHORT_MAX),
    "postcode": Field("string", nullable=True, pattern=r"\d{4}",
                      description="Four digits; gives the place and, where known, the "
                      "municipality number."),
    "municipality_number": Field("string", nullable=True, pattern=r"\d{4}",
                                 description="SSB number; default: from the postcode."),
    "gnr": Field("integer", required=True, **_MATRIKKEL),
    "bnr": Field("integer", required=True, **_MATRIKKEL),
    "fnr": Field("integer", nullable=True, **_MATRIKKEL),
    "snr": Field("integer", nullable=True, **_MATRIKKEL),
    "building_year": Field("integer", nullable=True, min=1000, max=2100),
    "former_use": Field("string", max_length=rules.SHORT_MAX),
    "area_m2": Field("number", nullable=True, min=0, max=10_000_000,
                     description="BRA affected (m²)."),
    "reuse_target_percent": Field("number", nullable=True, min=0, max=100),
    "mapping_date": Field("date", **_NULLABLE_DATE),
    "access_date": Field("date", **_NULLABLE_DATE),
    "demolition_start": Field("date", **_NULLABLE_DATE),
    "mapped_by": Field("string", max_length=rules.MAPPED_BY_MAX,
                       description="Who mapped (names and firm)."),
}

_COMPONENT = {
    "building_part": Field("string", required=True, pattern=r"[0-9]{2,3}",
                           description="NS 3451 code, two or three digits (e.g. 23, 234)."),
    "name": Field("string", required=True, max_length=rules.COMPONENT_NAME_MAX),
    "description": Field("text", max_length=rules.DESCRIPTION_MAX),
    "category": Field("string", nullable=True, max_length=60,
                      description="Category slug (GET /api/v1/categories)."),
    "quantity": Field("number", required=True, min=0, exclusive_min=True),
    "unit": Field("string", choices=tuple(u.value for u in Unit), description="Default pcs."),
    "unit_weight_kg": Field("number", nullable=True, min=0, exclusive_min=True,
                            max=float(rules.UNIT_WEIGHT_MAX)),
    "dimensions": Field("string", max_length=rules.SHORT_MAX),
    "material": Field("string", max_length=rules.SHORT_MAX),
    "condition": Field("string", choices=tuple(c.value for c in Condition)),
    "floor": Field("string", max_length=40),
    "room": Field("string", max_length=80),
    "drawing_mark": Field("string", max_length=80),
    "suitability": Field("string", choices=SUITABILITIES,
                         description="Default suitable; hazards require not_suitable."),
    "suitability_reason": Field("text", max_length=rules.REASON_MAX,
                                description="Required when not_suitable."),
    "hazards": Field("list", items=Field("string", choices=tuple(h.value for h in Hazard)),
                     max_items=len(Hazard), description="Hazardous substances found."),
    "client_key": Field("string", nullable=True, pattern=r"[A-Za-z0-9_-]{8,64}",
                        description="Chosen by the client: a create repeated with the same "
                        "key answers 200 with the first component."),
}


def _optional(fields: dict[str, Field]) -> dict[str, Field]:
    return {name: dataclasses.replace(f, required=False) for name, f in fields.items()}


class ProjectCreate(Schema):
    fields = {**_PROJECT,
              "organization_id": Field("id", description="Owner; default: your first.")}


class ProjectUpdate(Schema):
    fields = _optional(_PROJECT)


class ComponentCreate(Schema):
    fields = _COMPONENT


class ComponentUpdate(Schema):
    fields = {n: f for n, f in _optional(_COMPONENT).items() if n != "client_key"}


class ComponentBulk(Schema):
    """The items are checked one by one (their errors keyed ``items[i].field``)."""

    fields = {"items": Field("list", required=True, max_items=BULK_MAX,
                             description=f"1 to {BULK_MAX} components, all or nothing.")}

    @classmethod
    def json_schema(cls) -> dict:
        schema = super().json_schema()
        schema["properties"]["items"]["items"] = ComponentCreate.json_schema()
        return schema


class Publish(Schema):
    fields = {"component_ids": Field("list", required=True, max_items=BULK_MAX,
                                     items=Field("id")),
              "price_nok": Field("money", min=0, description="Per unit; default 0 (free).")}


# --- helpers ---------------------------------------------------------------------------


def _checked(schema: type[Schema], data: dict, partial: bool = False) -> dict:
    """``data`` if its shape fits ``schema`` (field errors otherwise). The services' rules
    take the values as sent, as they do from the pages and the import."""
    schema.load(data, partial=partial)
    return data


def _component_query(project_id: int):
    return sa.select(Component).where(Component.project_id == project_id).options(
        selectinload(Component.photos), selectinload(Component.category))


def _project_with_component(project_id: int, component_id: int, fetch):
    project = fetch(project_id, current_user)
    return project, services.component_of(project, component_id)


# --- projects --------------------------------------------------------------------------


@bp.get("/projects")
@login_required
def list_projects():
    page, per_page = page_args()
    status = request.args.get("status") or None
    scope = request.args.get("municipality") or ""
    errors: dict[str, list[str]] = {}
    if status is not None and status not in STATUSES:
        errors["status"] = [_("En av %(v)s.", v=", ".join(STATUSES))]
    if scope not in ("", "mine"):
        errors["municipality"] = [_("Bruk municipality=mine eller utelat parameteren.")]
    if errors:
        raise ValidationFailed(errors)
    if scope == "mine":
        items, total = services.municipality_projects(current_user, page, per_page,
                                                      status=status)
    else:
        items, total = services.projects_for_user(current_user, page, per_page, status)
    return page_json(items, total, page, per_page, project_json)


@bp.post("/projects")
@login_required
def create_project():
    data = _checked(ProjectCreate, json_body())
    organization = services.choose_organization(current_user, data.pop("organization_id", None))
    project = services.create_project(current_user, organization, data)
    return created(project_json(project), f"/api/v1/projects/{project.id}")


@bp.get("/projects/<int:project_id>")
def get_project(project_id: int):
    user = user_or_none()
    if user is None:
        raise Unauthorized(_("Logg inn eller bruk en API-nøkkel."))
    return jsonify(project_json(services.visible_project(project_id, user)))


@bp.patch("/projects/<int:project_id>")
@login_required
def update_project(project_id: int):
    return act_on(project_id, services.project_for_change, _update_project, project_json)


def _update_project(project):
    return services.update_project(project, _checked(ProjectUpdate, json_body(), partial=True))


@bp.post("/projects/<int:project_id>/complete")
@login_required
def complete_project(project_id: int):
    return act_on(project_id, services.project_for_change, services.complete_project,
                  project_json)


@bp.post("/projects/<int:project_id>/reopen")
@login_required
def reopen_project(project_id: int):
    return act_on(project_id, services.project_for_change, services.reopen_project,
                  project_json)


@bp.get("/projects/<int:project_id>/report")
@login_required
def project_report(project_id: int):
    project = services.visible_project(project_id, current_user)
    return jsonify({"project": project_json(project),
                    **progress.progress(project.id).as_json()})


@bp.post("/projects/<int:project_id>/publish")
@login_required
def publish_project_components(project_id: int):
    project = services.project_for_change(project_id, current_user)
    data = Publish.load(json_body())
    listings = publish.publish_components(project, current_user, data["component_ids"],
                                          price_nok=data.get("price_nok", 0))
    return jsonify({"items": [listing_json(x) for x in listings]})


# --- components ------------------------------------------------------------------------


@bp.get("/projects/<int:project_id>/components")
@login_required
def list_components(project_id: int):
    project = services.visible_project(project_id, current_user)
    page, per_page = page_args(max_per_page=BULK_MAX)
    part = request.args.get("building_part") or None
    suitability = request.args.get("suitability") or None
    errors: dict[str, list[str]] = {}
    if part is not None and not (part.isascii() and part.isdigit() and 1 <= len(part) <= 3):
        errors["building_part"] = [_("En til tre sifre (NS 3451): 2 gir hele bygget.")]
    if suitability is not None and suitability not in SUITABILITIES:
        errors["suitability"] = [_("En av %(v)s.", v=", ".join(SUITABILITIES))]
    if errors:
        raise ValidationFailed(errors)
    query = _component_query(project.id)
    if part:
        query = query.where(Component.building_part.startswith(part, autoescape=True))
    if suitability:
        query = query.where(Component.suitability == suitability)
    items, total = paginate(query.order_by(Component.building_part, Component.id),
                            page, per_page)
    return page_json(items, total, page, per_page, component_json)


@bp.post("/projects/<int:project_id>/components")
@login_required
def create_component(project_id: int):
    project = services.project_for_mapping(project_id, current_user)
    data = _checked(ComponentCreate, json_body())
    item, is_new = services.create_component(project, current_user, data)
    url = f"/api/v1/projects/{project.id}/components/{item.id}"
    if not is_new:
        return jsonify(component_json(item))
    return created(component_json(item), url)


@bp.post("/projects/<int:project_id>/components/bulk")
@login_required
def bulk_components(project_id: int):
    project = services.project_for_mapping(project_id, current_user)
    items = ComponentBulk.load(json_body())["items"]
    categories = category_lookup()
    errors: dict[str, list[str]] = {}
    cleans = []
    for index, item in enumerate(items):
        clean, item_errors = _item_check(item, categories)
        cleans.append(clean)
        for name, messages in item_errors.items():
            errors[f"items[{index}].{name}"] = messages
    if errors:
        raise ValidationFailed(errors)
    results = services.add_checked_components(project, current_user, cleans)
    created_count = sum(1 for _c, is_new in results if is_new)
    response = jsonify({"items": [component_json(c) for c, _n in results],
                        "created": created_count, "existing": len(results) - created_count})
    response.status_code = 201 if created_count else 200
    return response


def _item_check(item, categories) -> tuple[dict, dict[str, list[str]]]:
    try:
        ComponentCreate.load(item)
    except ValidationFailed as exc:
        return {}, exc.errors
    return rules.check_component(item, categories)


@bp.get("/projects/<int:project_id>/components/<int:component_id>")
@login_required
def get_component(project_id: int, component_id: int):
    _project, item = _project_with_component(project_id, component_id,
                                             services.visible_project)
    return jsonify(component_json(item))


@bp.patch("/projects/<int:project_id>/components/<int:component_id>")
@login_required
def update_component(project_id: int, component_id: int):
    _project, item = _project_with_component(project_id, component_id,
                                             services.project_for_mapping)
    data = _checked(ComponentUpdate, json_body(), partial=True)
    return jsonify(component_json(services.update_component(item, data)))


@bp.delete("/projects/<int:project_id>/components/<int:component_id>")
@login_required
def delete_component(project_id: int, component_id: int):
    _project, item = _project_with_component(project_id, component_id,
                                             services.project_for_mapping)
    services.delete_component(item)
    return "", 204


@bp.post("/projects/<int:project_id>/components/<int:component_id>/photos")
@login_required
def upload_component_photo(project_id: int, component_id: int):
    _project, item = _project_with_component(project_id, component_id,
                                             services.project_for_mapping)
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(_("Send bildet som multipart/form-data i feltet «file»."))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed({"file": [_("Velg en bildefil.")]})
    photo = component_photos.add_photo(item, upload.stream, upload.filename, upload.mimetype)
    return created(photo_json(photo), f"/api/v1/projects/{project_id}/components/"
                   f"{component_id}/photos/{photo.id}")


# --- OpenAPI ---------------------------------------------------------------------------

_STR, _INT, _NUM = {"type": "string"}, {"type": "integer"}, {"type": "number"}
_NSTR, _NINT, _NNUM = ({"type": [t, "null"]} for t in ("string", "integer", "number"))
_NDATE = {"type": ["string", "null"], "format": "date"}
_TIME = {"type": "string", "format": "date-time"}
_FIGURES = {"type": "object", "additionalProperties": True}

component("ProjectPartner", {"type": "object", "required": ["id", "organization_id", "role"],
                             "properties": {"id": _INT, "organization_id": _INT,
                                            "name": _STR, "role": _STR}})
component("Project", {
    "type": "object",
    "required": ["id", "status", "name", "work_kind", "municipality_number", "gnr", "bnr",
                 "organization_id", "partners"],
    "properties": {
        "id": _INT, "status": {"type": "string", "enum": list(STATUSES)}, "name": _STR,
        "description": _STR, "work_kind": _STR, "address": _STR, "postcode": _STR,
        "district": _STR, "lat": _NNUM, "lng": _NNUM, "municipality_number": _STR,
        "gnr": _INT, "bnr": _INT, "fnr": _NINT, "snr": _NINT,
        "matrikkel": {"type": "string", "description": "gnr/bnr[/fnr[/snr]]"},
        "building_year": _NINT, "former_use": _STR, "area_m2": _NNUM,
        "reuse_target_percent": _NNUM, "mapping_date": _NDATE, "access_date": _NDATE,
        "demolition_start": _NDATE, "mapped_by": _STR, "organization_id": _INT,
        "organization": ORGANIZATION,
        "partners": {"type": "array", "items": {"$ref": "#/components/schemas/ProjectPartner"}},
        "created_at": _TIME, "updated_at": _TIME,
        "completed_at": {"type": ["string", "null"], "format": "date-time"},
        "url": {"type": "string", "description": "The project's page."},
    },
})
component("ComponentPhoto", {"type": "object", "required": ["id", "urls"], "properties": {
    "id": _INT, "position": _INT, "width": _INT, "height": _INT,
    "urls": {"type": "object", "properties": {"original": _STR, "medium": _STR,
                                              "thumb": _STR}}}})
component("ProjectComponent", {
    "type": "object",
    "required": ["id", "project_id", "building_part", "name", "quantity", "unit",
                 "suitability", "hazards", "is_reusable", "photos"],
    "properties": {
        "id": _INT, "project_id": _INT, "client_key": _NSTR, "building_part": _STR,
        "building_part_name": _STR, "name": _STR, "description": _STR, "category": _NSTR,
        "quantity": _NUM, "unit": _STR, "unit_weight_kg": _NNUM, "total_kg": _NNUM,
        "dimensions": _STR, "material": _STR, "condition": _STR, "floor": _STR,
        "room": _STR, "drawing_mark": _STR,
        "suitability": {"type": "string", "enum": list(SUITABILITIES)},
        "suitability_reason": _STR, "hazards": {"type": "array", "items": _STR},
        "is_reusable": {"type": "boolean"}, "listing_id": _NINT,
        "photos": {"type": "array", "items": {"$ref": "#/components/schemas/ComponentPhoto"}},
        "created_at": _TIME, "updated_at": _TIME,
    },
})
component("ComponentBatch", {
    "type": "object", "required": ["items", "created", "existing"],
    "properties": {"items": {"type": "array",
                             "items": {"$ref": "#/components/schemas/ProjectComponent"}},
                   "created": _INT, "existing": _INT}})
component("ProjectReport", {
    "type": "object", "required": ["project", "totals", "by_building_part", "by_eu_category"],
    "properties": {
        "project": {"$ref": "#/components/schemas/Project"},
        "totals": {"type": "object", "description": "mapped, reserved, handed_over ... : "
                   "kg and pieces", "additionalProperties": _FIGURES},
        "achieved_percent": _NNUM,
        "by_building_part": {"type": "array", "items": _FIGURES},
        "by_eu_category": {"type": "array", "items": _FIGURES},
    }})

_TAGS = ("projects",)
_PID = [path_id("project_id")]
_CID = [*_PID, path_id("component_id")]
_WRITE = (403, 404, 409)
operation("/projects", "get",
          "My organisations' projects and those we are partners in; municipality=mine: "
          "every project in my municipality",
          params=[query("municipality", {"type": "string", "enum": ["mine"]},
                        "mine: the projects in my municipality (municipal access)"),
                  query("status", {"type": "string", "enum": list(STATUSES)}),
                  *page_params()],
          responses={200: list_of("Project")}, errors=(403, 422), tags=_TAGS)
operation("/projects", "post", "Create a building project", body=ProjectCreate,
          responses={201: "Project"}, errors=(403,), tags=_TAGS)
operation("/projects/{project_id}", "get", "One project (owner, partners, municipality)",
          params=_PID, responses={200: "Project"}, errors=(404,), tags=_TAGS)
operation("/projects/{project_id}", "patch", "Change some fields (the owning organisation)",
          params=_PID, body=ProjectUpdate, responses={200: "Project"}, errors=_WRITE,
          tags=_TAGS)
operation("/projects/{project_id}/complete", "post", "Complete the project (mapping ends)",
          params=_PID, responses={200: "Project"}, errors=_WRITE, tags=_TAGS)
operation("/projects/{project_id}/reopen", "post", "Reopen a completed project",
          params=_PID, responses={200: "Project"}, errors=_WRITE, tags=_TAGS)
operation("/projects/{project_id}/report", "get",
          "Mapped vs reserved vs handed over, in total, by building part and EU category",
          params=_PID, responses={200: "ProjectReport"}, errors=(404,), tags=_TAGS)
operation("/projects/{project_id}/publish", "post",
          "Publish reusable components as listings from the access date (all or nothing)",
          params=_PID, body=Publish,
          responses={200: {"type": "object", "required": ["items"], "properties": {
              "items": {"type": "array", "items": {"$ref": "#/components/schemas/Listing"}}}}},
          errors=_WRITE, tags=_TAGS)
operation("/projects/{project_id}/components", "get",
          "The mapped components, by building part",
          params=[*_PID, query("building_part", {"type": "string", "pattern": "^[0-9]{1,3}$"},
                               "NS 3451 code or its start (2: the whole building)"),
                  query("suitability", {"type": "string", "enum": list(SUITABILITIES)}),
                  *page_params(BULK_MAX)],
          responses={200: list_of("ProjectComponent")}, errors=(404, 422), tags=_TAGS)
operation("/projects/{project_id}/components", "post",
          "Add a component (a repeated client_key answers 200 with the first)",
          params=_PID, body=ComponentCreate,
          responses={200: "ProjectComponent", 201: "ProjectComponent"}, errors=_WRITE,
          tags=_TAGS)
operation("/projects/{project_id}/components/bulk", "post",
          f"Add up to {BULK_MAX} components, all or nothing (errors keyed items[i].field)",
          params=_PID, body=ComponentBulk,
          responses={200: "ComponentBatch", 201: "ComponentBatch"}, errors=_WRITE,
          tags=_TAGS)
operation("/projects/{project_id}/components/{component_id}", "get", "One component",
          params=_CID, responses={200: "ProjectComponent"}, errors=(404,), tags=_TAGS)
operation("/projects/{project_id}/components/{component_id}", "patch",
          "Change some fields (a published component: only where it is, else 409)",
          params=_CID, body=ComponentUpdate, responses={200: "ProjectComponent"},
          errors=_WRITE, tags=_TAGS)
operation("/projects/{project_id}/components/{component_id}", "delete",
          "Delete a component (not once published: 409)", params=_CID,
          responses={204: None}, errors=_WRITE, tags=_TAGS)
operation("/projects/{project_id}/components/{component_id}/photos", "post",
          f"Add a photo (JPEG, PNG or WebP; at most {component_photos.MAX_PHOTOS})",
          params=_CID,
          body={"type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}}},
          body_content_type="multipart/form-data", responses={201: "ComponentPhoto"},
          errors=_WRITE, tags=_TAGS)
