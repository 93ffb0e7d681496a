"""Match reasons as text, in the language of whoever reads them (rendered at display time).

``render(reasons)`` takes the stored ``[{"code", "params"}, ...]`` and returns strings such
as ``["samme kategori: Kontorstol", "3,2 km unna", "40 av 50 stk", "gratis"]`` in the
current locale (use ``flask_babel.force_locale`` for someone else's).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

from app.listings.forms import CONDITION_LABELS, UNIT_LABELS
from app.matching import taxonomy

SEPARATOR = " · "


def _locale() -> str:
    return str(get_locale() or "nb")


def _num(value) -> str:
    return format_decimal(Decimal(str(value)))


def _unit(unit: str) -> str:
    return str(UNIT_LABELS.get(unit, unit))


def _category(code_params: dict) -> str:
    locale = _locale()
    category = taxonomy.name(code_params["category"], locale)
    relation = code_params.get("relation")
    if relation == taxonomy.SAME:
        return _("samme kategori: %(category)s", category=category)
    if relation == taxonomy.PARENT:
        return _("%(category)s, i kategorien du ønsker (%(wanted)s)", category=category,
                 wanted=taxonomy.name(code_params["wanted"], locale))
    return _("beslektet kategori: %(category)s", category=category)


def render_one(reason: dict) -> str:  # noqa: C901 - one branch per code
    code, p = reason.get("code"), reason.get("params") or {}
    if code == "category":
        return _category(p)
    if code == "words":
        return _("treff på %(words)s", words=", ".join(f"«{w}»" for w in p["words"]))
    if code == "distance":
        return _("%(km)s km unna", km=_num(p["km"]))
    if code == "quantity":
        if p["available"] >= p["wanted"]:
            return _("alle %(n)s %(unit)s", n=_num(p["wanted"]), unit=_unit(p["unit"]))
        return _("%(available)s av %(wanted)s %(unit)s", available=_num(p["available"]),
                 wanted=_num(p["wanted"]), unit=_unit(p["unit"]))
    if code == "quantity_unit":
        return _("%(n)s %(unit)s (annen enhet enn ønsket)", n=_num(p["available"]),
                 unit=_unit(p["unit"]))
    if code == "free":
        return _("gratis")
    if code == "price":
        ore = int(p["ore"])
        amount = format_decimal(Decimal(ore) / 100,
                                format="#,##0.00" if ore % 100 else "#,##0")
        return _("kr %(amount)s per %(unit)s", amount=amount, unit=_unit(p["unit"]))
    if code == "condition":
        label = CONDITION_LABELS.get(p["condition"], p["condition"])
        return _("tilstand: %(label)s", label=str(label).lower())
    if code == "available_from":
        day = format_date(date.fromisoformat(p["date"]), "d. MMMM")
        if p.get("late"):
            return _("først tilgjengelig %(date)s, etter datoen dere trenger den", date=day)
        return _("tilgjengelig fra %(date)s", date=day)
    return str(code)


def render(reasons: list[dict]) -> list[str]:
    """Every reason as text in the current locale."""
    return [render_one(r) for r in reasons or []]


def summary(reasons: list[dict]) -> str:
    return SEPARATOR.join(render(reasons))
