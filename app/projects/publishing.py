"""Publishing ahead of demolition and the running project report (issue #21).

- ``projects.publish`` (the owning organisation's members): GET previews the reusable,
  unpublished components; POST publishes the chosen ones as listings (all or nothing,
  ``publish.publish_components``) and shows the result, or the preview again with the
  errors (422).
- ``projects.report`` (everyone who sees the project): mapped vs reusable vs published vs
  reserved vs handed over (``progress``), and the ledger's records for the project.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import Organization
from app.db import db
from app.errors import ValidationFailed
from app.exchange.models import ReuseRecord
from app.projects import progress, publish, services
from app.projects.blueprint import bp
from app.projects.forms import ActionForm
from app.reporting import labels


def _preview(project, status: int = 200, errors=None, chosen=None, price: str = "0"):
    ready, blocked = publish.candidates(project)
    if chosen is None:
        chosen = {c.id for c in ready}
    return render_template(
        "projects/publish.html", project=project, ready=ready, blocked=blocked,
        chosen=chosen, price=price, errors=errors or {}, form=ActionForm(),
        created=None), status


@bp.route("/prosjekter/<int:project_id>/publiser", methods=["GET", "POST"],
          endpoint="publish")
@login_required
def publish_view(project_id: int):
    """``projects.publish`` (the name ``publish`` is the service module here)."""
    project = services.project_for_change(project_id, current_user)
    services.require_active(project)  # a completed project publishes nothing more
    if request.method == "GET":
        return _preview(project)
    ids = request.form.getlist("components")
    price = (request.form.get("price_nok") or "0").strip()
    chosen = {int(i) for i in ids if i.isdigit()}
    if not ActionForm().validate_on_submit():
        return _preview(project, 422, {"csrf": [_("Skjemaet er utløpt; prøv igjen.")]},
                        chosen, price)
    try:
        created = publish.publish_components(project, current_user, ids, price_nok=price)
    except ValidationFailed as exc:
        return _preview(project, 422, exc.errors, chosen, price)
    return render_template("projects/publish.html", project=project, created=created,
                           ready=[], blocked=[], chosen=set(), price=price, errors={},
                           form=ActionForm())


def handovers(project_id: int) -> list[tuple[ReuseRecord, str]]:
    """The ledger's records tagged with the project (with the receiver's name), oldest
    first; reversals and corrections are listed as written."""
    return list(db.session.execute(
        sa.select(ReuseRecord, Organization.name)
        .join(Organization, Organization.id == ReuseRecord.receiver_org_id)
        .where(ReuseRecord.project_id == project_id)
        .order_by(ReuseRecord.recorded_at, ReuseRecord.id)).all())


@bp.get("/prosjekter/<int:project_id>/rapport")
@login_required
def report(project_id: int):
    project = services.visible_project(project_id, current_user)
    figures = progress.progress(project.id)
    eu_rows = [(labels.eu_label(eu) if eu != progress.NO_CATEGORY else _("Uten kategori"),
                figures.by_eu[eu]) for eu in sorted(figures.by_eu)]
    return render_template(
        "projects/report.html", project=project, figures=figures, eu_rows=eu_rows,
        records=handovers(project.id), stages=STAGE_LABELS(),
        record_kind=lambda k: str(labels.RECORD_KINDS.get(k, k)))


def STAGE_LABELS():  # noqa: N802 - a table of labels, translated per request
    return [("mapped", _("Kartlagt")), ("reusable", _("Egnet for ombruk")),
            ("published", _("Publisert")), ("reserved", _("Reservert nå")),
            ("handed_over", _("Overlevert"))]
