"""``GET /api/v1/me``: the caller, their organisations and roles."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from app.api import bp
from app.api.helpers import login_required
from app.api.openapi import component, operation

ORG = component("Organization", {
    "type": "object",
    "required": ["id", "name", "kind", "orgnr", "role"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["business", "reuse_shop", "municipality",
                                             "nonprofit"]},
        "orgnr": {"type": ["string", "null"]}, "postcode": {"type": "string"},
        "municipality_number": {"type": "string"},
        "role": {"type": "string", "enum": ["owner", "admin", "member"]},
        "verification": {
            "type": "string", "enum": ["unverified", "verified", "rejected", "suspended"],
            "description": "Checked against Enhetsregisteret or decided by a site admin."},
        "registry_form": {"type": "string", "description": "Enhetsregisteret's "
                          "organisasjonsform.kode (AS, ENK, KOMM, ...); empty if not known."},
        "has_municipal_access": {
            "type": "boolean", "description": "Reads the municipal reports: a verified KOMM "
            "or FYLK, or granted by a site admin (the chosen kind gives nothing)."},
    },
})
component("Me", {
    "type": "object",
    "required": ["id", "email", "name", "locale", "is_site_admin", "can_see_reporting",
                 "organizations"],
    "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
        "locale": {"type": "string"}, "is_site_admin": {"type": "boolean"},
        "can_see_reporting": {"type": "boolean"},
        "organizations": {"type": "array", "items": ORG},
    },
})


def organization_json(org, role: str | None = None) -> dict:
    return {
        "id": org.id, "name": org.name, "kind": org.kind, "orgnr": org.orgnr,
        "postcode": org.postcode, "municipality_number": org.municipality_number,
        "role": role, "verification": org.verification_state,
        "registry_form": org.registry_form or "",
        "has_municipal_access": org.has_municipal_access,
    }


@bp.get("/me")
@login_required
def me():
    user = current_user
    return jsonify({
        "id": user.id, "email": user.email, "name": user.name, "locale": user.locale,
        "is_site_admin": user.is_site_admin, "can_see_reporting": user.can_see_reporting,
        "organizations": [organization_json(m.organization, m.role) for m in user.memberships],
    })


operation("/me", "get", "The calling user, organisations and roles", responses={200: "Me"},
          tags=("accounts",))
