"""The site admin console (``/admin``). Only site admins reach it: anyone else gets a
404 (a person who is not logged in is sent to the login page). Every action is a POST
with CSRF, goes through a service that writes the audit entry in the same transaction,
and answers with a flash message; a missing reason is a field error at its field (422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app.accounts import verification
from app.accounts.models import Membership, Organization, User, VerificationState
from app.accounts.views import apply_errors
from app.admin import audit_csv
from app.admin import services as admin_services
from app.admin.forms import (
    ApproveWeightForm,
    AuditFilterForm,
    DismissForm,
    OwnerReasonForm,
    ReasonForm,
)
from app.audit import AuditEntry
from app.db import db, paginate, rollback
from app.errors import Conflict, ValidationFailed
from app.extensions import login_manager
from app.listings.models import Listing, ListingReport, ReportStatus
from app.moderation import services as moderation
from app.wanted.models import WantedRequest

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50
SEARCH_LIMIT = 10
QUERY_MAX = 200


@bp.before_request
def _site_admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_site_admin:
        abort(404)  # the console does not exist for anyone else
    return None


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# --- helpers ---------------------------------------------------------------------------


def _page() -> int:
    value = request.args.get("page", "1")
    return max(1, min(int(value), 100_000)) if value.isdigit() else 1


def _pages(total: int) -> int:
    return max(1, -(-total // PER_PAGE))


def _q() -> str:
    return (request.args.get("q") or "").strip()[:QUERY_MAX]


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column, value: str):
    return sa.func.lower(column).like(_like(value), escape="\\")


def _int(value: str) -> int | None:
    value = value.strip().lstrip("#")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _act(form, run: Callable[[], Any], done: str, back: str):
    """Run a service for ``form``: a redirect with a flash message when it worked or was
    refused (409), None when the form has field errors (the caller re-renders, 422)."""
    try:
        run()
    except ValidationFailed as exc:
        rollback()
        apply_errors(form, exc)
        return None
    except Conflict as exc:
        rollback()
        flash(exc.detail or _("Handlingen kan ikke utføres nå."), "error")
        return redirect(back)
    flash(done, "success")
    return redirect(back)


def _audit_for(target_type: str | None = None, target_id: int | None = None,
               organization_id: int | None = None, limit: int = 20) -> list[AuditEntry]:
    where = []
    if target_type:
        where += [AuditEntry.target_type == target_type, AuditEntry.target_id == target_id]
    if organization_id is not None:
        where.append(AuditEntry.organization_id == organization_id)
    return list(db.session.scalars(sa.select(AuditEntry).where(*where).order_by(
        AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)))


# --- overview, verification queue and search -------------------------------------------

QUEUE_STATES = (VerificationState.UNVERIFIED.value, VerificationState.REJECTED.value)


@bp.get("")
def index():
    """The verification queue (unverified first, oldest first) and the counts."""
    unverified_first = sa.case(
        (Organization.verification_state == VerificationState.UNVERIFIED.value, 0), else_=1)
    query = (sa.select(Organization).where(Organization.verification_state.in_(QUEUE_STATES))
             .order_by(unverified_first, Organization.created_at, Organization.id))
    page = _page()
    queue, total = paginate(query, page, PER_PAGE)

    def count(model, *where) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0

    counts = {
        "unverified": count(Organization, Organization.verification_state
                            == VerificationState.UNVERIFIED.value),
        "suspended": count(Organization, Organization.verification_state
                           == VerificationState.SUSPENDED.value),
        "open_reports": count(ListingReport, ListingReport.status == ReportStatus.OPEN.value),
        "hidden_listings": count(Listing, Listing.hidden_at.is_not(None)),
        "disabled_users": count(User, User.active.is_(False)),
    }
    return render_template("admin/index.html", queue=queue, total=total, page=page,
                           pages=_pages(total), counts=counts)


def _search_organizations(q: str, limit: int | None):
    match = [_contains(Organization.name, q)]
    digits = q.replace(" ", "")
    if digits.isdigit():
        match.append(Organization.orgnr == digits)
        if (number := _int(digits)) is not None:
            match.append(Organization.id == number)
    return sa.select(Organization).where(sa.or_(*match)).order_by(
        sa.func.lower(Organization.name), Organization.id).limit(limit)


def _search_users(q: str, limit: int | None):
    match = [_contains(User.email, q), _contains(User.name, q)]
    if (number := _int(q)) is not None:
        match.append(User.id == number)
    return sa.select(User).where(sa.or_(*match)).order_by(User.email).limit(limit)


def _search_titled(model, q: str, limit: int | None):
    match = [_contains(model.title, q)]
    if (number := _int(q)) is not None:
        match.append(model.id == number)
    return (sa.select(model).options(joinedload(model.organization))
            .where(sa.or_(*match)).order_by(model.id.desc()).limit(limit))


@bp.get("/search")
def search():
    q = _q()
    results: dict[str, list] = {}
    if q:
        results = {
            "organizations": list(db.session.scalars(_search_organizations(q, SEARCH_LIMIT))),
            "users": list(db.session.scalars(_search_users(q, SEARCH_LIMIT))),
            "listings": list(db.session.scalars(_search_titled(Listing, q, SEARCH_LIMIT))),
            "wanted": list(db.session.scalars(_search_titled(WantedRequest, q, SEARCH_LIMIT))),
        }
    return render_template("admin/search.html", q=q, results=results, limit=SEARCH_LIMIT)


# --- organisations ---------------------------------------------------------------------

ORG_STATES = {s.value: verification.state_label(s.value) for s in VerificationState}

#: action -> (service, button label, flash message)
ORG_ACTIONS: dict[str, tuple[Callable, Any, Any]] = {
    "verify": (verification.verify, _l("Verifiser"), _l("Organisasjonen er verifisert.")),
    "reject": (verification.reject, _l("Avvis"), _l("Organisasjonen er avvist.")),
    "suspend": (verification.suspend, _l("Suspender"),
                _l("Organisasjonen er suspendert. Annonsene er tatt ut av søket, og "
                   "personene kan ikke logge inn.")),
    "reinstate": (verification.reinstate, _l("Gjeninnsett"),
                  _l("Suspensjonen er opphevet.")),
    "grant": (verification.grant_municipal_access, _l("Gi kommunetilgang"),
              _l("Organisasjonen har fått kommunetilgang.")),
    "revoke": (verification.revoke_municipal_access, _l("Fjern kommunetilgang"),
               _l("Kommunetilgangen er fjernet.")),
    "reset": (verification.reset_municipal_access, _l("La registeret avgjøre kommunetilgang"),
              _l("Kommunetilgangen følger nå Enhetsregisteret.")),
}


def _org_actions(org: Organization) -> list[str]:
    state, access = org.verification_state, org.municipal_access
    shown = []
    if state in QUEUE_STATES:
        shown.append("verify")
    if state in (VerificationState.UNVERIFIED.value, VerificationState.VERIFIED.value):
        shown.append("reject")
    if state != VerificationState.SUSPENDED.value:
        shown.append("suspend")
    else:
        shown.append("reinstate")
    shown += [a for a, value in (("grant", "granted"), ("revoke", "revoked"), ("reset", "auto"))
              if access != value]
    return shown


@bp.get("/organizations")
def organizations():
    q, state = _q(), request.args.get("state", "")
    query = (_search_organizations(q, None) if q else
             sa.select(Organization).order_by(sa.func.lower(Organization.name), Organization.id))
    if state in ORG_STATES:
        query = query.where(Organization.verification_state == state)
    page = _page()
    rows, total = paginate(query, page, PER_PAGE)
    return render_template("admin/organizations.html", rows=rows, total=total, page=page,
                           pages=_pages(total), q=q, state=state, states=ORG_STATES)


@bp.route("/organizations/<int:org_id>", methods=["GET", "POST"])
def organization(org_id: int):
    org = db.get_or_404(Organization, org_id)
    forms = {action: ReasonForm(prefix=action) for action in _org_actions(org)}
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "")
        if action not in ORG_ACTIONS:
            flash(_("Ukjent handling."), "error")
            status = 422
        else:
            form = forms[action] = ReasonForm(prefix=action)
            service, _label, done = ORG_ACTIONS[action]
            answer = _act(form, lambda: service(org, current_user, form.reason.data),
                          str(done), url_for("admin.organization", org_id=org.id))
            if answer is not None:
                return answer
            status = 422
    members = list(db.session.scalars(
        sa.select(Membership).options(joinedload(Membership.user))
        .where(Membership.organization_id == org.id).order_by(Membership.id)))
    listing_count = db.session.scalar(sa.select(sa.func.count(Listing.id)).where(
        Listing.organization_id == org.id)) or 0
    return render_template("admin/organization.html", org=org, forms=forms,
                           actions=ORG_ACTIONS, members=members, listing_count=listing_count,
                           entries=_audit_for(organization_id=org.id),
                           state_label=verification.state_label), status


@bp.post("/organizations/<int:org_id>/registry-check")
def registry_check(org_id: int):
    org = db.get_or_404(Organization, org_id)
    back = url_for("admin.organization", org_id=org.id)
    try:
        result = verification.check_now(org, current_user)
    except (ValidationFailed, Conflict) as exc:
        rollback()
        message = exc.detail if isinstance(exc, Conflict) else " ".join(
            m for messages in exc.errors.values() for m in messages)
        flash(message or _("Enhetsregisteret kan ikke spørres nå."), "error")
        return redirect(back)
    if result.transient:
        flash(_("Enhetsregisteret svarte ikke. Sjekken prøves igjen automatisk."), "info")
    else:
        flash(_("Enhetsregisteret svarte: %(status)s.", status=result.status), "success")
    return redirect(back)


# --- users -----------------------------------------------------------------------------


@bp.get("/users")
def users():
    q, state = _q(), request.args.get("state", "")
    query = _search_users(q, None) if q else sa.select(User).order_by(User.email)
    if state == "disabled":
        query = query.where(User.active.is_(False))
    elif state == "site_admin":
        query = query.where(User.is_site_admin.is_(True))
    page = _page()
    rows, total = paginate(query.options(selectinload(User.memberships)
                                         .joinedload(Membership.organization)), page, PER_PAGE)
    return render_template("admin/users.html", rows=rows, total=total, page=page,
                           pages=_pages(total), q=q, state=state)


USER_ACTIONS = ("disable", "enable", "reset_link")


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    person = db.get_or_404(User, user_id)
    forms = {"disable" if person.active else "enable":
             ReasonForm(prefix="disable" if person.active else "enable")}
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "")
        back = url_for("admin.user", user_id=person.id)
        answer = None
        if action == "reset_link":
            answer = _act(None, lambda: admin_services.send_reset_link(person, current_user),
                          _("En lenke for nytt passord er sendt til %(email)s.",
                            email=person.email), back)
        elif action in ("disable", "enable"):
            form = forms[action] = ReasonForm(prefix=action)
            service = (admin_services.disable_user if action == "disable"
                       else admin_services.enable_user)
            done = (_("Kontoen er deaktivert, og alle innlogginger er avsluttet.")
                    if action == "disable" else _("Kontoen er aktivert igjen."))
            answer = _act(form, lambda: service(person, current_user, form.reason.data),
                          done, back)
        else:
            flash(_("Ukjent handling."), "error")
        if answer is not None:
            return answer
        status = 422
    memberships = sorted(person.memberships, key=lambda m: m.id)
    return render_template("admin/user.html", person=person, forms=forms,
                           memberships=memberships,
                           entries=_audit_for("user", person.id)), status


# --- listings and wanted requests ------------------------------------------------------


def _titled_list(model, kind: str):
    q, state = _q(), request.args.get("state", "")
    query = _search_titled(model, q, None) if q else (
        sa.select(model).options(joinedload(model.organization)).order_by(model.id.desc()))
    if state == "hidden":
        query = query.where(model.hidden_at.is_not(None))
    org_id = _int(request.args.get("org", ""))
    if org_id is not None:
        query = query.where(model.organization_id == org_id)
    page = _page()
    rows, total = paginate(query, page, PER_PAGE)
    return render_template("admin/titled_list.html", kind=kind, rows=rows, total=total,
                           page=page, pages=_pages(total), q=q, state=state, org_id=org_id)


@bp.get("/listings")
def listings():
    return _titled_list(Listing, "listing")


def _listing_page(listing: Listing, forms: dict, status: int = 200):
    from app.listings.weights import listing_unit_range

    reports = list(db.session.scalars(
        sa.select(ListingReport).options(joinedload(ListingReport.reporter))
        .where(ListingReport.listing_id == listing.id)
        .order_by(sa.case((ListingReport.status == ReportStatus.OPEN.value, 0), else_=1),
                  ListingReport.created_at, ListingReport.id)))
    for report in reports:
        if report.status == ReportStatus.OPEN.value:
            forms.setdefault(f"report{report.id}", DismissForm(prefix=f"report{report.id}"))
    try:
        weight_range = listing_unit_range(listing.category, listing.unit)
    except Exception:  # noqa: BLE001 - the range is only shown beside the form
        weight_range = None
    return render_template("admin/listing.html", listing=listing, forms=forms,
                           reports=reports, weight_range=weight_range,
                           reason_label=moderation.reason_label,
                           report_statuses=moderation.REPORT_STATUSES,
                           entries=_audit_for("listing", listing.id)), status


def _listing_forms(listing: Listing) -> dict:
    forms: dict[str, Any] = {}
    if listing.hidden_at is None:
        forms["hide"] = OwnerReasonForm(prefix="hide")
    else:
        forms["restore"] = OwnerReasonForm(prefix="restore")
    if listing.unit != "kg":
        forms["approve_weight"] = ApproveWeightForm(prefix="approve_weight")
    return forms


@bp.route("/listings/<int:listing_id>", methods=["GET", "POST"])
def listing(listing_id: int):
    from app.listings.weights import approve_unit_weight

    row = db.get_or_404(Listing, listing_id)
    forms = _listing_forms(row)
    if request.method == "POST":
        action = request.form.get("action", "")
        back = url_for("admin.listing", listing_id=row.id)
        answer = None
        if action in ("hide", "restore"):
            form = forms[action] = OwnerReasonForm(prefix=action)
            service = moderation.hide_listing if action == "hide" else moderation.restore_listing
            done = (_("Annonsen er skjult. Eieren ser begrunnelsen, og åpne rapporter er "
                      "markert som fulgt opp.") if action == "hide"
                    else _("Annonsen vises igjen."))
            answer = _act(form, lambda: service(row, current_user, form.reason.data), done, back)
        elif action == "approve_weight":
            form = forms[action] = ApproveWeightForm(prefix=action)
            answer = _act(form, lambda: approve_unit_weight(
                row, form.unit_weight_kg.data, form.reason.data, current_user),
                _("Vekten er godkjent."), back)
        else:
            flash(_("Ukjent handling."), "error")
        if answer is not None:
            return answer
        return _listing_page(row, forms, 422)
    return _listing_page(row, forms)


@bp.get("/wanted")
def wanted_list():
    return _titled_list(WantedRequest, "wanted")


@bp.route("/wanted/<int:request_id>", methods=["GET", "POST"])
def wanted(request_id: int):
    row = db.get_or_404(WantedRequest, request_id)
    action = "hide" if row.hidden_at is None else "restore"
    forms = {action: OwnerReasonForm(prefix=action)}
    status = 200
    if request.method == "POST":
        posted = request.form.get("action", "")
        if posted in ("hide", "restore"):
            form = forms[posted] = OwnerReasonForm(prefix=posted)
            service = moderation.hide_wanted if posted == "hide" else moderation.restore_wanted
            done = (_("Ønsket er skjult. Eieren ser begrunnelsen.") if posted == "hide"
                    else _("Ønsket vises igjen."))
            answer = _act(form, lambda: service(row, current_user, form.reason.data), done,
                          url_for("admin.wanted", request_id=row.id))
            if answer is not None:
                return answer
        else:
            flash(_("Ukjent handling."), "error")
        status = 422
    return render_template("admin/wanted.html", row=row, forms=forms,
                           entries=_audit_for("wanted", row.id)), status


# --- reports from users ----------------------------------------------------------------

REPORT_FILTERS = ("open", "dismissed", "actioned", "all")


@bp.get("/reports")
def reports():
    status = request.args.get("status", "open")
    status = status if status in REPORT_FILTERS else "open"
    query = (sa.select(ListingReport)
             .options(joinedload(ListingReport.listing).joinedload(Listing.organization),
                      joinedload(ListingReport.reporter))
             .order_by(sa.case((ListingReport.status == ReportStatus.OPEN.value, 0), else_=1),
                       ListingReport.created_at, ListingReport.id))
    if status != "all":
        query = query.where(ListingReport.status == status)
    page = _page()
    rows, total = paginate(query, page, PER_PAGE)
    return render_template("admin/reports.html", rows=rows, total=total, page=page,
                           pages=_pages(total), status=status, filters=REPORT_FILTERS,
                           reason_label=moderation.reason_label,
                           report_statuses=moderation.REPORT_STATUSES)


@bp.post("/reports/<int:report_id>")
def report(report_id: int):
    row = db.get_or_404(ListingReport, report_id)
    prefix = f"report{row.id}"
    form = DismissForm(prefix=prefix)
    back = (url_for("admin.listing", listing_id=row.listing_id)
            if request.form.get("back") == "listing" else url_for("admin.reports"))
    if request.form.get("action") != "dismiss":
        flash(_("Ukjent handling."), "error")
        return _listing_page(row.listing, _listing_forms(row.listing), 422)
    answer = _act(form, lambda: moderation.resolve_report(row, current_user, "dismiss",
                                                          form.resolution.data or ""),
                  _("Rapporten er avvist."), back)
    if answer is not None:
        return answer
    forms = _listing_forms(row.listing)
    forms[prefix] = form
    return _listing_page(row.listing, forms, 422)


# --- the audit log ---------------------------------------------------------------------

ACTION_LABELS = {
    "organization.verify": _l("Organisasjon verifisert"),
    "organization.reject": _l("Organisasjon avvist"),
    "organization.suspend": _l("Organisasjon suspendert"),
    "organization.reinstate": _l("Suspensjon opphevet"),
    "organization.grant_municipal_access": _l("Kommunetilgang gitt"),
    "organization.revoke_municipal_access": _l("Kommunetilgang fjernet"),
    "organization.reset_municipal_access": _l("Kommunetilgang fra registeret"),
    "organization.registry_check": _l("Sjekk i Enhetsregisteret"),
    "user.disable": _l("Konto deaktivert"),
    "user.enable": _l("Konto aktivert"),
    "user.send_reset_link": _l("Lenke for nytt passord sendt"),
    "listing.hide": _l("Annonse skjult"),
    "listing.restore": _l("Annonse vist igjen"),
    "listing.approve_weight": _l("Vekt godkjent"),
    "wanted.hide": _l("Ønske skjult"),
    "wanted.restore": _l("Ønske vist igjen"),
    "report.dismiss": _l("Rapport avvist"),
    "report.action": _l("Rapport fulgt opp"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return f"{label} ({action})" if label else action


def changes(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """The keys whose value differs between before and after."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def target_url(entry: AuditEntry) -> str | None:
    endpoints = {"organization": ("admin.organization", "org_id"),
                 "user": ("admin.user", "user_id"),
                 "listing": ("admin.listing", "listing_id"),
                 "wanted": ("admin.wanted", "request_id")}
    if entry.target_id is None or entry.target_type not in endpoints:
        return None
    endpoint, arg = endpoints[entry.target_type]
    return url_for(endpoint, **{arg: entry.target_id})


