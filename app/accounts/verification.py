"""Who an organisation is, and what it may do: verification and municipal privileges.

* The registry check: :func:`apply_registry_result` turns an Enhetsregisteret answer
  into the organisation's state (a match verifies it, an unknown, removed, bankrupt or
  liquidated unit rejects it). Registration calls it synchronously with a short
  timeout; when the registry is slow, down or answers garbage the organisation stays
  ``unverified`` and :func:`request_check` emits ``organization.verify``, whose outbox
  handler (:func:`verify_job`) raises on a transient failure so the outbox retries it
  with backoff.
* The services every privileged change uses (a site admin's console, the command line):
  :func:`verify`, :func:`reject`, :func:`suspend`, :func:`reinstate`,
  :func:`grant_municipal_access`, :func:`revoke_municipal_access`. Each refuses a missing
  reason and writes an audit entry with before and after in the same transaction.
  Suspending (and reinstating) re-indexes the organisation's listings (``listing.changed``)
  so search drops (returns) them; the people of a suspended organisation cannot log in.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit, outbox
from app.accounts import registry
from app.accounts.models import (
    MunicipalAccess,
    Organization,
    Role,
    VerificationState,
)
from app.db import db, utcnow
from app.errors import Conflict, ValidationFailed
from app.mail import queue_mail, register_subject

TOPIC = "organization.verify"
CLI_REASON = "created by the operator on the command line"

register_subject("organization_rejected",
                 lambda c: _("%(org)s ble ikke godkjent på Kretsløp", org=c["org_name"]))
register_subject("organization_verified",
                 lambda c: _("%(org)s er verifisert på Kretsløp", org=c["org_name"]))

STATE_LABELS = {
    VerificationState.UNVERIFIED.value: _l("Ikke verifisert"),
    VerificationState.VERIFIED.value: _l("Verifisert"),
    VerificationState.REJECTED.value: _l("Avvist"),
    VerificationState.SUSPENDED.value: _l("Suspendert"),
}


class RegistryUnavailable(RuntimeError):
    """The registry did not give a definitive answer; the outbox tries again later."""


class RegistryOff(RuntimeError):
    """``BRREG_API_URL`` is empty: the registry cannot be asked."""


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def snapshot(org: Organization) -> dict[str, Any]:
    """What an audit entry shows before and after a change."""
    return {"verification_state": org.verification_state,
            "verification_reason": org.verification_reason,
            "municipal_access": org.municipal_access, "registry_form": org.registry_form,
            "registry_status": org.registry_status}



def _owners(org: Organization):
    return [m.user for m in org.memberships if m.role == Role.OWNER and m.user.active]


# --- the registry check -----------------------------------------------------------------


def registry_fields(result: registry.RegistryResult) -> dict[str, Any]:
    """``registry_data``: what the registry said, shown beside what was typed."""
    return dict(result.data, http_status=result.http_status)


def apply_registry_result(org: Organization, result: registry.RegistryResult, *,
                          notify: bool = False, actor=None) -> bool:
    """Record a definitive registry answer on ``org`` and set its state; returns True
    when the state changed. A transient error changes nothing (the caller retries).

    Only an ``unverified`` organisation changes state: a site admin's decision
    (verified, rejected, suspended) is never overridden by the registry."""
    if result.transient or result.status == registry.OFF:
        return False
    before = snapshot(org)
    org.registry_status = result.status
    org.registry_checked_at = utcnow()
    org.registry_data = registry_fields(result)
    if result.status == registry.FOUND:
        org.registry_form = (result.data.get("form") or "")[:10]
    changed = False
    if org.verification_state == VerificationState.UNVERIFIED.value:
        if result.status == registry.FOUND:
            org.verification_state = VerificationState.VERIFIED.value
            org.verification_reason = "Enhetsregisteret: {} ({})".format(
                result.data.get("name", ""), result.data.get("form", ""))
            org.verified_at = utcnow()
            changed = True
        elif result.refused:
            org.verification_state = VerificationState.REJECTED.value
            org.verification_reason = "Enhetsregisteret: " + result.status
            org.verified_at = None
            changed = True
    db.session.flush()
    audit.record("organization.registry_check", "organization", org.id, actor=actor,
                 actor_label=None if actor is not None else "system", organization_id=org.id,
                 reason="Enhetsregisteret: " + result.status, before=before,
                 after=snapshot(org))
    if changed and notify:
        template = ("organization_verified" if org.verification_state
                    == VerificationState.VERIFIED.value else "organization_rejected")
        for owner in _owners(org):
            queue_mail(owner.email, template, owner.locale, org_name=org.name,
                       orgnr=org.orgnr or "", status=result.status,
                       path=f"/organizations/{org.id}")
    return changed


def request_check(org: Organization) -> None:
    """Complete the registry check later, through the outbox (retried with backoff)."""
    outbox.emit(TOPIC, organization_id=org.id)


@outbox.handler(TOPIC, name="accounts.verify_organization")
def verify_job(payload: dict[str, Any]) -> None:
    org = db.session.get(Organization, payload.get("organization_id"))
    if org is None or not org.orgnr:
        return
    if org.verification_state != VerificationState.UNVERIFIED.value and org.registry_status \
            in (registry.FOUND, *registry.REFUSED):
        return  # decided already (by an earlier run or a site admin)
    result = registry.lookup(org.orgnr)
    if result.status == registry.OFF:
        return  # the registry is turned off: the organisation stays unverified
    if result.transient:
        raise RegistryUnavailable(f"Enhetsregisteret: {result.detail or 'no answer'}")
    apply_registry_result(org, result, notify=True)


def check_now(org: Organization, actor=None) -> registry.RegistryResult:
    """A site admin asks the registry again (no cache); a transient failure is queued."""
    if not org.orgnr:
        raise ValidationFailed({"orgnr": [_("Organisasjonen har ikke organisasjonsnummer.")]})
    if not registry.enabled():
        raise Conflict(_("Enhetsregisteret er slått av (BRREG_API_URL)."), state="off")
    result = registry.lookup(org.orgnr, use_cache=False)
    if result.transient:
        request_check(org)
    else:
        apply_registry_result(org, result, actor=actor)
    return result


# --- a site admin's (or the operator's) decisions ----------------------------------------


def _change(org: Organization, action: str, actor, reason: str, actor_label: str | None,
            **values) -> Organization:
    before = snapshot(org)
    for name, value in values.items():
        setattr(org, name, value)
    db.session.flush()
    audit.record(action, "organization", org.id, actor=actor, actor_label=actor_label,
                 organization_id=org.id, reason=reason, before=before, after=snapshot(org))
    return org


def verify(org: Organization, actor, reason: str, *, actor_label: str | None = None
           ) -> Organization:
    """Verified by a person's decision (a non-profit without a number, a registry
    mismatch checked by hand, the operator on the command line)."""
    reason = audit.checked_reason(reason)
    was_suspended = org.verification_state == VerificationState.SUSPENDED.value
    _change(org, "organization.verify", actor, reason, actor_label,
            verification_state=VerificationState.VERIFIED.value, verification_reason=reason,
            verified_at=utcnow())
    if was_suspended:
        _listings_and_requests_changed(org)
    return org


def reject(org: Organization, actor, reason: str) -> Organization:
    reason = audit.checked_reason(reason)
    was_suspended = org.verification_state == VerificationState.SUSPENDED.value
    _change(org, "organization.reject", actor, reason, None,
            verification_state=VerificationState.REJECTED.value, verification_reason=reason,
            verified_at=None)
    if was_suspended:
        _listings_and_requests_changed(org)
    return org


def suspend(org: Organization, actor, reason: str) -> Organization:
    """Listings leave search (outbox), the people cannot log in (unless they also
    belong to an organisation that is not suspended); nothing of the ledger changes."""
    reason = audit.checked_reason(reason)
    if org.verification_state == VerificationState.SUSPENDED.value:
        raise Conflict(_("Organisasjonen er allerede suspendert."), state="suspended")
    _change(org, "organization.suspend", actor, reason, None,
            verification_state=VerificationState.SUSPENDED.value, verification_reason=reason)
    _listings_and_requests_changed(org)
    return org


def reinstate(org: Organization, actor, reason: str) -> Organization:
    """End a suspension: back to verified if it was verified before, else unverified."""
    reason = audit.checked_reason(reason)
    if org.verification_state != VerificationState.SUSPENDED.value:
        raise Conflict(_("Organisasjonen er ikke suspendert."), state=org.verification_state)
    state = VerificationState.VERIFIED if org.verified_at else VerificationState.UNVERIFIED
    _change(org, "organization.reinstate", actor, reason, None,
            verification_state=state.value, verification_reason=reason)
    _listings_and_requests_changed(org)
    return org


def grant_municipal_access(org: Organization, actor, reason: str, *,
                           actor_label: str | None = None) -> Organization:
    """The reporting privileges by a site admin's decision (the organisation must also
    be verified to use them)."""
    reason = audit.checked_reason(reason)
    return _change(org, "organization.grant_municipal_access", actor, reason, actor_label,
                   municipal_access=MunicipalAccess.GRANTED.value)


def revoke_municipal_access(org: Organization, actor, reason: str) -> Organization:
    """No reporting privileges, even for a verified KOMM or FYLK."""
    reason = audit.checked_reason(reason)
    return _change(org, "organization.revoke_municipal_access", actor, reason, None,
                   municipal_access=MunicipalAccess.REVOKED.value)


def reset_municipal_access(org: Organization, actor, reason: str) -> Organization:
    """Back to ``auto``: the registry form decides again."""
    reason = audit.checked_reason(reason)
    return _change(org, "organization.reset_municipal_access", actor, reason, None,
                   municipal_access=MunicipalAccess.AUTO.value)


def _listings_and_requests_changed(org: Organization) -> None:
    """Search and matching follow a suspension (and a reinstatement) at once: every
    listing and wanted request of the organisation is looked at again."""
    from app.listings.models import Listing
    from app.listings.services import emit_changed
    from app.wanted import CHANGED as REQUEST_CHANGED
    from app.wanted.models import WantedRequest

    ids = list(db.session.scalars(sa.select(Listing.id).where(
        Listing.organization_id == org.id).order_by(Listing.id)))
    emit_changed(ids)
    for request_id in db.session.scalars(sa.select(WantedRequest.id).where(
            WantedRequest.organization_id == org.id).order_by(WantedRequest.id)):
        outbox.emit(REQUEST_CHANGED, request_id=request_id)
