"""Listing pages: browse, our listings, create, edit (with photos), publish, withdraw.

Permissions as in ``services``: private listings are 404 outside the organisation,
changing a public one is 403.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.views import apply_errors
from app.common import pages, user_or_none
from app.common.pages import decimal_text, kroner_text
from app.errors import Conflict, PermissionDenied, ServiceError, ValidationFailed, problem
from app.listings import photo_form, photos, rules, services
from app.listings.categories import category_lookup
from app.listings.forms import (
    LISTING_FIELDS,
    ActionForm,
    ListingForm,
)
from app.listings.models import Listing, Status
from app.maps import listing_map_data
from app.pagecache import public_page
from app.pickup.windows import windows_json
from app.validation import parse_day

bp = Blueprint("listings", __name__)
PER_PAGE = 24
OSLO = ZoneInfo("Europe/Oslo")


@bp.record_once
def _configure(state) -> None:
    from app.listings import templating

    templating.init_app(state.app)


# --- browse --------------------------------------------------------------------------


@bp.get("/listings")
@public_page
def browse():
    return pages.browse(services.published_listings, "listings/browse.html", PER_PAGE)


@bp.get("/listings/mine")
@login_required
def mine():
    return pages.mine(services.organization_listings, Status, "listings/mine.html", PER_PAGE)


@bp.get("/listings/<int:listing_id>")
@public_page
def detail(listing_id: int):
    listing = services.visible_listing(listing_id, user_or_none())
    return render_template("listings/detail.html", listing=listing,
                           can_edit=services.is_member(user_or_none(), listing),
                           map_data=listing_map_data(listing))


# --- create and edit -----------------------------------------------------------------


def _prepare(form: ListingForm, listing: Listing | None = None) -> None:
    pages.prepare_form(form, form.category, new=listing is None)


def initial_values(listing: Listing) -> dict[str, Any]:
    """The form's strings for ``listing`` (an estimated weight shows as empty)."""
    def day(dt):
        return dt.astimezone(OSLO).date().isoformat() if dt else ""

    return {
        "title": listing.title, "description": listing.description,
        "category": listing.category.slug, "condition": listing.condition,
        "quantity": decimal_text(listing.quantity), "unit": listing.unit,
        "unit_weight_kg": "" if listing.weight_estimated else
        decimal_text(listing.unit_weight_kg),
        "price_nok": kroner_text(listing.price_ore),
        "postcode": listing.postcode, "address": listing.address,
        "lat": str(listing.lat), "lng": str(listing.lng),
        "available_from": day(listing.available_from),
        "available_until": day(listing.available_until),
        "material": listing.material, "dimensions": listing.dimensions,
        "pickup_instructions": listing.pickup_instructions,
        "waste_origin": listing.waste_origin,
        "pickup_windows": windows_json(listing),
    }


