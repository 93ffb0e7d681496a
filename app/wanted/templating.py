"""Template helpers for wanted requests and matches: labels and texts in the reader's
language."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from app import formatting
from app.listings.forms import CONDITION_LABELS, UNIT_LABELS
from app.matching import reasons, taxonomy
from app.wanted.models import RequestStatus
from app.wanted.services import STATUS_LABELS


def wanted_price_text(max_price_ore: int | None, unit: str) -> str:
    if max_price_ore is None:
        return _("Alle priser")
    if max_price_ore == 0:
        return _("Bare gratis")
    kroner = formatting.money(max_price_ore, decimals=False)
    return _("Høyst kr %(amount)s per %(unit)s", amount=kroner,
             unit=UNIT_LABELS.get(unit, unit))


def init_app(app: Flask) -> None:
    from flask_babel import get_locale

    app.jinja_env.globals.update(
        request_status_label=lambda s: STATUS_LABELS.get(RequestStatus(s), s),
        wanted_price_text=wanted_price_text,
        min_condition_label=lambda c: CONDITION_LABELS.get(c, c) if c else _("Alle"),
        category_name=lambda slug: taxonomy.name(slug, str(get_locale() or "nb")),
        local_date=lambda d, fmt="long": formatting.date(d, fmt),
        match_reasons=reasons.render,
        match_reason_summary=reasons.summary,
    )
