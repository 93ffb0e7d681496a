"""The API document is true: every /api/v1 route is in it, and it is valid OpenAPI 3.1."""

from openapi_spec_validator import validate

from tests.conftest import bearer
from tests.openapi_check import check_response


def _flask_routes(app) -> set[tuple[str, str]]:
    import re

    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def test_document_is_valid_openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.get_json())


def test_every_route_is_documented_and_every_documented_route_exists(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert _flask_routes(app) == documented


def test_responses_match_the_document(client, make):
    org = make.org("reuse_shop")
    user = make.user(org)
    token = make.token(user)
    for response in (
        client.get("/api/v1/me", headers=bearer(token)),
        client.get("/api/v1/me"),
        client.post("/api/v1/tokens", json={"name": "x"}, headers=bearer(token)),
        client.post("/api/v1/tokens", json={"name": "x" * 101}, headers=bearer(token)),
        client.get("/api/v1/tokens", headers=bearer(token)),
        client.delete("/api/v1/tokens/999999", headers=bearer(token)),
    ):
        check_response(response)
