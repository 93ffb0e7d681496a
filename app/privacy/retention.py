"""Retention, run nightly by ``flask privacy retention`` (idempotent; ``--dry-run``).

* Messages and questions older than ``RETENTION_MESSAGE_DAYS``: the author is removed
  (shown as "Tidligere bruker"), and with ``RETENTION_MESSAGE_BODIES`` (default on) the
  text too.
* Accounts nobody has used for ``RETENTION_INACTIVE_ACCOUNT_DAYS`` (no login and no API
  token use; never logged in: counted from when the account was made) are erased as
  "Slett kontoen min" does, but only 30 days after an e-mail warned the person (sent
  when the account has been unused for that age less 30 days; using the account again
  voids the warning). Site admins, and the only owner of an organisation that has
  other members, are left for a person to decide (counted as ``accounts_kept``).
* Data exports past their expiry: the file is removed and the export marked expired.
* Delivered outbox rows older than ``RETENTION_OUTBOX_DAYS`` (a sent mail's row holds
  the address and the text); pending and dead rows stay for the operators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app import formatting
from app.accounts.models import ApiToken, User
from app.db import db, utcnow
from app.exchange.models import ReservationMessage
from app.mail import queue_mail, register_subject
from app.outbox import DELIVERED, OutboxEvent
from app.privacy import erase
from app.privacy.export import file_path
from app.privacy.models import DataExport, ExportStatus, InactivityWarning
from app.questions.models import QuestionMessage

#: What a message's text becomes when the retention removes it.
REMOVED_BODY = ""
#: An unused account is warned by e-mail this long before it is deleted.
WARNING_PERIOD = timedelta(days=30)
WARNING_MAIL = "account_inactive"
register_subject(WARNING_MAIL, lambda context: _("Kontoen din på Kretsløp blir slettet"))


@dataclass
class Result:
    messages: int = 0
    accounts: int = 0
    accounts_kept: int = 0
    warned: int = 0
    exports: int = 0
    outbox: int = 0


def _messages(cutoff: datetime, bodies: bool) -> int:
    count = 0
    for model in (ReservationMessage, QuestionMessage):
        pending = sa.or_(model.author_id.is_not(None),
                         model.body != REMOVED_BODY) if bodies else model.author_id.is_not(None)
        values = {"author_id": None, **({"body": REMOVED_BODY} if bodies else {})}
        count += db.session.execute(
            sa.update(model).where(model.created_at < cutoff, pending).values(**values)
            .execution_options(synchronize_session=False)).rowcount or 0
    return count


def inactive_users(cutoff: datetime) -> list[User]:
    """Accounts not erased whose last sign of life (login, API token use, creation) is
    before ``cutoff``."""
    token_use = (sa.select(ApiToken.user_id, sa.func.max(ApiToken.last_used_at).label("used"))
                 .group_by(ApiToken.user_id).subquery())
    query = (sa.select(User).outerjoin(token_use, token_use.c.user_id == User.id)
             .where(User.erased_at.is_(None), User.is_site_admin.is_(False),
                    sa.func.coalesce(User.last_login_at, User.created_at) < cutoff,
                    sa.or_(token_use.c.used.is_(None), token_use.c.used < cutoff))
             .order_by(User.id))
    return list(db.session.scalars(query))


def last_used(user: User) -> datetime:
    token_use = db.session.scalar(sa.select(sa.func.max(ApiToken.last_used_at)).where(
        ApiToken.user_id == user.id))
    return max(t for t in (user.last_login_at, user.created_at, token_use) if t is not None)


def _warn(user: User, days: int, deadline: datetime, now: datetime) -> None:
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        when = formatting.date(deadline, "long")
        count = formatting.number(days)
    queue_mail(user.email, WARNING_MAIL, user.locale or "nb", days=count, date=when)
    warning = db.session.get(InactivityWarning, user.id)
    if warning is None:
        db.session.add(InactivityWarning(user_id=user.id, warned_at=now))
    else:
        warning.warned_at = now


def _accounts(days: int, now: datetime, result: Result, dry_run: bool) -> None:
    """Warn people ``WARNING_DAYS`` before their account's time is up; delete accounts
    whose warning (sent after their last use) is at least that old."""
    cutoff = now - timedelta(days=days)
    for user in inactive_users(cutoff + WARNING_PERIOD):
        if erase.blockers(user).blocked:
            result.accounts_kept += 1
            continue
        warning = db.session.get(InactivityWarning, user.id)
        used = last_used(user)
        if warning is None or warning.warned_at <= used:
            result.warned += 1
            if not dry_run:
                _warn(user, days, max(used + timedelta(days=days), now + WARNING_PERIOD), now)
            continue
        if used >= cutoff or warning.warned_at > now - WARNING_PERIOD:
            continue  # warned; the time is not up yet
        result.accounts += 1
        if dry_run:  # erasing removes export files, which a rollback cannot bring back
            continue
        erase.erase(user, reason="retention", actor_label="retention", now=now)


def _exports(now: datetime, dry_run: bool) -> int:
    expired = list(db.session.scalars(sa.select(DataExport).where(
        DataExport.status.in_([ExportStatus.READY.value, ExportStatus.FAILED.value]),
        DataExport.expires_at <= now)))
    if not dry_run:
        for export in expired:
            path = file_path(export)
            if path is not None:
                path.unlink(missing_ok=True)
            export.status = ExportStatus.EXPIRED.value
            export.filename = ""
    return len(expired)


def run(now: datetime | None = None, dry_run: bool = False) -> Result:
    """Apply retention (flushes, never commits; a dry run's caller rolls back)."""
    now = now or utcnow()
    config = current_app.config
    result = Result()
    result.messages = _messages(now - timedelta(days=config["RETENTION_MESSAGE_DAYS"]),
                                config["RETENTION_MESSAGE_BODIES"])
    _accounts(config["RETENTION_INACTIVE_ACCOUNT_DAYS"], now, result, dry_run)
    result.exports = _exports(now, dry_run)
    result.outbox = db.session.execute(
        sa.delete(OutboxEvent).where(
            OutboxEvent.status == DELIVERED,
            OutboxEvent.delivered_at < now - timedelta(days=config["RETENTION_OUTBOX_DAYS"]))
        .execution_options(synchronize_session=False)).rowcount or 0
    db.session.flush()
    return result
