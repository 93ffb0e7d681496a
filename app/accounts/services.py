"""Account services: registration, authentication, tokens, invitations, password reset.

Services validate, change the session and flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts import orgnr as orgnr_mod
from app.accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    Organization,
    OrgKind,
    Role,
    User,
    hash_token,
)
from app.db import bookkeeping_write, db, utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.mail import queue_mail
from app.validation import EMAIL_RE

TOKEN_PREFIX = "kl_"  # noqa: S105 - a public prefix, not a secret
MIN_PASSWORD = 10
_UNUSABLE_PASSWORD = "!"  # noqa: S105 - not a hash: never committed, matches no password


# --- validation ------------------------------------------------------------------


def check_password_strength(password: str, email: str | None = None,
                            name: str | None = None) -> str | None:
    """The rules of app/accounts/passwords.py (length, not the e-mail or name, not a common
    password): every broken rule in one message, or None."""
    from app.accounts import passwords

    found = passwords.problems(password, email, name)
    return " ".join(found) if found else None


def validate_organization(
    name: str, kind: str, orgnr: str | None, postcode: str | None, municipality_number: str | None
) -> tuple[dict[str, list[str]], str | None]:
    """Field errors for an organisation, and the normalised organisation number."""
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["org_name"] = [_("Organisasjonen må ha et navn.")]
    elif len(name) > 200:
        errors["org_name"] = [_("Kan ikke være lengre enn %(n)s tegn.", n=200)]
    if kind not in {k.value for k in OrgKind}:
        errors["org_kind"] = [_("Ukjent organisasjonstype.")]
    number = orgnr_mod.normalise(orgnr or "") or None
    if number is None:
        if kind != OrgKind.NONPROFIT:
            errors["orgnr"] = [_("Organisasjonsnummer må fylles ut (9 siffer).")]
    elif not orgnr_mod.is_valid(number):
        errors["orgnr"] = [_("Ugyldig organisasjonsnummer: 9 siffer med gyldig kontrollsiffer.")]
    elif db.session.scalar(sa.select(Organization.id).where(Organization.orgnr == number)):
        errors["orgnr"] = [_("En organisasjon med dette nummeret er allerede registrert. "
                             "Be en eier om en invitasjon.")]
    if postcode and not (len(postcode) == 4 and postcode.isdigit()):
        errors["postcode"] = [_("Postnummer må være fire siffer.")]
    if municipality_number and not (len(municipality_number) == 4
                                    and municipality_number.isdigit()):
        errors["municipality_number"] = [_("Kommunenummer må være fire siffer.")]
    return errors, number


def validate_new_user(email: str, name: str, password: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = [_("Ugyldig e-postadresse.")]
    elif get_user_by_email(email) is not None:
        errors["email"] = [_("Det finnes allerede en bruker med denne e-postadressen.")]
    if not (name or "").strip():
        errors["name"] = [_("Navn må fylles ut.")]
    elif len(name) > 200:
        errors["name"] = [_("Kan ikke være lengre enn %(n)s tegn.", n=200)]
    problem = check_password_strength(password, email, name)
    if problem:
        errors["password"] = [problem]
    return errors


# --- users and organisations -------------------------------------------------------


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))


def get_organization_by_name(name: str) -> Organization | None:
    return db.session.scalar(
        sa.select(Organization).where(sa.func.lower(Organization.name) == name.strip().lower())
    )


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _new_user(email: str, name: str, password: str | None, locale: str = "nb",
              site_admin: bool = False) -> User:
    """``password=None`` (only in the rolled-back trial run of a sign-up) hashes nothing
    and stores a marker that no password matches."""
    user = User(
        email=email.strip().lower(), name=name.strip(),
        password_hash=_UNUSABLE_PASSWORD if password is None else hash_password(password),
        locale=locale if locale in ("nb", "en") else "nb", is_site_admin=site_admin,
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    return user


def create_organization(name: str, kind: str, orgnr: str | None = None, address: str = "",
                        postcode: str = "", city: str = "",
                        municipality_number: str | None = None) -> Organization:
    errors, number = validate_organization(name, kind, orgnr, postcode, municipality_number)
    if errors:
        raise ValidationFailed(errors)
    org = Organization(
        name=name.strip(), kind=kind, orgnr=number, address=(address or "").strip(),
        postcode=postcode or "", city=(city or "").strip(),
        municipality_number=municipality_number
        or current_app.config["DEFAULT_MUNICIPALITY_NUMBER"],
    )
    db.session.add(org)
    db.session.flush()
    return org


def add_member(user: User, org: Organization, role: str = Role.MEMBER) -> Membership:
    existing = next((m for m in user.memberships if m.organization_id == org.id), None)
    if existing:
        existing.role = Role(role).value
        return existing
    membership = Membership(user=user, organization=org, role=Role(role).value)
    db.session.add(membership)
    db.session.flush()
    return membership


def register(*, email: str, name: str, password: str, org_name: str, org_kind: str,
             orgnr: str | None = None, address: str = "", postcode: str = "", city: str = "",
             municipality_number: str | None = None, locale: str = "nb") -> User:
    """Create a user and their organisation, with the user as owner.

    The organisation number is looked up in Enhetsregisteret (a short timeout): a match
    verifies the organisation and fills in what was left blank (name, address,
    municipality); an unknown, removed, bankrupt or liquidated unit is refused with a
    field error. When the registry is slow, down or answers garbage the organisation is
    created ``unverified`` and the check is completed later through the outbox."""
    return _register(email=email, name=name, password=password, org_name=org_name,
                     org_kind=org_kind, orgnr=orgnr, address=address, postcode=postcode,
                     city=city, municipality_number=municipality_number, locale=locale)


def _register(*, email: str, name: str, password: str | None, org_name: str, org_kind: str,
              orgnr: str | None = None, address: str = "", postcode: str = "", city: str = "",
              municipality_number: str | None = None, locale: str = "nb") -> User:
    """``register``; ``password=None`` only for the trial run of a sign-up (in a savepoint
    that is rolled back): the password is then neither checked nor hashed, and the user
    gets an unusable marker instead of a hash."""
    from app.accounts import registry, verification

    errors = validate_new_user(email, name, password or "")
    if password is None:
        errors.pop("password", None)
    org_errors, number = validate_organization(org_name or "-", org_kind, orgnr, postcode,
                                               municipality_number)
    errors.update(org_errors)
    result = None
    if number is not None and "orgnr" not in errors:
        result = registry.lookup(number)
        if result.refused:
            errors["orgnr"] = [result.message()]
    found = result.data if result is not None and result.status == registry.FOUND else {}
    if not (org_name or "").strip():
        org_name = found.get("name", "")
        if not org_name:
            errors["org_name"] = [_("Organisasjonen må ha et navn.")]
    if errors:
        raise ValidationFailed(errors)
    if found and not ((address or "").strip() or (postcode or "").strip()):
        address, postcode, city = (found.get("address", ""), found.get("postcode", ""),
                                   found.get("city", ""))
        if not (len(postcode) == 4 and postcode.isdigit()):
            postcode = ""
    if found and not municipality_number:
        number_there = found.get("municipality_number", "")
        municipality_number = number_there if len(number_there) == 4 \
            and number_there.isdigit() else None
    user = _new_user(email, name, password, locale)
    org = create_organization(org_name, org_kind, orgnr, address, postcode, city,
                              municipality_number)
    add_member(user, org, Role.OWNER)
    if result is not None and result.status != registry.OFF:
        if result.transient:
            verification.request_check(org)
        else:
            verification.apply_registry_result(org, result)
    return user


# --- sign-up by confirmation link ------------------------------------------------------
#
# Registration answers the same whether or not the e-mail address has an account: the
# form (everything but the password) is checked by running ``register`` in a savepoint
# that is rolled back, then a new address gets a signed confirmation link that carries
# the sign-up fields and no secret, and an existing one gets a note instead. Neither
# answer hashes anything, so both take the same time. The password is chosen on the
# link's page; nothing is created until that page's form is sent with a good password,
# so nobody can hold an address or an organisation number they do not own, and a link
# cannot be used twice (the address then has an account). The token is signed, not
# encrypted: it must never carry a password or anything derived from one.

REGISTRATION_FIELDS = ("email", "name", "org_name", "org_kind", "orgnr", "address",
                       "postcode", "city", "locale")


def _registration_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="registration")


def _registration_errors(**fields) -> dict[str, list[str]]:
    """The field errors ``register`` gives for ``fields`` (the password is not checked);
    nothing it did is kept."""
    session = db.session()
    outbox_ids = list(session.info.get("outbox_ids", []))
    savepoint = session.begin_nested()
    try:
        _register(password=None, **fields)
    except ValidationFailed as exc:
        return dict(exc.errors)
    finally:
        savepoint.rollback()
        session.info["outbox_ids"] = outbox_ids
    return {}


def start_registration(*, email: str, name: str, org_name: str, org_kind: str,
                       orgnr: str | None = None, address: str = "", postcode: str = "",
                       city: str = "", locale: str = "nb") -> str:
    """Check a sign-up and mail the address: a confirmation link for a new address, a
    note for one that has an account. Returns the normalised address; the caller
    answers the same either way."""
    email = (email or "").strip().lower()
    fields = dict(email=email, name=name, org_name=org_name, org_kind=org_kind,
                  orgnr=orgnr, address=address, postcode=postcode, city=city,
                  locale=locale if locale in ("nb", "en") else "nb")
    existing = get_user_by_email(email) if email else None
    if existing is None:
        errors = _registration_errors(**fields)
    else:
        # The trial runs in full (user, organisation, registry) for an unused stand-in
        # address, as for a new one, so both answers do the same work and take the
        # same time; "already registered" is said only to the owner, by e-mail.
        stand_in = f"trial-{secrets.token_hex(8)}@kretslop.invalid"
        errors = _registration_errors(**dict(fields, email=stand_in))
        errors.pop("email", None)
    if errors:
        raise ValidationFailed(errors)
    if existing is not None:
        queue_mail(existing.email, "registration_existing", existing.locale,
                   name=existing.name, path="/login", reset_path="/password/forgot")
        return email
    token = _registration_serializer().dumps(fields)
    queue_mail(email, "registration_confirm", fields["locale"], name=(name or "").strip(),
               org_name=(org_name or "").strip(), path=f"/register/confirm/{token}",
               hours=current_app.config["REGISTRATION_CONFIRM_MAX_AGE"] // 3600)
    return email


def registration_for_token(token: str) -> dict:
    """The sign-up a confirmation link carries (its fields only), or a clear error
    (expired, forged, used)."""
    try:
        data = _registration_serializer().loads(
            token, max_age=current_app.config["REGISTRATION_CONFIRM_MAX_AGE"])
    except SignatureExpired:
        raise Conflict(_("Lenken er utløpt. Registrer deg på nytt."), state="expired") from None
    except BadSignature:
        raise NotFound(_("Lenken er ugyldig.")) from None
    if not isinstance(data, dict) or not data.get("email"):
        raise NotFound(_("Lenken er ugyldig."))
    if get_user_by_email(data["email"]) is not None:
        raise Conflict(_("Registreringen er allerede fullført. Logg inn."), state="used")
    return {k: data.get(k) or "" for k in REGISTRATION_FIELDS}


def complete_registration(token: str, password: str) -> User:
    """Create the user (with ``password``, checked as everywhere) and the organisation of
    a confirmed sign-up (``register``: the registry check runs again, so it holds at the
    time of creation). A weak password is a field error and creates nothing."""
    fields = registration_for_token(token)
    fields["orgnr"] = fields["orgnr"] or None
    return register(password=password or "", **fields)


def create_user_cli(email: str, password: str, org_name: str, org_kind: str,
                    orgnr: str | None, role: str, site_admin: bool) -> tuple[User, Organization]:
    """The ``users create`` command: joins the organisation if it exists, else creates it."""
    user = get_user_by_email(email)
    if user is None:
        errors = validate_new_user(email, email.split("@")[0], password)
        if errors:
            raise ValidationFailed(errors)
        user = _new_user(email, email.split("@")[0].replace(".", " ").title(), password,
                         site_admin=site_admin)
    else:
        user.password_hash = hash_password(password)
        user.is_site_admin = user.is_site_admin or site_admin
    org = None
    if orgnr:
        org = db.session.scalar(
            sa.select(Organization).where(Organization.orgnr == orgnr_mod.normalise(orgnr))
        )
    org = org or get_organization_by_name(org_name)
    if org is None:
        from app.accounts import verification

        org = create_organization(org_name, org_kind, orgnr)
        # The operator vouches for what they create on the command line.
        verification.verify(org, None, verification.CLI_REASON, actor_label="cli")
        if org_kind == OrgKind.MUNICIPALITY:
            verification.grant_municipal_access(org, None, verification.CLI_REASON,
                                                actor_label="cli")
    add_member(user, org, role)
    return user, org


def authenticate(email: str, password: str) -> User | None:
    user = get_user_by_email(email)
    if user is None:
        # Spend the same time as a real check so response time does not reveal accounts.
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not user.active or not check_password_hash(user.password_hash, password or ""):
        return None
    if user.is_locked_out:  # every organisation of theirs is suspended
        return None
    user.last_login_at = utcnow()
    return user


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _DUMMY[method]


def set_password(user: User, password: str) -> None:
    problem = check_password_strength(password, user.email, user.name)
    if problem:
        raise ValidationFailed({"password": [problem]})
    user.password_hash = hash_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every browser session of ``user`` (their rows in user_sessions), so a copied
    or stolen cookie stops working too; the session token (reset links) changes."""
    from app.accounts import sessions

    user.session_token = secrets.token_hex(16)
    sessions.end_all(user)


