"""The OpenAPI 3.1 document, assembled from declarations next to each endpoint.

Each API module calls :func:`operation` for its routes and :func:`component` for its
shapes. A test checks that every ``/api/v1`` rule is documented and that responses
seen in the test-suite match the document.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from app.api import bp
from app.validation import MAX_ID, MAX_PAGE

_COMPONENTS: dict[str, dict] = {}
_OPERATIONS: dict[str, dict[str, dict]] = {}

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "string"}}},
    },
}

#: An object's owning organisation, as the serializers give it.
ORGANIZATION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "verification": {"type": "string",
                     "enum": ["unverified", "verified", "rejected", "suspended"],
                     "description": "The organisation's verification state: checked against "
                     "Enhetsregisteret or decided by a site admin."}}}

ERROR_TEXT = {
    400: "Malformed request", 401: "No or bad credentials", 403: "Not allowed",
    404: "Unknown (also another organisation's private object)",
    409: "State or quantity conflict", 413: "Too large", 415: "Unsupported media type",
    422: "Invalid fields", 429: "Too many requests",
}


# Answered by the HTTP server (gunicorn) before the app sees the request, as HTML.
SERVER_LIMITS = {
    414: "Request line too long (the server's limit: 4094 bytes)",
    431: "Request header fields too large (the server's limit: 8190 bytes a field)",
}


def component(name: str, schema: dict) -> dict:
    _COMPONENTS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(name: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {
            "items": {"type": "array", "items": ref(name)},
            "total": {"type": "integer"}, "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    }


def query(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    """A query parameter. An optional one sent empty (``?page=``, as an HTML form sends
    it) counts as absent: ``allowEmptyValue`` says so."""
    param = {"name": name, "in": "query", "required": required, "schema": schema,
             "description": description}
    if not required:
        param["allowEmptyValue"] = True
    return param


def page_params(max_per_page: int = 100) -> list[dict]:
    return [query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
            query("per_page", {"type": "integer", "minimum": 1, "maximum": max_per_page,
                               "default": 20})]


def scoped_list_params(noun: str, statuses: tuple[str, ...]) -> list[dict]:
    """The query of a :func:`app.api.helpers.scoped_list` endpoint (``noun``: "listing")."""
    return [query("org", {"type": "string", "enum": ["mine"]},
                  f"mine: every {noun} of my organisations, any status"),
            query("status", {"type": "string", "enum": list(statuses)}, "Only with org=mine"),
            query("category", {"type": "string"}, "Category slug, with its children"),
            *page_params()]


def path_id(name: str = "id") -> dict:
    """An id in the path; a larger one than any row can have does not match the route."""
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def operation(
    path: str,
    method: str,
    summary: str,
    *,
    responses: dict[int, Any],
    body: Any = None,
    body_content_type: str = "application/json",
    params: list[dict] | None = None,
    errors: tuple[int, ...] = (),
    auth: bool = True,
    tags: tuple[str, ...] = (),
    content_types: dict[int, str] | None = None,
) -> None:
    """Declare one endpoint. ``responses`` maps status to a schema (dict), a component
    name (str) or None for no body; ``body`` is a validation.Schema class or a dict."""
    op: dict[str, Any] = {"summary": summary, "tags": list(tags), "responses": {}}
    if params:
        op["parameters"] = params
    if body is not None:
        schema = body.json_schema() if hasattr(body, "json_schema") else body
        op["requestBody"] = {"required": True, "content": {body_content_type: {"schema": schema}}}
    for status, schema in responses.items():
        ctype = (content_types or {}).get(status, "application/json")
        description = "OK" if status < 300 else ERROR_TEXT.get(status, "")
        entry: dict[str, Any] = {"description": description}
        if isinstance(schema, str):
            schema = ref(schema)
        if schema is not None:
            entry["content"] = {ctype: {"schema": schema}}
        op["responses"][str(status)] = entry
    # 401 also for public operations: a bad, expired or revoked token is refused anywhere;
    # 400 everywhere: a query with NUL bytes or invalid Unicode is refused (app/inputs.py).
    codes = set(errors) | {400, 401}
    if body is not None:
        codes |= {400, 413, 415, 422}
    for status in sorted(codes):
        op["responses"][str(status)] = {
            "description": ERROR_TEXT.get(status, ""),
            "content": {"application/problem+json": {"schema": ref("Problem")}},
        }
    # Public operations take credentials too (an organisation's drafts, for instance).
    for status, text in SERVER_LIMITS.items():
        op["responses"][str(status)] = {
            "description": text, "content": {"text/html": {"schema": {"type": "string"}}}}
    op["security"] = [{"bearer": []}, {"session": []}] + ([] if auth else [{}])
    _OPERATIONS.setdefault(path, {})[method.lower()] = op


def document(server_url: str = "/") -> dict:
    components = {"Problem": PROBLEM, **_COMPONENTS}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kretsløp API",
            "version": "1.0.0",
            "description": "Reuse marketplace API. Prices in NOK (`price_nok`, two decimals at "
            "most), weights in kg, times in ISO 8601 with offset.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": server_url}],
        "paths": {f"/api/v1{p}": ops for p, ops in sorted(_OPERATIONS.items())},
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(document(request.host_url))


operation("/openapi.json", "get", "This document", responses={200: {"type": "object"}},
          auth=False, tags=("meta",))
