"""Members and roles of an organisation: list, change a role, remove, leave, and the
pending invitations (revoke, resend).

Who may do what:

* owners and admins manage members and invitations; admins may not touch owners (change
  or remove one, revoke or resend an owner's invitation) nor make anyone an owner;
  only owners make or demote owners. A site admin acts as an owner.
* anyone may leave an organisation themselves;
* an organisation always keeps at least one owner: the last owner cannot be demoted,
  removed, or leave (409). The owner rows are locked while this is checked, so two
  owners demoting each other at once cannot both succeed.

Every change writes an audit entry (``membership.role``, ``membership.remove``,
``membership.leave``, ``invitation.revoke``, ``invitation.resend``) in the same
transaction and e-mails the person concerned. Services flush and never commit.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app import audit
from app.accounts.models import (
    ROLE_RANK,
    Invitation,
    Membership,
    Organization,
    Role,
    User,
    hash_token,
)
from app.db import db, utcnow
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.mail import queue_mail, register_subject

register_subject("member_role_changed",
                 lambda c: _("Ny rolle i %(org)s på Kretsløp", org=c["org_name"]))
register_subject("member_removed",
                 lambda c: _("Du er fjernet fra %(org)s på Kretsløp", org=c["org_name"]))
register_subject("member_left",
                 lambda c: _("Du har forlatt %(org)s på Kretsløp", org=c["org_name"]))
register_subject("member_invitation_revoked",
                 lambda c: _("Invitasjonen til %(org)s er trukket tilbake", org=c["org_name"]))


# --- reading -------------------------------------------------------------------------


def list_members(org: Organization) -> list[Membership]:
    """The members, owners first, then by name."""
    rows = db.session.scalars(
        sa.select(Membership).where(Membership.organization_id == org.id)
        .options(joinedload(Membership.user)))
    return sorted(rows.unique(), key=lambda m: (-ROLE_RANK[Role(m.role)],
                                                m.user.name.lower(), m.id))


def pending_invitations(org: Organization) -> list[Invitation]:
    """Invitations neither accepted nor revoked (expired ones too: they can be resent)."""
    return list(db.session.scalars(
        sa.select(Invitation).where(Invitation.organization_id == org.id,
                                    Invitation.accepted_at.is_(None),
                                    Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())))


# --- checks --------------------------------------------------------------------------


def _acting_role(org: Organization, actor: User | None) -> Role:
    """The actor's power in ``org``: a site admin counts as an owner; below admin is 403."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Logg inn for å fortsette."))
    if getattr(actor, "is_site_admin", False):
        return Role.OWNER
    role = actor.role_in(org.id)
    if role is None or ROLE_RANK[role] < ROLE_RANK[Role.ADMIN]:
        raise PermissionDenied(_("Bare eiere og administratorer kan endre medlemmer."))
    return role


def _membership(org: Organization, user: User) -> Membership:
    membership = db.session.scalar(sa.select(Membership).where(
        Membership.organization_id == org.id, Membership.user_id == user.id))
    if membership is None:
        raise NotFound(_("Personen er ikke medlem av organisasjonen."))
    return membership


def _lock_owners(org: Organization) -> list[int]:
    """Lock the organisation's owner rows and return their user ids (see the module)."""
    return list(db.session.scalars(
        sa.select(Membership.user_id).where(Membership.organization_id == org.id,
                                            Membership.role == Role.OWNER.value)
        .order_by(Membership.id).with_for_update()))


def _not_last_owner(org: Organization, membership: Membership, message: str) -> None:
    if membership.role != Role.OWNER.value:
        return
    owners = _lock_owners(org)
    db.session.refresh(membership)
    if membership.role == Role.OWNER.value and owners == [membership.user_id]:
        raise Conflict(message, state="last_owner")


def _actor_name(actor: User | None) -> str:
    return getattr(actor, "name", None) or _("En administrator")


# --- members -------------------------------------------------------------------------


def change_role(org: Organization, member_user: User, new_role: str,
                actor: User) -> Membership:
    acting = _acting_role(org, actor)
    if new_role not in {r.value for r in Role}:
        raise ValidationFailed({"role": [_("Ukjent rolle.")]})
    membership = _membership(org, member_user)
    old_role = membership.role
    if acting != Role.OWNER and Role.OWNER.value in (old_role, new_role):
        raise PermissionDenied(_("Bare eiere kan gjøre noen til eier eller endre en eiers "
                                 "rolle."))
    if old_role == new_role:
        return membership
    if new_role != Role.OWNER.value:
        _not_last_owner(org, membership, _("Organisasjonen må ha minst én eier. Gjør en "
                                           "annen til eier først."))
    membership.role = new_role
    db.session.flush()
    audit.record("membership.role", "user", member_user.id, actor=actor,
                 organization_id=org.id, before={"role": old_role},
                 after={"role": new_role})
    queue_mail(member_user.email, "member_role_changed", member_user.locale,
               name=member_user.name, org_name=org.name, actor=_actor_name(actor),
               old_role=old_role, new_role=new_role, path=f"/organizations/{org.id}")
    return membership


