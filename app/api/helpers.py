"""Helpers shared by API modules: auth guards, JSON bodies, list envelopes."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import ServiceError, ValidationFailed
from app.validation import MAX_PAGE


class Unauthorized(ServiceError):
    status = 401
    title = "Unauthorized"


class UnsupportedMediaType(ServiceError):
    status = 415
    title = "Unsupported Media Type"


def login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            raise Unauthorized(_("Logg inn eller bruk en API-nøkkel."))
        return view(*args, **kwargs)

    return wrapper


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/400 problem."""
    if not request.is_json:
        raise UnsupportedMediaType(_("Send JSON med Content-Type: application/json."))
    data = request.get_json(silent=True)
    if data is None:
        raise ServiceError(_("Ugyldig JSON."))
    if not isinstance(data, dict):
        raise ValidationFailed({"_body": [_("Forventet et JSON-objekt.")]})
    return data


def created(body: dict[str, Any], location: str):
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


def page_args(max_per_page: int = 100) -> tuple[int, int]:
    """``page`` and ``per_page`` from the query string (empty counts as absent)."""
    errors: dict[str, list[str]] = {}
    page = _whole(request.args.get("page"), 1, MAX_PAGE)
    if page is None:
        errors["page"] = [_("Må være et heltall fra %(low)s til %(high)s.", low=1, high=MAX_PAGE)]
    per_page = _whole(request.args.get("per_page"), 20, max_per_page)
    if per_page is None:
        errors["per_page"] = [_("Må være et heltall fra 1 til %(n)s.", n=max_per_page)]
    if errors:
        raise ValidationFailed(errors)
    return page, per_page


def _whole(raw: str | None, default: int, high: int) -> int | None:
    """A whole number from 1 to ``high`` written in ASCII digits, else None."""
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not 1 <= int(raw) <= high:
        return None
    return int(raw)


def envelope(items: list[dict], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def iso(dt) -> str | None:
    return dt.isoformat() if dt is not None else None
