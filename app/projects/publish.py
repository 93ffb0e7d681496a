"""Publish a project's reusable components ahead of demolition (issue #21).

Each chosen component becomes a published listing of the project's organisation,
available from the project's access date (buyers and receiving projects reserve before
it: the exchange does not refuse a reservation before ``available_from``), until the day
before demolition starts, tagged with the project (``Listing.project_id``; the ledger
copies it at hand-over). The component's photos become the listing's photos: rows that
point at the same stored files, nothing is re-encoded.

All or nothing: if any chosen component cannot be published, nothing is, and the errors
come back by component. Services flush and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.models import User
from app.db import db, utcnow
from app.errors import ValidationFailed
from app.listings import services as listings
from app.listings.models import Listing, ListingImage
from app.listings.photos import MAX_IMAGES
from app.listings.rules import end_of_day, start_of_day
from app.projects import ns3451
from app.projects.models import Component, Project, ProjectPartner, ProjectStatus
from app.wanted.models import WantedRequest


def problem(component: Component) -> str | None:
    """Why ``component`` cannot be published, or None."""
    if component.listing_id is not None:
        return _("Allerede publisert.")
    if component.hazards:
        return _("Miljøkartleggingen fant farlige stoffer.")
    if not component.is_reusable:
        return _("Ikke egnet for ombruk.")
    if component.category_id is None:
        return _("Mangler kategori.")
    return None


def candidates(project: Project) -> tuple[list[Component], list[tuple[Component, str]]]:
    """The components that can be published now, and the reusable ones that cannot
    (with the reason). Components already published or not reusable are left out of
    both; the mapping page shows them."""
    ready, blocked = [], []
    for component in sorted(project.components, key=lambda c: (c.building_part, c.id)):
        if component.listing_id is not None or not component.is_reusable:
            continue
        reason = problem(component)
        if reason is None:
            ready.append(component)
        else:
            blocked.append((component, reason))
    return ready, blocked


def description(component: Component, project: Project) -> str:
    lines = [component.description.strip()] if component.description.strip() else []
    lines.append(_("Bygningsdel: %(code)s %(name)s", code=component.building_part,
                   name=ns3451.name(component.building_part)))
    place = ", ".join(p for p in (
        _("etasje %(f)s", f=component.floor) if component.floor else "",
        component.room, component.drawing_mark) if p)
    if place:
        lines.append(_("Plassering i bygget: %(p)s", p=place))
    lines.append(_("Fra byggeprosjektet %(name)s, %(address)s.", name=project.name,
                   address=project.address or project.district or project.municipality_number))
    return "\n".join(lines)


def listing_data(component: Component, project: Project, price_nok: Any = 0) -> dict:
    """The listing's fields (API names) for ``component``."""
    data: dict[str, Any] = {
        "title": component.name, "description": description(component, project),
        "category": component.category.slug, "condition": component.condition,
        "quantity": component.quantity, "unit": component.unit,
        "dimensions": component.dimensions, "material": component.material,
        "postcode": project.postcode, "address": project.address, "price_nok": price_nok,
    }
    if component.unit_weight_kg is not None:
        data["unit_weight_kg"] = component.unit_weight_kg
    if project.lat is not None and project.lng is not None:
        data["lat"], data["lng"] = project.lat, project.lng
    if project.access_date is not None:
        data["available_from"] = start_of_day(project.access_date)
    if project.demolition_start is not None:
        data["available_until"] = end_of_day(project.demolition_start - timedelta(days=1))
    return data


def _copy_photos(component: Component, listing: Listing) -> None:
    for position, photo in enumerate(component.photos[:MAX_IMAGES], start=1):
        db.session.add(ListingImage(
            listing_id=listing.id, position=position, sha256=photo.sha256,
            original_path=photo.original_path, medium_path=photo.medium_path,
            thumb_path=photo.thumb_path, width=photo.width, height=photo.height,
            bytes=photo.bytes))


