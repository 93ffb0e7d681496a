"""The project pages through the test client: create, see, change, partners, status, and
who may do what (services' rules: owners change, partners see, the municipality reads)."""

from __future__ import annotations

import pytest

from app.db import db
from app.projects.models import Project, ProjectPartner


def _form(auth, path):
    return {"csrf_token": auth.csrf(path)}


def test_create_a_project_and_see_it_in_the_list(app, world, client, auth):
    auth.login("medlem@riving.no")
    data = {**_form(auth, "/prosjekter/ny"), "name": "Rehabilitering av Asker rådhus",
            "work_kind": "renovation", "address": "Katrineåsveien 20", "postcode": "1383",
            "gnr": "41", "bnr": "271", "building_year": "1965", "former_use": "Rådhus",
            "area_m2": "1 250,5", "mapping_date": "2026-11-02", "access_date": "2027-03-01",
            "demolition_start": "2027-04-01", "mapped_by": "Kari Nordmann, Rådgiver AS"}
    response = client.post("/prosjekter/ny", data=data)
    assert response.status_code == 302
    project = db.session.scalar(db.select(Project).where(Project.gnr == 41, Project.bnr == 271))
    assert project.municipality_number == "3203"  # from the postcode
    assert str(project.area_m2) == "1250.5"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rehabilitering av Asker rådhus" in page and "41/271" in page
    listing = client.get("/prosjekter").get_data(as_text=True)
    assert "Rehabilitering av Asker rådhus" in listing
    assert "Rivning av Kunnskapsveien 1" in listing  # the firm's other project


