"""Template helpers: labels for enum values; the formatting filters (app.formatting)."""

from __future__ import annotations

import jinja2
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


class Template(jinja2.Template):
    """Jinja's template, with imports that don't rebuild the set of global names.

    Every ``{% from "x.html" import y %}`` asks whether the importing context has globals
    the imported template lacks; Jinja answers by building the key set of the template's
    ``ChainMap`` of globals (some 80 names) on every import, about 40 µs each and some ten
    imports a listing page (profile in docs/benchmarks.md, session 6). The names are kept
    once per template; the answer is the same (a global added later is not among the kept
    names, so the import takes Jinja's own path and sees it).
    """

    def _get_default_module(self, ctx=None):
        if ctx is not None:
            names = self.__dict__.get("_global_names")
            if names is None:
                names = self._global_names = frozenset(self.globals)
            if ctx.globals_keys <= names:
                ctx = None  # nothing new to pass: the module rendered once serves
        return super()._get_default_module(ctx)


def init_app(app: Flask) -> None:
    app.jinja_env.template_class = Template  # before the first template loads
    formatting.init_app(app)  # number, kg, money, date, datetime, ... (+ the old names)
    app.jinja_env.globals.update(
        org_kind_label=lambda k: ORG_KIND_LABELS.get(k, k),
        role_label=lambda r: ROLE_LABELS.get(r, r),
        api_tokens=api_tokens,
        endpoint_exists=lambda name: name in app.view_functions,
    )
