"""What listings and wanted requests have in common as things an organisation owns:
who counts as a member, which organisation a new one goes to, and the organisation's
own list. Services flush and never commit; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.models import Organization, Role, User
from app.db import paginate
from app.errors import PermissionDenied, ValidationFailed


def is_member(user: User | None, organization_id: int) -> bool:
    """Is ``user`` logged in and at least a member of the organisation?"""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.has_role(organization_id, Role.MEMBER))


def choose_organization(user: User, organization_id: Any, no_membership: str) -> Organization:
    """The organisation a new one belongs to: the given one (must be the user's), or the
    user's first. ``no_membership`` is the refusal for a user without any."""
    memberships = sorted(user.memberships, key=lambda m: m.organization_id)
    if not memberships:
        raise PermissionDenied(no_membership)
    if organization_id in (None, ""):
        return memberships[0].organization
    for m in memberships:
        if str(m.organization_id) == str(organization_id):
            return m.organization
    raise ValidationFailed({"organization_id": [_("Du er ikke medlem av denne organisasjonen.")]})


def organization_rows(model, user: User, page: int, per_page: int, status: str | None,
                      with_relations: Callable[[sa.Select], sa.Select]) -> tuple[list, int]:
    """Every row of ``model`` (any status, or the given one) of the organisations ``user``
    belongs to, last changed first."""
    org_ids = [m.organization_id for m in user.memberships]
    if not org_ids:
        return [], 0
    where = [model.organization_id.in_(org_ids)]
    if status:
        where.append(model.status == status)
    query = (sa.select(model).where(*where)
             .order_by(model.updated_at.desc(), model.id.desc()))
    return paginate(with_relations(query), page, per_page)
