"""Browser sessions as rows: one per sign-in, listed under /account/security.

The flask-login id kept in the session cookie is ``"<user_id>:<secret>"``; only the
SHA-256 of the secret is stored. A session is live while its row has no ``ended_at``.

What is stored about a session: when it started and was last seen (to ~5 minutes), a
device label read from the browser's User-Agent ("Firefox (Windows)"; the header
itself is not kept), the IP address truncated to its network (/24 for IPv4, /48 for
IPv6) and whether the second sign-in step (two-factor) was passed.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, bookkeeping_write, db, utcnow

#: last_seen_at is written at most this often per session (no write per request).
SEEN_EVERY = timedelta(minutes=5)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class UserSession(db.Model):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    device: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    place: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    two_factor_passed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    user = relationship("User")

    @property
    def is_current(self) -> bool:
        return current_session_id() == self.id


# --- what is stored ------------------------------------------------------------------


def truncate_address(address: str | None) -> str:
    """The network of an address: 203.0.113.77 -> 203.0.113.0/24, IPv6 to its /48."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


_BROWSERS = (("Edge", r"Edg(?:e|A|iOS)?/"), ("Opera", r"OPR/|Opera"),
             ("Samsung Internet", r"SamsungBrowser/"), ("Firefox", r"Firefox/|FxiOS/"),
             ("Chrome", r"Chrome/|CriOS/|HeadlessChrome/"), ("Safari", r"Safari/"))
_SYSTEMS = (("iPhone", r"iPhone"), ("iPad", r"iPad"), ("Android", r"Android"),
            ("Windows", r"Windows"), ("ChromeOS", r"CrOS"), ("macOS", r"Mac OS X|Macintosh"),
            ("Linux", r"Linux|X11"))


def device_label(user_agent: str | None) -> str:
    """"Firefox (Windows)" from a User-Agent, the same in every language; "" when nothing
    matches (the page says "Ukjent nettleser" in the reader's language)."""
    ua = user_agent or ""
    browser = next((name for name, rx in _BROWSERS if re.search(rx, ua)), None)
    system = next((name for name, rx in _SYSTEMS if re.search(rx, ua)), None)
    if browser and system:
        return f"{browser} ({system})"
    return browser or system or (ua.split("/")[0][:40] if ua else "")


def request_place() -> str:
    from app.extensions import client_address

    return truncate_address(client_address()) if has_request_context() else ""


# --- the session of this request -----------------------------------------------------


def current_session_id() -> int | None:
    return getattr(g, "user_session_id", None) if has_request_context() else None


def current_session() -> UserSession | None:
    sid = current_session_id()
    if not sid:
        return None
    row = g.get("user_session")  # kept from the loader: no second query
    return row if row is not None and row.id == sid else db.session.get(UserSession, sid)


def start(user, two_factor_passed: bool = False) -> str:
    """A new session row for ``user``; returns the raw secret (kept only in the cookie)."""
    secret = secrets.token_urlsafe(24)
    row = UserSession(
        user_id=user.id, secret_hash=_hash(secret),
        device=device_label(request.headers.get("User-Agent")) if has_request_context() else "",
        place=request_place(), two_factor_passed=two_factor_passed)
    db.session.add(row)
    db.session.flush()
    user._session_secret = secret
    if has_request_context():
        g.user_session_id, g.user_session = row.id, row
    return secret


def load(user_id: int, secret: str) -> UserSession | None:
    """The live session row for this cookie's id, touching last_seen_at now and then."""
    if not secret:
        return None
    row = db.session.scalar(sa.select(UserSession).where(
        UserSession.secret_hash == _hash(secret), UserSession.user_id == user_id,
        UserSession.ended_at.is_(None)))
    if row is None:
        return None
    return touch(row)


def user_and_session(user_id: int, secret: str):
    """``(user, live session row)`` for this cookie's id, or None: one query, which also
    brings the user's memberships and their organisations (every page asks for them: the
    lock-out check, the menu). The caller checks the user, then calls :func:`touch`."""
    if not secret:
        return None
    found = db.session.execute(_user_and_session_query(), {
        "user_id": user_id, "secret_hash": _hash(secret)}).unique().first()
    return None if found is None else (found[0], found[1])


@functools.cache
def _user_and_session_query():
    """Built once: building it (the joined-load options) cost about a fifth of the
    loader per request in the profile; a statement is immutable, so one serves all."""
    from sqlalchemy.orm import joinedload

    from app.accounts.models import Membership, User

    return (sa.select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
            .where(User.id == sa.bindparam("user_id"),
                   UserSession.secret_hash == sa.bindparam("secret_hash"),
                   UserSession.ended_at.is_(None))
            .options(joinedload(User.memberships).joinedload(Membership.organization)))


def touch(row: UserSession) -> UserSession:
    """Note that ``row`` is in use: last_seen_at now and then; this request's session."""
    now = utcnow()
    if now - row.last_seen_at > SEEN_EVERY:
        place = request_place()
        if bookkeeping_write(lambda: db.session.execute(
                sa.update(UserSession).where(UserSession.id == row.id)
                .values(last_seen_at=now, place=place or row.place))):
            db.session.commit()
    if has_request_context():
        g.user_session_id, g.user_session = row.id, row
    return row


def end(row: UserSession) -> None:
    if row.ended_at is None:
        row.ended_at = utcnow()


def end_all(user, keep_id: int | None = None) -> int:
    """End every live session of ``user`` but ``keep_id``; returns how many."""
    where = [UserSession.user_id == user.id, UserSession.ended_at.is_(None)]
    if keep_id is not None:
        where.append(UserSession.id != keep_id)
    result = db.session.execute(sa.update(UserSession).where(*where)
                                .values(ended_at=utcnow()).execution_options(
                                    synchronize_session="fetch"))
    return result.rowcount or 0


def live_sessions(user) -> list[UserSession]:
    return list(db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id,
                                     UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))
