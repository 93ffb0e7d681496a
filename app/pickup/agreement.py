"""Agreeing a pickup time on a reservation, its calendar invitations and the reminder.

* The buyer may propose a time when reserving (inside the listing's windows, when it has
  any); the seller's acceptance agrees it (or the seller gives another time).
* After acceptance either side may set or change the time (the buyer inside the
  windows; the seller freely). Every agreed or changed time e-mails both sides an
  ``.ics`` with METHOD:REQUEST: the UID is made once per reservation and kept, SEQUENCE
  goes up by one with every change.
* A reservation with an agreed time that is declined, cancelled or expired sends
  METHOD:CANCEL (same UID, SEQUENCE up, STATUS:CANCELLED).
* ``send_day_before`` (from ``exchange remind``, nightly) reminds both sides once, the
  Oslo day before; ``pickup_reminded_at`` records it (a changed time is reminded again).

Services flush, never commit; e-mails go through ``app.notifications.notify`` (outbox).
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import formatting, notifications
from app.db import db, utcnow
from app.errors import ValidationFailed
from app.exchange.models import HOLDING_STATUSES, Reservation
from app.links import link_base
from app.mail import register_subject
from app.pickup import ics
from app.pickup.windows import check_buyer_time, end_for

OSLO = ZoneInfo("Europe/Oslo")
FILENAME = "hentetid.ics"
WHEN_FORMAT = "full"  # app.formatting: "fredag 4. desember 2026 kl. 13:05"

SUBJECTS = {
    "pickup_agreed": _l("Hentetid avtalt: %(title)s"),
    "pickup_changed": _l("Hentetiden er endret: %(title)s"),
    "pickup_cancelled": _l("Hentetiden er avlyst: %(title)s"),
    "pickup_reminder": _l("I morgen: henting av %(title)s"),
}
LINES = {
    "pickup_agreed": _l("Hentetid avtalt for «%(title)s»: %(when)s"),
    "pickup_changed": _l("Ny hentetid for «%(title)s»: %(when)s"),
    "pickup_cancelled": _l("Hentetiden for «%(title)s» er avlyst"),
    "pickup_reminder": _l("Påminnelse: henting av «%(title)s» %(when)s"),
}
LABELS = {
    "pickup_agreed": _l("Hentetid avtalt (med kalenderinvitasjon)"),
    "pickup_changed": _l("Hentetiden er endret"),
    "pickup_cancelled": _l("Hentetiden er avlyst"),
    "pickup_reminder": _l("Påminnelse dagen før henting"),
}


def _line(kind: str):
    def line(params: dict[str, Any]) -> str:
        when = params.get("pickup_at")
        text = formatting.datetime(datetime.fromisoformat(when), WHEN_FORMAT) if when else ""
        return str(LINES[kind]) % {"title": params.get("title", ""), "when": text}
    return line


for _kind in SUBJECTS:
    register_subject(_kind, lambda c, k=_kind: str(SUBJECTS[k]) % {"title": c["listing_title"]})
    notifications.register_kind(_kind, group="handover", label=LABELS[_kind], line=_line(_kind))


# --- checks --------------------------------------------------------------------------------


def check_time(listing, when: datetime | None, now: datetime, *, buyer: bool,
               field: str = "pickup_at") -> datetime | None:
    """A proposed start: not passed, within a year, and (for the buyer) in a window."""
    if when is None:
        return None
    if when.tzinfo is None:
        raise ValidationFailed({field: [_("Tidspunktet må ha tidssone.")]})
    if when <= now:
        raise ValidationFailed({field: [_("Velg et tidspunkt fram i tid.")]})
    if when > now + timedelta(days=366):
        raise ValidationFailed({field: [_("Velg et tidspunkt innen ett år.")]})
    if buyer:
        check_buyer_time(listing, when, field)
    return when


def _set_time(reservation: Reservation, start: datetime) -> None:
    reservation.pickup_at = start
    reservation.pickup_end_at = end_for(reservation.listing, start)
    _ensure_uid(reservation)


def _ensure_uid(reservation: Reservation) -> None:
    """One calendar UID per reservation, made with its first time and never changed."""
    if reservation.pickup_uid is None:
        reservation.pickup_uid = new_uid()


def new_uid() -> str:
    return f"{uuid.uuid4()}@kretslop.no"


def upgrade_data(connection) -> int:
    """Data step for the migration that adds the pickup columns: reservations that
    already have a pickup time get their calendar UID (a time set before this release
    counts as not agreed: no invitation went out). Returns the rows changed."""
    table = Reservation.__table__
    ids = connection.execute(sa.select(table.c.id).where(
        table.c.pickup_at.is_not(None), table.c.pickup_uid.is_(None))).scalars().all()
    for reservation_id in ids:
        connection.execute(sa.update(table).where(table.c.id == reservation_id)
                           .values(pickup_uid=new_uid()))
    return len(ids)


def propose(reservation: Reservation, start: datetime | None) -> None:
    """The buyer's proposal on a new request (checked with :func:`check_time` first)."""
    if start is not None:
        _set_time(reservation, start)


