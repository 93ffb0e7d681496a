"""A demo building project for ``flask seed demo``: Heggedal Bygg's renovation of an
office building in Asker, about twenty components mapped across NS 3451 building parts
(some suitable, some after work, some not suitable with a reason and a hazard), with a
photo each, a receiving partner, and a few components published ahead of demolition.
Idempotent: the project is found by its owner and name and nothing is added twice."""

from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from app.accounts.services import get_organization_by_name
from app.db import db
from app.listings.categories import category_lookup, ensure_categories
from app.listings.demo_pictures import draw
from app.projects import component_photos, services
from app.projects.models import Component, Project

OWNER = "Heggedal Bygg AS"
PARTNER, PARTNER_ROLE = "Omigjen Ombrukssenter", "receiver"
NAME = "Rehabilitering Kirkeveien 12"

# building part, name, category, quantity, unit, kg per unit, dimensions, material,
# condition, floor, room, suitability, reason, hazards, picture
COMPONENTS: tuple[tuple, ...] = (
    ("222", "Limtresøyler", "timber", 6, "pcs", 120, "190 x 190 mm, 3,2 m", "Limtre GL30c",
     "good", "1", "Kantine", "suitable", "", [], "beam"),
    ("223", "Stålbjelker HEB 240", "steel", 8, "pcs", 300, "HEB 240, 6 m", "Stål S355",
     "good", "2", "Kontorlandskap", "suitable", "", [], "beam"),
    ("234", "Innerdører, eikefinér", "door", 14, "pcs", 28, "80 x 210 cm", "Eik, MDF",
     "good", "2", "Korridor", "suitable", "", [], "door"),
    ("234", "Vinduer, 2-lags, 1998", "window", 22, "pcs", 35, "120 x 140 cm",
     "Tre, aluminium", "fair", "1-3", "Fasade øst", "after_work",
     "Nye tetningslister og ny maling før montering.", [], "window"),
    ("235", "Teglstein fra fasade", "bricks", 6000, "pcs", 3.1, "228 x 108 x 62 mm", "Tegl",
     "fair", "", "Fasade vest", "after_work", "Må rengjøres for kalkmørtel.", [], "brick"),
    ("235", "Fasadeplater, fibersement", None, 180, "m2", 12, "120 x 60 cm", "Fibersement",
     "fair", "", "Fasade nord", "not_suitable",
     "Asbest påvist i miljøkartleggingen (prøve 7): leveres som farlig avfall.",
     ["asbestos"], "panel"),
    ("243", "Systemvegger med glassfelt", "room-divider", 40, "m2", 25, "H 2,7 m",
     "Aluminium, glass", "good", "3", "Møterom", "suitable", "", [], "panel"),
    ("242", "Gipsvegger på stålstender", None, 300, "m2", 10, "", "Gips, stål", "fair", "1-3",
     "", "not_suitable", "Skrudd og sparklet: platene går i stykker ved demontering.", [],
     "panel"),
    ("255", "Eikeparkett, 3-stav", "flooring", 120, "m2", 9, "14 mm", "Eik", "good", "3",
     "Kontorlandskap", "suitable", "", [], "tiles"),
    ("255", "Vinylbelegg", None, 260, "m2", 3, "", "PVC", "fair", "1", "Korridor",
     "not_suitable", "Ftalater i mykgjøreren (miljøkartleggingen, prøve 3).",
     ["phthalates"], "tiles"),
    ("257", "Himlingsplater 60 x 60", "ceiling-tiles", 400, "m2", 4, "60 x 60 cm",
     "Mineralull", "good", "1-3", "", "suitable", "", [], "tiles"),
    ("262", "Takstein, betong", "roof-tiles", 1400, "pcs", 4.2, "", "Betong", "fair", "Tak",
     "", "after_work", "Må sorteres; knuste stein kasseres.", [], "tiles"),
    ("272", "Kjøkkeninnredning, hvit", "kitchen-units", 3, "pcs", 180, "4,2 m", "Sponplate",
     "good", "1", "Kantine", "suitable", "", [], "shelf"),
    ("281", "Ståltrapp med rekkverk", "steel", 1, "pcs", 850, "2 etasjer", "Stål", "good",
     "1-2", "Trapperom B", "after_work", "Må dokumenteres for bæreevne før ny bruk.", [],
     "beam"),
    ("311", "Toaletter, vegghengte", "sanitary-ware", 18, "pcs", 22, "", "Porselen",
     "good", "1-3", "Toaletter", "suitable", "", [], "box"),
    ("311", "Servanter med armatur", "sanitary-ware", 18, "pcs", 15, "60 cm", "Porselen",
     "good", "1-3", "Toaletter", "suitable", "", [], "box"),
    ("32", "Radiatorer, vannbårne", "radiator", 40, "pcs", 30, "60 x 100 cm", "Stål",
     "fair", "1-3", "", "after_work", "Trykktestes før salg.", [], "panel"),
    ("441", "LED-armaturer, innfelt", "light-fitting", 120, "pcs", 4, "60 x 60 cm",
     "Aluminium", "like_new", "1-3", "", "suitable", "", [], "lamp"),
    ("441", "Lysrørarmaturer, 1970-tallet", None, 60, "pcs", 6, "120 cm", "Stål",
     "for_parts", "Kjeller", "", "not_suitable",
     "PCB i kondensatorene: leveres som farlig avfall.", ["pcb"], "lamp"),
    ("76", "Belegningsstein", "paving-stones", 200, "m2", 130, "21 x 14 x 6 cm", "Betong",
     "good", "", "Inngangsparti", "suitable", "", [], "tiles"),
)
#: Published ahead of demolition (by name), free, available from the access date.
PUBLISHED = ("Innerdører, eikefinér", "LED-armaturer, innfelt", "Toaletter, vegghengte")


