"""Projects, partners and components: who may see and change them, and the changes.

Who may do what:
- the owning organisation's members see, change and map the project and publish its
  components; its admins and owners also add and remove partners;
- a partner organisation's members see the project and map components (a consultant
  maps, a demolition contractor checks), but change nothing else;
- a municipality with municipal access (``Organization.has_municipal_access``) sees the
  projects whose municipality number is its own; site admins see every project;
- everyone else gets 404, as if the project did not exist.

Services flush and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.accounts.models import Organization, Role, User
from app.common import owned
from app.db import db, paginate, utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.listings.categories import category_lookup
from app.projects import rules
from app.projects.models import (
    Component,
    Project,
    ProjectPartner,
    ProjectStatus,
)

# --- who -------------------------------------------------------------------------------


def _authenticated(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_owner_member(user: User | None, project: Project) -> bool:
    return owned.is_member(user, project.organization_id)


def is_owner_admin(user: User | None, project: Project) -> bool:
    return _authenticated(user) and user.has_role(project.organization_id, Role.ADMIN)


def is_partner_member(user: User | None, project: Project) -> bool:
    return _authenticated(user) and any(user.has_role(p.organization_id)
                                        for p in project.partners)


def can_map(user: User | None, project: Project) -> bool:
    """Owners' and partners' members add and change components."""
    return is_owner_member(user, project) or is_partner_member(user, project)


def municipality_numbers(user: User | None) -> set[str]:
    """The municipality numbers whose projects ``user`` sees as a municipality."""
    if not _authenticated(user):
        return set()
    return {m.organization.municipality_number for m in user.memberships
            if m.organization.has_municipal_access}


def sees_as_municipality(user: User | None, project: Project) -> bool:
    return project.municipality_number in municipality_numbers(user)


def can_see(user: User | None, project: Project) -> bool:
    if not _authenticated(user):
        return False
    return bool(user.is_site_admin or can_map(user, project)
                or sees_as_municipality(user, project))


def _get(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        raise NotFound(_("Prosjektet finnes ikke."))
    return project


def visible_project(project_id: int, user: User | None) -> Project:
    """The project if ``user`` may see it; NotFound otherwise."""
    project = _get(project_id)
    if not can_see(user, project):
        raise NotFound(_("Prosjektet finnes ikke."))
    return project


def project_for_mapping(project_id: int, user: User | None) -> Project:
    """The project if ``user`` may add and change its components (403 if they only see
    it, 404 if not even that); a completed project is 409."""
    project = visible_project(project_id, user)
    if not can_map(user, project):
        raise PermissionDenied(_("Bare prosjektets deltakere kan kartlegge komponenter."))
    require_active(project)
    return project


def project_for_change(project_id: int, user: User | None, admin: bool = False) -> Project:
    """The project if ``user`` belongs to the owning organisation (with ``admin``: as an
    admin or owner); 403 for others who see it, 404 for the rest."""
    project = visible_project(project_id, user)
    allowed = is_owner_admin(user, project) if admin else is_owner_member(user, project)
    if not allowed:
        raise PermissionDenied(
            _("Bare administratorer i organisasjonen som eier prosjektet kan gjøre dette.")
            if admin else _("Bare organisasjonen som eier prosjektet kan endre det."))
    return project


def require_active(project: Project) -> None:
    if not project.is_active:
        raise Conflict(_("Prosjektet er avsluttet og kan ikke endres."),
                       project_status=project.status)


def choose_organization(user: User, organization_id: Any = None) -> Organization:
    return owned.choose_organization(
        user, organization_id,
        _("Du må være medlem av en organisasjon for å opprette prosjekter."))


# --- lists -----------------------------------------------------------------------------


def _with_relations(query: sa.Select) -> sa.Select:
    return query.options(selectinload(Project.organization),
                         selectinload(Project.partners).selectinload(ProjectPartner.organization))


def projects_for_user(user: User, page: int, per_page: int,
                      status: str | None = None) -> tuple[list[Project], int]:
    """The projects of the user's organisations and those they are partners in, last
    changed first."""
    org_ids = [m.organization_id for m in user.memberships]
    if not org_ids:
        return [], 0
    partner_of = sa.select(ProjectPartner.project_id).where(
        ProjectPartner.organization_id.in_(org_ids))
    where = [sa.or_(Project.organization_id.in_(org_ids), Project.id.in_(partner_of))]
    if status:
        where.append(Project.status == status)
    query = sa.select(Project).where(*where).order_by(Project.updated_at.desc(),
                                                      Project.id.desc())
    return paginate(_with_relations(query), page, per_page)


def municipality_projects(user: User, page: int, per_page: int, year: int | None = None,
                          status: str | None = None) -> tuple[list[Project], int]:
    """Every project in the municipalities ``user`` sees (site admins: all), newest first;
    ``year`` keeps those whose mapping (or creation) was in that year."""
    where = []
    if not user.is_site_admin:
        numbers = municipality_numbers(user)
        if not numbers:
            raise PermissionDenied(_("Bare kommuner med tilgang til rapportering ser "
                                     "prosjektene i kommunen."))
        where.append(Project.municipality_number.in_(sorted(numbers)))
    if status:
        where.append(Project.status == status)
    if year:
        day = sa.func.coalesce(Project.mapping_date, sa.func.date(Project.created_at))
        where.append(sa.func.substr(sa.cast(day, sa.String), 1, 4) == str(year))
    query = sa.select(Project).where(*where).order_by(Project.created_at.desc(),
                                                      Project.id.desc())
    return paginate(_with_relations(query), page, per_page)


# --- projects --------------------------------------------------------------------------


def create_project(user: User, organization: Organization, data: Mapping[str, Any]) -> Project:
    clean, errors = rules.check_project(data)
    if errors:
        raise ValidationFailed(errors)
    project = Project(organization=organization, created_by=user,
                      status=ProjectStatus.ACTIVE.value, **clean)
    db.session.add(project)
    db.session.flush()
    return project


def update_project(project: Project, data: Mapping[str, Any]) -> Project:
    require_active(project)
    clean, errors = rules.check_project(data, current=project)
    if errors:
        raise ValidationFailed(errors)
    for name, value in clean.items():
        setattr(project, name, value)
    db.session.flush()
    return project


def complete_project(project: Project) -> Project:
    """Active -> completed: mapping ends; listings already published stay."""
    require_active(project)
    project.status = ProjectStatus.COMPLETED.value
    project.completed_at = utcnow()
    db.session.flush()
    return project


def reopen_project(project: Project) -> Project:
    if project.is_active:
        raise Conflict(_("Prosjektet er allerede aktivt."), project_status=project.status)
    project.status = ProjectStatus.ACTIVE.value
    project.completed_at = None
    db.session.flush()
    return project


# --- partners --------------------------------------------------------------------------


def add_partner(project: Project, organization_key: Any, role: Any) -> ProjectPartner:
    """Add an organisation (by id or organisation number) in a role."""
    require_active(project)
    errors: dict[str, list[str]] = {}
    organization = None
    key = str(organization_key or "").replace(" ", "").strip()
    if not key:
        errors["organization"] = [_("Oppgi organisasjonsnummer.")]
    else:
        column = Organization.orgnr if len(key) == 9 else Organization.id
        organization = db.session.scalar(sa.select(Organization).where(
            column == (key if len(key) == 9 else (int(key) if key.isdigit() else -1))))
        if organization is None:
            errors["organization"] = [_("Fant ingen organisasjon med dette nummeret i "
                                        "Kretsløp.")]
        elif organization.id == project.organization_id:
            errors["organization"] = [_("Organisasjonen eier allerede prosjektet.")]
        elif any(p.organization_id == organization.id for p in project.partners):
            errors["organization"] = [_("Organisasjonen er allerede med i prosjektet.")]
    try:
        role = rules.parse_partner_role(role)
    except rules.Invalid as exc:
        errors["role"] = [str(exc)]
    if errors:
        raise ValidationFailed(errors)
    partner = ProjectPartner(project=project, organization=organization, role=role)
    db.session.add(partner)
    db.session.flush()
    return partner


def remove_partner(project: Project, partner_id: int) -> None:
    partner = next((p for p in project.partners if p.id == partner_id), None)
    if partner is None:
        raise NotFound(_("Deltakeren finnes ikke."))
    project.partners.remove(partner)
    db.session.flush()


# --- components ------------------------------------------------------------------------


def component_of(project: Project, component_id: int) -> Component:
    component = db.session.get(Component, component_id)
    if component is None or component.project_id != project.id:
        raise NotFound(_("Komponenten finnes ikke."))
    return component


def _by_client_key(project: Project, key: str | None) -> Component | None:
    if not key:
        return None
    return db.session.scalar(sa.select(Component).where(
        Component.project_id == project.id, Component.client_key == key))


def create_component(project: Project, user: User | None, data: Mapping[str, Any],
                     categories=None) -> tuple[Component, bool]:
    """Add a component; returns it and whether it is new. A ``client_key`` already used
    in the project returns that component unchanged (the same form sent twice)."""
    require_active(project)
    clean, errors = rules.check_component(data, categories or category_lookup())
    if errors:
        raise ValidationFailed(errors)
    existing = _by_client_key(project, clean.get("client_key"))
    if existing is not None:
        return existing, False
    component = Component(project=project, created_by=user, **clean)
    db.session.add(component)
    db.session.flush()
    return component, True


def add_checked_components(project: Project, user: User | None,
                           cleans: list[dict[str, Any]]) -> list[tuple[Component, bool]]:
    """Components from values ``rules.check_component`` has already cleaned (an import,
    the API's bulk), in one flush: each with whether it is new. A ``client_key`` already
    used, in the project or earlier in the batch, gives that component, as
    :func:`create_component` does."""
    require_active(project)
    keys = {c["client_key"] for c in cleans if c.get("client_key")}
    known = {c.client_key: c for c in db.session.scalars(sa.select(Component).where(
        Component.project_id == project.id, Component.client_key.in_(keys)))} if keys else {}
    results = []
    for clean in cleans:
        key = clean.get("client_key")
        if key and key in known:
            results.append((known[key], False))
            continue
        component = Component(project=project, created_by=user, **clean)
        db.session.add(component)
        if key:
            known[key] = component
        results.append((component, True))
    db.session.flush()
    return results


def update_component(component: Component, data: Mapping[str, Any]) -> Component:
    require_active(component.project)
    if component.listing_id is not None:
        changing = set(data) - {"description", "floor", "room", "drawing_mark"}
        if changing:
            raise Conflict(_("Komponenten er publisert som annonse: endre annonsen i "
                             "stedet."), listing_id=component.listing_id)
    clean, errors = rules.check_component(data, category_lookup(), current=component)
    if errors:
        raise ValidationFailed(errors)
    for name, value in clean.items():
        setattr(component, name, value)
    db.session.flush()
    return component


def delete_component(component: Component) -> None:
    require_active(component.project)
    if component.listing_id is not None:
        raise Conflict(_("Komponenten er publisert som annonse og kan ikke slettes."),
                       listing_id=component.listing_id)
    db.session.delete(component)
    db.session.flush()


def components(project: Project) -> list[Component]:
    return list(db.session.scalars(
        sa.select(Component).where(Component.project_id == project.id)
        .options(selectinload(Component.photos), selectinload(Component.category))
        .order_by(Component.building_part, Component.id)))