def submitted(form: ListingForm, listing: Listing | None
              ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Form values as service input: all of them for a new listing, the changed ones
    for an edit. Dates become the start/end of the day in Oslo."""
    initial = initial_values(listing) if listing is not None else None
    data = pages.submitted_values(form, LISTING_FIELDS, initial)
    errors: dict[str, list[str]] = {}
    for name in ("available_from", "available_until"):
        if name not in data:
            continue
        if not data[name]:
            data[name] = None
            continue
        try:
            day = parse_day(data[name])
        except ValueError as exc:
            errors[name] = [str(exc)]
            del data[name]
            continue
        data[name] = (rules.start_of_day(day) if name == "available_from"
                      else rules.end_of_day(day))
    return data, errors


def _check_all(data, errors, listing=None) -> ValidationFailed:
    _clean, more = rules.check(data, category_lookup(), current=listing)
    return ValidationFailed({**more, **errors})


def _photo_errors(state: photo_form.PhotoState) -> dict[str, list[str]]:
    return {"photos": state.errors} if state.errors else {}


def _photo_context() -> dict[str, Any]:
    return {"max_images": photos.MAX_IMAGES,
            "max_mb": current_app.config["IMAGE_MAX_BYTES"] // (1024 * 1024),
            "max_request_mb": (current_app.config.get("MAX_CONTENT_LENGTH") or 0)
            // (1024 * 1024)}


@bp.route("/listings/new", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.memberships:
        raise PermissionDenied(_("Du må være medlem av en organisasjon for å legge ut annonser."))
    form = ListingForm()
    _prepare(form)
    state = photo_form.initial(None)
    if form.validate_on_submit():
        # Photos first: accepted ones come back as pending photos whatever else is wrong.
        state = photo_form.read(request.form, request.files, current_user.id, None)
        data, errors = submitted(form, None)
        publish = request.form.get("action") == "publish"
        try:
            if errors or state.errors:
                raise _check_all(data, {**errors, **_photo_errors(state)})
            organization = services.choose_organization(current_user, form.organization_id.data)
            listing = services.create_listing(current_user, organization, data,
                                              publish=publish)
            photo_form.save(state, listing)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            if publish:
                flash(_("Annonsen er publisert."), "success")
                return redirect(url_for("listings.detail", listing_id=listing.id))
            flash(_("Annonsen er lagret som utkast."), "success")
            return redirect(url_for("listings.edit", listing_id=listing.id))
    status = 422 if form.errors else 200
    return render_template("listings/form.html", form=form, listing=None, photo_state=state,
                           **_photo_context()), status


def render_edit(listing: Listing, form: ListingForm | None = None, status: int = 200,
                state: photo_form.PhotoState | None = None):
    if form is None:
        form = ListingForm(formdata=None, data=initial_values(listing))
        _prepare(form, listing)
    return render_template(
        "listings/form.html", form=form, listing=listing, action_form=ActionForm(),
        photo_state=state if state is not None else photo_form.initial(listing),
        **_photo_context(),
    ), status


@bp.route("/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(listing_id: int):
    listing = services.listing_for_change(listing_id, current_user)
    if request.method == "GET":
        return render_edit(listing)
    form = ListingForm()
    _prepare(form, listing)
    state = None
    if form.validate_on_submit():
        state = photo_form.read(request.form, request.files, current_user.id, listing)
        data, errors = submitted(form, listing)
        try:
            if errors or state.errors:
                raise _check_all(data, {**errors, **_photo_errors(state)}, listing)
            services.update_listing(listing, data)
            photo_form.save(state, listing)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            if not hasattr(exc, "errors"):  # a quantity below what is held: on the field
                raise
            apply_errors(form, exc)
            return render_edit(listing, form=form, status=409, state=state)
        else:
            flash(_("Endringene er lagret."), "success")
            return redirect(url_for("listings.edit", listing_id=listing.id))
    return render_edit(listing, form=form, status=422 if form.errors else 200, state=state)


@bp.post("/listings/<int:listing_id>/publish")
@login_required
def publish(listing_id: int):
    listing = services.listing_for_change(listing_id, current_user)
    try:
        services.publish(listing)
    except ValidationFailed as exc:
        form = ListingForm(formdata=None, data=initial_values(listing))
        _prepare(form, listing)
        apply_errors(form, exc)
        return render_edit(listing, form=form, status=422)
    flash(_("Annonsen er publisert."), "success")
    return redirect(url_for("listings.detail", listing_id=listing.id))


@bp.post("/listings/<int:listing_id>/withdraw")
@login_required
def withdraw(listing_id: int):
    listing = services.listing_for_change(listing_id, current_user)
    services.withdraw(listing)
    flash(_("Annonsen er trukket tilbake."), "info")
    return redirect(url_for("listings.mine"))


# --- photos --------------------------------------------------------------------------


@bp.post("/listings/photos")
@login_required
def upload_pending_photo():
    """One photo for a listing form not saved yet (the form's script sends each file as
    it is chosen): 201 with the pending token and preview addresses, or a problem."""
    if not current_user.memberships:
        raise PermissionDenied(_("Du må være medlem av en organisasjon for å legge ut annonser."))
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed({"file": [_("Velg en bildefil.")]})
        photo = photos.accept_upload(upload.stream, upload.filename, upload.mimetype,
                                     current_user.id)
    except ServiceError as exc:
        errors = getattr(exc, "errors", None) or {"file": [exc.detail]}
        return problem(exc.status, exc.title, exc.detail, errors=errors)
    response = jsonify({"ref": f"p:{photo.token}", "thumb": photo.thumb_url,
                        "original": photo.original_url, "width": photo.width,
                        "height": photo.height})
    response.status_code = 201
    return response


def _single_upload_error(listing: Listing, messages: list[str], status: int):
    form = ListingForm(formdata=None, data=initial_values(listing))
    _prepare(form, listing)
    form.photos.errors = messages
    return render_edit(listing, form=form, status=status)


@bp.post("/listings/<int:listing_id>/images")
@login_required
def upload_image(listing_id: int):
    """One photo added to a saved listing at once (the form before photos were part of
    it; kept for bookmarks and scripts)."""
    listing = services.listing_for_change(listing_id, current_user)
    upload = request.files.get("file") or request.files.get("photos")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed({"file": [_("Velg en bildefil.")]})
        photos.add_image(listing, upload.stream, upload.filename, upload.mimetype)
    except ValidationFailed as exc:
        return _single_upload_error(listing, [m for ms in exc.errors.values() for m in ms],
                                    exc.status)
    except ServiceError as exc:
        if exc.status == 409:
            raise
        return _single_upload_error(listing, [exc.detail], exc.status)
    flash(_("Bildet er lagt til."), "success")
    return redirect(url_for("listings.edit", listing_id=listing.id) + "#photos")


@bp.post("/listings/<int:listing_id>/images/<int:image_id>/delete")
@login_required
def delete_image(listing_id: int, image_id: int):
    listing = services.listing_for_change(listing_id, current_user)
    photos.remove_image(listing, image_id)
    flash(_("Bildet er slettet."), "info")
    return redirect(url_for("listings.edit", listing_id=listing.id) + "#photos")


from app.listings import import_views  # noqa: E402,F401 - routes register on import