@bp.app_context_processor
def _audit_helpers():
    return {"audit_action_label": action_label, "audit_changes": changes,
            "audit_target_url": target_url}


def _filter_form() -> tuple[AuditFilterForm, audit_csv.AuditFilter, dict]:
    f, errors = audit_csv.parse_filter(request.args)
    form = AuditFilterForm(request.args)
    actions = sorted(set(audit_csv.known_actions()) | set(ACTION_LABELS))
    form.action.choices = [("", _("Alle handlinger"))] + [(a, action_label(a)) for a in actions]
    for name, messages in errors.items():
        form[name].errors = list(messages)
    return form, f, errors


@bp.get("/audit")
def audit():
    form, f, errors = _filter_form()
    if errors:
        return render_template("admin/audit.html", form=form, rows=[], total=0, page=1,
                               pages=1, args={}), 422
    page = _page()
    rows, total = paginate(audit_csv.query(f), page, PER_PAGE)
    return render_template("admin/audit.html", form=form, rows=rows, total=total, page=page,
                           pages=_pages(total), args=f.args())


@bp.get("/audit.csv")
def audit_export():
    form, f, errors = _filter_form()
    if errors:
        return render_template("admin/audit.html", form=form, rows=[], total=0, page=1,
                               pages=1, args={}), 422
    response = Response(stream_with_context(audit_csv.csv_lines(f)),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="kretslop-revisjonslogg.csv"'
    return response


from app.admin import synonyms as _synonyms  # noqa: E402,F401 - /admin/synonyms on this bp
