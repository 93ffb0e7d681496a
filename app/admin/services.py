"""A site admin's actions on people: disable, enable, send a reset link.

Each needs a site admin and writes an audit entry (before and after) in the same
transaction. Disabling ends every session of the person (the session token is rotated,
so a copied cookie stops working too) and refuses their login and API tokens until a
site admin enables them again. Services flush and never commit.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app import audit
from app.accounts.models import User
from app.accounts.services import end_sessions, request_password_reset
from app.db import db
from app.errors import Conflict


def _snapshot(user: User) -> dict[str, Any]:
    return {"active": user.active, "disabled_reason": user.disabled_reason}


def _organization_id(user: User) -> int | None:
    """The person's first organisation, so the audit log filters by organisation."""
    memberships = sorted(user.memberships, key=lambda m: m.id)
    return memberships[0].organization_id if memberships else None


def disable_user(user: User, actor: User, reason: str) -> User:
    """The person cannot log in or use API tokens; their sessions end now."""
    audit.require_site_admin(actor)
    reason = audit.checked_reason(reason)
    if user.id == actor.id:
        raise Conflict(_("Du kan ikke deaktivere din egen konto."), state="self")
    if not user.active:
        raise Conflict(_("Kontoen er allerede deaktivert."), state="disabled")
    before = _snapshot(user)
    user.active = False
    user.disabled_reason = reason
    end_sessions(user)
    db.session.flush()
    audit.record("user.disable", "user", user.id, actor=actor,
                 organization_id=_organization_id(user), reason=reason, before=before,
                 after=_snapshot(user))
    return user


def enable_user(user: User, actor: User, reason: str) -> User:
    audit.require_site_admin(actor)
    reason = audit.checked_reason(reason)
    if user.active:
        raise Conflict(_("Kontoen er ikke deaktivert."), state="active")
    before = _snapshot(user)
    user.active = True
    user.disabled_reason = ""
    db.session.flush()
    audit.record("user.enable", "user", user.id, actor=actor,
                 organization_id=_organization_id(user), reason=reason, before=before,
                 after=_snapshot(user))
    return user


def send_reset_link(user: User, actor: User) -> User:
    """E-mail the person a link to choose a new password (the same single-use,
    expiring link as "Glemt passord")."""
    audit.require_site_admin(actor)
    if not user.active:
        raise Conflict(_("Kontoen er deaktivert. Aktiver den før du sender en lenke."),
                       state="disabled")
    request_password_reset(user.email)
    audit.record("user.send_reset_link", "user", user.id, actor=actor,
                 organization_id=_organization_id(user), before={}, after={"email": user.email})
    return user
