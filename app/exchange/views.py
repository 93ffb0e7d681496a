"""Reservation pages: reserve from a listing, "Mine reservasjoner", one reservation with its
actions and thread, and the public emission-factor table.

Bad input re-renders the page with field errors (422); a wrong state re-renders it with
the reason (409). Only the two sides see a reservation (404 for anyone else).
"""

from __future__ import annotations

import os

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.views import apply_errors
from app.common import user_or_none
from app.errors import Conflict, NotFound, ValidationFailed
from app.exchange import factors, handover, ledger, services
from app.exchange.forms import (
    AcceptForm,
    HandoverForm,
    MessageForm,
    PickupFields,
    PickupForm,
    ReasonForm,
    ReserveForm,
)
from app.exchange.models import Reservation
from app.exchange.templating import WEIGHT_METHOD_LABELS
from app.listings import services as listing_services
from app.listings import weights
from app.listings.models import Listing, Status
from app.listings.templating import quantity_text
from app.pagecache import public_page

bp = Blueprint("exchange", __name__)
PER_PAGE = 20


@bp.record_once
def _configure(state) -> None:
    """Settings from the environment (defaults in ``services.DEFAULTS``), template helpers."""
    config = state.app.config
    for name, default in services.DEFAULTS.items():
        value = os.environ.get(name)
        config.setdefault(name, int(value) if value not in (None, "") else default)
    from app import pickup
    from app.exchange import templating

    templating.init_app(state.app)
    pickup.init_app(state.app)


# --- reserve ------------------------------------------------------------------------------


def _buyer_choices(user, listing: Listing) -> list[tuple[str, str]]:
    """The user's organisations that may reserve ``listing`` (not the one giving it)."""
    return [(str(m.organization_id), m.organization.name)
            for m in sorted(user.memberships, key=lambda m: m.organization_id)
            if m.organization_id != listing.organization_id]


def reserve_form(listing: Listing) -> ReserveForm | None:
    """The form for ``listing`` if the current user could reserve it, else None."""
    user = user_or_none()
    if user is None or listing.status != Status.PUBLISHED:
        return None
    choices = _buyer_choices(user, listing)
    if not choices:
        return None
    form = ReserveForm(formdata=None) if request.method == "GET" else ReserveForm()
    form.organization_id.choices = choices
    form.choices_key = tuple(choices)  # the listing page's cached empty fields
    return form


def waiting_requests(listing: Listing) -> list[Reservation]:
    """The current user's organisations' requests for ``listing`` still waiting for an
    answer (the listing page links to them instead of inviting a duplicate)."""
    user = user_or_none()
    if user is None:
        return []
    found = (services.open_request_of(listing.id, int(org_id))
             for org_id, _name in _buyer_choices(user, listing))
    return [r for r in found if r is not None]


@bp.route("/listings/<int:listing_id>/reserve", methods=["GET", "POST"])
@login_required
def reserve(listing_id: int):
    listing = listing_services.visible_listing(listing_id, current_user)
    form = ReserveForm()
    form.organization_id.choices = _buyer_choices(current_user, listing)
    refused = False
    existing = None
    if form.validate_on_submit():
        try:
            match_id = request.args.get("match_id", "")  # from "Interessert – reserver"
            when = PickupFields.parse(form.pickup_date.data, form.pickup_time.data)
            reservation = services.request_reservation(
                current_user, listing.id, form.quantity.data, message=form.message.data or "",
                organization_id=form.organization_id.data or None,
                match_id=int(match_id) if match_id.isdigit() else (match_id or None),
                pickup_at=when)
        except ValidationFailed as exc:
            refused = True  # a wrong match_id has no field here: it is shown as a message
            apply_errors(form, exc, aliases={"listing_id": "organization_id",
                                             "pickup_at": "pickup_date"})
        except Conflict as exc:
            if "reservation_id" not in exc.extra:
                raise
            # one unanswered request per organisation: say so and link to it (409)
            existing = services.visible_reservation(exc.extra["reservation_id"], current_user)
        else:
            flash(_("Forespørselen er sendt. Du får beskjed når den er besvart."), "success")
            return redirect(url_for("exchange.detail", reservation_id=reservation.id))
    status = 409 if existing else 422 if form.errors or refused else 200
    return render_template("exchange/reserve.html", listing=listing, form=form,
                           existing=existing), status


# --- mine ---------------------------------------------------------------------------------


