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


def test_public_operations_document_the_401_for_a_bad_token(client):
    """Found by schemathesis (issue 9): a revoked or unknown token is refused on public
    operations too, with a 401 the document did not list."""
    for path in ("/api/v1/listings", "/api/v1/categories", "/api/v1/search",
                 "/api/v1/requests/1", "/api/v1/emission-factors"):
        response = client.get(path, headers=bearer("kl_revoked-or-made-up"))
        assert response.status_code == 401, path
        check_response(response)
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], (method, path)


def test_ids_and_pages_have_the_limits_the_api_applies(client):
    from app.validation import MAX_ID, MAX_PAGE

    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for param in operation.get("parameters", []):
                if param["in"] == "path":
                    assert param["schema"] == {"type": "integer", "minimum": 1,
                                               "maximum": MAX_ID}, path
                if param["name"] == "page":
                    assert param["schema"]["maximum"] == MAX_PAGE, path
                if param["in"] == "query" and not param["required"]:
                    assert param["allowEmptyValue"] is True, (path, param["name"])
