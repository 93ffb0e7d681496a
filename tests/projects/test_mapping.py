"""Mapping components with the phone form: photos (real JPEGs), field errors that save
nothing, a form sent twice that makes one component, and who may map."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.db import db
from app.projects.models import Component, ComponentPhoto
from tests.listings.imaging import jpeg


def _data(auth, project, **kw):
    return {"csrf_token": auth.csrf(f"/prosjekter/{project.id}"),
            "client_key": "phone-key-0001", "building_part": "234", "name": "Vindu 12x15",
            "quantity": "8", "unit": "pcs", "unit_weight_kg": "32,5", "category": "window",
            "condition": "good", "floor": "1", "room": "Kantine", "suitability": "suitable",
            **kw}


def _count(project) -> int:
    return db.session.scalar(db.select(db.func.count(Component.id))
                             .where(Component.project_id == project.id))


def test_a_component_with_two_photos_and_the_next_form_keeps_the_room(app, world, client,
                                                                       auth):
    auth.login("kari@radgiver.no")  # the consultant partner maps
    project = world.project
    data = _data(auth, project)
    data["photos"] = [(io.BytesIO(jpeg()), "vindu1.jpg"), (io.BytesIO(jpeg((300, 300))),
                                                           "vindu2.jpg")]
    response = client.post(f"/prosjekter/{project.id}/komponenter/ny", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert "room=Kantine" in response.headers["Location"]
    assert "building_part=234" in response.headers["Location"]
    component = db.session.scalar(db.select(Component).where(Component.name == "Vindu 12x15"))
    assert component.total_kg == 260 and component.category.slug == "window"
    assert len(component.photos) == 2
    media = Path(app.config["MEDIA_ROOT"])
    assert all((media / p.thumb_path).is_file() for p in component.photos)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "er lagret. Kartlegg neste" in page and 'value="Kantine"' in page
    listing = client.get(f"/prosjekter/{project.id}/komponenter").get_data(as_text=True)
    assert "Vindu 12x15" in listing and component.photos[0].thumb_path in listing
    assert "(1 · 260\xa0kg)" in listing or "(1 · 260 kg)" in listing  # the part's total


def test_the_same_form_sent_twice_makes_one_component(app, world, client, auth):
    auth.login("medlem@riving.no")
    project = world.project
    first = client.post(f"/prosjekter/{project.id}/komponenter/ny", data=_data(auth, project))
    again = client.post(f"/prosjekter/{project.id}/komponenter/ny", data=_data(auth, project))
    assert first.status_code == again.status_code == 302
    assert _count(project) == 1
    assert "var allerede lagret" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_bad_input_and_a_bad_photo_save_nothing(app, world, client, auth):
    auth.login("medlem@riving.no")
    project = world.project
    bad = _data(auth, project, building_part="99", quantity="-2", suitability="suitable",
                hazards=["asbestos"], unit_weight_kg="tung")
    response = client.post(f"/prosjekter/{project.id}/komponenter/ny", data=bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("Ukjent bygningsdel", "Antallet må være større enn 0", "Må være et tall",
                    "miljøgifter kan ikke ombrukes"):
        assert message in page, message
    not_an_image = _data(auth, project)
    not_an_image["photos"] = [(io.BytesIO(b"%PDF-1.4 not a photo"), "vindu.jpg")]
    response = client.post(f"/prosjekter/{project.id}/komponenter/ny", data=not_an_image,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert _count(project) == 0
    assert db.session.scalar(db.select(db.func.count(ComponentPhoto.id))) == 0


def test_not_suitable_needs_a_reason(app, world, client, auth):
    auth.login("medlem@riving.no")
    project = world.project
    data = _data(auth, project, suitability="not_suitable", hazards=["pcb"])
    response = client.post(f"/prosjekter/{project.id}/komponenter/ny", data=data)
    assert response.status_code == 422
    assert "Skriv hvorfor" in response.get_data(as_text=True)
    data["suitability_reason"] = "PCB i fugemassen"
    assert client.post(f"/prosjekter/{project.id}/komponenter/ny",
                       data=data).status_code == 302
    component = db.session.scalar(db.select(Component).where(Component.project_id == project.id))
    assert component.hazards == ["pcb"] and not component.is_reusable


@pytest.mark.parametrize("email, status", [("saksbehandler@asker.kommune.no", 403),
                                           ("ola@annen.no", 404)])
def test_who_may_not_map(app, world, client, auth, email, status):
    auth.login(email)
    path = f"/prosjekter/{world.project.id}/komponenter/ny"
    assert client.get(path).status_code == status
    assert client.post(path, data=_data(auth, world.project)).status_code == status
    assert _count(world.project) == 0


def test_edit_and_delete_and_the_officer_reads_the_list(app, world, client, auth, make):
    component = make.component(world.project, world.owner)
    auth.login("medlem@riving.no")
    base = f"/prosjekter/{world.project.id}/komponenter/{component.id}"
    page = client.get(f"{base}/endre").get_data(as_text=True)
    assert 'value="Innerdør eik 9x21"' in page
    data = _data(auth, world.project, name="Innerdør eik 9x21", building_part="244",
                 quantity="10", category="door", unit_weight_kg="25", material="Eik",
                 floor="2", room="Korridor")
    assert client.post(f"{base}/endre", data=data).status_code == 302
    db.session.refresh(component)
    assert component.quantity == 10
    auth.logout()
    auth.login("saksbehandler@asker.kommune.no")
    listing = client.get(f"/prosjekter/{world.project.id}/komponenter")
    assert listing.status_code == 200 and "Innerdør eik" in listing.get_data(as_text=True)
    assert "/endre" not in listing.get_data(as_text=True)
    auth.logout()
    auth.login("medlem@riving.no")
    assert client.post(f"{base}/slett", data={"csrf_token": auth.csrf("/prosjekter")}
                       ).status_code == 302
    assert _count(world.project) == 0


def test_prune_keeps_component_photos(app, world, make):
    import os

    from app.listings.photos import prune_unused_files
    from app.projects.component_photos import add_photo

    component = make.component(world.project, world.owner)
    photo = add_photo(component, io.BytesIO(jpeg()), "dør.jpg", "image/jpeg")
    db.session.commit()
    media = Path(app.config["MEDIA_ROOT"])
    for path in (photo.original_path, photo.medium_path, photo.thumb_path):
        os.utime(media / path, (1, 1))  # old enough to prune, were nobody using it
    assert prune_unused_files() == 0
    assert (media / photo.thumb_path).is_file()


def test_at_most_ten_photos_and_the_eleventh_is_a_field_error(app, world, client, auth, make):
    from app.projects.component_photos import MAX_PHOTOS, add_photo

    component = make.component(world.project, world.owner)
    for n in range(MAX_PHOTOS):
        add_photo(component, io.BytesIO(jpeg((40 + n, 40))), f"b{n}.jpg", "image/jpeg")
    db.session.commit()
    auth.login("medlem@riving.no")
    data = _data(auth, world.project, name="Innerdør eik 9x21", room="Trapp")
    data["photos"] = [(io.BytesIO(jpeg((90, 90))), "en-til.jpg")]
    response = client.post(f"/prosjekter/{world.project.id}/komponenter/{component.id}/endre",
                           data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "høyst 10 bilder" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(ComponentPhoto.id)).where(
        ComponentPhoto.component_id == component.id)) == MAX_PHOTOS
    assert db.session.get(Component, component.id).room != "Trapp"  # the change rolled back


def test_a_published_component_changes_only_its_location(app, world, client, auth, make):
    from app.projects import publish

    component = make.component(world.project, world.owner, category="door")
    publish.publish_components(world.project, world.owner, [component.id])
    db.session.commit()
    quantity = component.quantity
    auth.login("medlem@riving.no")
    base = f"/prosjekter/{world.project.id}/komponenter/{component.id}"
    values = client.get(f"{base}/endre").get_data(as_text=True)
    assert "Slett komponenten" not in values  # a published one cannot be deleted
    data = _data(auth, world.project, name=component.name, building_part=component.building_part,
                 quantity="99", category="door")
    refused = client.post(f"{base}/endre", data=data)
    assert refused.status_code == 409
    assert "publisert som annonse" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Component, component.id).quantity == quantity
    assert client.post(f"{base}/slett", data={"csrf_token": auth.csrf("/prosjekter")}
                       ).status_code == 409
    assert _count(world.project) == 1
    with app.test_request_context():
        from app.projects.mapping import _initial

        same = {k: ("" if v is None else v) for k, v in
                _initial(db.session.get(Component, component.id)).items() if k != "hazards"}
    moved = client.post(f"{base}/endre", data={**same, "room": "Lager 3",
                                               "csrf_token": auth.csrf("/prosjekter")})
    assert moved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Component, component.id).room == "Lager 3"