def end_other_sessions(user: User) -> int:
    """End every session of ``user`` but the current request's (all of them outside a
    request or when signed in otherwise); returns how many were ended."""
    from app.accounts import sessions

    user.session_token = secrets.token_hex(16)
    current = sessions.current_session()
    keep = current.id if current is not None and current.user_id == user.id else None
    return sessions.end_all(user, keep_id=keep)


def renew_session(user: User) -> None:
    """End every session of ``user``, this one included, and give this browser a fresh one:
    after a password change a cookie copied from any device (this one too) stops working,
    while the person stays signed in here (issue #14)."""
    from flask import current_app, has_request_context, request
    from flask_login import login_user

    from app.accounts import sessions

    if hasattr(user, "_get_current_object"):  # current_user: log in the object, not the proxy
        user = user._get_current_object()
    current = sessions.current_session()
    mine = current is not None and current.user_id == user.id
    passed = bool(mine and current.two_factor_passed)
    end_sessions(user)
    if has_request_context() and mine:
        sessions.start(user, two_factor_passed=passed)
        cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        login_user(user, remember=cookie in request.cookies)


def revoke_all_api_tokens(user: User) -> int:
    """Revoke every live API token of ``user``; returns how many."""
    now = utcnow()
    tokens = [t for t in db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))]
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