def on_accept(reservation: Reservation, seller_time: datetime | None, default_days: int,
              now: datetime) -> None:
    """At acceptance: the seller's time, else the buyer's proposal if still ahead, agreed
    and invited; with neither, the default time (not agreed, no invitation)."""
    if seller_time is not None:
        _set_time(reservation, seller_time)
    elif reservation.pickup_at is None or reservation.pickup_at <= now:
        reservation.pickup_at = now + timedelta(days=default_days)
        reservation.pickup_end_at = None
        _ensure_uid(reservation)
        return
    _agree(reservation, now)


def change(reservation: Reservation, side: str, start: datetime, now: datetime) -> None:
    """Either side sets or changes the time of a holding reservation (locked by the
    caller); both are invited again unless nothing changed."""
    check_time(reservation.listing, start, now, buyer=side == "buyer")
    if reservation.pickup_agreed_at is not None and reservation.pickup_at == start:
        return
    _set_time(reservation, start)
    _agree(reservation, now)


def on_ended(reservation: Reservation, now: datetime) -> None:
    """Declined, cancelled or expired: an agreed time is cancelled in both calendars."""
    if reservation.pickup_agreed_at is None or reservation.pickup_uid is None:
        return
    reservation.pickup_sequence += 1
    reservation.updated_at = now
    _send(reservation, "pickup_cancelled", "CANCEL", now)


def _agree(reservation: Reservation, now: datetime) -> None:
    first = reservation.pickup_agreed_at is None
    _ensure_uid(reservation)
    if not first:
        reservation.pickup_sequence += 1
    reservation.pickup_agreed_at = now
    reservation.pickup_reminded_at = None  # a new time gets its own reminder
    reservation.updated_at = now
    db.session.flush()
    _send(reservation, "pickup_agreed" if first else "pickup_changed", "REQUEST", now)


# --- invitations ---------------------------------------------------------------------------


def _recipients(reservation: Reservation) -> list:
    from app.exchange.notify import contacts

    people = []
    for side in ("seller", "buyer"):
        for user in contacts(reservation, side):
            if user not in people:
                people.append(user)
    return people


def location(reservation: Reservation) -> str:
    listing = reservation.listing
    place = " ".join(p for p in (listing.postcode, listing.district) if p)
    return ", ".join(p for p in (listing.address, place) if p)