def _chosen(project: Project, component_ids: Iterable[Any]) -> list[Component]:
    ids: list[int] = []
    for value in component_ids:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise ValidationFailed({"components": [_("Ugyldig komponent.")]}) from None
    by_id = {c.id: c for c in project.components}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise ValidationFailed({"components": [
            _("Komponenten %(id)s hører ikke til prosjektet.", id=unknown[0])]})
    if not ids:
        raise ValidationFailed({"components": [_("Velg minst én komponent.")]})
    return [by_id[i] for i in dict.fromkeys(ids)]


def publish_components(project: Project, user: User, component_ids: Iterable[Any],
                       price_nok: Any = 0, now=None) -> list[Listing]:
    """Publish the chosen components as listings; all or nothing.

    Errors are raised as ``ValidationFailed`` whose ``errors`` are keyed
    ``component-<id>`` (and ``components`` / ``price_nok`` for the whole choice)."""
    now = now or utcnow()
    chosen = _chosen(project, component_ids)
    errors: dict[str, list[str]] = {}
    for component in chosen:
        reason = problem(component)
        if reason:
            errors[f"component-{component.id}"] = [f"{component.name}: {reason}"]
    if errors:
        raise ValidationFailed(errors)
    created: list[Listing] = []
    savepoint = db.session.begin_nested()
    for component in chosen:
        try:
            listing = listings.create_listing(
                user, project.organization, listing_data(component, project, price_nok),
                publish=True, now=now)
        except ValidationFailed as exc:
            for field, messages in exc.errors.items():
                key = "price_nok" if field == "price_nok" else f"component-{component.id}"
                errors.setdefault(key, []).extend(
                    messages if key == "price_nok" else
                    [f"{component.name}: {field}: {m}" for m in messages])
            continue
        listing.project_id = project.id
        db.session.flush()
        _copy_photos(component, listing)
        component.listing_id = listing.id
        created.append(listing)
    if errors:
        savepoint.rollback()
        for component in chosen:  # the rolled-back ids are gone
            db.session.refresh(component)
        raise ValidationFailed({k: list(dict.fromkeys(v)) for k, v in errors.items()})
    savepoint.commit()
    db.session.flush()
    return created


def published(project: Project) -> list[Listing]:
    """The project's listings, newest first."""
    return list(db.session.scalars(
        sa.select(Listing).where(Listing.project_id == project.id)
        .order_by(Listing.id.desc())))


def wanted_for(project: Project) -> list[WantedRequest]:
    """The wanted requests that belong to ``project`` (a receiving project), newest first."""
    return list(db.session.scalars(
        sa.select(WantedRequest).where(WantedRequest.project_id == project.id)
        .order_by(WantedRequest.id.desc())))



# --- receiving projects: a wanted request may belong to one ------------------------------


def receiving_projects(user: User) -> list[Project]:
    """The active projects of ``user``'s organisations (as owner or partner), by name: the
    choices for a wanted request's project."""
    org_ids = [m.organization_id for m in user.memberships]
    if not org_ids:
        return []
    partner_of = sa.select(ProjectPartner.project_id).where(
        ProjectPartner.organization_id.in_(org_ids))
    return list(db.session.scalars(
        sa.select(Project).where(
            sa.or_(Project.organization_id.in_(org_ids), Project.id.in_(partner_of)),
            Project.status == ProjectStatus.ACTIVE.value)
        .order_by(Project.name, Project.id)))


def check_receiving_project(organization_id: int | None, value: Any) -> tuple[int | None,
                                                                            str | None]:
    """(project id or None, error or None) for a wanted request of ``organization_id``:
    the project must exist and the organisation must own it or be a partner in it
    (someone else's project is refused as if it did not exist)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    try:
        project_id = int(value)
    except (TypeError, ValueError):
        return None, _("Ukjent prosjekt.")
    project = db.session.get(Project, project_id) if project_id > 0 else None
    if project is None or organization_id is None or not (
            project.organization_id == organization_id
            or any(p.organization_id == organization_id for p in project.partners)):
        return None, _("Ukjent prosjekt.")
    return project.id, None
