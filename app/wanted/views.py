"""Wanted-request pages: browse, ours, create (also from a search), view, edit, close,
and the requester's match actions.

Permissions as in ``services``: non-open requests are 404 outside the organisation,
changing a visible one is 403, a match belongs to the requesting organisation.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.views import apply_errors
from app.common import pages, user_or_none
from app.common.pages import decimal_text, kroner_text
from app.errors import PermissionDenied, ValidationFailed
from app.listings.categories import category_lookup
from app.matching import services as matching
from app.matching.models import MatchState
from app.pagecache import public_page
from app.wanted import rules, services
from app.wanted.forms import REQUEST_FIELDS, ActionForm, CloseForm, SelectChoice, WantedForm
from app.wanted.models import CONDITION_RANK, RequestStatus, WantedRequest

bp = Blueprint("wanted", __name__)
PER_PAGE = 24


@bp.record_once
def _configure(state) -> None:
    from app.wanted import templating

    templating.init_app(state.app)


@bp.get("/wanted")
@public_page
def browse():
    return pages.browse(services.open_requests, "wanted/browse.html", PER_PAGE)


@bp.get("/wanted/mine")
@login_required
def mine():
    return pages.mine(services.organization_requests, RequestStatus, "wanted/mine.html",
                      PER_PAGE)


@bp.get("/wanted/<int:request_id>")
@public_page
def detail(request_id: int):
    wanted = services.visible_request(request_id, user_or_none())
    owner = services.is_member(user_or_none(), wanted)
    matches, total = (matching.matches_for_request(wanted.id, 1, 50) if owner else ([], 0))
    return render_template("wanted/detail.html", wanted=wanted, owner=owner, matches=matches,
                           match_total=total,
                           # only owners see the forms (a token would tie the page to a session)
                           close_form=CloseForm() if owner else None,
                           action_form=ActionForm() if owner else None)


# --- create and edit -----------------------------------------------------------------


def _prepare(form: WantedForm, wanted: WantedRequest | None = None) -> None:
    pages.prepare_form(form, form.categories, new=wanted is None)
    from app.projects.publish import receiving_projects  # receiving building projects

    projects = receiving_projects(current_user)
    form.project_id.choices = [SelectChoice("", _("Ingen"))] + [
        SelectChoice(str(p.id), p.name) for p in projects] if projects else []


def initial_values(wanted: WantedRequest) -> dict[str, Any]:
    ore = wanted.max_price_ore
    return {
        "title": wanted.title, "description": wanted.description,
        "categories": wanted.category_slugs, "quantity": decimal_text(wanted.quantity),
        "min_quantity": decimal_text(wanted.min_quantity), "unit": wanted.unit,
        "max_price_nok": "" if ore is None else kroner_text(ore),
        "min_condition": wanted.min_condition or "", "postcode": wanted.postcode,
        "lat": str(wanted.lat), "lng": str(wanted.lng),
        "radius_km": decimal_text(wanted.radius_km),
        "needed_by": wanted.needed_by.isoformat() if wanted.needed_by else "",
        "project_id": str(wanted.project_id) if wanted.project_id else "",
    }


def from_search(args) -> dict[str, Any]:
    """Form values from a search's parameters ("save this search as a request")."""
    values: dict[str, Any] = {}
    if args.get("q"):
        values["title"] = args["q"].strip()[:rules.TITLE_MAX]
    category = category_lookup().get((args.get("category") or "").lower())
    if category is not None:
        values["categories"] = [category.slug]
    conditions = [c for c in args.getlist("condition") + args.getlist("conditions")
                  for c in c.split(",") if c in {str(k) for k in CONDITION_RANK}]
    if conditions:
        values["min_condition"] = min(conditions, key=lambda c: CONDITION_RANK[c])
    if args.get("free") in ("1", "true", "on") or args.get("free_only") in ("1", "true", "on"):
        values["max_price_nok"] = "0"
    elif args.get("max_price") or args.get("max_price_nok"):
        values["max_price_nok"] = args.get("max_price") or args.get("max_price_nok")
    for name in ("postcode", "lat", "lng"):
        if args.get(name):
            values[name] = args[name]
    radius = args.get("radius_km") or args.get("radius")
    if radius:
        values["radius_km"] = radius
    return values


def submitted(form: WantedForm, wanted: WantedRequest | None) -> dict[str, Any]:
    """Form values as service input: all of them for a new request, the changed ones for
    an edit."""
    initial = initial_values(wanted) if wanted is not None else None
    return pages.submitted_values(form, REQUEST_FIELDS, initial)


@bp.route("/wanted/new", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.memberships:
        raise PermissionDenied(_("Du må være medlem av en organisasjon for å legge inn ønsker."))
    if request.method == "GET":
        form = WantedForm(formdata=None, data=from_search(request.args))
    else:
        form = WantedForm()
    _prepare(form)
    if form.validate_on_submit():
        try:
            organization = services.choose_organization(current_user, form.organization_id.data)
            wanted = services.create_request(current_user, organization, submitted(form, None))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Ønsket er lagt inn. Vi sier fra når noe passer."), "success")
            return redirect(url_for("wanted.detail", request_id=wanted.id))
    status = 422 if form.errors else 200
    return render_template("wanted/form.html", form=form, wanted=None), status


@bp.route("/wanted/<int:request_id>/edit", methods=["GET", "POST"])
@login_required
def edit(request_id: int):
    wanted = services.request_for_change(request_id, current_user)
    if request.method == "GET":
        form = WantedForm(formdata=None, data=initial_values(wanted))
    else:
        form = WantedForm()
    _prepare(form, wanted)
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.update_request(wanted, submitted(form, wanted))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Endringene er lagret."), "success")
            return redirect(url_for("wanted.detail", request_id=wanted.id))
    status = 422 if form.errors else 200
    return render_template("wanted/form.html", form=form, wanted=wanted), status


@bp.post("/wanted/<int:request_id>/close")
@login_required
def close(request_id: int):
    wanted = services.request_for_change(request_id, current_user)
    form = CloseForm()
    if not form.validate_on_submit():
        flash(_("Skjemaet er utløpt. Send det på nytt."), "error")
        return redirect(url_for("wanted.detail", request_id=wanted.id))
    services.close_request(wanted, fulfilled=bool(form.fulfilled.data))
    flash(_("Ønsket er lukket."), "info")
    return redirect(url_for("wanted.mine"))


# --- the requester's match actions ---------------------------------------------------


@bp.post("/wanted/matches/<int:match_id>/interested")
@login_required
def interested(match_id: int):
    match = matching.match_for_requester(match_id, current_user)
    if ActionForm().validate_on_submit():
        matching.mark_interested(match)
        return redirect(url_for("exchange.reserve", listing_id=match.listing_id,
                                match_id=match.id))
    return redirect(url_for("wanted.detail", request_id=match.request_id))


@bp.post("/wanted/matches/<int:match_id>/dismiss")
@login_required
def dismiss(match_id: int):
    match = matching.match_for_requester(match_id, current_user)
    if ActionForm().validate_on_submit() and match.state != MatchState.DISMISSED:
        matching.dismiss(match)
        flash(_("Treffet er avvist."), "info")
    return redirect(url_for("wanted.detail", request_id=match.request_id) + "#matches")
