"""Template helpers: labels for enum values, formatting in Europe/Oslo."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_babel import format_datetime, format_decimal
from flask_babel import lazy_gettext as _l

ORG_KIND_LABELS = {
    "business": _l("Bedrift"),
    "reuse_shop": _l("Ombruksbutikk"),
    "municipality": _l("Kommune"),
    "nonprofit": _l("Frivillig organisasjon"),
}
ROLE_LABELS = {"owner": _l("Eier"), "admin": _l("Administrator"), "member": _l("Medlem")}


def api_tokens(user):
    from app.accounts.models import ApiToken
    from app.db import db

    return db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).all()


def money(ore: int | None) -> str:
    """Kroner from øre with two decimals in the reader's locale ("1 250,50" / "1,250.50")."""
    return format_decimal((ore or 0) / 100, format="#,##0.00")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetimeformat"] = lambda dt, fmt="short": format_datetime(dt, fmt)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["decimal"] = lambda value: format_decimal(value)
    app.jinja_env.globals.update(
        org_kind_label=lambda k: ORG_KIND_LABELS.get(k, k),
        role_label=lambda r: ROLE_LABELS.get(r, r),
        api_tokens=api_tokens,
        endpoint_exists=lambda name: name in app.view_functions,
    )
