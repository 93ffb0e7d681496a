"""The projects API (/api/v1/projects): a consultant's tool pushes a mapping with a token,
all or nothing; who may do what; a published component cannot change."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from app.db import db
from app.projects import publish
from app.projects.models import Component, Project
from tests.conftest import bearer

API = "/api/v1/projects"


def _items(n: int, prefix: str = "k") -> list[dict]:
    return [{"building_part": "244", "name": f"Innerdør {i}", "quantity": 2, "unit": "pcs",
             "unit_weight_kg": 25, "category": "door", "client_key": f"{prefix}-{i:06d}"}
            for i in range(n)]


def _count(project_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Component.id))
                             .where(Component.project_id == project_id))


def test_the_whole_mapping_by_api_with_a_token(client, make, world):
    h = owner = bearer(make.token(world.owner))
    body = {"name": "Riving av Torget 2", "work_kind": "demolition", "postcode": "1383",
            "gnr": 12, "bnr": 34, "building_year": 1968, "former_use": "Skole",
            "access_date": "2027-03-01", "demolition_start": "2027-04-01"}
    r = client.post(API, json=body, headers=owner)
    assert r.status_code == 201, r.get_json()
    project = r.get_json()
    assert project["municipality_number"] == "3203" and project["matrikkel"] == "12/34"
    assert r.headers["Location"] == f"{API}/{project['id']}"
    pid = project["id"]
    # one bad item among 200: 422 keyed by index, nothing saved
    items = _items(200)
    items[3]["quantity"] = -1
    items[150]["building_part"] = "999"
    r = client.post(f"{API}/{pid}/components/bulk", json={"items": items}, headers=owner)
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert set(errors) == {"items[3].quantity", "items[150].building_part"}
    assert _count(pid) == 0
    # corrected: all 200 in, then the same batch again is 200 with nothing new
    items = _items(200)
    r = client.post(f"{API}/{pid}/components/bulk", json={"items": items}, headers=owner)
    assert r.status_code == 201 and r.get_json()["created"] == 200
    r = client.post(f"{API}/{pid}/components/bulk", json={"items": items}, headers=owner)
    assert r.status_code == 200 and r.get_json()["existing"] == 200
    assert _count(pid) == 200
    # one from a phone; the retry with the same client_key answers 200 with the first
    one = {"building_part": "23", "name": "Stålbjelke HEB 200", "quantity": 4,
           "unit_weight_kg": 300, "client_key": "phone-0001", "floor": "1"}
    first = client.post(f"{API}/{pid}/components", json=one, headers=h)
    again = client.post(f"{API}/{pid}/components", json=one, headers=h)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["id"] == again.get_json()["id"]
    cid = first.get_json()["id"]
    r = client.patch(f"{API}/{pid}/components/{cid}", json={"quantity": 5, "room": "Hall"},
                     headers=h)
    assert r.status_code == 200 and r.get_json()["total_kg"] == 1500
    r = client.get(f"{API}/{pid}/components?building_part=2&per_page=500", headers=h)
    assert r.get_json()["total"] == 201
    r = client.get(f"{API}/{pid}/components?building_part=23", headers=h)
    assert [c["id"] for c in r.get_json()["items"]] == [cid]
    # report: 200 × 2 doors × 25 kg + 5 × 300 kg mapped
    r = client.get(f"{API}/{pid}/report", headers=h)
    report = r.get_json()
    assert r.status_code == 200 and report["project"]["id"] == pid
    assert report["totals"]["mapped"]["kg"] == 200 * 2 * 25 + 1500
    # the owner changes the project; bad input is a field error and changes nothing
    r = client.patch(f"{API}/{pid}", json={"gnr": 0}, headers=owner)
    assert r.status_code == 422 and "gnr" in r.get_json()["errors"]
    r = client.patch(f"{API}/{pid}", json={"former_use": "Barneskole"}, headers=owner)
    assert r.status_code == 200 and r.get_json()["former_use"] == "Barneskole"
    assert client.post(f"{API}/{pid}/complete", headers=owner).get_json()["status"] == \
        "completed"
    r = client.post(f"{API}/{pid}/components", json=_items(1, "late")[0], headers=h)
    assert r.status_code == 409
    assert client.post(f"{API}/{pid}/reopen", headers=owner).status_code == 200


def test_too_many_items_and_bad_shapes_are_field_errors(client, make, world):
    h = bearer(make.token(world.owner))
    url = f"{API}/{world.project.id}/components/bulk"
    r = client.post(url, json={"items": _items(501)}, headers=h)
    assert r.status_code == 422 and "items" in r.get_json()["errors"]
    r = client.post(url, json={"items": [_items(1)[0], "tekst"]}, headers=h)
    assert r.status_code == 422 and "items[1]._body" in r.get_json()["errors"]
    r = client.post(url, json={"items": [{**_items(1)[0], "colour": "red"}]}, headers=h)
    assert "items[0].colour" in r.get_json()["errors"]
    assert _count(world.project.id) == 0


def test_who_may_do_what(client, make, world):
    pid = world.project.id
    component = make.component(world.project, world.owner)
    partner = bearer(make.token(world.consultant))
    officer = bearer(make.token(world.officer))
    outsider = bearer(make.token(world.outsider))
    fake = bearer(make.token(world.fake))
    # the partner maps but may not change the project
    assert client.patch(f"{API}/{pid}", json={"name": "Nytt"},
                        headers=partner).status_code == 403
    assert client.post(f"{API}/{pid}/components", json=_items(1)[0],
                       headers=partner).status_code == 201
    # the officer reads (also with municipality=mine), changes nothing
    assert client.get(f"{API}/{pid}", headers=officer).status_code == 200
    assert client.get(f"{API}/{pid}/report", headers=officer).status_code == 200
    mine = client.get(f"{API}?municipality=mine", headers=officer).get_json()
    assert [p["id"] for p in mine["items"]] == [pid]
    assert client.get(f"{API}?municipality=mine", headers=fake).status_code == 403
    assert client.patch(f"{API}/{pid}/components/{component.id}", json={"quantity": 1},
                        headers=officer).status_code == 403
    # outsiders and self-made municipalities see nothing; anonymous is 401
    for h in (outsider, fake):
        assert client.get(f"{API}/{pid}", headers=h).status_code == 404
        assert client.get(f"{API}/{pid}/components/{component.id}",
                          headers=h).status_code == 404
    assert client.get(API, headers=outsider).get_json()["total"] == 0
    assert client.get(f"{API}/{pid}").status_code == 401
    assert client.get(API).status_code == 401
    r = client.post(API, json={"name": "x"})
    assert r.status_code == 401 and r.content_type == "application/problem+json"
    db.session.expire_all()
    assert db.session.get(Project, pid).name != "Nytt"


def test_a_published_component_cannot_change(client, make, world):
    component = make.component(world.project, world.owner)
    h = bearer(make.token(world.owner))
    r = client.post(f"{API}/{world.project.id}/publish",
                    json={"component_ids": [component.id]}, headers=h)
    assert r.status_code == 200 and r.get_json()["items"][0]["status"] == "published"
    url = f"{API}/{world.project.id}/components/{component.id}"
    r = client.patch(url, json={"quantity": 1}, headers=h)
    assert r.status_code == 409 and r.content_type == "application/problem+json"
    assert client.patch(url, json={"room": "Rom 2"}, headers=h).status_code == 200
    assert client.delete(url, headers=h).status_code == 409
    db.session.expire_all()
    assert db.session.get(Component, component.id).quantity == 12
    assert publish.published(world.project)


def test_a_photo_by_multipart(client, make, world):
    component = make.component(world.project, world.owner)
    h = bearer(make.token(world.consultant))
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 80, 40)).save(buffer, "JPEG")
    url = f"{API}/{world.project.id}/components/{component.id}/photos"
    r = client.post(url, data={"file": (io.BytesIO(buffer.getvalue()), "dor.jpg")},
                    headers=h, content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["width"] == 640
    r = client.post(url, data={"file": (io.BytesIO(b"not an image"), "x.jpg")},
                    headers=h, content_type="multipart/form-data")
    assert r.status_code == 415 and r.content_type == "application/problem+json"
    r = client.post(url, json={}, headers=h)
    assert r.status_code == 415
    got = client.get(f"{API}/{world.project.id}/components/{component.id}", headers=h)
    assert len(got.get_json()["photos"]) == 1
