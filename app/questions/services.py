"""Asking a lister before reserving, and answering (services flush, never commit).

One thread per (listing, asking organisation). Only the two organisations see it; anyone
else gets 404, site admins included (it is a private conversation). A thread stays
readable by both when the listing is withdrawn, hidden or sold; new messages are taken
while the listing is open to the public (published or reserved, not hidden, its
organisation not suspended).

Limits, as for the reservation messages: a message is plain text of at most
``MESSAGE_MAX`` characters. Against floods, one organisation may write at most
``QUESTION_MESSAGES_PER_HOUR`` messages an hour (all threads) and open at most
``QUESTION_THREADS_PER_DAY`` new threads a day; more is answered 429.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Organization, User
from app.common.messages import clean_body
from app.db import db, paginate, utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed
from app.listings import services as listings
from app.listings.models import Listing, Status
from app.questions.models import QuestionMessage, QuestionThread

DEFAULTS = {"QUESTION_MESSAGES_PER_HOUR": 30, "QUESTION_THREADS_PER_DAY": 20}
OPEN_STATUSES = (Status.PUBLISHED.value, Status.RESERVED.value)


class TooMany(ServiceError):
    status = 429
    title = _l("For mange spørsmål")


def setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


# --- who sees a thread -------------------------------------------------------------------


def side_of(thread: QuestionThread, user: User | None) -> str | None:
    """"lister", "asker" or None (someone in both organisations is the lister)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.has_role(thread.seller_org_id):
        return "lister"
    if user.has_role(thread.asker_org_id):
        return "asker"
    return None


def visible_thread(thread_id: int, user: User | None) -> QuestionThread:
    thread = db.session.get(QuestionThread, thread_id)
    if thread is None or side_of(thread, user) is None:
        raise NotFound(_("Spørsmålet finnes ikke."))
    return thread


def asker_choices(user: User | None, listing: Listing) -> list[Organization]:
    """The user's organisations that may ask about ``listing`` (not the lister)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [m.organization for m in sorted(user.memberships, key=lambda m: m.organization_id)
            if m.organization_id != listing.organization_id]


def threads_on_listing(listing: Listing, user: User | None) -> list[QuestionThread]:
    """What ``user`` may read about ``listing``: every thread for the lister's members,
    their own organisations' threads for anyone else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    query = sa.select(QuestionThread).where(QuestionThread.listing_id == listing.id)
    if not user.has_role(listing.organization_id):
        org_ids = [o.id for o in asker_choices(user, listing)]
        if not org_ids:
            return []
        query = query.where(QuestionThread.asker_org_id.in_(org_ids))
    return list(db.session.scalars(query.order_by(QuestionThread.updated_at.desc(),
                                                  QuestionThread.id.desc())))


def waiting_count(org_ids: list[int]) -> int:
    """Threads on these organisations' listings whose last message is the asker's."""
    if not org_ids:
        return 0
    return db.session.scalar(sa.select(sa.func.count(QuestionThread.id)).where(
        QuestionThread.seller_org_id.in_(org_ids),
        QuestionThread.last_org_id == QuestionThread.asker_org_id)) or 0


def thread_for_reservation(reservation) -> QuestionThread | None:
    """The questions the buyer organisation asked about the listing before reserving."""
    return db.session.scalar(sa.select(QuestionThread).where(
        QuestionThread.listing_id == reservation.listing_id,
        QuestionThread.asker_org_id == reservation.buyer_org_id))


def threads_for(user: User, role: str, page: int, per_page: int) -> tuple[list, int]:
    """"asker": the questions our organisations asked; "lister": questions to our
    listings. Last written first."""
    org_ids = [m.organization_id for m in user.memberships]
    if not org_ids:
        return [], 0
    column = QuestionThread.asker_org_id if role == "asker" else QuestionThread.seller_org_id
    query = (sa.select(QuestionThread).where(column.in_(org_ids))
             .order_by(QuestionThread.updated_at.desc(), QuestionThread.id.desc()))
    return paginate(query, page, per_page)


def reservations_of(thread: QuestionThread) -> list:
    """The asking organisation's reservations of the listing, newest first."""
    from app.exchange.models import Reservation

    return list(db.session.scalars(sa.select(Reservation).where(
        Reservation.listing_id == thread.listing_id,
        Reservation.buyer_org_id == thread.asker_org_id).order_by(Reservation.id.desc())))


