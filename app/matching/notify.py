"""Match notifications: in-app entries (:mod:`app.notifications`) and their e-mails.

After a matching run, each match that is visible, scores at least
``MATCHING_NOTIFY_MIN_SCORE`` and has not been told to a side yet is told once:

* the requesting organisation's members get ``match_for_request``;
* the listing organisation's members get ``request_for_listing``.

At most ``MATCHING_NOTIFY_MAX`` matches per request (or listing) per run are told; the
rest are marked as told, since they are on the match list anyway - a new request that
fits 300 listings makes ten notifications, not 300. Each person whose choice for the kind
is ``immediate`` gets one e-mail per run listing their new matches (not one per match);
``daily`` people get them in the digest (:func:`send_digests`); ``off`` nobody.
E-mails go through ``queue_mail`` (the outbox), so they leave after the commit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import notifications
from app.accounts.models import Membership, User
from app.db import db, utcnow
from app.mail import queue_mail, register_subject
from app.matching import explain, reasons
from app.matching.models import VISIBLE_STATES, Match, NotificationKind
from app.notifications import EmailMode, Notification, inbox, mark_read, unread_count
from app.notifications.digest import send_digests

__all__ = ["email_mode", "inbox", "mark_read", "notify_matches", "send_digests",
           "set_email_mode", "unread_count"]

register_subject("match_notification", lambda c: str(_l("Nye treff på Kretsløp")))

MATCH_KINDS = (NotificationKind.MATCH_FOR_REQUEST.value,
               NotificationKind.REQUEST_FOR_LISTING.value)


def _titles(params: dict) -> dict:
    """The titles an entry names; entries written before they were stored look them up."""
    if "listing_title" in params:
        return params
    from app.listings.models import Listing
    from app.wanted.models import WantedRequest

    listing = db.session.get(Listing, params.get("listing_id") or 0)
    wanted = db.session.get(WantedRequest, params.get("request_id") or 0)
    if listing is None or wanted is None:
        raise KeyError("listing_title")
    return {"listing_title": listing.title, "request_title": wanted.title,
            "listing_org": listing.organization.name, "request_org": wanted.organization.name}


def _match_for_request_line(params: dict) -> str:
    t = _titles(params)
    return _("Nytt treff for ønsket «%(request)s»: «%(listing)s» fra %(org)s",
             request=t["request_title"], listing=t["listing_title"], org=t["listing_org"])


def _request_for_listing_line(params: dict) -> str:
    t = _titles(params)
    return _("Ønsket «%(request)s» fra %(org)s passer annonsen «%(listing)s»",
             request=t["request_title"], listing=t["listing_title"], org=t["request_org"])


notifications.register_kind(
    NotificationKind.MATCH_FOR_REQUEST.value, group="matches",
    label=_l("En annonse passer et av våre ønsker"), line=_match_for_request_line)
notifications.register_kind(
    NotificationKind.REQUEST_FOR_LISTING.value, group="matches",
    label=_l("Et ønske passer en av våre annonser"), line=_request_for_listing_line)


def _members(org_id: int) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org_id, User.active.is_(True))
        .order_by(User.id)))


def email_mode(user_id: int) -> str:
    """The person's choice for matches (both match kinds are set together here)."""
    return notifications.mode_for(user_id, NotificationKind.MATCH_FOR_REQUEST.value)


def set_email_mode(user: User, mode: str) -> None:
    """Set the choice for both match kinds (the per-kind page sets them one by one)."""
    notifications.set_choices(user, {kind: mode for kind in MATCH_KINDS})


def _path(match: Match, kind: NotificationKind) -> str:
    if kind == NotificationKind.MATCH_FOR_REQUEST:
        return f"/wanted/{match.request_id}#match-{match.id}"
    return f"/listings/{match.listing_id}#matches"


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
            params = {"listing_id": match.listing_id, "request_id": match.request_id,
                      "listing_title": match.listing.title,
                      "request_title": match.request.title,
                      "listing_org": match.listing.organization.name,
                      "request_org": match.request.organization.name}
            for user in people(org_of(match)):
                # The side's ``*_notified_at`` flag keeps it to one per match; should two
                # workers race, the unique (user, kind, match) makes one of them retry.
                created.append(notifications.add(user, kind.value, path=_path(match, kind),
                                                 params=params, match_id=match.id, now=now))
    db.session.flush()
    _email(created, now)
    return created


def mail_item(notification: Notification) -> dict:
    """One match notification as JSON-serialisable text in the current locale."""
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
        "path": notification.path,
    }


def _email(created: list[Notification], now: datetime) -> None:
    """One e-mail per ``immediate`` person for this run; ``off`` entries are done;
    ``daily`` ones wait for the digest."""
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in created:
        by_user[n.user_id].append(n)
    modes = {kind: notifications.modes_for(list(by_user), kind) for kind in MATCH_KINDS}
    for user_id, items in by_user.items():
        now_items = []
        for n in items:
            mode = modes[n.kind][user_id]
            if mode == EmailMode.IMMEDIATE:
                now_items.append(n)
            elif mode == EmailMode.OFF:
                n.emailed_at = now  # nothing to send, ever
        if now_items:
            user = db.session.get(User, user_id)
            locale = user.locale or "nb"
            explain.fill(n.match for n in now_items)
            with force_locale(locale):
                mail = [mail_item(n) for n in now_items]
            queue_mail(user.email, "match_notification", locale, items=mail)
            for n in now_items:
                n.emailed_at = now
