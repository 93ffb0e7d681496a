"""The daily digest: one e-mail a day per person listing every entry of a kind they chose
``daily`` for (``flask --app wsgi matching digest``, nightly; idempotent per Oslo day)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale, ngettext

from app.accounts.models import User
from app.db import db, utcnow
from app.mail import queue_mail, register_subject
from app.notifications import line
from app.notifications.models import Notification, NotificationPreference
from app.wanted.rules import today_in_oslo

register_subject("notification_digest", lambda c: ngettext(
    "Dagens varsler fra Kretsløp: %(num)s nytt", "Dagens varsler fra Kretsløp: %(num)s nye",
    len(c["items"])))


def send_digests(now: datetime | None = None) -> int:
    """One digest per person with entries waiting for one, at most once a day (Oslo).
    Returns how many were queued; running it again the same day queues none."""
    now = now or utcnow()
    today = today_in_oslo(now)
    done_today = sa.select(NotificationPreference.user_id).where(
        NotificationPreference.last_digest_on >= today)
    user_ids = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.emailed_at.is_(None),
                                              Notification.user_id.not_in(done_today))
        .distinct().order_by(Notification.user_id)).all()
    sent = 0
    for user_id in user_ids:
        user = db.session.get(User, user_id)
        pref = db.session.get(NotificationPreference, user_id)
        if pref is None:
            pref = NotificationPreference(user_id=user_id)
            db.session.add(pref)
        pref.last_digest_on = today
        if not user.active:
            continue
        pending = list(db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user_id,
                                          Notification.emailed_at.is_(None))
            .order_by(Notification.created_at, Notification.id)))
        locale = user.locale or "nb"
        with force_locale(locale):
            items = [{"line": line(n), "path": n.path} for n in pending]
        queue_mail(user.email, "notification_digest", locale, items=items)
        for n in pending:
            n.emailed_at = now
        sent += 1
    db.session.flush()
    return sent
