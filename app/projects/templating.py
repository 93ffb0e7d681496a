"""Template globals for the project pages: labels in the reader's language."""

from __future__ import annotations

from flask import Flask

from app.common.pages import locale
from app.projects import ns3451, progress, services
from app.projects.forms import (
    HAZARD_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    SUITABILITY_LABELS,
    WORK_LABELS,
)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        work_label=lambda k: WORK_LABELS.get(k, k),
        partner_role_label=lambda r: ROLE_LABELS.get(r, r),
        project_status_label=lambda s: STATUS_LABELS.get(s, s),
        suitability_label=lambda s: SUITABILITY_LABELS.get(s, s),
        hazard_label=lambda h: HAZARD_LABELS.get(h, h),
        building_part_name=lambda code: ns3451.name(code, locale()),
        project_figures=lambda projects: progress.progress_for([p.id for p in projects]),
        sees_municipal_projects=lambda user: bool(services.municipality_numbers(user)
                                                  or user.is_site_admin),
    )
