"""The § 9-7 reuse mapping report of a project as PDF and XLSX (``report_pdf``,
``report_xlsx``), for everyone who may see the project (owner, partners, the
municipality, site admins); everyone else gets 404."""

from __future__ import annotations

from flask import Response
from flask_login import current_user, login_required

from app.projects import report_pdf, report_xlsx, services
from app.projects.blueprint import bp
from app.reporting.downloads import attachment


@bp.get("/prosjekter/<int:project_id>/ombrukskartlegging.pdf")
@login_required
def mapping_pdf(project_id: int):
    project = services.visible_project(project_id, current_user)
    response = Response(report_pdf.render(project), mimetype="application/pdf")
    # inline: the browser shows it; saving keeps the name
    response.headers["Content-Disposition"] = (
        f'inline; filename="ombrukskartlegging-{project.id}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/prosjekter/<int:project_id>/ombrukskartlegging.xlsx")
@login_required
def mapping_xlsx(project_id: int):
    project = services.visible_project(project_id, current_user)
    return attachment(report_xlsx.render(project), "xlsx",
                      f"ombrukskartlegging-{project.id}.xlsx")
