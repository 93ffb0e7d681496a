"""Template helpers for reservations: labels in the reader's language, the reserve box."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.exchange.models import LISTING_WITHDRAWN, ReservationStatus

PAYMENT_LABELS = {
    "not_required": _l("Gave (gratis)"),
    "pending": _l("Venter på betaling"),
    "due_at_pickup": _l("Betaling ved henting"),
    "paid_at_pickup": _l("Betalt ved henting"),
    "paid": _l("Betalt"),
    "refund_due": _l("Skal tilbakebetales"),
    "refunded": _l("Tilbakebetalt"),
    "void": _l("Ingen betaling"),
}
#: ``end_reason`` codes set by the system (other reasons are the decider's own words).
END_REASON_LABELS = {LISTING_WITHDRAWN: _l("annonsen ble trukket tilbake")}
WEIGHT_METHOD_LABELS = {"weighed": _l("veid"), "estimated": _l("anslått")}
SIDE_LABELS = {"buyer": _l("mottaker"), "seller": _l("giver")}
SCOPE_LABELS = {"category": _l("Kategori"), "eu_category": _l("EU-kategori"),
                "default": _l("Standard for alle kategorier")}
ROUTE_LABELS = {"reuse": _l("direkte ombruk"),
                "preparing_for_reuse": _l("etter klargjøring for ombruk")}
KIND_LABELS = {"gross": _l("brutto"), "net": _l("netto")}
EU_LABELS = {"textiles": _l("Tekstiler"), "eee": _l("Elektrisk og elektronisk utstyr"),
             "furniture": _l("Møbler"), "construction": _l("Byggematerialer og byggevarer"),
             "other": _l("Andre produkter")}


def reservation_status_label(status: str) -> str:
    from app.exchange.services import STATUS_LABELS

    return str(STATUS_LABELS.get(ReservationStatus(status), status))


def factor_subject(factor, locale: str = "nb") -> str:
    """What a factor applies to, in the reader's language."""
    if factor.scope == "default":
        return str(SCOPE_LABELS["default"])
    if factor.scope == "eu_category":
        return f"{EU_LABELS.get(factor.key, factor.key)} ({SCOPE_LABELS['eu_category']})"
    from app.listings.categories import category_lookup

    category = category_lookup().get(factor.key)
    return category.name(locale) if category is not None else factor.key


def init_app(app: Flask) -> None:
    from app.exchange.views import reserve_form, waiting_requests

    app.jinja_env.globals.update(
        reservation_status_label=reservation_status_label,
        payment_label=lambda s: PAYMENT_LABELS.get(s, s),
        end_reason_text=lambda r: END_REASON_LABELS.get(r, r),
        weight_method_label=lambda m: WEIGHT_METHOD_LABELS.get(m, m or ""),
        side_label=lambda s: SIDE_LABELS.get(s, s),
        factor_subject=factor_subject,
        factor_route_label=lambda r: ROUTE_LABELS.get(r, r),
        factor_kind_label=lambda k: KIND_LABELS.get(k, k),
        reserve_form=reserve_form,
        waiting_requests=waiting_requests,
    )
