"""``/api/v1/listings/<id>/questions``: asking, answering and reading through the API; every
response is checked against the OpenAPI document."""

from __future__ import annotations

import sqlalchemy as sa

from app.db import db
from app.questions.models import QuestionMessage


def test_ask_answer_and_read_through_the_api(api, make_listing, seller, buyer, stranger):
    listing = make_listing()
    path = f"/listings/{listing.id}/questions"
    asked = api.post(path, buyer.token, json={"body": "Er det fem like?"})
    assert asked.status_code == 201
    body = asked.get_json()
    assert body["organization"]["id"] == buyer.org.id and body["body"] == "Er det fem like?"
    thread_id = body["thread_id"]
    answered = api.post(path, seller.token, json={"body": "Ja.", "asker_org_id": buyer.org.id})
    assert answered.status_code == 201 and answered.get_json()["thread_id"] == thread_id
    as_buyer = api.get(path, buyer.token).get_json()
    assert as_buyer["total"] == 1
    thread = as_buyer["items"][0]
    assert [m["body"] for m in thread["messages"]] == ["Er det fem like?", "Ja."]
    assert thread["waiting_for_lister"] is False and thread["url"] == f"/questions/{thread_id}"
    assert api.get(path, seller.token).get_json()["total"] == 1
    assert api.get(path, stranger.token).get_json()["items"] == []  # not theirs to read


def test_bad_calls_are_refused_and_change_nothing(api, make_listing, seller, buyer):
    listing = make_listing()
    path = f"/listings/{listing.id}/questions"
    assert api.post(path, buyer.token, json={"body": ""}).status_code == 422
    assert api.post(path, buyer.token, json={"body": "x" * 2001}).status_code == 422
    assert api.post(path, buyer.token, json={}).status_code == 422
    assert api.post(path, buyer.token, data="ikke json").status_code == 415
    wrong_org = api.post(path, buyer.token, json={"body": "Hei", "organization_id": seller.org.id})
    assert wrong_org.status_code == 422 and "organization_id" in wrong_org.get_json()["errors"]
    # the lister answering a thread that does not exist
    assert api.post(path, seller.token, json={"body": "Hei",
                                              "asker_org_id": buyer.org.id}).status_code == 404
    assert api.post(path, json={"body": "Hei"}).status_code == 401
    assert api.get("/listings/999999/questions", buyer.token).status_code == 404
    response = api.post(path, buyer.token, json={"body": ""})
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert db.session.scalar(sa.select(sa.func.count(QuestionMessage.id))) == 0
