"""The "Rapporter annonse" page: a logged-in person outside the listing's organisation
tells the site admins what is wrong (works without JavaScript)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.views import apply_errors
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.listings import services as listings
from app.moderation import services
from app.moderation.forms import ReportForm

bp = Blueprint("moderation", __name__)


@bp.route("/listings/<int:listing_id>/report", methods=["GET", "POST"])
@login_required
def report(listing_id: int):
    listing = listings.visible_listing(listing_id, current_user)
    if listings.is_member(current_user, listing):
        raise PermissionDenied(_("Du kan ikke rapportere din egen organisasjons annonse."))
    form = ReportForm()
    existing = services.open_report_of(listing, current_user)
    status = 200
    if form.validate_on_submit():
        try:
            services.report_listing(listing, current_user, form.reason.data,
                                    form.message.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.reason.errors = [*form.reason.errors, exc.detail]
            status = 409
        else:
            flash(_("Takk! Rapporten er sendt, og en administrator ser på annonsen."),
                  "success")
            return redirect(url_for("listings.detail", listing_id=listing.id))
    if form.errors and status == 200:
        status = 422
    return render_template("moderation/report.html", listing=listing, form=form,
                           existing=existing), status
