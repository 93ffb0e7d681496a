"""Signing in safely: the person's sessions and API tokens in one list, two-factor (TOTP).

Routes under /account/security, the second sign-in step /login/two-factor, and the
policy: site admins and members of an organisation that requires it must turn
two-factor on before anything else works; /admin needs a session that passed it.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app import audit
from app.accounts import services, sessions, two_factor
from app.accounts.models import ApiToken, Organization, Role, User
from app.db import db
from app.extensions import client_address, failed_attempt, limiter
from app.main import safe_next

bp = Blueprint("security", __name__)

PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 300

#: Endpoints a person who must turn two-factor on can still reach.
_OPEN_WHILE_REQUIRED = {"security.two_factor_setup", "security.login_two_factor",
                        "accounts.logout", "static", "main.set_language"}


class CodeForm(FlaskForm):
    code = StringField(_l("Kode"), validators=[DataRequired(_l("Fyll inn koden.")),
                                               Length(max=20)])


class DisableForm(FlaskForm):
    password = PasswordField(_l("Passord"), validators=[DataRequired(_l("Fyll inn passord.")),
                                                        Length(max=256)])
    code = StringField(_l("Kode fra appen"), validators=[DataRequired(_l("Fyll inn koden.")),
                                                        Length(max=20)])


class TokenForm(FlaskForm):
    name = StringField(_l("Navn på nøkkelen"), validators=[Optional(), Length(max=100)])


# --- policy ----------------------------------------------------------------------------


def _plainly_anonymous() -> bool:
    """Nothing in the request could sign anyone in: don't load the user here. Loading it
    this early, before a view writes the session (the language switch), would leave
    flask-login's one-off session mark for the visitor's next page, which then can't come
    from the page cache."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return ("_user_id" not in session and remember not in request.cookies
            and "Authorization" not in request.headers)


@bp.before_app_request
def _two_factor_policy():
    if request.endpoint is None or request.endpoint == "static" or _plainly_anonymous():
        return None
    if not current_user.is_authenticated:
        return None
    row = sessions.current_session()
    if row is None or row.two_factor_passed:  # an API token, or a session that passed 2FA
        return None
    if not two_factor.is_required(current_user) or request.endpoint in _OPEN_WHILE_REQUIRED:
        return None
    if two_factor.is_enabled(current_user):
        if request.blueprint == "admin":
            flash(_("Logg inn på nytt med tofaktor for å bruke administrasjonen."), "warning")
            return redirect(url_for("security.index"))
        return None
    flash(_("Du må slå på tofaktor-innlogging før du kan fortsette."), "warning")
    return redirect(url_for("security.two_factor_setup"))


# --- the list ----------------------------------------------------------------------


def _tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id)))


def _render_index(token_form=None, new_token=None, disable_form=None, status=200):
    return render_template(
        "accounts/security/index.html", sessions=sessions.live_sessions(current_user),
        current_id=sessions.current_session_id(), tokens=_tokens(current_user),
        token_form=token_form or TokenForm(), new_token=new_token,
        two_factor_on=two_factor.is_enabled(current_user),
        two_factor_required=two_factor.is_required(current_user),
        codes_left=two_factor.recovery_codes_left(current_user),
        disable_form=disable_form or DisableForm()), status


@bp.get("/account/security")
@login_required
def index():
    return _render_index()


