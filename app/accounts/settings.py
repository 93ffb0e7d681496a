"""A person's own settings: name and language, e-mail (confirmed by link), password.

Routes under /account/...; the hub /account (accounts.account) links here.

* Name and language: saved at once; the language also becomes the session's.
* E-mail: the current password is asked for; the NEW address gets a signed link
  (``EMAIL_CHANGE_MAX_AGE``, default 24 hours) and the OLD address a notice. The link
  names the account, its current address and its password hash (a digest), so it works
  once (the address changes) and a password change spends it. Its page asks for a click
  (mail scanners follow links; only a POST changes anything). The answer is the same
  whether or not the new address has an account, as with registration: an address that
  is taken gets a note instead of a link, and a link whose address was taken meanwhile
  is refused with a generic message.
* Password: the current one is asked for; the new one follows app/accounts/passwords.py;
  the person's other sessions end and they are told by e-mail.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app import audit
from app.accounts import passwords, services
from app.accounts.models import User
from app.accounts.views import apply_errors
from app.db import db
from app.errors import Conflict, NotFound, ServiceError, ValidationFailed
from app.extensions import failed_attempt, limiter
from app.i18n import LANG_COOKIE
from app.mail import queue_mail, register_subject
from app.validation import EMAIL_RE

bp = Blueprint("settings", __name__)

register_subject("email_change_confirm", lambda c: _("Bekreft ny e-postadresse på Kretsløp"))
register_subject("email_change_notice", lambda c: _("E-postadressen din på Kretsløp endres"))
register_subject("email_change_taken", lambda c: _("Du har allerede en konto på Kretsløp"))
register_subject("password_changed", lambda c: _("Passordet ditt på Kretsløp er endret"))

AUDIT_LABELS = {
    "user.email_change_requested": _l("Ny e-postadresse bedt om"),
    "user.email_changed": _l("E-postadresse endret"),
    "user.password_changed": _l("Passord endret"),
}


def _register_audit_labels() -> None:
    try:
        from app.admin.views import ACTION_LABELS
    except ImportError:  # pragma: no cover - the admin console is always there
        return
    ACTION_LABELS.update(AUDIT_LABELS)


_register_audit_labels()

LANGUAGE_CHOICES = [SelectChoice("nb", "Norsk bokmål"), SelectChoice("en", "English")]


# --- forms ---------------------------------------------------------------------------


class ProfileForm(FlaskForm):
    name = StringField(_l("Navn"), validators=[DataRequired(_l("Fyll inn navn.")),
                                               Length(max=200)])
    locale = SelectField(_l("Språk"), choices=LANGUAGE_CHOICES,
                         description=_l("Språket på sidene og i e-postene vi sender deg."))


class EmailForm(FlaskForm):
    email = EmailField(_l("Ny e-postadresse"),
                       validators=[DataRequired(_l("Fyll inn e-post.")), Length(max=254)])
    password = PasswordField(_l("Nåværende passord"),
                             validators=[DataRequired(_l("Fyll inn passordet ditt.")),
                                         Length(max=256)])


class ConfirmForm(FlaskForm):
    """Only the CSRF token."""


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Nåværende passord"),
        validators=[DataRequired(_l("Fyll inn passordet ditt.")), Length(max=256)])
    new_password = PasswordField(
        _l("Nytt passord"), validators=[DataRequired(_l("Velg et nytt passord."))])


# --- services ------------------------------------------------------------------------


def update_profile(user: User, name: str, locale: str) -> None:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Navn må fylles ut.")]
    elif len(name) > 200:
        errors["name"] = [_("Kan ikke være lengre enn %(n)s tegn.", n=200)]
    if locale not in current_app.config["LANGUAGES"]:
        errors["locale"] = [_("Ukjent språk.")]
    if errors:
        raise ValidationFailed(errors)
    user.name = name
    user.locale = locale


def _email_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-change")


def _password_mark(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def _check_current_password(user: User, password: str, field: str) -> None:
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationFailed({field: [_("Passordet er feil.")]})


def start_email_change(user: User, new_email: str, password: str) -> str:
    """Mail a confirmation link to ``new_email`` (a note if it has an account) and a
    notice to the current address. Returns the normalised new address."""
    new_email = (new_email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not EMAIL_RE.match(new_email) or len(new_email) > 254:
        errors["email"] = [_("Ugyldig e-postadresse.")]
    elif new_email == user.email:
        errors["email"] = [_("Dette er allerede e-postadressen din.")]
    if not check_password_hash(user.password_hash, password or ""):
        errors["password"] = [_("Passordet er feil.")]
    if errors:
        raise ValidationFailed(errors)
    hours = current_app.config["EMAIL_CHANGE_MAX_AGE"] // 3600
    existing = services.get_user_by_email(new_email)
    if existing is None:
        token = _email_serializer().dumps({"uid": user.id, "old": user.email, "new": new_email,
                                           "pw": _password_mark(user)})
        queue_mail(new_email, "email_change_confirm", user.locale, name=user.name,
                   path=f"/account/email/confirm/{token}", hours=hours)
    else:
        queue_mail(new_email, "email_change_taken", existing.locale, name=existing.name,
                   path="/login", reset_path="/password/forgot")
    queue_mail(user.email, "email_change_notice", user.locale, name=user.name,
               new_email=new_email, hours=hours, path="/account/password")
    audit.record("user.email_change_requested", "user", user.id, actor=user)
    return new_email


def email_change_for_token(token: str) -> tuple[User, str]:
    """The person and the new address a link carries, or a clear error (expired, forged,
    already used or spent by a password change)."""
    try:
        data = _email_serializer().loads(token,
                                         max_age=current_app.config["EMAIL_CHANGE_MAX_AGE"])
    except SignatureExpired:
        raise Conflict(_("Lenken er utløpt. Be om en ny under Min konto > E-post."),
                       state="expired") from None
    except BadSignature:
        raise NotFound(_("Lenken er ugyldig.")) from None
    if not isinstance(data, dict):
        raise NotFound(_("Lenken er ugyldig."))
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active:
        raise NotFound(_("Lenken er ugyldig."))
    if user.email != data.get("old") or not secrets.compare_digest(
            _password_mark(user), str(data.get("pw"))):
        raise Conflict(_("Lenken er allerede brukt eller ikke lenger gyldig. Be om en ny "
                         "under Min konto > E-post."), state="used")
    return user, str(data.get("new"))


def confirm_email_change(token: str) -> User:
    user, new_email = email_change_for_token(token)
    if services.get_user_by_email(new_email) is not None:
        # Taken since the link was sent; the link's reader owns that mailbox, so this
        # says no more than the note it would have had.
        raise Conflict(_("Adressen kan ikke brukes for denne kontoen. Velg en annen."),
                       state="unavailable")
    user.email = new_email
    audit.record("user.email_changed", "user", user.id, actor=user)
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Check the current password and the rules, set the new one, end every session of the
    person (this browser gets a fresh one, so it stays signed in) and tell them by e-mail."""
    _check_current_password(user, current, "current_password")
    problem = services.check_password_strength(new, user.email, user.name)
    if problem:
        raise ValidationFailed({"new_password": [problem]})
    user.password_hash = services.hash_password(new)
    services.renew_session(user)  # every old cookie dies; this browser gets a new session
    queue_mail(user.email, "password_changed", user.locale, name=user.name,
               path="/password/forgot")
    audit.record("user.password_changed", "user", user.id, actor=user)


