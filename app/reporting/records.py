"""The per-record export: every ledger row completed in a period, reversals included
and marked (``kind``, ``reverses_id``, ``reason``), streamed in id order.

Rows are read in batches through a server-side cursor on PostgreSQL (``stream_results``
and ``yield_per``), so memory stays flat however many rows there are. Times are ISO 8601
in Europe/Oslo with the offset; weights in kg to the gram; prices in kroner.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.exchange.models import ReuseRecord as R
from app.reporting.exports import Column, Table
from app.reporting.periods import OSLO, Period

BATCH = 10_000
_SELECTED = (R.id, R.kind, R.reverses_id, R.replaces_id, R.completed_at, R.municipality_number,
             R.district, R.giver_org_id, R.giver_orgnr, R.giver_kind, R.receiver_org_id,
             R.receiver_orgnr, R.receiver_kind, R.eu_category, R.category_slug, R.quantity,
             R.unit, R.kg, R.weight_method, R.channel, R.waste_origin, R.price_ore,
             R.payment_method, R.factor_id, R.factor_version, R.factor_value,
             R.factor_is_default, R.co2e_kg, R.reason, R.recorded_at, R.giver_verified,
             R.receiver_verified)


def columns(local_time: bool = False) -> list[Column]:
    """The export's columns; ``local_time`` adds a typed Oslo date-time (for XLSX, which
    has no time zones)."""
    cols = [
        Column("id", _("Post-id"), "int"), Column("kind", _("Type post")),
        Column("reverses_id", _("Reverserer post"), "int"),
        Column("replaces_id", _("Korrigerer post"), "int"),
        Column("completed_at", _("Fullført (ISO 8601, Europe/Oslo)"), "iso"),
    ]
    if local_time:
        cols.append(Column("completed_local", _("Fullført (norsk tid)"), "datetime"))
    cols += [
        Column("municipality_number", _("Kommunenummer")), Column("district", _("Bydel")),
        Column("giver_org_id", _("Giver (id)"), "int"),
        Column("giver_orgnr", _("Giver org.nr.")), Column("giver_kind", _("Givertype")),
        Column("receiver_org_id", _("Mottaker (id)"), "int"),
        Column("receiver_orgnr", _("Mottaker org.nr.")),
        Column("receiver_kind", _("Mottakertype")),
        Column("eu_category", _("EU-kategori")), Column("category", _("Kategori")),
        Column("quantity", _("Antall"), "decimal"), Column("unit", _("Enhet")),
        Column("kg", _("Kg"), "kg"), Column("weight_method", _("Vektmetode")),
        Column("channel", _("Kanal")), Column("waste_origin", _("Fra avfallsstrømmen"), "bool"),
        Column("price_nok", _("Pris (kr)"), "money"), Column("gift", _("Gave"), "bool"),
        Column("payment_method", _("Betalingsmåte")),
        Column("factor_id", _("Faktor-id"), "int"),
        Column("factor_version", _("Faktorversjon"), "int"),
        Column("factor_value", _("Faktor (kg CO2e per kg)"), "factor"),
        Column("factor_is_default", _("Standardfaktor"), "bool"),
        Column("co2e_kg", _("Estimert unngått utslipp (kg CO2e)"), "kg"),
        Column("reason", _("Begrunnelse")),
        Column("recorded_at", _("Registrert (ISO 8601, Europe/Oslo)"), "iso"),
        # Whether each organisation was verified when the record was written (the EU
        # table counts a record only when both were).
        Column("giver_verified", _("Giver verifisert"), "bool"),
        Column("receiver_verified", _("Mottaker verifisert"), "bool"),
    ]
    return cols


def _query(period: Period):
    start, end = period.utc_bounds()
    return (sa.select(*_SELECTED).where(R.completed_at >= start, R.completed_at < end)
            .order_by(R.id))


def count(session: Session, period: Period) -> int:
    start, end = period.utc_bounds()
    return session.scalar(sa.select(sa.func.count(R.id)).where(
        R.completed_at >= start, R.completed_at < end)) or 0


def rows(session: Session, period: Period, local_time: bool = False) -> Iterator[tuple]:
    """Typed rows in :func:`columns` order, streamed in batches."""
    result = session.connection().execute(
        _query(period).execution_options(stream_results=True, yield_per=BATCH))
    for (id_, kind, reverses, replaces, completed, municipality, district, giver_id,
         giver_orgnr, giver_kind, receiver_id, receiver_orgnr, receiver_kind, eu, category,
         quantity, unit, kg, weight_method, channel, waste, price_ore, payment, factor_id,
         factor_version, factor_value, factor_default, co2e, reason, recorded, giver_verified,
         receiver_verified) in result:
        local = completed.astimezone(OSLO)
        head = (id_, kind, reverses, replaces, local.isoformat(timespec="seconds"))
        if local_time:
            head += (local.replace(tzinfo=None),)
        yield head + (
            municipality, district, giver_id, giver_orgnr, giver_kind, receiver_id,
            receiver_orgnr, receiver_kind, eu, category, quantity, unit, kg, weight_method,
            channel, bool(waste), Decimal(price_ore).scaleb(-2), price_ore == 0, payment,
            factor_id, factor_version, factor_value, bool(factor_default), co2e, reason,
            recorded.astimezone(OSLO).isoformat(timespec="seconds"), bool(giver_verified),
            bool(receiver_verified))


def records_table(session: Session, period: Period, local_time: bool = False) -> Table:
    return Table(_("Poster"), _("Poster i hovedboken, %(a)s til %(b)s", a=period.start,
                                b=period.end),
                 columns(local_time), rows(session, period, local_time))