@bp.post("/account/security/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    row = db.session.get(sessions.UserSession, session_id)
    if row is None or row.user_id != current_user.id or row.ended_at is not None:
        abort(404)
    was_current = row.id == sessions.current_session_id()
    sessions.end(row)
    db.session.commit()
    flash(_("Økten er avsluttet."), "info")
    return redirect(url_for("main.home" if was_current else "security.index"))


@bp.post("/account/security/sessions/end-others")
@login_required
def end_other_sessions():
    ended = sessions.end_all(current_user, keep_id=sessions.current_session_id())
    db.session.commit()
    flash(ngettext("%(num)s annen økt er avsluttet.", "%(num)s andre økter er avsluttet.",
                   ended), "info")
    return redirect(url_for("security.index"))


@bp.post("/account/security/tokens")
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_index(token_form=form, status=422)
    _token, raw = services.create_api_token(current_user, form.name.data or "")
    db.session.commit()
    flash(_("Ny API-nøkkel laget. Kopier den nå; den vises bare én gang."), "success")
    return _render_index(new_token=raw)


@bp.post("/account/security/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    services.revoke_api_token(current_user, token_id)
    db.session.commit()
    flash(_("Nøkkelen er trukket tilbake."), "info")
    return redirect(url_for("security.index"))


# --- two-factor set-up -------------------------------------------------------------


@bp.route("/account/security/two-factor", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"],
               key_func=lambda: f"user:{current_user.id}", methods=["POST"],
               deduct_when=failed_attempt, scope="two-factor-setup")
def two_factor_setup():
    if two_factor.is_enabled(current_user):
        return redirect(url_for("security.index"))
    row, secret = two_factor.begin(current_user)
    db.session.commit()
    form = CodeForm()
    if form.validate_on_submit():
        codes = two_factor.confirm(current_user, form.code.data)
        if codes is not None:
            current = sessions.current_session()
            if current is not None:
                current.two_factor_passed = True  # a code from the app was just given
            audit.record("user.two_factor_on", "user", current_user.id, actor=current_user)
            db.session.commit()
            flash(_("Tofaktor-innlogging er slått på."), "success")
            return render_template("accounts/security/recovery_codes.html", codes=codes)
        form.code.errors = [_("Feil kode. Bruk den sekssifrede koden appen viser nå.")]
    uri = two_factor.provisioning_uri(current_user, secret)
    status = 422 if form.errors else 200
    return render_template("accounts/security/setup.html", form=form, secret=secret,
                           qr=two_factor.qr_svg(uri),
                           required=two_factor.is_required(current_user)), status


def _password_and_code(form) -> bool:
    ok = True
    if not check_password_hash(current_user.password_hash, form.password.data or ""):
        form.password.errors = [_("Feil passord.")]
        ok = False
    if two_factor.verify(current_user, form.code.data or "") is None:
        form.code.errors = [_("Feil kode.")]
        ok = False
    return ok


@bp.post("/account/security/two-factor/off")
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"],
               key_func=lambda: f"user:{current_user.id}",
               deduct_when=failed_attempt, scope="two-factor-off")
def two_factor_off():
    if not two_factor.is_enabled(current_user):
        return redirect(url_for("security.index"))
    form = DisableForm()
    if form.validate_on_submit() and _password_and_code(form):
        if two_factor.is_required(current_user):
            flash(_("Tofaktor-innlogging kreves for kontoen din og kan ikke slås av."), "error")
            return redirect(url_for("security.index"))
        two_factor.disable(current_user)
        audit.record("user.two_factor_off", "user", current_user.id, actor=current_user)
        db.session.commit()
        flash(_("Tofaktor-innlogging er slått av."), "info")
        return redirect(url_for("security.index"))
    db.session.commit()  # a used recovery code stays used
    return _render_index(disable_form=form, status=422)


@bp.route("/account/security/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"],
               key_func=lambda: f"user:{current_user.id}", methods=["POST"],
               deduct_when=failed_attempt, scope="two-factor-codes")
def recovery_codes():
    if not two_factor.is_enabled(current_user):
        return redirect(url_for("security.index"))
    form = DisableForm()
    if form.validate_on_submit() and _password_and_code(form):
        codes = two_factor.new_recovery_codes(current_user)
        audit.record("user.recovery_codes_new", "user", current_user.id, actor=current_user)
        db.session.commit()
        return render_template("accounts/security/recovery_codes.html", codes=codes)
    db.session.commit()
    status = 422 if form.errors else 200
    return render_template("accounts/security/new_codes.html", form=form), status


# --- the second sign-in step -------------------------------------------------------


def begin_second_step(user: User, remember: bool, next_url: str | None) -> None:
    """Called by the login view after a right password when two-factor is on."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[PENDING_KEY] = {"user_id": user.id, "remember": bool(remember),
                            "next": next_url or "", "at": int(time.time())}


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, pending
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.active or not two_factor.is_enabled(user):
        return None, pending
    return user, pending


def _pending_key() -> str:
    return f"2fa:{(session.get(PENDING_KEY) or {}).get('user_id', 'none')}"


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_pending_key,
               methods=["POST"], deduct_when=failed_attempt, scope="login-two-factor")
@limiter.limit(lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], key_func=client_address,
               methods=["POST"], deduct_when=failed_attempt, scope="login-two-factor-address")
def login_two_factor():
    from app.accounts.views import _start_session

    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Innloggingen tok for lang tid. Logg inn på nytt."), "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        kind = two_factor.verify(user, form.code.data)
        if kind is not None:
            _start_session(user, pending.get("remember", False), two_factor_passed=True)
            if kind == "recovery":
                audit.record("user.recovery_code_used", "user", user.id, actor=user)
                flash(_("Du brukte en reservekode. Du har %(n)s igjen.",
                        n=two_factor.recovery_codes_left(user)), "warning")
            db.session.commit()
            flash(_("Velkommen, %(name)s!", name=user.name), "success")
            return redirect(safe_next(pending.get("next"), url_for("main.home")))
        db.session.commit()
        form.code.errors = [_("Feil kode. Prøv igjen, eller bruk en reservekode.")]
    status = 422 if form.errors else 200
    return render_template("accounts/security/login_code.html", form=form), status


# --- organisation policy -------------------------------------------------------------


@bp.post("/organizations/<int:org_id>/two-factor")
@login_required
def org_require_two_factor(org_id: int):
    org = db.session.get(Organization, org_id)
    if org is None:
        abort(404)
    if not current_user.has_role(org.id, Role.OWNER):
        abort(403)
    before = org.require_two_factor
    org.require_two_factor = request.form.get("require") == "1"
    if before != org.require_two_factor:
        audit.record("organization.require_two_factor", "organization", org.id,
                     actor=current_user, organization_id=org.id,
                     before={"require_two_factor": before},
                     after={"require_two_factor": org.require_two_factor})
    db.session.commit()
    flash(_("Alle medlemmer må nå bruke tofaktor-innlogging.") if org.require_two_factor
          else _("Tofaktor-innlogging er ikke lenger påkrevd i organisasjonen."), "success")
    return redirect(url_for("accounts.organization", org_id=org.id))