def calendar_text(reservation: Reservation, method: str, locale: str,
                  now: datetime | None = None) -> str:
    """The ``.ics`` for the reservation's current time, texts in ``locale``."""
    now = now or utcnow()
    listing = reservation.listing
    url = f"{link_base()}/reservations/{reservation.id}"
    sender = parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")[1] \
        or "noreply@kretslop.no"
    end = reservation.pickup_end_at or reservation.pickup_at + timedelta(minutes=30)
    with force_locale(locale):
        summary = _("Henting: %(title)s", title=listing.title)
        description = _("Henting av «%(title)s» fra %(seller)s til %(buyer)s. "
                        "Reservasjonen: %(url)s", title=listing.title,
                        seller=reservation.seller_org.name, buyer=reservation.buyer_org.name,
                        url=url)
        if listing.pickup_instructions:
            description += "\n\n" + listing.pickup_instructions
    attendees = [(u.email, f"{u.name} ({org})") for u, org in _attendees(reservation)]
    # A time from before the data step ran has no UID yet: one from its id, for now.
    uid = reservation.pickup_uid or f"reservation-{reservation.id}@kretslop.no"
    return ics.calendar(
        method=method, uid=uid, sequence=reservation.pickup_sequence or 0,
        start=reservation.pickup_at, end=end, summary=summary, location=location(reservation),
        description=description, url=url, organizer=(sender, "Kretsløp"),
        attendees=attendees, stamp=now,
        tentative=method == "PUBLISH" and reservation.pickup_agreed_at is None)


def _attendees(reservation: Reservation) -> list:
    from app.exchange.notify import contacts

    return [(u, reservation.seller_org.name) for u in contacts(reservation, "seller")] + \
        [(u, reservation.buyer_org.name) for u in contacts(reservation, "buyer")]


def _send(reservation: Reservation, kind: str, method: str, now: datetime,
          attach: bool = True) -> None:
    from app.exchange.notify import context

    path = f"/reservations/{reservation.id}"
    params = {"reservation_id": reservation.id, "title": reservation.listing.title,
              "pickup_at": reservation.pickup_at.isoformat()}
    for user in _recipients(reservation):
        locale = user.locale or "nb"
        with force_locale(locale):
            end = reservation.pickup_end_at
            mail_context = context(reservation, locale, location=location(reservation),
                                   pickup_end=formatting.time(end),
                                   pickup_long=formatting.datetime(reservation.pickup_at,
                                                                   WHEN_FORMAT))
        attachments = [{"filename": FILENAME,
                        "content_type": f"text/calendar; method={method}",
                        "content": calendar_text(reservation, method, locale, now)}] \
            if attach else None
        notifications.notify(user, kind, path=path, params=params,
                             mail=(kind, mail_context), attachments=attachments)


# --- reminder the day before ---------------------------------------------------------------


def _reminder_due(now: datetime):
    tomorrow_ends = datetime.combine(now.astimezone(OSLO).date() + timedelta(days=2),
                                     time(0), OSLO)
    return sa.and_(Reservation.status.in_([s.value for s in HOLDING_STATUSES]),
                   Reservation.pickup_agreed_at.is_not(None),
                   Reservation.pickup_reminded_at.is_(None),
                   Reservation.pickup_at > now, Reservation.pickup_at < tomorrow_ends)


def send_day_before(now: datetime | None = None) -> list[int]:
    """Remind both sides of every agreed pickup on the next Oslo day (or later today),
    once: ``pickup_reminded_at`` is set in the same transaction, rows are locked and
    re-checked, so a second or parallel run sends nothing. Flushes."""
    from app.exchange.access import lock

    now = now or utcnow()
    reminded = []
    for reservation_id in list(db.session.scalars(
            sa.select(Reservation.id).where(_reminder_due(now)).order_by(Reservation.id))):
        reservation = lock(db.session.get(Reservation, reservation_id))
        if db.session.scalar(sa.select(Reservation.id).where(
                Reservation.id == reservation_id, _reminder_due(now))) is None:
            continue
        reservation.pickup_reminded_at = now
        db.session.flush()
        _send(reservation, "pickup_reminder", "REQUEST", now, attach=False)
        reminded.append(reservation_id)
    return reminded
