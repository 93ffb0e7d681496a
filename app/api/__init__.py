"""The JSON API under ``/api/v1``: Bearer tokens or the browser session, problem+json errors."""

from __future__ import annotations

from flask import Blueprint, g, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf

from app.errors import problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@bp.before_request
def authenticate():
    """Bearer token first; otherwise the session, with a CSRF header for writes."""
    from app.accounts.services import user_for_token

    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return problem(401, _("Ikke innlogget"), _("Bruk «Authorization: Bearer <nøkkel>»."))
        user = user_for_token(raw.strip())
        if user is None:
            return problem(401, _("Ikke innlogget"), _("Ukjent eller tilbakekalt API-nøkkel."))
        g._login_user = user
        g.auth_via = "token"
        return None
    g.auth_via = "session"
    from flask_login import current_user

    if current_user.is_authenticated and request.method not in SAFE_METHODS:
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except CSRFError:
            return problem(403, _("Ingen tilgang"),
                           _("Skriving med nettleserøkt krever overskriften X-CSRFToken."))
        except Exception:  # noqa: BLE001 - ValidationError from wtforms
            return problem(403, _("Ingen tilgang"),
                           _("Skriving med nettleserøkt krever overskriften X-CSRFToken."))
    return None


from app.api import (  # noqa: E402,F401 - routes register on import
    categories,
    listing_images,
    listings,
    me,
    openapi,
    tokens,
)
from app.exchange import api as exchange_api  # noqa: E402,F401 - reservations, ledger
from app.matching import api as matching_api  # noqa: E402,F401 - matches
from app.payments import api as payments_api  # noqa: E402,F401 - reservation payment
from app.projects import api as projects_api  # noqa: E402,F401 - building projects
from app.questions import api as questions_api  # noqa: E402,F401 - listing questions
from app.reporting import api as reporting_api  # noqa: E402,F401 - /reports
from app.searching import api as search_api  # noqa: E402,F401 - GET /search
from app.wanted import api as wanted_api  # noqa: E402,F401 - wanted requests
