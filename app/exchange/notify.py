"""E-mail to the other side of a reservation, queued through the outbox (sent after commit).

Who gets it: on the buyer side the person who asked, on the seller side the person who
created the listing - as long as they are still active members; otherwise the
organisation's owners and admins.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, format_datetime, format_decimal
from flask_babel import lazy_gettext as _l

from app.accounts.models import ROLE_RANK, Organization, Role, User
from app.exchange.models import Reservation
from app.listings.forms import UNIT_LABELS
from app.listings.serialize import number
from app.mail import queue_mail, register_subject

SUBJECTS = {
    "reservation_requested": _l("Ny forespørsel om reservasjon: %(title)s"),
    "reservation_accepted": _l("Reservasjonen er godtatt: %(title)s"),
    "reservation_declined": _l("Reservasjonen ble avslått: %(title)s"),
    "reservation_listing_withdrawn": _l("Annonsen er trukket tilbake: %(title)s"),
    "reservation_cancelled": _l("Reservasjonen er avbrutt: %(title)s"),
    "reservation_expired": _l("Reservasjonen er utløpt: %(title)s"),
    "reservation_message": _l("Ny melding om reservasjonen: %(title)s"),
    "reservation_completed": _l("Overleveringen er registrert: %(title)s"),
    "handover_confirmed": _l("Den andre parten har bekreftet overleveringen: %(title)s"),
    "handover_reminder": _l("Påminnelse: bekreft overleveringen av %(title)s"),
}


def _subject(template: str):
    return lambda context: str(SUBJECTS[template]) % {"title": context["listing_title"]}


for _name in SUBJECTS:
    register_subject(_name, _subject(_name))


def contacts(reservation: Reservation, side: str) -> list[User]:
    """The people to tell on ``side`` ("buyer" or "seller")."""
    if side == "buyer":
        org, person = reservation.buyer_org, reservation.requested_by
    else:
        org, person = reservation.seller_org, reservation.listing.created_by
    if person is not None and person.active and person.role_in(org.id) is not None:
        return [person]
    return _admins(org)


def _admins(org: Organization) -> list[User]:
    return [m.user for m in sorted(org.memberships, key=lambda m: m.id)
            if m.user.active and ROLE_RANK[Role(m.role)] >= ROLE_RANK[Role.ADMIN]]


def context(reservation: Reservation, locale: str, **extra: Any) -> dict[str, Any]:
    """JSON-serialisable values for the mail templates, texts in the reader's language."""
    with force_locale(locale):
        unit = str(UNIT_LABELS.get(reservation.unit, reservation.unit))
        quantity = f"{format_decimal(number(reservation.quantity))} {unit}"  # 2,5 / 2.5
        pickup = format_datetime(reservation.pickup_at, "d. MMMM y 'kl.' HH:mm") \
            if reservation.pickup_at else ""
    return {
        "reservation_id": reservation.id,
        "listing_title": reservation.listing.title,
        "quantity": quantity,
        "buyer_org": reservation.buyer_org.name,
        "seller_org": reservation.seller_org.name,
        "pickup": pickup,
        "path": f"/reservations/{reservation.id}",
        **extra,
    }


def notify(reservation: Reservation, side: str, template: str, **extra: Any) -> None:
    """Queue ``template`` for the contacts on ``side``."""
    for user in contacts(reservation, side):
        queue_mail(user.email, template, user.locale or "nb",
                   **context(reservation, user.locale or "nb", **extra))


def other_side(side: str) -> str:
    return "seller" if side == "buyer" else "buyer"
