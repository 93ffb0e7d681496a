"""Payment pages: the organisation's "Betaling" settings with Connect onboarding, and the
helpers the reservation and listing pages use to show the pay step or "betaling ved
henting"."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.accounts.models import Role
from app.errors import Conflict
from app.exchange import services as exchange
from app.exchange.models import PaymentMethod
from app.exchange.models import ReservationStatus as S
from app.payments import MINIMUM_ORE, connect, services
from app.payments.models import AccountStatus, AttemptStatus

bp = Blueprint("payments", __name__)

ACCOUNT_LABELS = {
    AccountStatus.NOT_CONNECTED: _l("Ikke koblet til"),
    AccountStatus.PENDING: _l("Venter på opplysninger"),
    AccountStatus.READY: _l("Klar for kortbetaling"),
}


@bp.record_once
def _configure(state) -> None:
    state.app.jinja_env.globals.update(
        payment_view=payment_view, listing_payment=listing_payment,
        org_payment=org_payment, account_status_label=account_status_label)
    # A wrong PLATFORM_FEE_PERCENT stops the app at start, not at the first payment.
    services.parse_fee_percent(state.app.config.get("PLATFORM_FEE_PERCENT"))
    # The exchange asks this when a priced reservation is accepted. Installed per app
    # (the hook is module-global): it reads the app's own configuration when called.
    exchange.set_payment_method_chooser(services.choose_method)


def account_status_label(status) -> str:
    return str(ACCOUNT_LABELS.get(AccountStatus(status), status))


# --- helpers for other pages ----------------------------------------------------------------


def listing_payment(listing) -> dict | None:
    """What the listing page says about payment (None for gifts)."""
    if listing.price_ore == 0:
        return None
    online = services.route_for(listing.organization) is not None
    return {"online": online, "small_unit": online and listing.price_ore < MINIMUM_ORE}


def payment_view(reservation, side: str | None) -> dict:
    """Everything the pay step on the reservation page needs."""
    from flask import current_app

    view = {"show": False, "online": reservation.payment_method == PaymentMethod.STRIPE,
            "at_pickup": reservation.payment_method == PaymentMethod.AT_PICKUP,
            "reason": services.at_pickup_reason(reservation), "failed": None,
            "waiting": False, "expected": None}
    if reservation.amount_ore == 0:
        return view
    if reservation.status == S.REQUESTED:
        view["expected"] = services.choose_method(reservation)
    if side != "buyer" or reservation.status != S.AWAITING_PAYMENT or not view["online"]:
        return view
    attempt = services.latest_attempt(reservation.id)
    returned = request.args.get("redirect_status") in ("succeeded", "processing")
    view.update(
        show=services.stripe_enabled(),
        waiting=returned or (attempt is not None and attempt.status == AttemptStatus.SUCCEEDED)
        or (attempt is not None and attempt.intent_status == "processing"),
        failed=attempt.last_error or _("Betalingen ble ikke godkjent.")
        if attempt is not None and attempt.status == AttemptStatus.FAILED else None,
        publishable_key=current_app.config.get("STRIPE_PUBLISHABLE_KEY"),
        js_url=current_app.config.get("STRIPE_JS_URL"),
        intent_url=f"/api/v1/reservations/{reservation.id}/payment",
        status_url=f"/api/v1/reservations/{reservation.id}",
        return_url=url_for("exchange.detail", reservation_id=reservation.id),
    )
    return view


def org_payment(org) -> dict | None:
    """The "Betaling" summary on the organisation page (owners and admins only)."""
    if not current_user.is_authenticated or not (
            current_user.has_role(org.id, Role.ADMIN) or current_user.is_site_admin):
        return None
    return {"status": connect.status_of(org), "operator": services.is_platform_operator(org),
            "enabled": services.stripe_enabled()}


# --- the settings page ----------------------------------------------------------------------


@bp.get("/organizations/<int:org_id>/payments")
@login_required
def settings(org_id: int):
    org = connect.require_admin(org_id, current_user)
    account = services.connected_account(org.id)
    return render_template(
        "payments/settings.html", org=org, account=account,
        status=account.status if account else AccountStatus.NOT_CONNECTED,
        operator=services.is_platform_operator(org), enabled=services.stripe_enabled(),
        fee_percent=services.fee_percent())


@bp.post("/organizations/<int:org_id>/payments/connect")
@login_required
def connect_start(org_id: int):
    org = connect.require_admin(org_id, current_user)
    try:
        url = connect.start_onboarding(org, current_user)
    except (Conflict, services.PaymentUnavailable) as exc:
        flash(exc.detail, "error")
        return redirect(url_for("payments.settings", org_id=org.id))
    return redirect(url, code=303)


@bp.get("/organizations/<int:org_id>/payments/connect/refresh")
@login_required
def connect_refresh(org_id: int):
    """Stripe's ``refresh_url``: the link expired or was used; make a new one."""
    org = connect.require_admin(org_id, current_user)
    try:
        return redirect(connect.start_onboarding(org, current_user), code=303)
    except (Conflict, services.PaymentUnavailable) as exc:
        flash(exc.detail, "error")
        return redirect(url_for("payments.settings", org_id=org.id))


@bp.get("/organizations/<int:org_id>/payments/connect/return")
@login_required
def connect_return(org_id: int):
    """Stripe's ``return_url``: the owner left onboarding (finished or not)."""
    org = connect.require_admin(org_id, current_user)
    try:
        account = connect.refresh_status(org)
    except services.PaymentUnavailable as exc:
        flash(exc.detail, "error")
        return redirect(url_for("payments.settings", org_id=org.id))
    if account is not None and account.status == AccountStatus.READY:
        flash(_("Stripe-kontoen er klar. Kjøpere kan nå betale med kort."), "success")
    else:
        flash(_("Stripe trenger flere opplysninger før dere kan ta imot kortbetaling."), "info")
    return redirect(url_for("payments.settings", org_id=org.id))
