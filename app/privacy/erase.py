""""Slett kontoen min" and the retention command's account erasure.

The person's row stays as an anonymous tombstone (ids in the append-only ledger and audit
log keep pointing at *someone*, never at a reused id): name "Tidligere bruker", an
e-mail that is no address, an unusable password, inactive, every session and token
ended, two-factor removed. Every other row that points at the person is handled by its
foreign key's rule, found in the metadata so a table added later is covered too:

* ``ON DELETE CASCADE`` rows are the person's own (memberships, API tokens, sessions,
  notifications and their settings, data exports): deleted;
* ``ON DELETE SET NULL`` columns name the person on something the organisation keeps
  (listings and wanted requests they wrote, messages and questions, reservations they
  handled, invitations they sent): set to NULL, so pages show "Tidligere bruker".

Invitations addressed to the person's e-mail are deleted. The reuse ledger holds
organisations, not people, and is not touched (the municipal figures stay the same).
The audit log is append-only (the database refuses UPDATE): entries name a person by id
(``user:<id>``, :func:`app.audit.record`), the console shows the current address, or
"Tidligere bruker" once the account is deleted (:func:`app.audit.shown_actor`); entries
written before that change keep the address they were written with. The deletion itself
is recorded without personal data.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit
from app.accounts.models import Invitation, Membership, Organization, Role, User
from app.db import db, utcnow
from app.errors import Conflict
from app.outbox import OutboxEvent
from app.privacy.export import file_path, user_foreign_keys
from app.privacy.models import DataExport

TOMBSTONE_NAME = "Tidligere bruker"
#: User columns (parts of names) that hold two-factor state (helper A2's columns).
TWO_FACTOR_WORDS = ("totp", "two_factor", "mfa", "recovery")


@dataclass
class Blockers:
    #: Organisations where the person is the only owner and others are members.
    hand_over: list[Organization] = field(default_factory=list)
    #: Organisations where the person is the only member (they stay, without members).
    alone_in: list[Organization] = field(default_factory=list)
    site_admin: bool = False

    @property
    def blocked(self) -> bool:
        return bool(self.hand_over) or self.site_admin


def blockers(user: User) -> Blockers:
    found = Blockers(site_admin=bool(user.is_site_admin))
    for membership in user.memberships:
        org = membership.organization
        members = db.session.scalars(
            sa.select(Membership).where(Membership.organization_id == org.id)).all()
        if len(members) == 1:
            found.alone_in.append(org)
        elif membership.role == Role.OWNER.value and not any(
                m.role == Role.OWNER.value and m.user_id != user.id for m in members):
            found.hand_over.append(org)
    return found


def check_can_erase(user: User) -> Blockers:
    """The blockers, decided with the owner rows of the person's organisations locked (two
    owners deleting their accounts at once must not leave an organisation with none)."""
    owned = [m.organization_id for m in user.memberships if m.role == Role.OWNER.value]
    if owned:
        db.session.execute(sa.select(Membership.id).where(
            Membership.organization_id.in_(owned), Membership.role == Role.OWNER.value)
            .order_by(Membership.id).with_for_update())
    db.session.expire(user, ["memberships"])
    found = blockers(user)
    if found.site_admin:
        raise Conflict(_("Du er administrator for Kretsløp. Be en annen administrator fjerne "
                         "administratorrollen din først."), state="site_admin")
    if found.hand_over:
        raise Conflict(_("Du er eneste eier av %(orgs)s. Gi eierrollen til en annen først.",
                         orgs=", ".join(o.name for o in found.hand_over)), state="last_owner")
    return found


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def is_erased(user: User | None) -> bool:
    return user is not None and user.erased_at is not None


def erase(user: User, *, reason: str, actor_label: str = "self", now=None) -> None:
    """Anonymise ``user`` (flushes, never commits). ``reason``: ``self`` or
    ``retention``; no personal data goes into the audit entry."""
    now = now or utcnow()
    uid = user.id
    old_email = (user.email or "").lower()
    # The person's export files go first (their rows go with the cascade below).
    for export in db.session.scalars(sa.select(DataExport).where(DataExport.user_id == uid)):
        path = file_path(export)
        if path is not None:
            path.unlink(missing_ok=True)
    # Invitations addressed to the person (accepted ones are history only), and mails to
    # them in the outbox (sent ones keep the address and the text; waiting ones need not go).
    db.session.execute(sa.delete(Invitation).where(sa.func.lower(Invitation.email) == old_email))
    if "@" in old_email:
        db.session.execute(sa.delete(OutboxEvent).where(
            OutboxEvent.topic == "mail.send",
            sa.cast(OutboxEvent.payload, sa.Text).like(f'%"{_like(old_email)}"%', escape="\\"))
            .execution_options(synchronize_session=False))
    for table, column, ondelete in user_foreign_keys():
        if ondelete == "CASCADE" or not column.nullable:
            db.session.execute(sa.delete(table).where(column == uid))
        else:  # SET NULL (or no rule: the column names the person on a kept row)
            db.session.execute(sa.update(table).where(column == uid).values({column.name: None}))
    user.name = TOMBSTONE_NAME
    user.email = f"slettet-{uid}-{secrets.token_hex(8)}"  # no "@": never an address
    user.password_hash = "!" + secrets.token_hex(16)  # matches no password
    user.session_token = secrets.token_hex(16)  # ends every session
    user.active = False
    user.is_site_admin = False
    user.last_login_at = None
    user.disabled_reason = ""
    user.erased_at = now
    for column in User.__table__.columns:
        if any(word in column.name for word in TWO_FACTOR_WORDS):
            setattr(user, column.key, None if column.nullable else column.default.arg
                    if column.default is not None else None)
    db.session.expire(user, ["memberships"])
    audit.record("user.erase", "user", uid, actor=None, actor_label=actor_label,
                 reason=reason)
    db.session.flush()