# --- API tokens ----------------------------------------------------------------------


def create_api_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a token; the raw value is returned once and only its hash is stored."""
    if len(name or "") > 100:
        raise ValidationFailed({"name": [_("Kan ikke være lengre enn %(n)s tegn.", n=100)]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=(name or "").strip(), token_hash=hash_token(raw),
                     prefix=raw[:10])
    db.session.add(token)
    db.session.flush()
    return token, raw


def user_for_token(raw: str) -> User | None:
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None or not token.user.active \
            or token.user.is_locked_out:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        from app.accounts.sessions import request_place

        place = request_place()

        def note_use() -> None:
            token.last_used_at, token.last_used_place = now, place
            db.session.flush()

        bookkeeping_write(note_use)
    return token.user


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("Nøkkelen finnes ikke."))
    if token.revoked_at is not None:
        raise Conflict(_("Nøkkelen er allerede trukket tilbake."), state="revoked")
    token.revoked_at = utcnow()
    return token


# --- invitations ---------------------------------------------------------------------


def invite(org: Organization, email: str, role: str, invited_by: User) -> Invitation:
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = [_("Ugyldig e-postadresse.")]
    if role not in {r.value for r in Role}:
        errors["role"] = [_("Ukjent rolle.")]
    elif role == Role.OWNER and not invited_by.has_role(org.id, Role.OWNER):
        errors["role"] = [_("Bare eiere kan invitere nye eiere.")]
    existing = get_user_by_email(email) if not errors else None
    if existing is not None and existing.role_in(org.id) is not None:
        errors["email"] = [_("Personen er allerede medlem.")]
    if errors:
        raise ValidationFailed(errors)
    raw = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization=org, email=email, role=role, token_hash=hash_token(raw),
        invited_by=invited_by,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    queue_mail(email, "invitation", existing.locale if existing else invited_by.locale,
               org_name=org.name, inviter=invited_by.name, path=f"/invitations/{raw}",
               days=current_app.config["INVITATION_DAYS"])
    return invitation


def find_invitation(raw: str) -> Invitation:
    """The open invitation for a link, or a clear error when it is unknown or spent."""
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == hash_token(raw or ""))
    )
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound(_("Invitasjonen finnes ikke eller er trukket tilbake."))
    if invitation.accepted_at is not None:
        raise Conflict(_("Invitasjonen er allerede brukt."), state="accepted")
    if invitation.expires_at < utcnow():
        raise Conflict(_("Invitasjonen er utløpt. Be om en ny."), state="expired")
    return invitation


def accept_invitation(raw: str, user: User | None = None, *, name: str = "",
                      password: str = "") -> User:
    """Join the organisation; creates the user when the invitee has no account yet."""
    invitation = find_invitation(raw)
    if user is None:
        errors = validate_new_user(invitation.email, name, password)
        if errors:
            raise ValidationFailed(errors)
        user = _new_user(invitation.email, name, password)
    elif user.email != invitation.email:
        raise ValidationFailed({"email": [
            _("Invitasjonen gjelder %(email)s. Logg inn med den adressen.", email=invitation.email)
        ]})
    add_member(user, invitation.organization, invitation.role)
    invitation.accepted_at = utcnow()
    return user


# --- password reset ------------------------------------------------------------------


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def request_password_reset(email: str) -> None:
    """Send a reset link if the account exists; say nothing either way."""
    user = get_user_by_email(email)
    if user is None or not user.active:
        return
    token = _reset_serializer().dumps({"uid": user.id, "pw": _password_mark(user)})
    queue_mail(user.email, "password_reset", user.locale, name=user.name,
               path=f"/password/reset/{token}",
               minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)


def _password_mark(user: User) -> str:
    """A digest of the password hash: a reset link names it, so changing the password
    spends every outstanding link (logging out does not)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def user_for_reset_token(token: str) -> User:
    """Signed, expiring and single-use: the token names the password hash it was made
    for, and a password change replaces that."""
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except SignatureExpired:
        raise Conflict(_("Lenken er utløpt. Be om en ny."), state="expired") from None
    except BadSignature:
        raise NotFound(_("Lenken er ugyldig.")) from None
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not secrets.compare_digest(_password_mark(user), str(data.get("pw"))):
        raise Conflict(_("Lenken er allerede brukt. Be om en ny."), state="used")
    return user


def reset_password(token: str, password: str, revoke_tokens: bool = False) -> User:
    """Set the new password (ending every session); optionally revoke every API token."""
    user = user_for_reset_token(token)
    set_password(user, password)
    if revoke_tokens:
        revoke_all_api_tokens(user)
    return user