def test_bad_input_shows_field_errors_and_saves_nothing(app, world, client, auth):
    auth.login("medlem@riving.no")
    before = db.session.scalar(db.select(db.func.count(Project.id)))
    data = {**_form(auth, "/prosjekter/ny"), "name": "", "work_kind": "demolition",
            "postcode": "9999", "gnr": "0", "bnr": "x", "building_year": "1800000",
            "access_date": "2027-05-01", "demolition_start": "2027-04-01"}
    response = client.post("/prosjekter/ny", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("Gi prosjektet et navn", "Må være et heltall fra 1", "Må være et tall",
                    "Tilgangsdatoen må være før", "Oppgi kommunenummeret"):
        assert message in page, message
    assert 'value="2027-05-01"' in page  # what was typed stays
    assert "seeiendom.no" in page and "TEK17 § 9-7" in page  # the regulation explained
    assert db.session.scalar(db.select(db.func.count(Project.id))) == before


@pytest.mark.parametrize("email, status", [
    ("eier@riving.no", 200), ("medlem@riving.no", 200), ("kari@radgiver.no", 200),
    ("saksbehandler@asker.kommune.no", 200), ("ola@annen.no", 404), ("fake@selvlaget.no", 404),
])
def test_who_sees_a_project(app, world, client, auth, email, status):
    auth.login(email)
    assert client.get(f"/prosjekter/{world.project.id}").status_code == status


def test_the_partner_and_the_municipality_read_but_do_not_change(app, world, client, auth):
    path = f"/prosjekter/{world.project.id}/endre"
    for email in ("kari@radgiver.no", "saksbehandler@asker.kommune.no"):
        auth.login(email)
        assert client.get(path).status_code == 403
        page = client.get(f"/prosjekter/{world.project.id}").get_data(as_text=True)
        assert "Avslutt prosjektet" not in page and "Endre prosjektet" not in page
        auth.logout()


def test_edit_changes_only_what_changed(app, world, client, auth):
    auth.login("medlem@riving.no")
    path = f"/prosjekter/{world.project.id}/endre"
    page = client.get(path).get_data(as_text=True)
    assert 'value="41"' in page and 'value="1974"' in page
    data = {**_form(auth, path), "name": "Riving av Kunnskapsveien 1", "work_kind": "demolition",
            "address": "Kunnskapsveien 1", "postcode": "1383", "municipality_number": "3203",
            "gnr": "41", "bnr": "118", "building_year": "1975", "former_use": "Kontorbygg",
            "mapping_date": "2026-11-20", "access_date": "2027-01-10",
            "demolition_start": "2027-02-01", "mapped_by": "Kari Kartlegger, Rådgiver AS"}
    assert client.post(path, data=data).status_code == 302
    db.session.refresh(world.project)
    assert world.project.building_year == 1975 and world.project.name.startswith("Riving")


def test_partners_are_added_by_organisation_number_by_admins(app, world, client, auth, make):
    demolisher = make.org("business", name="Rive AS")
    path = f"/prosjekter/{world.project.id}/deltakere"
    auth.login("medlem@riving.no")  # a member, not an admin
    assert client.post(path, data={**_form(auth, "/prosjekter"), "organization": demolisher.orgnr,
                                   "role": "demolition"}).status_code == 403
    auth.logout()
    auth.login("eier@riving.no")
    bad = client.post(path, data={**_form(auth, "/prosjekter"), "organization": "123456789",
                                  "role": "boss"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Fant ingen organisasjon" in text and "Ukjent rolle" in text
    ok = client.post(path, data={**_form(auth, "/prosjekter"),
                                 "organization": demolisher.orgnr, "role": "demolition"})
    assert ok.status_code == 302
    partner = db.session.scalar(db.select(ProjectPartner).where(
        ProjectPartner.organization_id == demolisher.id))
    assert partner.role == "demolition"
    partner_id = partner.id
    removed = client.post(f"{path}/{partner_id}/fjern", data=_form(auth, "/prosjekter"))
    assert removed.status_code == 302
    db.session.expunge_all()
    assert db.session.get(ProjectPartner, partner_id) is None


def test_a_completed_project_refuses_changes_until_reopened(app, world, client, auth):
    auth.login("eier@riving.no")  # an admin: partners too
    pid = world.project.id
    assert client.post(f"/prosjekter/{pid}/avslutt",
                       data=_form(auth, "/prosjekter")).status_code == 302
    assert db.session.get(Project, pid).status == "completed"
    assert client.get(f"/prosjekter/{pid}/komponenter/ny").status_code == 409
    refused = client.get(f"/prosjekter/{pid}/endre")
    assert refused.status_code == 409
    assert "Prosjektet er avsluttet og kan ikke endres" in refused.get_data(as_text=True)
    edit = client.post(f"/prosjekter/{pid}/endre", data={**_form(auth, "/prosjekter"),
                                                          "name": "Nytt navn"})
    assert edit.status_code == 409
    assert db.session.get(Project, pid).name == "Rivning av Kunnskapsveien 1"
    partner = world.project.partners[0].id
    assert client.post(f"/prosjekter/{pid}/deltakere/{partner}/fjern",
                       data=_form(auth, "/prosjekter")).status_code == 409
    db.session.expunge_all()
    assert db.session.get(ProjectPartner, partner) is not None
    assert client.post(f"/prosjekter/{pid}/gjenapne",
                       data=_form(auth, "/prosjekter")).status_code == 302
    assert db.session.get(Project, pid).status == "active"


def test_someone_without_an_organisation_cannot_create(app, make, client, auth):
    make.user(None, email="alene@example.no")
    auth.login("alene@example.no")
    assert client.get("/prosjekter/ny").status_code == 403


def test_the_project_page_shows_its_figures(app, world, client, auth, make):
    make.component(world.project, world.owner)  # 12 suitable doors of 25 kg
    make.component(world.project, world.owner, name="Takstein", building_part="262",
                   quantity=400, unit_weight_kg=3.5, category=None, suitability="not_suitable",
                   suitability_reason="Knust", hazards=[])
    make.component(world.project, world.owner, name="Radiator", quantity=5,
                   unit_weight_kg=None, hazards=["pcb"], suitability="not_suitable",
                   suitability_reason="PCB i malingen")
    auth.login("saksbehandler@asker.kommune.no")
    page = client.get(f"/prosjekter/{world.project.id}").get_data(as_text=True)
    table = page.split('class="ds-table figures-table"', 1)[1].split("</table>", 1)[0]
    rows = table.split("<tr>")[2:]
    cells = [[" ".join(c.split(">", 1)[1].split("<", 1)[0].split()) for c in r.split("<td")[1:]]
             for r in rows]  # the number filters group with a narrow no-break space
    # mapped: 1 700 kg (300 + 1 400; the radiators have no weight), 417 pieces, 3 rows
    assert cells[0] == ["1 700 kg", "417", "3"]
    assert "1 uten vekt" in rows[0]
    # reusable: only the doors (tiles not suitable, radiators with PCB)
    assert cells[1][0] == "300 kg" and cells[1][1] == "12"
    assert "<form" not in page.split("<main", 1)[1].split("</main>", 1)[0]  # read-only
    auth.logout()
    auth.login("eier@riving.no")
    owner_page = client.get(f"/prosjekter/{world.project.id}").get_data(as_text=True)
    main = owner_page.split("<main", 1)[1].split("</main>", 1)[0]
    assert main.count("<form") == 3  # remove the consultant, add a partner, complete


def test_the_list_filters_by_status_and_pages(app, world, client, auth, make, monkeypatch):
    from app.projects import pages
    from app.projects.services import complete_project

    monkeypatch.setattr(pages, "PER_PAGE", 2)
    for n in range(3):
        make.project(world.firm, world.owner, name=f"Prosjekt {n}", gnr=50 + n)
    done = make.project(world.consultant_org, world.consultant, name="Ferdig prosjekt")
    complete_project(done)
    db.session.commit()
    auth.login("kari@radgiver.no")  # the consultant: its own project and the partner one
    first = client.get("/prosjekter").get_data(as_text=True)
    assert "2 prosjekter" in first and "Nytt prosjekt" in first
    active = client.get("/prosjekter?status=active").get_data(as_text=True)
    assert "Rivning av Kunnskapsveien 1" in active and "Ferdig prosjekt" not in active
    assert "Prosjekt 0" not in active  # the firm's other projects are not the consultant's
    completed = client.get("/prosjekter?status=completed").get_data(as_text=True)
    assert "Ferdig prosjekt" in completed and "Rivning av" not in completed
    assert client.get("/prosjekter?status=nonsense").status_code == 200
    auth.logout()
    auth.login("eier@riving.no")  # four projects, two a page
    one = client.get("/prosjekter").get_data(as_text=True)
    two = client.get("/prosjekter?page=2").get_data(as_text=True)
    names = ["Rivning av Kunnskapsveien 1", "Prosjekt 0", "Prosjekt 1", "Prosjekt 2"]
    assert "4 prosjekter" in one
    assert sorted(n for n in names if n in one) != sorted(n for n in names if n in two)
    assert {n for n in names if n in one} | {n for n in names if n in two} == set(names)
    assert sum(n in one for n in names) == 2


def test_someone_in_two_organisations_chooses_which_owns_the_project(app, world, client, auth):
    from app.accounts.services import add_member

    add_member(world.owner, world.consultant_org, "member")
    db.session.commit()
    auth.login("eier@riving.no")
    form = client.get("/prosjekter/ny").get_data(as_text=True)
    assert 'name="organization_id"' in form and "Rådgiver AS" in form
    data = {**_form(auth, "/prosjekter/ny"), "name": "Rådgiverens prosjekt",
            "work_kind": "renovation", "postcode": "1383", "gnr": "7", "bnr": "8",
            "organization_id": str(world.consultant_org.id)}
    assert client.post("/prosjekter/ny", data=data).status_code == 302
    project = db.session.scalar(db.select(Project).where(Project.name == "Rådgiverens prosjekt"))
    assert project.organization_id == world.consultant_org.id
    foreign = client.post("/prosjekter/ny", data={**data, "name": "Fremmed",
                                                 "organization_id": str(world.asker.id)})
    assert foreign.status_code == 422
    assert "Du er ikke medlem av denne organisasjonen" in foreign.get_data(as_text=True)
    assert db.session.scalar(db.select(Project).where(Project.name == "Fremmed")) is None


def test_the_municipality_link_is_for_those_with_municipal_access(app, world, client, auth):
    for email, shown in (("saksbehandler@asker.kommune.no", True), ("medlem@riving.no", False),
                         ("fake@selvlaget.no", False)):
        auth.login(email)
        assert ("/prosjekter/kommune" in client.get("/prosjekter").get_data(as_text=True)) \
            is shown, email
        auth.logout()
