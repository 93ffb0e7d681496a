"""Account pages: register, log in and out, invitations, password reset, organisation."""

from __future__ import annotations

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
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import SelectField

from app.accounts import services, signin, two_factor
from app.accounts.forms import (
    ROLES,
    AcceptInvitationForm,
    ConfirmRegistrationForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from app.accounts.models import Organization, Role, User
from app.db import db, utcnow
from app.errors import ServiceError, ValidationFailed
from app.extensions import client_address, email_rate_key, failed_attempt, limiter, login_manager
from app.main import safe_next

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    from app.accounts import sessions

    user_id, _sep, secret = identity.partition(":")
    if not user_id.isdigit():
        return None
    found = sessions.user_and_session(int(user_id), secret)
    if found is None:  # no such user, or the session ended, or was never this user's
        return None
    user, row = found
    if not user.active:
        return None
    if user.is_locked_out:  # suspension ends the sessions of its people
        return None
    sessions.touch(row)
    user._session_secret = secret
    return user


@login_manager.unauthorized_handler
def unauthorized():
    from app.errors import problem, wants_json

    if wants_json():
        return problem(401, _("Ikke innlogget"), _("Logg inn eller bruk en API-nøkkel."))
    flash(_("Logg inn for å fortsette."), "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def apply_errors(form, exc: ValidationFailed, aliases: dict[str, str] | None = None) -> None:
    """Show service field errors on the matching form fields (or as a page message)."""
    for name, messages in exc.errors.items():
        field = getattr(form, (aliases or {}).get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + messages
        else:
            for message in messages:
                flash(message, "error")


def _start_session(user: User, remember: bool = False, two_factor_passed: bool = False) -> None:
    """A fresh session on every login: nothing from before survives (no fixation)."""
    from app.accounts import sessions

    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    sessions.start(user, two_factor_passed=two_factor_passed)
    db.session.commit()
    login_user(user, remember=remember)


def _limit(name: str):
    """A limit read from the configuration at request time."""
    return lambda: current_app.config[name]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_RATE_LIMIT"), key_func=email_rate_key, methods=["POST"],
               deduct_when=failed_attempt, scope="login-email")
@limiter.limit(_limit("LOGIN_ADDRESS_RATE_LIMIT"), key_func=client_address, methods=["POST"],
               deduct_when=failed_attempt, scope="login-address")
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and two_factor.is_enabled(user):
            db.session.commit()
            signin.begin_second_step(user, form.remember.data, request.args.get("next"))
            return redirect(url_for("security.login_two_factor"))
        if user is not None:
            _start_session(user, form.remember.data)
            flash(_("Velkommen, %(name)s!", name=user.name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
        form.password.errors = [_("Feil e-post eller passord.")]
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Every session of the person ends, this one included (issue #14: a copied cookie
        # from any device stops working); one other device can be ended under Sikkerhet.
        services.end_sessions(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("Du er logget ut på alle enheter."), "info")
    return redirect(url_for("main.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_RATE_LIMIT"), key_func=client_address, methods=["POST"],
               scope="register-address")
def register():
    """Check the sign-up and mail a confirmation link (or, for an address that has an
    account, a note to its owner); the answer is the same either way."""
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            email = services.start_registration(
                email=form.email.data, name=form.name.data,
                org_name=form.org_name.data, org_kind=form.org_kind.data,
                orgnr=form.orgnr.data, address=form.address.data,
                postcode=form.postcode.data, city=form.city.data,
                locale=session.get("lang", "nb"),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return render_template("accounts/register_sent.html", email=email)
    status = 422 if form.errors else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    """The link from the confirmation e-mail: the page shows what will be created and
    asks for the password; sending it creates the account (a GET by a mail scanner
    creates nothing)."""
    try:
        data = services.registration_for_token(token)
    except ServiceError as exc:
        return render_template("accounts/reset_invalid.html", message=exc.detail), exc.status
    form = ConfirmRegistrationForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            user = services.complete_registration(token, form.password.data)
        except ValidationFailed as exc:
            form.password.errors = list(exc.errors.get("password", []))
            errors = [message for field, messages in exc.errors.items()
                      if field != "password" for message in messages]
        else:
            db.session.flush()
            _start_session(user)
            org = user.memberships[0].organization
            if org.is_verified:
                flash(_("Velkommen til Kretsløp! Organisasjonen er registrert og verifisert "
                        "mot Enhetsregisteret."), "success")
            else:
                flash(_("Velkommen til Kretsløp! Organisasjonen er registrert, men ikke "
                        "verifisert ennå."), "success")
            return redirect(url_for("main.home"))
    status = 422 if errors or form.errors else 200
    return render_template("accounts/register_confirm.html", form=form, data=data,
                           errors=errors), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_limit("PASSWORD_RESET_RATE_LIMIT"), key_func=client_address, methods=["POST"],
               scope="forgot-address")
@limiter.limit(_limit("PASSWORD_RESET_EMAIL_RATE_LIMIT"), key_func=email_rate_key,
               methods=["POST"], scope="forgot-email")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("Hvis adressen har en konto hos oss, har vi sendt en lenke for nytt passord."),
              "info")
        return redirect(url_for("accounts.login"))
    status = 422 if form.errors else 200
    return render_template("accounts/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except ServiceError as exc:
        return render_template("accounts/reset_invalid.html", message=exc.detail), exc.status
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data,
                                    revoke_tokens=bool(form.revoke_tokens.data))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            logout_user()
            session.clear()
            flash(_("Passordet er endret, og alle innlogginger er avsluttet. Logg inn med "
                    "det nye passordet."), "success")
            if form.revoke_tokens.data:
                flash(_("Alle API-nøklene dine er trukket tilbake."), "info")
            return redirect(url_for("accounts.login"))
    status = 422 if form.errors else 200
    return render_template("accounts/reset.html", form=form), status


def _org_for_admin(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None or current_user.role_in(org.id) is None and not current_user.is_site_admin:
        abort(404)
    return org


@bp.route("/organizations/<int:org_id>", methods=["GET", "POST"])
@login_required
def organization(org_id: int):
    org = _org_for_admin(org_id)
    can_invite = current_user.has_role(org.id, Role.ADMIN)
    form = InviteForm()
    if request.method == "POST":
        if not can_invite:
            abort(403)
        if form.validate_on_submit():
            try:
                services.invite(org, form.email.data, form.role.data, current_user)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                flash(_("Invitasjon sendt til %(email)s.", email=form.email.data), "success")
                return redirect(url_for("accounts.organization", org_id=org.id))
    status = 422 if form.errors else 200
    return _render_organization(org, form, status)


def _render_organization(org: Organization, form=None, status: int = 200,
                         member_errors: dict[str, list[str]] | None = None):
    """The organisation page; ``member_errors`` are shown at a member's or an
    invitation's row (keys ``user-<id>``, ``invitation-<id>``, ``leave``)."""
    from app.accounts import members

    manage = current_user.has_role(org.id, Role.ADMIN) or current_user.is_site_admin
    return render_template(
        "accounts/organization.html", org=org, form=form or InviteForm(),
        can_invite=current_user.has_role(org.id, Role.ADMIN),
        members=members.list_members(org), can_manage=manage,
        is_owner=current_user.has_role(org.id, Role.OWNER) or current_user.is_site_admin,
        invitations=members.pending_invitations(org) if manage else [],
        my_role=current_user.role_in(org.id), member_errors=member_errors or {},
        role_form=MemberRoleForm(), action_form=MemberActionForm(), now=utcnow()), status


# --- members and invitations -----------------------------------------------------------


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Rolle"), choices=ROLES)


class MemberActionForm(FlaskForm):
    """Only the CSRF token (remove, leave, revoke, resend)."""


def _member_action(org_id: int, key: str, action, done: str):
    """Run ``action(org)`` for a member form; a refusal is shown at the row with its
    status (403, 404, 409, 422), success goes back to the page with a message."""
    org = _org_for_admin(org_id)
    form = MemberActionForm()
    if not form.validate_on_submit():
        return _render_organization(org, status=400, member_errors={
            key: [_("Skjemaet er utløpt. Send det på nytt.")]})
    try:
        result = action(org)
    except ValidationFailed as exc:
        return _render_organization(org, status=exc.status, member_errors={
            key: [m for ms in exc.errors.values() for m in ms]})
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return _render_organization(org, status=exc.status, member_errors={key: [exc.detail]})
    flash(done, "success")
    return result or redirect(url_for("accounts.organization", org_id=org.id) + "#members")


@bp.post("/organizations/<int:org_id>/members/<int:member_id>/role")
@login_required
def change_member_role(org_id: int, member_id: int):
    """``member_id`` is the member's user id."""
    from app.accounts import members

    def act(org):
        members.change_role(org, members.get_member_user(org, member_id),
                            request.form.get("role", ""), current_user)

    return _member_action(org_id, f"user-{member_id}", act, _("Rollen er endret."))


@bp.post("/organizations/<int:org_id>/members/<int:member_id>/remove")
@login_required
def remove_member(org_id: int, member_id: int):
    from app.accounts import members

    def act(org):
        user = members.get_member_user(org, member_id)
        members.remove_member(org, user, current_user)
        if user.id == current_user.id:
            return redirect(url_for("main.home"))
        return None

    return _member_action(org_id, f"user-{member_id}", act, _("Personen er fjernet."))


@bp.post("/organizations/<int:org_id>/leave")
@login_required
def leave_organization(org_id: int):
    from app.accounts import members

    def act(org):
        members.leave(org, current_user)
        return redirect(url_for("main.home"))

    org = db.session.get(Organization, org_id)
    name = org.name if org is not None else ""
    return _member_action(org_id, "leave", act,
                          _("Du har forlatt %(org)s.", org=name))


@bp.post("/organizations/<int:org_id>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(org_id: int, invitation_id: int):
    from app.accounts import members

    def act(org):
        members.revoke_invitation(members.get_invitation(org, invitation_id), current_user)

    return _member_action(org_id, f"invitation-{invitation_id}", act,
                          _("Invitasjonen er trukket tilbake."))


@bp.post("/organizations/<int:org_id>/invitations/<int:invitation_id>/resend")
@login_required
def resend_invitation(org_id: int, invitation_id: int):
    from app.accounts import members

    def act(org):
        members.resend_invitation(members.get_invitation(org, invitation_id), current_user)

    return _member_action(org_id, f"invitation-{invitation_id}", act,
                          _("Invitasjonen er sendt på nytt med en ny lenke."))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = services.find_invitation(token)
    except ServiceError as exc:
        return render_template("accounts/reset_invalid.html", message=exc.detail), exc.status
    form = AcceptInvitationForm()
    if request.method == "POST":
        user = current_user if current_user.is_authenticated else None
        if user is not None:
            from flask_wtf.csrf import validate_csrf

            validate_csrf(request.form.get("csrf_token"))
        if user is not None or form.validate_on_submit():
            try:
                joined = services.accept_invitation(
                    token, user, name=form.name.data or "", password=form.password.data or ""
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                db.session.flush()
                if user is None:
                    _start_session(joined)
                flash(_("Du er nå med i %(org)s.", org=invitation.organization.name), "success")
                return redirect(url_for("accounts.organization",
                                        org_id=invitation.organization_id))
    status = 422 if form.errors else 200
    return render_template("accounts/accept.html", invitation=invitation, form=form), status


@bp.get("/account")
@login_required
def account():
    """Min konto: who you are, your organisations, two-factor, links to each section
    (API keys and sessions: security.index)."""
    return render_template("accounts/account.html",
                           two_factor_on=two_factor.is_enabled(current_user),
                           two_factor_required=two_factor.is_required(current_user))
