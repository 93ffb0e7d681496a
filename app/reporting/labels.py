"""Names for report keys and columns, in the reader's language (bokmål first)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: EU 2021/19 categories in the order of the Decision's table.
EU_CATEGORIES = ("textiles", "eee", "furniture", "construction", "other")
EU_LABELS = {
    "textiles": _l("Tekstiler"),
    "eee": _l("Elektrisk og elektronisk utstyr"),
    "furniture": _l("Møbler"),
    "construction": _l("Byggematerialer og byggevarer"),
    "other": _l("Andre produkter"),
}
ORG_KINDS = ("business", "reuse_shop", "municipality", "nonprofit")
WEIGHT_METHODS = {"weighed": _l("veid"), "estimated": _l("anslått")}
RECORD_KINDS = {"handover": _l("overlevering"), "reversal": _l("reversering"),
                "correction": _l("korreksjon")}
GROUP_BY_LABELS = {
    "eu_category": _l("EU-kategori"), "category": _l("Kategori"), "month": _l("Måned"),
    "year": _l("År"), "district": _l("Bydel/lokalsamfunn"),
    "org_kind": _l("Organisasjonstype"), "organization": _l("Organisasjon"),
    "municipality": _l("Kommune"),
}
SIDE_LABELS = {"giver": _l("som giver"), "receiver": _l("som mottaker")}
MONTHS = (_l("jan."), _l("feb."), _l("mars"), _l("april"), _l("mai"), _l("juni"),
          _l("juli"), _l("aug."), _l("sep."), _l("okt."), _l("nov."), _l("des."))


def eu_label(key: str) -> str:
    return str(EU_LABELS.get(key, key))


def org_kind_label(key: str) -> str:
    from app.templating import ORG_KIND_LABELS

    return str(ORG_KIND_LABELS.get(key, key))


def district_label(key: str) -> str:
    return key or _("Ukjent (postnummer utenfor tabellen)")


def municipality_label(number: str) -> str:
    from app.listings.postcodes import MUNICIPALITY_NUMBERS

    names = {v: k for k, v in MUNICIPALITY_NUMBERS.items()}
    return f"{number} {names[number]}" if number in names else number


def month_label(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


def category_names(locale: str = "nb") -> dict[str, str]:
    from app.listings.categories import all_categories

    return {c.slug: c.name(locale) for c in all_categories()}


def organization_names(ids) -> dict[str, str]:
    import sqlalchemy as sa

    from app.accounts.models import Organization
    from app.db import db

    wanted = [int(i) for i in ids if str(i).isdigit()]
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(Organization.id, Organization.name, Organization.orgnr)
                              .where(Organization.id.in_(wanted))).all()
    return {str(i): f"{name} ({orgnr})" if orgnr else name for i, name, orgnr in rows}
