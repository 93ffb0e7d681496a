"""Two-factor sign-in with a TOTP app (RFC 6238 via pyotp) and single-use recovery codes.

The TOTP secret is stored encrypted (Fernet, key derived from SECRET_KEY); recovery codes
are stored as HMAC-SHA256 hashes and each works once. A TOTP code is accepted once: the
time step of the last accepted code is kept, and a code of that step or older is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db, utcnow

ISSUER = "Kretsløp"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


class TwoFactor(db.Model):
    """A person's TOTP set-up; ``confirmed_at`` is set once a code from the app matched."""

    __tablename__ = "two_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The TOTP time step of the last accepted code (replays of it are refused).
    last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class RecoveryCode(db.Model):
    __tablename__ = "two_factor_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- secrets at rest -----------------------------------------------------------------


def _fernet() -> Fernet:
    key = hashlib.sha256(b"kretslop-totp-secret:" + current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key.digest()))


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_of(row: TwoFactor) -> str | None:
    try:
        return _fernet().decrypt(row.secret_encrypted.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed: the set-up must be done again
        return None


def _code_hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"recovery:" + code.encode(), hashlib.sha256).hexdigest()


def _normal(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


# --- state -----------------------------------------------------------------------------


def setup_of(user) -> TwoFactor | None:
    return db.session.scalar(sa.select(TwoFactor).where(TwoFactor.user_id == user.id))


def is_enabled(user) -> bool:
    row = setup_of(user)
    return row is not None and row.confirmed_at is not None


def is_required(user) -> bool:
    """Site admins must use two-factor, and members of an organisation that requires it."""
    return bool(user.is_site_admin or any(
        getattr(m.organization, "require_two_factor", False) for m in user.memberships))


def begin(user) -> tuple[TwoFactor, str]:
    """The pending set-up (a new secret unless one is pending); returns the row and secret."""
    row = setup_of(user)
    if row is not None and row.confirmed_at is not None:
        raise ValueError("two-factor already on")
    if row is not None:
        secret = secret_of(row)
        if secret:
            return row, secret
        db.session.delete(row)
        db.session.flush()
    secret = pyotp.random_base32()
    row = TwoFactor(user_id=user.id, secret_encrypted=_encrypt(secret))
    db.session.add(row)
    db.session.flush()
    return row, secret


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG of the set-up QR code (made here; nothing leaves the server)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False,
                                    svgns=True, title="QR", nl=False)
    return out.getvalue().decode()


def _check_totp(row: TwoFactor, code: str) -> bool:
    secret = secret_of(row)
    code = _normal(code)
    if not secret or not (len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for offset in (0, -1, 1):  # the code of this 30 s step, or one either side (clock drift)
        step = totp.timecode(now) + offset
        if step > (row.last_step or 0) and hmac.compare_digest(totp.generate_otp(step), code):
            row.last_step = step
            return True
    return False


def confirm(user, code: str) -> list[str] | None:
    """Turn two-factor on with a code from the app; returns the new recovery codes."""
    row = setup_of(user)
    if row is None or row.confirmed_at is not None or not _check_totp(row, code):
        return None
    row.confirmed_at = utcnow()
    return new_recovery_codes(user)


def verify(user, code: str) -> str | None:
    """A TOTP code or an unused recovery code: "totp", "recovery" or None."""
    row = setup_of(user)
    if row is None or row.confirmed_at is None:
        return None
    if _check_totp(row, code):
        return "totp"
    normal = _normal(code)
    if len(normal) == 10:
        found = db.session.scalar(sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(normal),
            RecoveryCode.used_at.is_(None)).with_for_update())
        if found is not None:
            found.used_at = utcnow()
            return "recovery"
    return None


def new_recovery_codes(user) -> list[str]:
    """Replace every recovery code with ten new ones, shown once (only hashes are kept)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    db.session.flush()
    return codes


def recovery_codes_left(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def disable(user) -> None:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(sa.delete(TwoFactor).where(TwoFactor.user_id == user.id))


def enroll_for_tests(user, secret: str | None = None) -> str:
    """Turn two-factor on directly (test builders, demo data); returns the secret."""
    row, secret_now = begin(user)
    if secret:
        row.secret_encrypted = _encrypt(secret)
    secret = secret or secret_now
    row.confirmed_at = utcnow()
    new_recovery_codes(user)
    return secret
