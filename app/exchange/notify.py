"""Telling the other side of a reservation: an in-app notification and, as each person
chose for the kind, an e-mail (:func:`app.notifications.notify`; e-mail goes through the
outbox, after the commit).

Who is told: on the buyer side the person who asked, on the seller side the person who
created the listing - as long as they are still active members; otherwise the
organisation's owners and admins. Each mail template is also the notification kind.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import formatting, notifications
from app.accounts.models import ROLE_RANK, Organization, Role, User
from app.exchange.models import Reservation
from app.listings.forms import UNIT_LABELS
from app.mail import register_subject

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
    "payment_received": _l("Betaling mottatt: %(title)s"),
}


def _subject(template: str):
    return lambda context: str(SUBJECTS[template]) % {"title": context["listing_title"]}


for _name in SUBJECTS:
    register_subject(_name, _subject(_name))


def _line(text, **names: str):
    """An in-app line: ``text`` with ``title`` and the given params (name -> param)."""
    def render(params: dict[str, Any]) -> str:
        values = {name: params.get(key, "") for name, key in names.items()}
        return str(text) % {"title": params["listing_title"], **values}
    return render


#: (kind, settings group, settings label, in-app line). The line texts are marked for
#: translation here and translated when shown, in the reader's language.
KIND_TEXTS = (
    ("reservation_requested", "reservations", _l("Noen ber om å reservere fra oss"),
     _line(_l("%(org)s ber om å reservere «%(title)s»"), org="buyer_org")),
    ("reservation_accepted", "reservations", _l("Reservasjonen vår er godtatt"),
     _line(_l("%(org)s har godtatt reservasjonen av «%(title)s»"), org="seller_org")),
    ("reservation_declined", "reservations", _l("Reservasjonen vår er avslått"),
     _line(_l("%(org)s har avslått reservasjonen av «%(title)s»"), org="seller_org")),
    ("reservation_listing_withdrawn", "reservations",
     _l("Annonsen vi ba om, er trukket tilbake"),
     _line(_l("Annonsen «%(title)s» er trukket tilbake; forespørselen er avslått"))),
    ("reservation_cancelled", "reservations", _l("Den andre parten avbryter en reservasjon"),
     _line(_l("%(org)s har avbrutt reservasjonen av «%(title)s»"), org="by_org")),
    ("reservation_expired", "reservations", _l("En reservasjon er utløpt"),
     _line(_l("Reservasjonen av «%(title)s» er utløpt"))),
    ("reservation_message", "messages", _l("Ny melding om en reservasjon"),
     _line(_l("Ny melding fra %(author)s om «%(title)s»"), author="author")),
    ("handover_confirmed", "handover", _l("Den andre parten har bekreftet overleveringen"),
     _line(_l("%(org)s har bekreftet overleveringen av «%(title)s»"), org="by_org")),
    ("reservation_completed", "handover", _l("Overleveringen er registrert"),
     _line(_l("Overleveringen av «%(title)s» er registrert"))),
    ("handover_reminder", "handover", _l("Påminnelse om å bekrefte en overlevering"),
     _line(_l("Påminnelse: bekreft overleveringen av «%(title)s»"))),
    ("payment_received", "handover", _l("Betaling mottatt"),
     _line(_l("%(org)s har betalt %(amount)s for «%(title)s»"), org="buyer_org",
           amount="amount")),
)
for _kind, _group, _label, _render in KIND_TEXTS:
    notifications.register_kind(_kind, group=_group, label=_label, line=_render)

#: Context values kept with the in-app entry (short texts and ids; the rest is mail only).
PARAMS = ("reservation_id", "listing_title", "buyer_org", "seller_org", "by_org", "author",
          "amount")


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
        quantity = f"{formatting.number(reservation.quantity)} {unit}"  # 2,5 / 2.5
        pickup = formatting.datetime(reservation.pickup_at, "long")
        amount = _("kr %(amount)s", amount=formatting.money(reservation.amount_ore,
                                                           decimals=False))
    return {
        "reservation_id": reservation.id,
        "listing_title": reservation.listing.title,
        "quantity": quantity,
        "buyer_org": reservation.buyer_org.name,
        "seller_org": reservation.seller_org.name,
        "pickup": pickup,
        "amount": amount,
        "path": f"/reservations/{reservation.id}",
        **extra,
    }


def notify(reservation: Reservation, side: str, template: str,
           attachments: list[dict[str, str]] | None = None, **extra: Any) -> None:
    """Tell the contacts on ``side`` about ``template`` (the kind and its mail)."""
    for user in contacts(reservation, side):
        mail = context(reservation, user.locale or "nb", **extra)
        params = {key: mail[key] for key in PARAMS if isinstance(mail.get(key), str | int)}
        notifications.notify(user, template, path=mail["path"], params=params,
                             mail=(template, mail), attachments=attachments)


def other_side(side: str) -> str:
    return "seller" if side == "buyer" else "buyer"
