"""Notifications: the in-app inbox and e-mail, immediate or as a daily digest.

After a matching run, each match that is visible, scores at least
``MATCHING_NOTIFY_MIN_SCORE`` and has not been told to a side yet is told once:

* the requesting organisation's members get ``match_for_request``;
* the listing organisation's members get ``request_for_listing``.

At most ``MATCHING_NOTIFY_MAX`` matches per request (or listing) per run are told; the
rest are marked as told, since they are on the match list anyway - a new request that
fits 300 listings makes ten notifications, not 300. Each person with e-mail set to
``immediate`` gets one e-mail per run listing their new notifications; ``daily`` people
get them in the digest (``flask matching digest``, at most one a day); ``off`` nobody.
E-mails go through ``queue_mail`` (the outbox), so they leave after the commit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l

from app.accounts.models import Membership, User
from app.db import db, utcnow
from app.mail import queue_mail, register_subject
from app.matching import reasons
from app.matching.models import (
    VISIBLE_STATES,
    EmailMode,
    Match,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from app.wanted.rules import today_in_oslo

register_subject("match_notification", lambda c: str(_l("Nye treff på Kretsløp")))
register_subject("match_digest", lambda c: ngettext(
    "Dagens treff på Kretsløp: %(num)s nytt", "Dagens treff på Kretsløp: %(num)s nye",
    len(c["items"])))


def _members(org_id: int) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org_id, User.active.is_(True))
        .order_by(User.id)))


def email_mode(user_id: int) -> str:
    pref = db.session.get(NotificationPreference, user_id)
    return pref.email_mode if pref else EmailMode.IMMEDIATE.value


def notify_matches(match_ids: list[int], now: datetime | None = None) -> list[Notification]:
    """Tell both sides about the matches in ``match_ids`` they have not heard of."""
    if not match_ids:
        return []
    now = now or utcnow()
    config = current_app.config
    threshold = int(config.get("MATCHING_NOTIFY_MIN_SCORE", 50))
    cap = int(config.get("MATCHING_NOTIFY_MAX", 10))
    matches = list(db.session.scalars(
        sa.select(Match).where(Match.id.in_(match_ids), Match.state.in_(VISIBLE_STATES))
        .order_by(Match.score.desc(), Match.id)))
    created: list[Notification] = []
    members: dict[int, list[User]] = {}

    def people(org_id: int) -> list[User]:
        if org_id not in members:
            members[org_id] = _members(org_id)
        return members[org_id]

    sides = (("requester_notified_at", NotificationKind.MATCH_FOR_REQUEST, "request_id",
              lambda m: m.request.organization_id),
             ("lister_notified_at", NotificationKind.REQUEST_FOR_LISTING, "listing_id",
              lambda m: m.listing.organization_id))
    for flag, kind, target, org_of in sides:
        told: dict[int, int] = defaultdict(int)
        for match in matches:
            if getattr(match, flag) is not None:
                continue
            if match.score < threshold:
                continue  # may be told later, when a re-score lifts it
            setattr(match, flag, now)
            key = getattr(match, target)
            if told[key] >= cap:
                continue
            told[key] += 1
            for user in people(org_of(match)):
                created.append(_add(user, kind, match, now))
    db.session.flush()
    _email_immediately(created, now)
    return created


def _add(user: User, kind: NotificationKind, match: Match, now: datetime) -> Notification:
    """A new notification. The side's ``*_notified_at`` flag keeps it to one per match;
    should two workers race, the unique (user, kind, match) makes one of them retry."""
    notification = Notification(user_id=user.id, kind=kind.value, match_id=match.id,
                                payload={"listing_id": match.listing_id,
                                         "request_id": match.request_id},
                                created_at=now)
    db.session.add(notification)
    return notification


def mail_item(notification: Notification) -> dict:
    """One notification as JSON-serialisable text in the current locale."""
    match = notification.match
    return {
        "kind": notification.kind,
        "listing_title": match.listing.title,
        "request_title": match.request.title,
        "organization": (match.listing.organization.name
                         if notification.kind == NotificationKind.MATCH_FOR_REQUEST
                         else match.request.organization.name),
        "score": match.score,
        "reasons": reasons.summary(match.reasons),
        "path": (f"/wanted/{match.request_id}#match-{match.id}"
                 if notification.kind == NotificationKind.MATCH_FOR_REQUEST
                 else f"/listings/{match.listing_id}#matches"),
    }


def _send(user: User, template: str, notifications: list[Notification], now: datetime) -> None:
    locale = user.locale or "nb"
    with force_locale(locale):
        items = [mail_item(n) for n in notifications]
    queue_mail(user.email, template, locale, items=items)
    for n in notifications:
        n.emailed_at = now


def _email_immediately(notifications: list[Notification], now: datetime) -> None:
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in notifications:
        by_user[n.user_id].append(n)
    modes = dict(db.session.execute(
        sa.select(NotificationPreference.user_id, NotificationPreference.email_mode)
        .where(NotificationPreference.user_id.in_(list(by_user)))).all()) if by_user else {}
    for user_id, items in by_user.items():
        mode = modes.get(user_id, EmailMode.IMMEDIATE.value)
        if mode == EmailMode.IMMEDIATE:
            _send(db.session.get(User, user_id), "match_notification", items, now)
        elif mode == EmailMode.OFF:
            for n in items:
                n.emailed_at = now  # nothing to send, ever


def send_digests(now: datetime | None = None) -> int:
    """One digest per ``daily`` user with unsent notifications, at most once a day (Oslo).
    Returns how many were queued; running it again the same day queues none."""
    now = now or utcnow()
    today = today_in_oslo(now)
    prefs = db.session.scalars(
        sa.select(NotificationPreference)
        .where(NotificationPreference.email_mode == EmailMode.DAILY,
               sa.or_(NotificationPreference.last_digest_on.is_(None),
                      NotificationPreference.last_digest_on < today))
        .where(NotificationPreference.user_id.in_(
            sa.select(Notification.user_id).where(Notification.emailed_at.is_(None))))
        .order_by(NotificationPreference.user_id)).all()
    sent = 0
    for pref in prefs:
        user = db.session.get(User, pref.user_id)
        pending = list(db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user.id,
                                          Notification.emailed_at.is_(None))
            .order_by(Notification.created_at, Notification.id)))
        pref.last_digest_on = today
        if not user.active or not pending:
            continue
        _send(user, "match_digest", pending, now)
        sent += 1
    db.session.flush()
    return sent


def set_email_mode(user: User, mode: str) -> NotificationPreference:
    pref = db.session.get(NotificationPreference, user.id)
    if pref is None:
        pref = NotificationPreference(user_id=user.id)
        db.session.add(pref)
    pref.email_mode = EmailMode(mode).value
    db.session.flush()
    return pref


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def inbox(user: User, page: int, per_page: int) -> tuple[list[Notification], int]:
    where = [Notification.user_id == user.id]
    total = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(*where)) or 0
    items = db.session.scalars(
        sa.select(Notification).where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def mark_read(user: User, notification_id: int | None = None,
              now: datetime | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of ``user`` read."""
    query = sa.update(Notification).where(Notification.user_id == user.id,
                                          Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(query.values(read_at=now or utcnow())
                                .execution_options(synchronize_session="fetch"))
    return result.rowcount