# --- views ---------------------------------------------------------------------------


def _user_limit_key() -> str:
    return f"user:{current_user.get_id().partition(':')[0]}" \
        if current_user.is_authenticated else "anonymous"


def _wrong_password_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            update_profile(current_user, form.name.data, form.locale.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            session[LANG_COOKIE] = current_user.locale
            flash(_("Endringene er lagret."), "success")
            return redirect(url_for("settings.profile"))
    status = 422 if form.errors else 200
    return render_template("accounts/settings/profile.html", form=form), status


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(_wrong_password_limit, key_func=_user_limit_key, methods=["POST"],
               deduct_when=failed_attempt, scope="settings-email")
def email():
    form = EmailForm()
    if form.validate_on_submit():
        try:
            address = start_email_change(current_user, form.email.data, form.password.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Vi har sendt en lenke til %(email)s. Åpne den for å bekrefte den nye "
                    "adressen. Til da logger du inn med den gamle.", email=address), "info")
            return redirect(url_for("settings.email"))
    status = 422 if form.errors else 200
    return render_template("accounts/settings/email.html", form=form), status


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    try:
        user, new_email = email_change_for_token(token)
    except ServiceError as exc:
        return render_template("accounts/settings/link_invalid.html",
                               message=exc.detail), exc.status
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            confirm_email_change(token)
        except ServiceError as exc:
            return render_template("accounts/settings/link_invalid.html",
                                   message=exc.detail), exc.status
        flash(_("E-postadressen er endret til %(email)s.", email=new_email), "success")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("settings.email"))
        flash(_("Logg inn med den nye adressen."), "info")
        return redirect(url_for("accounts.login"))
    status = 400 if form.errors else 200
    return render_template("accounts/settings/email_confirm.html", form=form,
                           new_email=new_email), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_wrong_password_limit, key_func=_user_limit_key, methods=["POST"],
               deduct_when=failed_attempt, scope="settings-password")
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Passordet er endret. Du er logget ut på alle andre enheter."), "success")
            return redirect(url_for("settings.password"))
    status = 422 if form.errors else 200
    return render_template("accounts/settings/password.html", form=form,
                           rules=passwords.rules()), status


@bp.get("/account/password/common.json")
def common_passwords():
    """The common-password list for the page's script (public: a published list, the
    same for everyone)."""
    response = jsonify(passwords.script_list())
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.app_context_processor
def _password_context() -> dict:
    return {"password_messages": passwords.messages}
