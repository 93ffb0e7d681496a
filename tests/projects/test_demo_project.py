"""``flask seed demo`` shows the building-project feature: one project in Asker with
about twenty components across building parts, not-suitable ones with a reason and a
hazard, a photo each, a receiving partner; loading it again adds nothing."""

from __future__ import annotations

import sqlalchemy as sa

from app.db import commit, db
from app.demo import load_demo
from app.listings.models import Listing
from app.listings.rules import start_of_day
from app.projects import ns3451
from app.projects.demo import COMPONENTS, NAME, PUBLISHED
from app.projects.models import Component, ComponentPhoto, Project


def _counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(sa.select(sa.func.count(m.id)))
                 for m in (Project, Component, ComponentPhoto))


def test_the_demo_project_is_in_asker_with_mapped_components_once(app):
    load_demo()
    commit()
    first = _counts()
    load_demo()
    commit()
    assert _counts() == first == (1, len(COMPONENTS), len(COMPONENTS))

    project = db.session.scalar(sa.select(Project).where(Project.name == NAME))
    assert project.municipality_number == "3203" and project.matrikkel == "43/210"
    assert project.organization.name == "Heggedal Bygg AS"
    assert project.access_date < project.demolition_start
    assert [(p.organization.name, p.role) for p in project.partners] == [
        ("Omigjen Ombrukssenter", "receiver")]
    components = project.components
    assert 18 <= len(components) <= 25
    assert len({ns3451.group(c.building_part) for c in components}) >= 8
    assert all(ns3451.known(c.building_part) and len(c.photos) == 1 for c in components)
    rejected = [c for c in components if c.suitability == "not_suitable"]
    assert rejected and all(c.suitability_reason for c in rejected)
    assert {h for c in rejected for h in c.hazards} >= {"asbestos", "pcb"}
    assert not any(c.hazards and c.is_reusable for c in components)
    assert {c.suitability for c in components} == {"suitable", "after_work", "not_suitable"}
    assert all(c.total_kg and c.total_kg > 0 for c in components)
    published = [c for c in components if c.listing_id]
    assert sorted(c.name for c in published) == sorted(PUBLISHED)
    for component in published:
        listing = db.session.get(Listing, component.listing_id)
        assert (listing.status, listing.project_id) == ("published", project.id)
        assert listing.available_from == start_of_day(project.access_date)  # Oslo midnight
        assert [i.sha256 for i in listing.images] == [p.sha256 for p in component.photos]
