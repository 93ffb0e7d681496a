"""A small world for the project pages: a demolition firm that owns a project, a
consultant partner, an outsider, and Asker's municipality (verified, KOMM)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def world(make):
    from app.listings.categories import ensure_categories

    ensure_categories()
    firm = make.org("business", name="Riving AS", postcode="1383")
    consultant = make.org("business", name="Rådgiver AS")
    outsider = make.org("business", name="Annen AS")
    asker = make.org("municipality", name="Asker kommune")
    self_made = make.org("municipality", name="Selvlaget kommune", verified=False)
    people = SimpleNamespace(
        owner=make.user(firm, "owner", email="eier@riving.no"),
        member=make.user(firm, "member", email="medlem@riving.no"),
        consultant=make.user(consultant, "member", email="kari@radgiver.no"),
        outsider=make.user(outsider, "owner", email="ola@annen.no"),
        officer=make.user(asker, "member", email="saksbehandler@asker.kommune.no"),
        fake=make.user(self_made, "owner", email="fake@selvlaget.no"))
    project = make.project(firm, people.owner)
    from app.db import commit
    from app.projects.services import add_partner

    add_partner(project, consultant.orgnr, "consultant")
    commit()
    return SimpleNamespace(firm=firm, consultant_org=consultant, outsider_org=outsider, asker=asker,
                           project=project, **vars(people))
