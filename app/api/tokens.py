"""API tokens: create (the raw value is shown once), list, revoke."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify
from flask_login import current_user

from app.accounts import services
from app.accounts.models import ApiToken
from app.api import bp
from app.api.helpers import created, iso, json_body, login_required
from app.api.openapi import component, operation, path_id
from app.db import db
from app.validation import Field, Schema


class TokenCreate(Schema):
    fields = {"name": Field("string", max_length=100, description="A label, e.g. 'ERP import'")}


component("Token", {
    "type": "object",
    "required": ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "prefix": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "last_used_at": {"type": ["string", "null"], "format": "date-time"},
        "revoked_at": {"type": ["string", "null"], "format": "date-time"},
        "token": {"type": "string", "description": "Only in the answer to create."},
    },
})


def token_json(token: ApiToken) -> dict:
    return {"id": token.id, "name": token.name, "prefix": token.prefix,
            "created_at": iso(token.created_at), "last_used_at": iso(token.last_used_at),
            "revoked_at": iso(token.revoked_at)}


@bp.post("/tokens")
@login_required
def create_token():
    data = TokenCreate.load(json_body())
    token, raw = services.create_api_token(current_user, data.get("name", ""))
    return created(dict(token_json(token), token=raw), f"/api/v1/tokens/{token.id}")


@bp.get("/tokens")
@login_required
def list_tokens():
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id)
    ).all()
    items = [token_json(t) for t in tokens]
    return jsonify({"items": items, "total": len(items), "page": 1, "per_page": len(items)})


@bp.delete("/tokens/<int:token_id>")
@login_required
def revoke_token(token_id: int):
    token = services.revoke_api_token(current_user, token_id)
    return jsonify(token_json(token))


operation("/tokens", "post", "Create an API token", body=TokenCreate,
          responses={201: "Token"}, tags=("accounts",))
operation("/tokens", "get", "List my API tokens",
          responses={200: {"type": "object", "properties": {
              "items": {"type": "array", "items": {"$ref": "#/components/schemas/Token"}},
              "total": {"type": "integer"}, "page": {"type": "integer"},
              "per_page": {"type": "integer"}}}}, tags=("accounts",))
operation("/tokens/{token_id}", "delete", "Revoke an API token",
          params=[path_id("token_id")],
          responses={200: "Token"}, errors=(404, 409), tags=("accounts",))