# --- writing -----------------------------------------------------------------------------


def is_open(listing: Listing) -> bool:
    """May new messages be written about ``listing``?"""
    from app.moderation import visibility

    return listing.status in OPEN_STATUSES and not visibility.listing_excluded(listing)


def _check_open(listing: Listing) -> None:
    if not is_open(listing):
        raise Conflict(_("Annonsen er ikke lenger åpen, så tråden kan leses, men ikke "
                         "skrives i."), listing_status=listing.status)


def _check_rate(org_id: int, now: datetime) -> None:
    written = db.session.scalar(
        sa.select(sa.func.count(QuestionMessage.id))
        .where(QuestionMessage.author_org_id == org_id,
               QuestionMessage.created_at > now - timedelta(hours=1))) or 0
    if written >= setting("QUESTION_MESSAGES_PER_HOUR"):
        raise TooMany(_("Organisasjonen har skrevet %(n)s meldinger den siste timen. Vent "
                        "litt før dere skriver mer.", n=written))


def _add(thread: QuestionThread, user: User, org_id: int, body: str,
         now: datetime) -> QuestionMessage:
    message = QuestionMessage(thread=thread, author=user, author_org_id=org_id, body=body,
                              created_at=now)
    db.session.add(message)
    thread.last_org_id = org_id
    thread.updated_at = now
    db.session.flush()
    from app.questions import notify

    notify.tell_other_side(thread, message)
    return message


def ask(user: User, listing_id: int, body: Any, *, organization_id: Any = None,
        now: datetime | None = None) -> QuestionMessage:
    """A question from one of the user's organisations to the lister: opens the pair's
    thread or continues it."""
    now = now or utcnow()
    listing = listings.visible_listing(listing_id, user)
    choices = asker_choices(user, listing)
    if not choices:
        raise PermissionDenied(_("Dere kan ikke stille spørsmål om deres egen annonse.")
                               if user.memberships else
                               _("Du må være medlem av en organisasjon for å stille "
                                 "spørsmål."))
    if organization_id in (None, ""):
        asker = choices[0]
    else:
        asker = next((o for o in choices if str(o.id) == str(organization_id)), None)
        if asker is None:
            raise ValidationFailed({"organization_id": [
                _("Du er ikke medlem av denne organisasjonen.")]})
    body = clean_body(body if isinstance(body, str) else None)
    _check_open(listing)
    _check_rate(asker.id, now)
    thread = db.session.scalar(sa.select(QuestionThread).where(
        QuestionThread.listing_id == listing.id, QuestionThread.asker_org_id == asker.id))
    if thread is None:
        opened = db.session.scalar(
            sa.select(sa.func.count(QuestionThread.id))
            .where(QuestionThread.asker_org_id == asker.id,
                   QuestionThread.created_at > now - timedelta(days=1))) or 0
        if opened >= setting("QUESTION_THREADS_PER_DAY"):
            raise TooMany(_("Organisasjonen har stilt spørsmål om %(n)s annonser det siste "
                            "døgnet. Prøv igjen i morgen.", n=opened))
        thread = QuestionThread(listing=listing, asker_org=asker,
                                seller_org_id=listing.organization_id, asked_by=user,
                                last_org_id=asker.id, created_at=now, updated_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(thread)
                db.session.flush()
        except sa.exc.IntegrityError:  # the same organisation asked in parallel
            thread = db.session.scalars(sa.select(QuestionThread).where(
                QuestionThread.listing_id == listing.id,
                QuestionThread.asker_org_id == asker.id)).one()
    return _add(thread, user, asker.id, body, now)


def reply(thread: QuestionThread, user: User, body: Any,
          now: datetime | None = None) -> QuestionMessage:
    """A message in an existing thread from either side (the lister answers here)."""
    now = now or utcnow()
    side = side_of(thread, user)
    if side is None:
        raise NotFound(_("Spørsmålet finnes ikke."))
    body = clean_body(body if isinstance(body, str) else None)
    _check_open(thread.listing)
    org_id = thread.seller_org_id if side == "lister" else thread.asker_org_id
    _check_rate(org_id, now)
    return _add(thread, user, org_id, body, now)
