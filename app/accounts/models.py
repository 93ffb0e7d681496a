"""Organisations, users, memberships with roles, API tokens and invitations."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin, UTCDateTime, db, utcnow


class OrgKind(enum.StrEnum):
    BUSINESS = "business"
    REUSE_SHOP = "reuse_shop"
    MUNICIPALITY = "municipality"
    NONPROFIT = "nonprofit"


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


ROLE_RANK = {Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


class VerificationState(enum.StrEnum):
    """Who an organisation is: checked against Enhetsregisteret or decided by a site admin."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class MunicipalAccess(enum.StrEnum):
    """The reporting privileges: ``auto`` follows the registry (a verified KOMM or FYLK),
    ``granted`` and ``revoked`` are a site admin's decision."""

    AUTO = "auto"
    GRANTED = "granted"
    REVOKED = "revoked"


#: Enhetsregisteret's organisation forms of municipalities and county municipalities.
MUNICIPAL_FORMS = frozenset({"KOMM", "FYLK"})


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    orgnr: Mapped[str | None] = mapped_column(sa.String(9), unique=True)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    postcode: Mapped[str] = mapped_column(sa.String(4), default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    municipality_number: Mapped[str] = mapped_column(sa.String(4), default="3203")
    verification_state: Mapped[str] = mapped_column(
        sa.String(12), default=VerificationState.UNVERIFIED.value,
        server_default=VerificationState.UNVERIFIED.value)
    #: Why the state is what it is (a site admin's reason, or the registry's verdict).
    verification_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Enhetsregisteret's ``organisasjonsform.kode`` (AS, ENK, KOMM, ...) when looked up.
    registry_form: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")
    #: The last registry verdict: found, unknown, removed, bankrupt, liquidation, error, ...
    registry_status: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    registry_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: What the registry said (name, address, form, flags), shown beside what was typed.
    registry_data: Mapped[dict | None] = mapped_column(sa.JSON)
    municipal_access: Mapped[str] = mapped_column(
        sa.String(8), default=MunicipalAccess.AUTO.value, server_default=MunicipalAccess.AUTO.value)
    #: Owners can require two-factor sign-in of every member (app/accounts/two_factor.py).
    require_two_factor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('business', 'reuse_shop', 'municipality', 'nonprofit')", name="kind"
        ),
        sa.CheckConstraint(
            "verification_state IN ('unverified', 'verified', 'rejected', 'suspended')",
            name="verification_state"),
        sa.CheckConstraint("municipal_access IN ('auto', 'granted', 'revoked')",
                           name="municipal_access"),
        sa.Index("ix_organizations_verification_state", "verification_state"),
        sa.Index("ix_organizations_name_lower", sa.func.lower(name)),
    )

    @property
    def is_verified(self) -> bool:
        return self.verification_state == VerificationState.VERIFIED

    @property
    def is_suspended(self) -> bool:
        return self.verification_state == VerificationState.SUSPENDED

    @property
    def has_municipal_access(self) -> bool:
        """The reporting privileges are granted, never chosen: a verified organisation
        whose registry form is KOMM or FYLK (unless a site admin revoked it), or one a
        site admin granted them to. The chosen ``kind`` gives nothing."""
        if self.verification_state != VerificationState.VERIFIED:
            return False
        if self.municipal_access == MunicipalAccess.GRANTED:
            return True
        return (self.municipal_access != MunicipalAccess.REVOKED
                and self.registry_form in MUNICIPAL_FORMS)

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="nb")
    is_site_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Changes whenever the password changes; part of session and reset-token identity,
    # so a password change logs out other sessions and spends outstanding reset links.
    session_token: Mapped[str] = mapped_column(sa.String(64))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why a site admin disabled the account (``active`` false), shown in the console.
    disabled_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: When the account was deleted ("Slett kontoen min" or retention, app/privacy):
    #: the row stays as an anonymous tombstone ("Tidligere bruker", no address).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login: "<id>:<secret of this session>" (sessions.py)
        return f"{self.id}:{getattr(self, '_session_secret', None) or self.session_token}"

    def role_in(self, org_id: int) -> Role | None:
        for m in self.memberships:
            if m.organization_id == org_id:
                return Role(m.role)
        return None

    def has_role(self, org_id: int, at_least: Role = Role.MEMBER) -> bool:
        role = self.role_in(org_id)
        return role is not None and ROLE_RANK[role] >= ROLE_RANK[at_least]

    @property
    def organizations(self) -> list[Organization]:
        return [m.organization for m in self.memberships]

    @property
    def can_see_reporting(self) -> bool:
        """Site admins and members of an organisation with municipal access (see
        :attr:`Organization.has_municipal_access`; a self-declared kind gives nothing)."""
        return self.is_site_admin or any(
            m.organization.has_municipal_access for m in self.memberships
        )

    @property
    def is_locked_out(self) -> bool:
        """Every organisation the person belongs to is suspended (none: not locked out)."""
        return not self.is_site_admin and bool(self.memberships) and all(
            m.organization.is_suspended for m in self.memberships)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(TimestampMixin, db.Model):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(10), default=Role.MEMBER.value)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "organization_id"),
        sa.CheckConstraint("role IN ('owner', 'admin', 'member')", name="role"),
    )


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The network the token was last used from (/24 IPv4, /48 IPv6; sessions.py).
    last_used_place: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[str] = mapped_column(sa.String(10), default=Role.MEMBER.value)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[User | None] = relationship()


class RegistryLookup(db.Model):
    """Enhetsregisteret answers kept for a day (be a good citizen: one lookup per number)."""

    __tablename__ = "registry_lookups"

    orgnr: Mapped[str] = mapped_column(sa.String(9), primary_key=True)
    #: The HTTP status the registry answered (200, 404, 410); errors are not cached.
    http_status: Mapped[int]
    body: Mapped[dict | None] = mapped_column(sa.JSON)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