def remove_member(org: Organization, member_user: User, actor: User) -> None:
    if actor is not None and getattr(actor, "id", None) == member_user.id:
        leave(org, member_user)
        return
    acting = _acting_role(org, actor)
    membership = _membership(org, member_user)
    if acting != Role.OWNER and membership.role == Role.OWNER.value:
        raise PermissionDenied(_("Bare eiere kan fjerne en eier."))
    _not_last_owner(org, membership, _("Den siste eieren kan ikke fjernes."))
    role = membership.role
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(member_user, ["memberships"])
    audit.record("membership.remove", "user", member_user.id, actor=actor,
                 organization_id=org.id, before={"role": role}, after={"role": None})
    queue_mail(member_user.email, "member_removed", member_user.locale,
               name=member_user.name, org_name=org.name, actor=_actor_name(actor))


def leave(org: Organization, user: User) -> None:
    """The person leaves the organisation themselves (not the last owner)."""
    membership = _membership(org, user)
    _not_last_owner(org, membership, _("Du er den siste eieren. Gjør en annen til eier "
                                       "før du forlater organisasjonen."))
    role = membership.role
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(user, ["memberships"])
    audit.record("membership.leave", "user", user.id, actor=user, organization_id=org.id,
                 before={"role": role}, after={"role": None})
    queue_mail(user.email, "member_left", user.locale, name=user.name, org_name=org.name)


# --- invitations ---------------------------------------------------------------------


def _pending(invitation: Invitation, actor: User) -> None:
    acting = _acting_role(invitation.organization, actor)
    if acting != Role.OWNER and invitation.role == Role.OWNER.value:
        raise PermissionDenied(_("Bare eiere kan endre en invitasjon til en ny eier."))
    if invitation.accepted_at is not None:
        raise Conflict(_("Invitasjonen er allerede brukt."), state="accepted")
    if invitation.revoked_at is not None:
        raise Conflict(_("Invitasjonen er allerede trukket tilbake."), state="revoked")


def _invitation_snapshot(invitation: Invitation) -> dict:
    return {"email": invitation.email, "role": invitation.role,
            "expires_at": invitation.expires_at, "revoked_at": invitation.revoked_at}


def revoke_invitation(invitation: Invitation, actor: User) -> Invitation:
    _pending(invitation, actor)
    before = _invitation_snapshot(invitation)
    invitation.revoked_at = utcnow()
    db.session.flush()
    audit.record("invitation.revoke", "invitation", invitation.id, actor=actor,
                 organization_id=invitation.organization_id, before=before,
                 after=_invitation_snapshot(invitation))
    queue_mail(invitation.email, "member_invitation_revoked", _invitee_locale(invitation),
               org_name=invitation.organization.name, actor=_actor_name(actor))
    return invitation


def resend_invitation(invitation: Invitation, actor: User) -> Invitation:
    """A new link (the old one stops working) and a new expiry date, mailed again."""
    _pending(invitation, actor)
    before = _invitation_snapshot(invitation)
    raw = secrets.token_urlsafe(32)
    days = current_app.config["INVITATION_DAYS"]
    invitation.token_hash = hash_token(raw)
    invitation.expires_at = utcnow() + timedelta(days=days)
    db.session.flush()
    audit.record("invitation.resend", "invitation", invitation.id, actor=actor,
                 organization_id=invitation.organization_id, before=before,
                 after=_invitation_snapshot(invitation))
    queue_mail(invitation.email, "invitation", _invitee_locale(invitation, actor),
               org_name=invitation.organization.name, inviter=_actor_name(actor),
               path=f"/invitations/{raw}", days=days)
    return invitation


def _invitee_locale(invitation: Invitation, fallback: User | None = None) -> str:
    from app.accounts.services import get_user_by_email

    existing = get_user_by_email(invitation.email)
    if existing is not None:
        return existing.locale
    inviter = invitation.invited_by or fallback
    return getattr(inviter, "locale", None) or "nb"


def get_invitation(org: Organization, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != org.id:
        raise NotFound(_("Invitasjonen finnes ikke."))
    return invitation


def get_member_user(org: Organization, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("Personen er ikke medlem av organisasjonen."))
    _membership(org, user)
    return user
