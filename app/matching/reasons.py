"""Match reasons as text, in the language of whoever reads them (rendered at display time).

``render(reasons)`` takes the stored ``[{"code", "params"}, ...]`` and returns strings such
as ``["samme kategori: Kontorstol", "treff på «kontorstoler»", "3,2 km unna",
"40 av 50 stk", "50 kr per stk"]`` in the current locale (use ``flask_babel.force_locale``
for someone else's). Amounts are written as people write them: "1 stk", "alle 10 stk",
"50 kr per m²" (one message per unit, with plural forms, so a translation can say
"NOK 50 each" or "all 10 pieces").
"""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from app import formatting
from app.listings.forms import CONDITION_LABELS, UNIT_LABELS
from app.matching import taxonomy

SEPARATOR = " · "


def _locale() -> str:
    return str(get_locale() or "nb")


def _num(value) -> str:
    return formatting.number(value)


def _unit(unit: str) -> str:
    return str(UNIT_LABELS.get(unit, unit))


def _amount(value, unit: str) -> str:
    """A quantity with its unit: "1 stk", "10 stk", "2,5 m²"."""
    count = _num(value)
    if unit == "pcs":
        return ngettext("%(count)s stk", "%(count)s stk", _plural(value), count=count)
    if unit == "m":
        return ngettext("%(count)s meter", "%(count)s meter", _plural(value), count=count)
    if unit == "m2":
        return _("%(count)s m²", count=count)
    if unit == "m3":
        return _("%(count)s m³", count=count)
    if unit == "kg":
        return _("%(count)s kg", count=count)
    return f"{count} {_unit(unit)}"


def _plural(value) -> int:
    """The number that picks a plural form: whole numbers as they are, 2,5 as many."""
    number = float(value)
    return int(number) if number.is_integer() else 2


def _price(ore: int, unit: str) -> str:
    amount = formatting.money(ore, decimals=False)
    if unit == "pcs":
        return _("%(amount)s kr per stk", amount=amount)
    if unit == "m":
        return _("%(amount)s kr per meter", amount=amount)
    if unit == "m2":
        return _("%(amount)s kr per m²", amount=amount)
    if unit == "m3":
        return _("%(amount)s kr per m³", amount=amount)
    if unit == "kg":
        return _("%(amount)s kr per kg", amount=amount)
    return _("%(amount)s kr per %(unit)s", amount=amount, unit=_unit(unit))


def _quantity(p: dict) -> str:
    available, wanted, unit = p["available"], p["wanted"], p["unit"]
    if available >= wanted:
        if float(wanted) <= 1:
            return _amount(wanted, unit)
        return _("alle %(amount)s", amount=_amount(wanted, unit))
    return _("%(available)s av %(amount)s", available=_num(available),
             amount=_amount(wanted, unit))


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
    if code == "synonyms":
        return ", ".join(_("«%(found)s» passer til «%(wanted)s»", found=found, wanted=wanted)
                         for found, wanted in p["pairs"])
    if code == "whole":
        return _("nevner ikke delene dere ser etter")
    if code == "distance":
        return _("%(km)s km unna", km=_num(p["km"]))
    if code == "quantity":
        return _quantity(p)
    if code == "quantity_unit":
        return _("%(amount)s (annen enhet enn ønsket)",
                 amount=_amount(p["available"], p["unit"]))
    if code == "free":
        return _("gratis")
    if code == "price":
        return _price(int(p["ore"]), p["unit"])
    if code == "condition":
        label = CONDITION_LABELS.get(p["condition"], p["condition"])
        return _("tilstand: %(label)s", label=str(label).lower())
    if code == "available_from":
        day = formatting.date(date.fromisoformat(p["date"]), "day")
        if p.get("late"):
            return _("først tilgjengelig %(date)s, etter datoen dere trenger den", date=day)
        return _("tilgjengelig fra %(date)s", date=day)
    return str(code)


def render(reasons: list[dict]) -> list[str]:
    """Every reason as text in the current locale."""
    return [render_one(r) for r in reasons or []]


def summary(reasons: list[dict]) -> str:
    return SEPARATOR.join(render(reasons))
