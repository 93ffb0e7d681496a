"""Projects and their components as JSON-ready dicts (the API)."""

from __future__ import annotations

from app.listings.photos import media_url
from app.listings.serialize import iso, number
from app.projects import ns3451
from app.projects.models import Component, ComponentPhoto, Project


def _day(value) -> str | None:
    return value.isoformat() if value is not None else None


def photo_json(photo: ComponentPhoto) -> dict:
    return {"id": photo.id, "position": photo.position, "width": photo.width,
            "height": photo.height,
            "urls": {"original": media_url(photo.original_path),
                     "medium": media_url(photo.medium_path),
                     "thumb": media_url(photo.thumb_path)}}


def project_json(project: Project) -> dict:
    organization = project.organization
    return {
        "id": project.id,
        "status": project.status,
        "name": project.name,
        "description": project.description,
        "work_kind": project.work_kind,
        "address": project.address,
        "postcode": project.postcode,
        "district": project.district,
        "lat": project.lat,
        "lng": project.lng,
        "municipality_number": project.municipality_number,
        "gnr": project.gnr, "bnr": project.bnr, "fnr": project.fnr, "snr": project.snr,
        "matrikkel": project.matrikkel,
        "building_year": project.building_year,
        "former_use": project.former_use,
        "area_m2": number(project.area_m2),
        "reuse_target_percent": number(project.reuse_target_percent),
        "mapping_date": _day(project.mapping_date),
        "access_date": _day(project.access_date),
        "demolition_start": _day(project.demolition_start),
        "mapped_by": project.mapped_by,
        "organization_id": project.organization_id,
        "organization": {"id": organization.id, "name": organization.name,
                         "verification": organization.verification_state},
        "partners": [{"id": p.id, "organization_id": p.organization_id,
                      "name": p.organization.name, "role": p.role}
                     for p in project.partners],
        "created_at": iso(project.created_at),
        "updated_at": iso(project.updated_at),
        "completed_at": iso(project.completed_at),
        "url": f"/prosjekter/{project.id}",
    }


def component_json(component: Component) -> dict:
    return {
        "id": component.id,
        "project_id": component.project_id,
        "client_key": component.client_key,
        "building_part": component.building_part,
        "building_part_name": ns3451.name(component.building_part),
        "name": component.name,
        "description": component.description,
        "category": component.category.slug if component.category else None,
        "quantity": number(component.quantity),
        "unit": component.unit,
        "unit_weight_kg": number(component.unit_weight_kg),
        "total_kg": number(component.total_kg),
        "dimensions": component.dimensions,
        "material": component.material,
        "condition": component.condition,
        "floor": component.floor,
        "room": component.room,
        "drawing_mark": component.drawing_mark,
        "suitability": component.suitability,
        "suitability_reason": component.suitability_reason,
        "hazards": list(component.hazards or []),
        "is_reusable": component.is_reusable,
        "listing_id": component.listing_id,
        "photos": [photo_json(p) for p in component.photos],
        "created_at": iso(component.created_at),
        "updated_at": iso(component.updated_at),
    }
