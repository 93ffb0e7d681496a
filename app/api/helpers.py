"""Helpers shared by API modules: auth guards, JSON bodies, list envelopes, the list
endpoint with ``org=mine`` and the actions on an object the caller may change."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.common import user_or_none
from app.errors import ServiceError, ValidationFailed
from app.listings.categories import category_lookup, ids_with_descendants
from app.validation import MAX_PAGE

#: One page of rows and the total count, as the services' list functions return them.
Page = tuple[list[Any], int]


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


def page_json(items: list[Any], total: int, page: int, per_page: int,
              to_json: Callable[[Any], dict]) -> Response:
    """One page of rows as the list envelope."""
    return jsonify(envelope([to_json(x) for x in items], total, page, per_page))


def scoped_list(
    statuses: tuple[str, ...],
    *,
    public: Callable[[int, int, list[int] | None], Page],
    mine: Callable[[Any, int, int, str | None], Page],
    to_json: Callable[[Any], dict],
) -> Response:
    """A list endpoint: the public rows (``category`` with its children), or with
    ``org=mine`` every row of the caller's organisations (``status`` one of ``statuses``).

    ``public(page, per_page, category_ids)`` and ``mine(user, page, per_page, status)``
    return the page's rows and the total."""
    page, per_page = page_args()
    scope = request.args.get("org", "")
    status = request.args.get("status") or None
    errors: dict[str, list[str]] = {}
    if scope not in ("", "mine"):
        errors["org"] = [_("Bruk org=mine eller utelat parameteren.")]
    if status is not None and (scope != "mine" or status not in statuses):
        errors["status"] = [_("Bare sammen med org=mine; en av %(v)s.", v=", ".join(statuses))]
    category_ids = None
    if request.args.get("category"):
        category = category_lookup().get(request.args["category"].lower())
        if category is None:
            errors["category"] = [_("Ukjent kategori.")]
        else:
            category_ids = ids_with_descendants(category)
    if errors:
        raise ValidationFailed(errors)
    if scope == "mine":
        if user_or_none() is None:
            raise Unauthorized(_("Logg inn eller bruk en API-nøkkel."))
        items, total = mine(current_user, page, per_page, status)
    else:
        items, total = public(page, per_page, category_ids)
    return page_json(items, total, page, per_page, to_json)


def act_on(
    object_id: int,
    fetch: Callable[[int, Any], Any],
    change: Callable[[Any], Any],
    to_json: Callable[[Any], dict],
) -> Response:
    """``fetch(object_id, user)`` the object the caller may change (its 404 or 403),
    ``change`` it (a service that returns it) and answer with it as JSON."""
    return jsonify(to_json(change(fetch(object_id, current_user))))


def iso(dt) -> str | None:
    return dt.isoformat() if dt is not None else None
