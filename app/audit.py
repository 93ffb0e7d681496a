"""The audit log: every privileged action (who, when, what, before and after, why).

Append-only like the reuse ledger: the database refuses UPDATE and DELETE on
``audit_entries`` (triggers below and in the migration). Services call :func:`record`
in the same transaction as the change they log, so an action and its entry are
committed together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, append_only, db, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: Who acted (no foreign key: a person may be erased, the entry may not change);
    #: None for the system (a registry check, the command line without a person).
    actor_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: The actor as shown then: an e-mail address, "system" or "cli".
    actor_label: Mapped[str] = mapped_column(sa.String(254), default="")
    #: What was done, a dotted code: ``organization.verify``, ``listing.hide``, ...
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    #: What it was done to: ``organization``, ``user``, ``listing``, ``wanted``, ...
    target_type: Mapped[str] = mapped_column(sa.String(30))
    target_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: The organisation concerned, when there is one (for filtering; no foreign key).
    organization_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    ip: Mapped[str] = mapped_column(sa.String(45), default="")

    __table_args__ = (sa.Index("ix_audit_entries_target", "target_type", "target_id"),)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.target_type}:{self.target_id}>"


#: The longest reason a privileged action may carry.
REASON_MAX = 1000


def checked_reason(reason: str | None) -> str:
    """The reason every privileged decision needs, stripped; a field error otherwise."""
    from flask_babel import gettext as _

    from app.errors import ValidationFailed

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Skriv en begrunnelse.")]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [_("Kan ikke være lengre enn %(n)s tegn.",
                                             n=REASON_MAX)]})
    return reason


def require_site_admin(actor):
    """``actor`` when it is a site admin; PermissionDenied otherwise."""
    from flask_babel import gettext as _

    from app.errors import PermissionDenied

    if actor is None or not getattr(actor, "is_site_admin", False):
        raise PermissionDenied(_("Bare administratorer av Kretsløp kan gjøre dette."))
    return actor


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)  # Decimal, date, enums: their text


def record(action: str, target_type: str, target_id: int | None, *, actor=None,
           actor_label: str | None = None, organization_id: int | None = None,
           reason: str = "", before: dict | None = None, after: dict | None = None) -> AuditEntry:
    """Write one audit entry in the current transaction (the caller commits).

    ``actor`` is a ``User`` (or None for the system); ``actor_label`` overrides how it
    is shown (``"cli"`` for the operator's command line).
    """
    ip = ""
    try:
        from flask import has_request_context, request

        if has_request_context():
            ip = (request.remote_addr or "")[:45]
    except ImportError:  # pragma: no cover - Flask is always there
        pass
    if actor_label is None:
        # A person is recorded by id, not by e-mail: the log cannot be changed later, and
        # a deleted person's entries must not keep their address (app/privacy). The
        # console shows the address through shown_actor().
        person = getattr(actor, "id", None)
        actor_label = f"{PERSON_PREFIX}{person}" if person is not None else "system"
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None), actor_label=actor_label[:254], action=action,
        target_type=target_type, target_id=target_id, organization_id=organization_id,
        reason=reason or "", before=_jsonable(before), after=_jsonable(after), ip=ip,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


#: ``actor_label`` of an entry written by a person: ``user:<id>`` (see :func:`record`).
PERSON_PREFIX = "user:"


def shown_actor(entry: AuditEntry) -> str:
    """The actor as the console shows it: a person's current e-mail address, "Tidligere
    bruker" once their account is deleted, otherwise the stored label ("cli", "system";
    entries written before labels were pseudonymised hold an address)."""
    from flask_babel import gettext as _

    from app.accounts.models import User

    label = entry.actor_label or ""
    if entry.actor_id is None:
        return label
    user = db.session.get(User, entry.actor_id)
    if user is None:
        return label
    if getattr(user, "erased_at", None) is not None:
        return _("Tidligere bruker")
    return user.email if label.startswith(PERSON_PREFIX) else label


# Append-only, enforced by the database (the migration carries the same statements).
append_only(AuditEntry.__table__, "audit_entries is append-only")
