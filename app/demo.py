"""Demo data for ``flask seed demo``: Asker organisations and their people (idempotent)."""

from __future__ import annotations

from app.accounts import orgnr
from app.accounts.models import Role
from app.accounts.services import (
    _new_user,
    add_member,
    create_organization,
    get_organization_by_name,
    get_user_by_email,
)
from app.db import db

DEMO_PASSWORD = "kretslop-demo"  # noqa: S105 - documented demo password
#: The demo site admin's TOTP key (documented like the password; demo data only).
DEMO_TOTP_SECRET = "KRETSLOPDEMOADMINTOFAKTORKODE234"  # noqa: S105

ORGANIZATIONS = [
    # name, kind, orgnr prefix, address, postcode, city
    ("Heggedal Bygg AS", "business", 91234567, "Bråtan 12", "1389", "Heggedal"),
    ("Nesbru Kontorfellesskap AS", "business", 92345678, "Nesbruveien 75", "1394", "Nesbru"),
    ("Miljøsofa Asker", "reuse_shop", 93456789, "Kirkeveien 8", "1384", "Asker"),
    ("Omigjen Ombrukssenter", "reuse_shop", 94567890, "Slemmestadveien 480", "3470",
     "Slemmestad"),
    ("Asker kommune", "municipality", 94402865, "Katrineåsveien 20", "1383", "Asker"),
]

USERS = [
    ("bygg@demo.kretslop.no", "Kari Nordmann", "Heggedal Bygg AS", Role.OWNER),
    ("kontor@demo.kretslop.no", "Ola Hansen", "Nesbru Kontorfellesskap AS", Role.OWNER),
    ("sofa@demo.kretslop.no", "Ingrid Berg", "Miljøsofa Asker", Role.OWNER),
    ("omigjen@demo.kretslop.no", "Per Olsen", "Omigjen Ombrukssenter", Role.OWNER),
    ("kommune@demo.kretslop.no", "Aisha Khan", "Asker kommune", Role.ADMIN),
]


def _vouch(org) -> None:
    """Demo organisations are verified by the operator who seeds them (their numbers are
    made up, so the registry would not know them); the municipality gets its reporting
    privileges by grant. Both are in the audit log as the command line's."""
    from app.accounts import verification
    from app.accounts.models import MunicipalAccess, OrgKind, VerificationState

    reason = "demo data (flask seed demo)"
    if org.verification_state == VerificationState.UNVERIFIED:
        verification.verify(org, None, reason, actor_label="cli")
    if org.kind == OrgKind.MUNICIPALITY and org.municipal_access == MunicipalAccess.AUTO:
        verification.grant_municipal_access(org, None, reason, actor_label="cli")


def load_demo() -> list[tuple[str, str, str]]:
    """Create what is missing; never duplicates. Returns (email, org, role) rows."""
    orgs = {}
    for name, kind, prefix, address, postcode, city in ORGANIZATIONS:
        org = get_organization_by_name(name)
        if org is None:
            org = create_organization(name, kind, orgnr.make(prefix), address, postcode, city)
        _vouch(org)
        orgs[name] = org
    rows = []
    for email, full_name, org_name, role in USERS:
        user = get_user_by_email(email)
        if user is None:
            user = _new_user(email, full_name, DEMO_PASSWORD)
            db.session.flush()
        if user.role_in(orgs[org_name].id) is None:
            add_member(user, orgs[org_name], role)
        rows.append((email, org_name, role.value))
    admin = get_user_by_email("admin@demo.kretslop.no")
    if admin is None:
        admin = _new_user("admin@demo.kretslop.no", "Site Admin", DEMO_PASSWORD, site_admin=True)
        db.session.flush()
    from app.accounts import two_factor

    if not two_factor.is_enabled(admin):  # site admins must use two-factor
        two_factor.enroll_for_tests(admin, DEMO_TOTP_SECRET)
    rows.append(("admin@demo.kretslop.no", "(site admin)", "admin"))
    db.session.flush()
    from app.listings.demo import load_demo_listings

    load_demo_listings()
    from app.exchange.factors import ensure_emission_factors

    ensure_emission_factors()
    from app.demo_history import load_demo_history

    load_demo_history(orgs)
    from app.projects.demo import load_demo_project

    load_demo_project()
    return rows
