"""Wanted-request pages: browse, ours, create (also from a search), view, edit, close,
and the requester's match actions.

Permissions as in ``services``: non-open requests are 404 outside the organisation,
changing a visible one is 403, a match belongs to the requesting organisation.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.views import apply_errors
from app.errors import PermissionDenied, ValidationFailed
from app.listings.categories import category_lookup, ids_with_descendants
from app.listings.forms import category_choices, category_groups, organization_choices
from app.listings.serialize import number
from app.matching import services as matching
from app.matching.models import MatchState
from app.pagecache import public_page
from app.wanted import rules, services
from app.wanted.forms import REQUEST_FIELDS, ActionForm, CloseForm, WantedForm
from app.wanted.models import CONDITION_RANK, RequestStatus, WantedRequest

bp = Blueprint("wanted", __name__)
PER_PAGE = 24


@bp.record_once
def _configure(state) -> None:
    from app.wanted import templating

    templating.init_app(state.app)


def _locale() -> str:
    return str(get_locale() or "nb")


def _page() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and int(page) > 0 else 1


def _user():
    return current_user if current_user.is_authenticated else None


@bp.get("/wanted")
@public_page
def browse():
    page = _page()
    category = category_lookup().get((request.args.get("category") or "").lower())
    ids = None
    if category is not None:
        ids = ids_with_descendants(category)
    items, total = services.open_requests(page, PER_PAGE, ids)
    return render_template("wanted/browse.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), category=category,
                           categories=category_groups(_locale()))


@bp.get("/wanted/mine")
@login_required
def mine():
    page = _page()
    status = request.args.get("status") or None
    if status not in {s.value for s in RequestStatus}:
        status = None
    items, total = services.organization_requests(current_user, page, PER_PAGE, status)
    return render_template("wanted/mine.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), status=status)


@bp.get("/wanted/<int:request_id>")
@public_page
def detail(request_id: int):
    wanted = services.visible_request(request_id, _user())
    owner = services.is_member(_user(), wanted)
    matches, total = (matching.matches_for_request(wanted.id, 1, 50) if owner else ([], 0))
    return render_template("wanted/detail.html", wanted=wanted, owner=owner, matches=matches,
                           match_total=total,
                           # only owners see the forms (a token would tie the page to a session)
                           close_form=CloseForm() if owner else None,
                           action_form=ActionForm() if owner else None)


# --- create and edit -----------------------------------------------------------------


def _prepare(form: WantedForm, wanted: WantedRequest | None = None) -> None:
    form.categories.choices = category_choices(_locale())
    if wanted is None:
        form.organization_id.choices = organization_choices(current_user)
    else:
        del form.organization_id


def initial_values(wanted: WantedRequest) -> dict[str, Any]:
    def text(value) -> str:
        return "" if value is None else str(number(value)).replace(".", ",")

    ore = wanted.max_price_ore
    price = None if ore is None else (f"{ore / 100:.2f}" if ore % 100 else str(ore // 100))
    return {
        "title": wanted.title, "description": wanted.description,
        "categories": wanted.category_slugs, "quantity": text(wanted.quantity),
        "min_quantity": text(wanted.min_quantity), "unit": wanted.unit,
        "max_price_nok": "" if price is None else price.replace(".", ","),
        "min_condition": wanted.min_condition or "", "postcode": wanted.postcode,
        "lat": str(wanted.lat), "lng": str(wanted.lng), "radius_km": text(wanted.radius_km),
        "needed_by": wanted.needed_by.isoformat() if wanted.needed_by else "",
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
    data: dict[str, Any] = {}
    for name in REQUEST_FIELDS:
        value = form[name].data
        value = value.strip() if isinstance(value, str) else value
        if initial is not None and value == initial[name]:
            continue
        data[name] = value
    if initial is not None and "postcode" in data and "lat" not in data and "lng" not in data:
        data["lat"] = data["lng"] = ""  # a new postcode moves the point
    return data


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
