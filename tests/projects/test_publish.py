"""Publishing a project's components ahead of demolition: listings with the project's
place and dates, the component photos (same stored files), all or nothing, once only,
and who may publish. A buyer can reserve before the access date."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa

from app.db import commit, db
from app.listings.models import Listing, ListingImage
from app.listings.rules import end_of_day, start_of_day
from app.projects import publish
from app.projects.component_photos import add_photo
from tests.listings.imaging import jpeg


def _four(make, world):
    """Three publishable components (one with two photos) and one not suitable."""
    owner, project = world.owner, world.project
    door = make.component(project, owner, description="Massiv eik, lite brukt.",
                          drawing_mark="D-12")
    add_photo(door, io.BytesIO(jpeg()), "dor.jpg", "image/jpeg")
    add_photo(door, io.BytesIO(jpeg((300, 300))), "dor2.jpg", "image/jpeg")
    window = make.component(project, owner, building_part="234", name="Vindu 12x15",
                            category="window", quantity=8, unit_weight_kg="32.5",
                            suitability="after_work", suitability_reason="Nye pakninger")
    bricks = make.component(project, owner, building_part="232", name="Tegl",
                            category="bricks", quantity=2000, unit_weight_kg="2.4",
                            condition="fair")
    rotten = make.component(project, owner, building_part="252", name="Gulvbord",
                            category="flooring", quantity=40, unit="m2", unit_weight_kg=12,
                            suitability="not_suitable", suitability_reason="Råte")
    commit()
    return door, window, bricks, rotten


def _post(client, auth, project, ids, price="0"):
    return client.post(f"/prosjekter/{project.id}/publiser", data={
        "csrf_token": auth.csrf(f"/prosjekter/{project.id}/publiser"),
        "components": [str(i) for i in ids], "price_nok": price})


def _listings(project):
    return list(db.session.scalars(sa.select(Listing).where(Listing.project_id == project.id)
                                   .order_by(Listing.id)))


def test_preview_checks_the_reusable_ones_and_leaves_out_the_unsuitable(world, make, client,
                                                                        auth):
    door, window, bricks, rotten = _four(make, world)
    auth.login("medlem@riving.no")
    page = client.get(f"/prosjekter/{world.project.id}/publiser")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for c in (door, window, bricks):
        assert f'id="component-{c.id}" checked' in html
    assert f'id="component-{rotten.id}"' not in html
    assert "10. januar 2027" in html  # the access date


def test_three_of_four_become_published_listings_with_the_project(app, world, make, client,
                                                                  auth):
    door, window, bricks, rotten = _four(make, world)
    project = world.project
    auth.login("medlem@riving.no")
    response = _post(client, auth, project, [door.id, window.id, bricks.id], price="50")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "3 komponenter er publisert" in response.get_data(as_text=True)
    found = _listings(project)
    assert [x.title for x in found] == ["Innerdør eik 9x21", "Vindu 12x15", "Tegl"]
    for listing in found:
        assert listing.status == "published" and listing.organization_id == world.firm.id
        assert listing.postcode == "1383" and listing.address == "Kunnskapsveien 1"
        assert listing.available_from == start_of_day(date(2027, 1, 10))
        assert listing.available_until == end_of_day(date(2027, 1, 31))
        assert listing.price_ore == 5000
    first = found[0]
    assert first.category.slug == "door" and first.quantity == 12 and first.unit == "pcs"
    assert first.unit_weight_kg == 25 and first.material == "Eik"
    assert "Massiv eik" in first.description and "244" in first.description
    assert "D-12" in first.description and project.name in first.description
    assert found[1].condition == "good" and found[2].condition == "fair"
    images = db.session.scalars(sa.select(ListingImage).where(ListingImage.listing_id == first.id)
                                .order_by(ListingImage.position)).all()
    db.session.refresh(door)
    assert [(i.sha256, i.thumb_path) for i in images] == [(p.sha256, p.thumb_path)
                                                          for p in door.photos]
    assert {door.listing_id, window.listing_id, bricks.listing_id} == {x.id for x in found}
    assert db.session.get(type(rotten), rotten.id).listing_id is None
    page = client.get(f"/listings/{first.id}").get_data(as_text=True)
    assert f"Fra byggeprosjektet {project.name} (Kunnskapsveien 1)" in page
    assert "Rivingen starter" in page and "1. februar 2027" in page


def test_publishing_again_changes_nothing(world, make, client, auth):
    door, window, bricks, _rotten = _four(make, world)
    auth.login("medlem@riving.no")
    assert _post(client, auth, world.project, [door.id]).status_code == 200
    again = _post(client, auth, world.project, [door.id, window.id])
    assert again.status_code == 422
    assert "Allerede publisert" in again.get_data(as_text=True)
    assert len(_listings(world.project)) == 1
    assert db.session.get(type(window), window.id).listing_id is None


def test_one_bad_choice_publishes_nothing(world, make, client, auth):
    door, window, _bricks, rotten = _four(make, world)
    auth.login("medlem@riving.no")
    response = _post(client, auth, world.project, [door.id, window.id, rotten.id])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ingenting ble publisert" in html and "Gulvbord: Ikke egnet for ombruk." in html
    assert _listings(world.project) == []
    bad_price = _post(client, auth, world.project, [door.id], price="-5")
    assert bad_price.status_code == 422 and _listings(world.project) == []
    nothing = _post(client, auth, world.project, [])
    assert nothing.status_code == 422 and "Velg minst én komponent" in nothing.get_data(
        as_text=True)
    foreign = _post(client, auth, world.project, ["999999"])
    assert foreign.status_code == 422 and _listings(world.project) == []


def test_a_component_without_category_or_with_hazards_is_refused_by_the_service(world, make):
    from app.errors import ValidationFailed

    bare = make.component(world.project, world.owner, name="Ukjent", category=None,
                          unit_weight_kg=5)
    toxic = make.component(world.project, world.owner, name="Vindu med PCB",
                           hazards=["pcb"], suitability="not_suitable",
                           suitability_reason="PCB i fugemassen")
    commit()
    ready, blocked = publish.candidates(world.project)
    assert [c.name for c, _ in blocked] == ["Ukjent"]
    for component, word in ((bare, "Mangler kategori"), (toxic, "farlige stoffer")):
        try:
            publish.publish_components(world.project, world.owner, [component.id])
        except ValidationFailed as exc:
            assert word in exc.errors[f"component-{component.id}"][0]
        else:
            raise AssertionError("published")
    assert _listings(world.project) == []


def test_who_may_publish(world, make, client, auth):
    door, *_ = _four(make, world)
    url = f"/prosjekter/{world.project.id}/publiser"
    for email, status in (("kari@radgiver.no", 403), ("saksbehandler@asker.kommune.no", 403),
                          ("ola@annen.no", 404), ("fake@selvlaget.no", 404)):
        client.get("/logout")
        auth.login(email)
        assert client.get(url).status_code == status, email
        assert _post(client, auth, world.project, [door.id]).status_code == status, email
    assert _listings(world.project) == []


def test_a_reuse_shop_reserves_before_the_access_date(world, make):
    """Buyers plan ahead: the exchange takes a reservation before ``available_from``."""
    from app.db import utcnow
    from app.exchange import services as exchange

    door, *_ = _four(make, world)
    [listing] = publish.publish_components(world.project, world.owner, [door.id])
    commit()
    assert listing.available_from > utcnow()
    shop = make.org("reuse_shop", name="Omigjen")
    buyer = make.user(shop, "member", email="innkjop@omigjen.no")
    reservation = exchange.request_reservation(buyer, listing.id, 5)
    exchange.accept(reservation, world.owner)
    commit()
    assert reservation.status == "accepted" and listing.quantity_available == 7


def _wanted_body(**kw):
    return {"title": "Innerdører i eik", "categories": ["door"], "quantity": 4,
            "postcode": "1383", **kw}


def test_a_receiving_project_on_a_wanted_request_via_the_api(world, make, client):
    from app.wanted.models import WantedRequest
    from tests.conftest import Auth, bearer

    consultant_token = make.token(world.consultant)  # a partner: its project may receive
    created = client.post("/api/v1/requests", json=_wanted_body(project_id=world.project.id),
                          headers=bearer(consultant_token))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["project_id"] == world.project.id
    assert [w.id for w in publish.wanted_for(world.project)] == [created.get_json()["id"]]
    auth = Auth(client)
    auth.login("eier@riving.no")  # the project's page lists what it wants
    page = client.get(f"/prosjekter/{world.project.id}").get_data(as_text=True)
    assert "Ønsker fra prosjektet" in page and "Innerdører i eik" in page
    auth.logout()
    outsider_token = make.token(world.outsider)  # someone else's project: a field error
    refused = client.post("/api/v1/requests", json=_wanted_body(project_id=world.project.id),
                          headers=bearer(outsider_token))
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert "project_id" in refused.get_json()["errors"]
    assert db.session.scalar(sa.select(sa.func.count(WantedRequest.id))) == 1
    changed = client.patch(f"/api/v1/requests/{created.get_json()['id']}",
                           json={"project_id": None}, headers=bearer(consultant_token))
    assert changed.status_code == 200 and changed.get_json()["project_id"] is None


def test_the_wanted_form_offers_the_persons_projects(world, client, auth):
    auth.login("kari@radgiver.no")
    html = client.get("/wanted/new").get_data(as_text=True)
    assert 'name="project_id"' in html and world.project.name in html
    client.get("/logout")
    auth.login("ola@annen.no")  # no projects: no select
    assert 'name="project_id"' not in client.get("/wanted/new").get_data(as_text=True)


def test_a_receiving_projects_request_gets_a_match_like_any_other(world, make):
    from app.matching import services as matching
    from app.wanted.services import create_request

    receiver = make.org("business", name="Nybygg AS")
    builder = make.user(receiver, "owner", email="bygg@nybygg.no")
    new_build = make.project(receiver, builder, name="Nybygg Heggedal",
                             work_kind="new_build", gnr=43, bnr=210)
    wanted = create_request(builder, receiver, _wanted_body(project_id=new_build.id))
    commit()
    door, *_ = _four(make, world)
    [listing] = publish.publish_components(world.project, world.owner, [door.id])
    commit()
    matching.match_request(wanted.id)
    commit()
    found, _total = matching.matches_for_request(wanted.id)
    assert wanted.project_id == new_build.id
    assert [m.listing_id for m in found] == [listing.id]