def _project_data(today: date) -> dict:
    return {
        "name": NAME, "work_kind": "renovation",
        "description": "Kontorbygg fra 1974 rehabiliteres til skole. Ombrukskartlagt før "
                       "riving av innvendige deler og fasade.",
        "address": "Kirkeveien 12", "postcode": "1384", "municipality_number": "3203",
        "gnr": 43, "bnr": 210, "building_year": 1974, "former_use": "Kontor og kantine",
        "area_m2": "2400", "reuse_target_percent": "20",
        "mapping_date": (today - timedelta(days=14)).isoformat(),
        "access_date": (today + timedelta(days=21)).isoformat(),
        "demolition_start": (today + timedelta(days=60)).isoformat(),
        "mapped_by": "Kari Nordmann, Heggedal Bygg AS",
    }


def _component_data(row: tuple, number: int) -> dict:
    (part, name, category, quantity, unit, weight, dimensions, material, condition, floor,
     room, suitability, reason, hazards, _picture) = row
    return {"building_part": part, "name": name, "category": category or "",
            "quantity": str(quantity), "unit": unit, "unit_weight_kg": str(weight),
            "dimensions": dimensions, "material": material, "condition": condition,
            "floor": floor, "room": room, "drawing_mark": f"A-20{number % 3 + 1}, pos. {number}",
            "suitability": suitability, "suitability_reason": reason, "hazards": hazards,
            "client_key": f"demo-component-{number:03d}"}


def load_demo_project(today: date | None = None) -> Project | None:
    """Add the demo project, its partner, components and photos if missing; flushes."""
    owner = get_organization_by_name(OWNER)
    if owner is None or not owner.memberships:
        return None
    user = owner.memberships[0].user
    project = db.session.scalar(sa.select(Project).where(
        Project.organization_id == owner.id, Project.name == NAME))
    if project is None:
        project = services.create_project(user, owner, _project_data(today or date.today()))
    partner = get_organization_by_name(PARTNER)
    if partner is not None and not any(p.organization_id == partner.id
                                       for p in project.partners):
        services.add_partner(project, partner.id, PARTNER_ROLE)
    ensure_categories()
    categories = category_lookup()
    for number, row in enumerate(COMPONENTS, start=1):
        component, is_new = services.create_component(
            project, user, _component_data(row, number), categories)
        if is_new:
            component_photos.add_photo(component, io.BytesIO(draw(row[-1], row[1], 500 + number)),
                                       "demo.jpg", "image/jpeg")
    _publish_some(project, user)
    db.session.flush()
    return project


def _publish_some(project: Project, user) -> None:
    """Publish the ``PUBLISHED`` components not yet published, as the publish page does."""
    from app.projects.publish import publish_components

    chosen = list(db.session.scalars(sa.select(Component.id).where(
        Component.project_id == project.id, Component.name.in_(PUBLISHED),
        Component.listing_id.is_(None))))
    if chosen:
        publish_components(project, user, chosen)