@bp.get("/reservations")
@login_required
def mine():
    """Opens on the side with something to do (giver first); ``?side=`` (or the older
    ``?role=``) chooses. The tabs count what waits on each side."""
    from app.notifications.todo import waiting_counts

    waiting = waiting_counts(current_user)
    role = request.args.get("side") or request.args.get("role")
    if role not in ("buyer", "seller"):
        if waiting["seller"] or waiting["buyer"]:
            role = "seller" if waiting["seller"] else "buyer"
        else:
            role = "seller" if _gives_only(current_user) else "buyer"
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    items, total = services.reservations_for(current_user, role, page, PER_PAGE)
    return render_template("exchange/list.html", items=items, total=total, role=role,
                           page=page, pages=max(1, -(-total // PER_PAGE)), waiting=waiting)


def _gives_only(user) -> bool:
    """Nothing waits anywhere: open as giver for those who have only ever given."""
    return services.reservations_for(user, "buyer", 1, 1)[1] == 0 and \
        services.reservations_for(user, "seller", 1, 1)[1] > 0


# --- one reservation ----------------------------------------------------------------------


def render_detail(reservation: Reservation, status: int = 200, **forms):
    side = services.side_of(reservation, current_user)
    defaults = {
        "accept_form": AcceptForm(formdata=None), "decline_form": ReasonForm(formdata=None),
        "cancel_form": ReasonForm(formdata=None), "handover_form": HandoverForm(formdata=None),
        "message_form": MessageForm(formdata=None), "pickup_form": PickupForm(formdata=None),
    }
    defaults.update(forms)
    estimate = handover.estimate_kg(reservation)
    listing = reservation.listing
    return render_template(
        "exchange/detail.html", reservation=reservation, side=side,
        record=ledger.record_for_reservation(reservation.id),
        estimate=estimate,
        # an estimate outside the plausible range cannot be chosen: the giver weighs
        estimate_error=estimate is not None and weights.listing_total_error(
            listing, estimate, reservation.quantity, reservation.unit),
        weight_range=weights.total_range(listing.category, reservation.unit,
                                         reservation.quantity, listing.weight_approved_kg),
        payment_status=services.payment_status(reservation), **defaults), status


@bp.get("/reservations/<int:reservation_id>")
@login_required
def detail(reservation_id: int):
    return render_detail(services.visible_reservation(reservation_id, current_user))


def _act(reservation_id: int, form_name: str, form, action, success: str, anchor: str = ""):
    """Validate ``form``, run ``action(reservation, form)`` (which may return its own
    message instead of ``success``); re-render on 422/409."""
    reservation = services.visible_reservation(reservation_id, current_user)
    if form.validate_on_submit():
        try:
            message = action(reservation, form)
        except ValidationFailed as exc:
            apply_errors(form, exc, aliases={"pickup_at": "pickup_date"})
        except Conflict as exc:
            flash(exc.detail, "error")
            return render_detail(reservation, 409)
        else:
            flash(message if isinstance(message, str) else success, "success")
            return redirect(url_for("exchange.detail", reservation_id=reservation.id) + anchor)
    return render_detail(reservation, 422, **{form_name: form})


@bp.post("/reservations/<int:reservation_id>/accept")
@login_required
def accept(reservation_id: int):
    def run(reservation, form):
        pickup = PickupFields.parse(form.pickup_date.data, form.pickup_time.data)
        services.accept(reservation, current_user, pickup)

    return _act(reservation_id, "accept_form", AcceptForm(), run,
                _("Reservasjonen er godtatt. Antallet er holdt av."))


@bp.post("/reservations/<int:reservation_id>/decline")
@login_required
def decline(reservation_id: int):
    return _act(reservation_id, "decline_form", ReasonForm(),
                lambda r, f: services.decline(r, current_user, f.reason.data or ""),
                _("Reservasjonen er avslått."))


@bp.post("/reservations/<int:reservation_id>/cancel")
@login_required
def cancel(reservation_id: int):
    return _act(reservation_id, "cancel_form", ReasonForm(),
                lambda r, f: services.cancel(r, current_user, f.reason.data or ""),
                _("Reservasjonen er avbrutt."))


@bp.post("/reservations/<int:reservation_id>/handover")
@login_required
def confirm_handover(reservation_id: int):
    def run(reservation, form):
        weight, method = None, None
        if services.side_of(reservation, current_user) == "seller":
            # Both as sent: a weight typed while "Bruk anslaget" is chosen is an error
            # from the service, never silently dropped.
            weight = (form.weight_kg.data or "").strip() or None
            choice = form.weight_choice.data
            method = {"weighed": "weighed", "estimate": "estimated"}.get(choice, choice)
        record = handover.confirm_handover(reservation, current_user, weight,
                                           weight_method=method)
        if services.side_of(reservation, current_user) == "seller":
            written = _("Registrert vekt: %(kg)s kg (%(method)s).",
                        kg=quantity_text(reservation.weight_kg),
                        method=WEIGHT_METHOD_LABELS.get(reservation.weight_method, ""))
        else:
            written = ""
        if record is None:
            return " ".join(filter(None, (_(
                "Bekreftelsen er registrert. Overleveringen fullføres når begge har "
                "bekreftet."), written)))
        return " ".join(filter(None, (_("Takk! Overleveringen er registrert."), written)))

    return _act(reservation_id, "handover_form", HandoverForm(), run,
                _("Takk! Overleveringen er registrert."))


@bp.post("/reservations/<int:reservation_id>/pickup")
@login_required
def pickup(reservation_id: int):
    def run(reservation, form):
        when = PickupFields.parse(form.pickup_date.data, form.pickup_time.data, required=True)
        services.set_pickup(reservation, current_user, when)

    return _act(reservation_id, "pickup_form", PickupForm(), run,
                _("Hentetiden er endret."))


@bp.get("/reservations/<int:reservation_id>/pickup.ics")
@login_required
def pickup_calendar(reservation_id: int):
    """The pickup as a calendar file for the two sides: the agreed time, or a proposed
    one marked tentative (404 without a time or once the reservation has ended)."""
    from app.pickup import agreement

    reservation = services.visible_reservation(reservation_id, current_user)
    if reservation.pickup_at is None or not reservation.is_open:
        raise NotFound(_("Reservasjonen har ingen hentetid."))
    text = agreement.calendar_text(reservation, "PUBLISH", current_user.locale or "nb")
    return Response(text, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="{agreement.FILENAME}"',
        "Cache-Control": "private, no-store"})


@bp.post("/reservations/<int:reservation_id>/messages")
@login_required
def post_message(reservation_id: int):
    return _act(reservation_id, "message_form", MessageForm(),
                lambda r, f: services.post_message(r, current_user, f.body.data),
                _("Meldingen er sendt."), "#thread")


# --- emission factors ---------------------------------------------------------------------


@bp.get("/emission-factors")
@public_page
def emission_factors():
    rows = factors.all_factors()
    if not rows:  # a fresh install: the documented table seeds itself on first use
        factors.ensure_emission_factors()
        rows = factors.all_factors()
    return render_template("exchange/emission_factors.html", factors=rows)
