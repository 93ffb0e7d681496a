"""Template helpers: labels for enum values; the formatting filters (app.formatting)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_babel import lazy_gettext as _l

from app import formatting

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


#: Kroner from øre with two decimals ("1 250,50" / "1,250.50"); see app.formatting.
money = formatting.money


def init_app(app: Flask) -> None:
    formatting.init_app(app)  # number, kg, money, date, datetime, ... (+ the old names)
    app.jinja_env.globals.update(
        org_kind_label=lambda k: ORG_KIND_LABELS.get(k, k),
        role_label=lambda r: ROLE_LABELS.get(r, r),
        api_tokens=api_tokens,
        endpoint_exists=lambda name: name in app.view_functions,
    )
