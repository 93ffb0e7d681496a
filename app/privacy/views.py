"""Routes for a person's data: /account/data..., and the record of processing for site admins."""

from __future__ import annotations

import hmac
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app import audit
from app.csvsafe import safe_writer
from app.db import db, utcnow
from app.errors import Conflict
from app.extensions import client_address, limiter, login_manager
from app.privacy import erase, export, record
from app.privacy.models import DataExport, ExportStatus

bp = Blueprint("privacy", __name__)

#: What the person types to confirm (in the language they read the page in).
CONFIRM_WORD = _l("SLETT")


class ExportForm(FlaskForm):
    pass


class DeleteForm(FlaskForm):
    password = PasswordField(_l("Passord"), validators=[
        DataRequired(_l("Skriv passordet ditt.")), Length(max=200)])
    confirm = StringField(_l("Skriv %(word)s for å bekrefte", word=CONFIRM_WORD), validators=[
        DataRequired(_l("Skriv %(word)s for å bekrefte.", word=CONFIRM_WORD)), Length(max=20)],
        description=_l("Sletting kan ikke angres."))


@bp.app_template_global()
def audit_actor(entry) -> str:
    """The audit log's actor as the console shows it ("Tidligere bruker" for a person whose
    account is deleted; see app.audit.shown_actor)."""
    return audit.shown_actor(entry)


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/data")
@login_required
def my_data():
    return render_template("privacy/my_data.html", exports=export.exports_of(current_user),
                           form=ExportForm(), now=utcnow(), labels=export.AREA_LABELS)


@bp.post("/account/data/export")
@login_required
def start_export():
    form = ExportForm()
    if not form.validate_on_submit():
        flash(_("Skjemaet er utløpt. Send det på nytt."), "error")
        return redirect(url_for("privacy.my_data"))
    try:
        export.request_export(current_user)
    except (Conflict, export.TooManyExports) as exc:
        flash(exc.detail, "error")
        return render_template("privacy/my_data.html", form=form, now=utcnow(),
                               exports=export.exports_of(current_user),
                               labels=export.AREA_LABELS), exc.status
    flash(_("Vi lager filen nå. Du får et varsel når den er klar."), "success")
    return redirect(url_for("privacy.my_data"))


@bp.get("/account/data/exports/<int:export_id>/<key>")
@login_required
def download(export_id: int, key: str):
    item = db.session.get(DataExport, export_id)
    if item is None or item.user_id != current_user.id \
            or not hmac.compare_digest(item.key.encode(), key.encode()):
        abort(404)
    if export.is_expired(item):
        abort(410)
    path = export.file_path(item)
    if item.status != ExportStatus.READY.value or path is None or not path.exists():
        abort(404)
    stamp = (item.finished_at or item.created_at).strftime("%Y-%m-%d")
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=f"kretslop-mine-data-{stamp}.zip", max_age=0)


def _person_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else client_address()


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
# The password is checked here: no guessing it with a borrowed session.
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_person_key,
               methods=["POST"], scope="account-delete")
def delete():
    form = DeleteForm()
    found = erase.blockers(current_user)
    status = 200
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.password.data or ""):
            form.password.errors = [_("Passordet stemmer ikke.")]
        elif form.confirm.data.strip().upper() != str(CONFIRM_WORD).upper():
            form.confirm.errors = [_("Skriv %(word)s for å bekrefte.", word=CONFIRM_WORD)]
        elif found.blocked:
            status = 409
        else:
            erase.check_can_erase(current_user)
            erase.erase(current_user._get_current_object(), reason="self")
            logout_user()
            session.clear()
            flash(_("Kontoen din er slettet. Takk for at du brukte Kretsløp."), "success")
            return redirect(url_for("main.home"))
    if form.errors and status == 200:
        status = 422
    return render_template("privacy/delete.html", form=form, blockers=found,
                           confirm_word=CONFIRM_WORD), status


# --- the record of processing (site admins) ---------------------------------------------


def _site_admin_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_site_admin:
        abort(404)  # like the console: it does not exist for anyone else
    return None


@bp.get("/admin/processing")
def processing():
    denied = _site_admin_only()
    if denied is not None:
        return denied
    return render_template("privacy/record.html", activities=record.activities(),
                           headings=record.headings(), fields=record.FIELDS)


@bp.get("/admin/processing.csv")
def processing_csv():
    denied = _site_admin_only()
    if denied is not None:
        return denied
    text = io.StringIO()
    writer = safe_writer(text)
    headings = record.headings()
    writer.writerow([headings[f] for f in record.FIELDS])
    for activity in record.activities():
        writer.writerow([getattr(activity, f) for f in record.FIELDS])
    return Response("\ufeff" + text.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition":
                             "attachment; filename=behandlingsprotokoll.csv"})
