"""The inbox: every notification (:mod:`app.notifications`), mark read, the e-mail choice
per kind; and the match list on a listing's page (for its organisation)."""

from __future__ import annotations

import os

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import notifications
from app.db import db
from app.main import safe_next
from app.matching import explain, notify, services
from app.matching.forms import ReadForm, settings_form
from app.matching.models import Notification, NotificationKind

bp = Blueprint("matching", __name__)
PER_PAGE = 30


@bp.record_once
def _configure(state) -> None:
    """Settings from the environment, the nav's unread count and template helpers."""
    app = state.app
    for name, default in (("MATCHING_CANDIDATES", "search"), ("MATCHING_SEARCH_LIMIT", 1000),
                          ("MATCHING_NOTIFY_MIN_SCORE", 50), ("MATCHING_NOTIFY_MAX", 10)):
        value = os.environ.get(name)
        if value not in (None, ""):
            default = type(default)(value)
        app.config.setdefault(name, default)

    def inbox_unread() -> int:
        return notify.unread_count(current_user) if current_user.is_authenticated else 0

    def listing_matches(listing, limit: int = 20):
        return services.matches_for_listing(listing.id, 1, limit)

    app.jinja_env.globals.update(inbox_unread=inbox_unread, listing_matches=listing_matches,
                                 notification_target=target,
                                 notification_line=notifications.line)


def target(notification: Notification) -> str:
    """Where a notification leads (its own path; old match entries had none)."""
    if notification.path:
        return safe_next(notification.path, url_for("matching.inbox"))
    payload = notification.params or {}
    if notification.kind not in (NotificationKind.MATCH_FOR_REQUEST,
                                 NotificationKind.REQUEST_FOR_LISTING):
        return url_for("matching.inbox")
    if notification.kind == NotificationKind.MATCH_FOR_REQUEST:
        return url_for("wanted.detail", request_id=payload.get("request_id")) + \
            f"#match-{notification.match_id}"
    return url_for("listings.detail", listing_id=payload.get("listing_id")) + "#matches"


@bp.get("/inbox")
@login_required
def inbox():
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    items, total = notify.inbox(current_user, page, PER_PAGE)
    explain.fill(n.match for n in items if n.match is not None)  # one read for the page
    return render_template("matching/inbox.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), read_form=ReadForm())


@bp.post("/inbox/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        from app.errors import NotFound

        raise NotFound(_("Varselet finnes ikke."))
    if ReadForm().validate_on_submit():
        notify.mark_read(current_user, notification.id)
    return redirect(safe_next(request.form.get("next"), target(notification)))


@bp.post("/inbox/read-all")
@login_required
def read_all():
    if ReadForm().validate_on_submit():
        n = notify.mark_read(current_user)
        flash(_("%(n)s varsler er merket som lest.", n=n), "info")
    return redirect(url_for("matching.inbox"))


@bp.route("/inbox/settings", methods=["GET", "POST"])
@login_required
def settings():
    current = notifications.choices_for(current_user.id)
    form = settings_form(current)
    if request.method == "POST" and form.validate_on_submit():
        chosen = {name: form[name].data for name in notifications.KINDS
                  if form[name].data and form[name].data != current.get(name)}
        notifications.set_choices(current_user, chosen)
        flash(_("Innstillingene er lagret."), "success")
        return redirect(url_for("matching.settings"))
    status = 422 if form.errors else 200
    return render_template("matching/settings.html", form=form, groups=_grouped(),
                           modes=notifications.EmailMode), status


def _grouped() -> list[tuple]:
    """(group label, [kind, ...]) in the order of ``GROUPS``, empty groups left out."""
    out = []
    for key, label in notifications.GROUPS.items():
        kinds = [k for k in notifications.KINDS.values() if k.group == key]
        if kinds:
            out.append((label, kinds))
    return out
