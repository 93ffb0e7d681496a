"""The project pages under ``/prosjekter``: every module that adds routes to the blueprint.

- ``pages``: the list, a project's page, create, edit, complete, partners;
- ``mapping``: components on site (phone first, photos, a form that keeps what was typed);
- ``import_views``: components from a consultant's spreadsheet (CSV/XLSX, column mapping);
- ``publishing``: suitable components as listings ahead of demolition; the running report;
- ``documents``: the § 9-7 reuse mapping report as PDF and XLSX;
- ``municipality``: a municipality's projects (list, map, totals, export).
"""

from app.projects import (  # noqa: F401 - routes register on import
    documents,
    import_views,
    mapping,
    municipality,
    pages,
    publishing,
)
from app.projects.blueprint import bp

__all__ = ["bp"]
