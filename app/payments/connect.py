"""Stripe Connect for sellers: Express accounts, onboarding through Account Links, status.

An organisation's owners and admins start onboarding from the organisation's "Betaling"
page: the first time an Express account is created (country NO, card payments and
transfers requested; idempotency key ``organization-<id>-connect-account``), then an
Account Link sends them to Stripe. Stripe sends them back to ``return_url`` (we re-fetch
the account there) or to ``refresh_url`` when the link expired (we make a new link).
The status afterwards comes from ``account.updated`` on the Connect webhook; an event
older than the status we hold (by its ``created`` time) is ignored, so events arriving
out of order never roll the status back.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from app.accounts.models import Organization, Role, User
from app.db import db
from app.errors import Conflict, NotFound, PermissionDenied
from app.payments import gateway
from app.payments.models import AccountStatus, ConnectedAccount
from app.payments.services import (
    PaymentUnavailable,
    connected_account,
    is_platform_operator,
    stripe_enabled,
)

log = logging.getLogger(__name__)


def require_admin(org_id: int, user: User) -> Organization:
    """The organisation if ``user`` is its owner or admin: 404 for outsiders, 403 for
    ordinary members."""
    org = db.session.get(Organization, org_id)
    if org is None or (user.role_in(org.id) is None and not user.is_site_admin):
        raise NotFound(_("Organisasjonen finnes ikke."))
    if not (user.has_role(org.id, Role.ADMIN) or user.is_site_admin):
        raise PermissionDenied(_("Bare eiere og administratorer kan endre betalingsoppsettet."))
    return org


def status_of(org: Organization) -> AccountStatus:
    account = connected_account(org.id)
    return account.status if account is not None else AccountStatus.NOT_CONNECTED


def _absolute(endpoint: str, **values) -> str:
    from app.links import link_base

    return link_base() + url_for(endpoint, **values)


def apply_account(account: ConnectedAccount, data: dict, seen_at: int) -> bool:
    """Take Stripe's account object into the row unless we hold a newer status."""
    if seen_at < (account.status_event_created or 0):
        return False
    account.charges_enabled = bool(data.get("charges_enabled"))
    account.payouts_enabled = bool(data.get("payouts_enabled"))
    account.details_submitted = bool(data.get("details_submitted"))
    requirements = data.get("requirements") or {}
    account.requirements = {
        key: requirements.get(key) for key in (
            "currently_due", "eventually_due", "past_due", "pending_verification",
            "disabled_reason", "current_deadline") if key in requirements}
    account.status_event_created = seen_at
    db.session.flush()
    return True


def _call(func, *args):
    try:
        return func(*args)
    except gateway.GatewayError as exc:
        log.error("stripe connect: %s", exc)
        raise PaymentUnavailable(_("Stripe svarer ikke akkurat nå. Prøv igjen om litt.")) \
            from exc


def start_onboarding(org: Organization, user: User) -> str:
    """The Account Link URL to send an owner or admin to (creating the account first)."""
    require_admin(org.id, user)
    if not stripe_enabled():
        raise Conflict(_("Nettbetaling er ikke satt opp på denne installasjonen."))
    if is_platform_operator(org):
        raise Conflict(_("Organisasjonen driver plattformen og får betalt direkte; den trenger "
                         "ingen tilkobling."))
    account = connected_account(org.id)
    if account is None:
        data = _call(gateway.create_account, {
            "type": "express",
            "country": "NO",
            "default_currency": "nok",
            "business_profile": {"name": org.name},
            "capabilities": {"card_payments": {"requested": True},
                             "transfers": {"requested": True}},
            "metadata": {"organization_id": str(org.id), "orgnr": org.orgnr or ""},
        }, f"organization-{org.id}-connect-account")
        account = ConnectedAccount(organization_id=org.id, stripe_account_id=data["id"])
        db.session.add(account)
        apply_account(account, data, int(time.time()))
    link = _call(gateway.create_account_link, {
        "account": account.stripe_account_id,
        "refresh_url": _absolute("payments.connect_refresh", org_id=org.id),
        "return_url": _absolute("payments.connect_return", org_id=org.id),
        "type": "account_onboarding",
    })
    return link["url"]


def refresh_status(org: Organization) -> ConnectedAccount | None:
    """Re-fetch the account from Stripe (after the owner comes back from onboarding)."""
    account = connected_account(org.id)
    if account is None or not stripe_enabled():
        return account
    data = _call(gateway.retrieve_account, account.stripe_account_id)
    apply_account(account, data, int(time.time()))
    return account


def apply_account_event(event: dict) -> tuple[str, str]:
    """``account.updated`` from the Connect webhook: (outcome, detail)."""
    data = event["data"]["object"]
    account = db.session.scalar(sa.select(ConnectedAccount).where(
        ConnectedAccount.stripe_account_id == data.get("id")))
    if account is None:
        return "ignored", f"unknown account {data.get('id')}"
    if not apply_account(account, data, int(event.get("created") or 0)):
        return "ignored", "older than the status we hold"
    return "applied", f"{account.status.value}"
