"""Notifications: what a person is told, in the app and by e-mail.

Every domain tells people through :func:`notify` and declares its kinds with
:func:`register_kind`. Each call writes an entry in the person's in-app list
(``/inbox``, the unread count in the header); the person's choice for the kind decides
what is e-mailed:

* ``immediate``: the kind's own e-mail at once (through the outbox, after the commit);
* ``daily``: one line in the daily digest (``flask matching digest``,
  :mod:`app.notifications.digest`);
* ``off``: only in the app.

A calendar invitation (``attachments``) is never put in a digest: it goes at once unless
the person chose ``off``. Account mails (password reset, invitations, registration) are
not notifications: they stay plain :func:`app.mail.queue_mail`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.db import db, utcnow
from app.mail import queue_mail
from app.notifications.models import (
    EmailMode,
    Notification,
    NotificationChoice,
    NotificationPreference,
)

log = logging.getLogger(__name__)

__all__ = ["KINDS", "EmailMode", "Kind", "Notification", "NotificationChoice",
           "NotificationPreference", "add", "choices_for", "inbox", "line", "mark_read",
           "mode_for", "notify", "register_kind", "set_choices", "unread_count"]

#: The groups on the settings page, in this order (a kind names one of these keys).
GROUPS: dict[str, Any] = {
    "reservations": _l("Reservasjoner"),
    "messages": _l("Meldinger og spørsmål"),
    "handover": _l("Henting, overlevering og betaling"),
    "matches": _l("Treff mellom annonser og ønsker"),
    "other": _l("Annet"),
}


@dataclass(frozen=True)
class Kind:
    name: str
    #: What the settings page calls it (a lazy string).
    label: Any
    #: The in-app line, called in the reader's language with the stored ``params``.
    line: Callable[[dict[str, Any]], str]
    #: A key of :data:`GROUPS`: where the settings page lists it.
    group: str = "other"
    #: The choice of someone who has not chosen.
    default: str = EmailMode.IMMEDIATE.value


KINDS: dict[str, Kind] = {}


def register_kind(name: str, *, label: Any, line: Callable[[dict[str, Any]], str],
                  group: str = "other", default: str = EmailMode.IMMEDIATE.value) -> None:
    """Declare a kind of notification (at import time of the domain that sends it)."""
    if len(name) > 40:
        raise ValueError(f"notification kind {name!r} is longer than 40 characters")
    KINDS[name] = Kind(name, label, line, group if group in GROUPS else "other",
                       EmailMode(default).value)


def default_mode(kind: str) -> str:
    known = KINDS.get(kind)
    return known.default if known else EmailMode.IMMEDIATE.value


def mode_for(user_id: int, kind: str) -> str:
    """The person's choice for ``kind`` (one primary-key lookup)."""
    choice = db.session.get(NotificationChoice, (user_id, kind))
    return choice.email_mode if choice is not None else default_mode(kind)


def modes_for(user_ids: list[int], kind: str) -> dict[int, str]:
    """``mode_for`` for many people in one query."""
    chosen = dict(db.session.execute(
        sa.select(NotificationChoice.user_id, NotificationChoice.email_mode)
        .where(NotificationChoice.kind == kind, NotificationChoice.user_id.in_(user_ids))
    ).all()) if user_ids else {}
    return {u: chosen.get(u, default_mode(kind)) for u in user_ids}


def choices_for(user_id: int) -> dict[str, str]:
    """Every registered kind with the person's choice (or the default)."""
    chosen = dict(db.session.execute(
        sa.select(NotificationChoice.kind, NotificationChoice.email_mode)
        .where(NotificationChoice.user_id == user_id)).all())
    return {name: chosen.get(name, kind.default) for name, kind in KINDS.items()}


def set_choices(user, choices: dict[str, str], now: datetime | None = None) -> None:
    """Save the person's choice per kind (unknown kinds or modes: ValueError). Entries
    waiting for a digest of a kind now ``off`` will not be e-mailed."""
    now = now or utcnow()
    for kind, mode in choices.items():
        if kind not in KINDS:
            raise ValueError(f"unknown notification kind {kind!r}")
        mode = EmailMode(mode).value
        choice = db.session.get(NotificationChoice, (user.id, kind))
        if choice is None:
            db.session.add(NotificationChoice(user_id=user.id, kind=kind, email_mode=mode,
                                              updated_at=now))
        elif choice.email_mode != mode:
            choice.email_mode = mode
        if mode == EmailMode.OFF:
            db.session.execute(
                sa.update(Notification).where(Notification.user_id == user.id,
                                              Notification.kind == kind,
                                              Notification.emailed_at.is_(None))
                .values(emailed_at=now).execution_options(synchronize_session="fetch"))
    db.session.flush()


def add(user, kind: str, *, path: str, params: dict[str, Any], match_id: int | None = None,
        now: datetime | None = None) -> Notification:
    """Only the in-app entry (the caller sees to the e-mail)."""
    if kind not in KINDS:
        log.warning("notification kind %r is not registered", kind)
    entry = Notification(user_id=user.id, kind=kind, path=path or "", params=dict(params),
                         match_id=match_id, created_at=now or utcnow())
    db.session.add(entry)
    return entry


def notify(user, kind: str, *, path: str, params: dict[str, Any],
           mail: tuple[str, dict[str, Any]] | None = None,
           attachments: list[dict[str, str]] | None = None,
           match_id: int | None = None, now: datetime | None = None) -> Notification:
    """Tell ``user`` about something of ``kind``: an in-app entry always, an e-mail as the
    person chose for the kind.

    ``path``: where the entry leads ("/reservations/12"). ``params``: JSON-serialisable
    values (ids, a listing title) from which ``KINDS[kind].line`` writes the entry in the
    reader's language. ``mail``: ``(template, context)`` as :func:`app.mail.queue_mail`
    takes them (None: this kind is never e-mailed). ``attachments``: text attachments
    for that e-mail, such as a calendar invitation (sent at once even to people who chose
    the daily digest; not to those who chose only the app). Flushes nothing.
    """
    now = now or utcnow()
    entry = add(user, kind, path=path, params=params, match_id=match_id, now=now)
    mode = mode_for(user.id, kind)
    if mail is None or mode == EmailMode.OFF:
        entry.emailed_at = now  # nothing to send, ever
    elif mode == EmailMode.IMMEDIATE or attachments:
        template, context = mail
        queue_mail(user.email, template, user.locale or "nb", attachments=attachments,
                   **context)
        entry.emailed_at = now
    # daily: the digest covers it (emailed_at stays empty until then)
    return entry


def line(notification: Notification) -> str:
    """The entry's text in the current language."""
    kind = KINDS.get(notification.kind)
    if kind is not None:
        try:
            return kind.line(notification.params or {})
        except (KeyError, TypeError, ValueError):
            log.exception("notification %s: no line for its params", notification.id)
    return _("Varsel")


def unread_count(user) -> int:
    """One count on (user_id, read_at): what the header shows."""
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def inbox(user, page: int, per_page: int) -> tuple[list[Notification], int]:
    where = [Notification.user_id == user.id]
    total = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(*where)) or 0
    items = db.session.scalars(
        sa.select(Notification).where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def mark_read(user, notification_id: int | None = None, now: datetime | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of ``user`` read."""
    query = sa.update(Notification).where(Notification.user_id == user.id,
                                          Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(query.values(read_at=now or utcnow())
                                .execution_options(synchronize_session="fetch"))
    return result.rowcount

