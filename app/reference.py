"""Reference data that comes with the schema: the category taxonomy and the emission
factors defined in code.

``flask db upgrade`` ensures them after migrating to the newest revision (see
``migrations/env.py``), so the documented production steps give a marketplace where
people can list things at once, and categories or factors added in a later release
arrive with the next upgrade. Both loaders are idempotent upserts; ``seed demo`` is for
demo data only.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def ensure_reference_data() -> dict[str, int]:
    """Insert or update the categories and add missing emission factors; commits."""
    from app.db import commit, db
    from app.exchange.factors import ensure_emission_factors
    from app.listings.categories import ensure_categories

    try:
        counts = {"categories": ensure_categories(), "emission_factors": ensure_emission_factors()}
        commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()
    log.info("reference data: %(categories)s categories and %(emission_factors)s emission "
             "factors added or updated", counts)
    return counts
