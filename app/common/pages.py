"""Page helpers shared by the listing pages and the wanted-request pages.

The public browse pages (optionally narrowed to a category with its subcategories) and
the organisation's own list (optionally filtered by status) work alike; each domain
passes its query, its statuses and its template. Nothing here builds a form, so the
public pages stay free of CSRF tokens. The create/edit forms share how they are prepared
and how their values become service input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user

from app.listings.categories import category_lookup, ids_with_descendants
from app.listings.forms import category_choices, category_groups, organization_choices
from app.listings.serialize import number


def locale() -> str:
    return str(get_locale() or "nb")


def page_number() -> int:
    """The ``page`` query parameter: a whole number from 1, else 1."""
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and int(page) > 0 else 1


def render_list(template: str, items: list, total: int, page: int, per_page: int,
                **context):
    return render_template(template, items=items, total=total, page=page,
                           pages=max(1, -(-total // per_page)), **context)


def browse(query: Callable[[int, int, list[int] | None], tuple[list, int]], template: str,
           per_page: int):
    """A public list page; ``?category=`` (slug or name) narrows it to that category and
    its subcategories."""
    page = page_number()
    category = category_lookup().get((request.args.get("category") or "").lower())
    ids = None
    if category is not None:
        ids = ids_with_descendants(category)
    items, total = query(page, per_page, ids)
    return render_list(template, items, total, page, per_page, category=category,
                       categories=category_groups(locale()))


def mine(query: Callable[..., tuple[list, int]], statuses: Iterable[Enum], template: str,
         per_page: int):
    """The current user's organisations' own list; ``?status=`` filters by a known status."""
    page = page_number()
    status = request.args.get("status") or None
    if status not in {s.value for s in statuses}:
        status = None
    items, total = query(current_user, page, per_page, status)
    return render_list(template, items, total, page, per_page, status=status)


# --- create and edit forms -----------------------------------------------------------


def prepare_form(form, categories, new: bool) -> None:
    """Category choices (``categories`` is the form's category field) in the reader's
    language; the organisation to choose only for a new one (it cannot change)."""
    categories.choices = category_choices(locale())
    if new:
        form.organization_id.choices = organization_choices(current_user)
    else:
        del form.organization_id


def decimal_text(value) -> str:
    """A stored number as the form shows it: decimal comma, empty for none."""
    return "" if value is None else str(number(value)).replace(".", ",")


def kroner_text(ore: int) -> str:
    """øre as kroner for a form: "125", "125,50"."""
    return (f"{ore / 100:.2f}" if ore % 100 else str(ore // 100)).replace(".", ",")


def submitted_values(form, fields: Iterable[str],
                     initial: Mapping[str, Any] | None) -> dict[str, Any]:
    """The form's values (texts stripped) as service input: every field for a new one
    (``initial`` None), the changed ones for an edit. A new postcode without a new
    point clears lat/lng, so the postcode moves the point."""
    data: dict[str, Any] = {}
    for name in fields:
        value = form[name].data
        value = value.strip() if isinstance(value, str) else value
        if initial is None or value != initial[name]:
            data[name] = value
    if initial is not None and "postcode" in data and "lat" not in data and "lng" not in data:
        data["lat"] = data["lng"] = ""  # a new postcode moves the point
    return data
