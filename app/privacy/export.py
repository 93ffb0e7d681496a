""""Last ned mine data": a ZIP with everything Kretsløp holds about a person.

The page writes a :class:`DataExport` row and a ``privacy.export`` outbox event in the
request's transaction; the handler (an RQ worker, or right after the commit in the
inline mode) collects the person's data, writes ``<area>.json`` for every area and
``<area>.csv`` for the tabular ones (cells through :mod:`app.csvsafe`) and a README.txt
in the person's language, then tells the person (``data_export_ready``). The link works
for its owner until ``DATA_EXPORT_TTL_HOURS``; ``flask privacy retention`` removes the
file afterwards.

Nothing secret is exported: no password or token hash, no session token, no two-factor
secret or recovery code (any column whose name says hash, secret, token, key, salt or
code of that kind is left out, also in tables added later).
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import notifications, outbox
from app.accounts.models import ApiToken, Invitation, Membership, User
from app.audit import AuditEntry, _jsonable
from app.csvsafe import safe_writer
from app.db import commit, db, utcnow
from app.errors import Conflict, ServiceError
from app.exchange.models import Reservation, ReservationMessage
from app.listings.models import ImportJob, Listing, ListingReport
from app.mail import register_subject
from app.privacy.models import DataExport, ExportStatus
from app.questions.models import QuestionMessage, QuestionThread
from app.wanted.models import WantedRequest

TOPIC = "privacy.export"
#: A pending export older than this is taken as failed (see :func:`request_export`).
STALE = timedelta(hours=6)
KIND = "data_export_ready"

#: Column names (parts) that are never exported.
SECRET_WORDS = ("hash", "secret", "token", "_key", "salt", "recovery", "otp_", "totp")


class TooManyExports(ServiceError):
    status = 429
    title = _l("For mange forespørsler")


register_subject(KIND, lambda context: _("Dataene dine er klare til nedlasting"))
notifications.register_kind(
    KIND, group="other", label=_l("Dataene mine er klare til nedlasting"),
    line=lambda params: _("Dataene dine er klare til nedlasting"))


def directory() -> Path:
    config = current_app.config
    path = Path(config.get("DATA_EXPORT_DIR") or Path(config["INSTANCE_DIR"]) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(export: DataExport) -> Path | None:
    return directory() / export.filename if export.filename else None


def exports_of(user: User) -> list[DataExport]:
    return list(db.session.scalars(
        sa.select(DataExport).where(DataExport.user_id == user.id)
        .order_by(DataExport.created_at.desc(), DataExport.id.desc()).limit(10)))


def is_expired(export: DataExport, now=None) -> bool:
    now = now or utcnow()
    return export.status == ExportStatus.EXPIRED or (
        export.expires_at is not None and export.expires_at <= now)


def request_export(user: User, now=None) -> DataExport:
    """Queue an export (flushes, never commits). One running per person; at most
    ``DATA_EXPORTS_PER_DAY`` a day."""
    now = now or utcnow()
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    # A job that has not finished within STALE (its retries exhausted) must not block
    # the person for ever: it is marked failed and a new one may start.
    db.session.execute(sa.update(DataExport).where(
        DataExport.user_id == user.id, DataExport.status == ExportStatus.PENDING.value,
        DataExport.created_at < now - STALE).values(status=ExportStatus.FAILED.value,
                                                    finished_at=now)
        .execution_options(synchronize_session=False))
    pending = db.session.scalar(sa.select(DataExport.id).where(
        DataExport.user_id == user.id, DataExport.status == ExportStatus.PENDING.value))
    if pending is not None:
        raise Conflict(_("Vi lager allerede en fil til deg. Du får beskjed når den er klar."),
                       state="pending")
    today = db.session.scalar(sa.select(sa.func.count(DataExport.id)).where(
        DataExport.user_id == user.id, DataExport.created_at > now - timedelta(days=1))) or 0
    if today >= current_app.config["DATA_EXPORTS_PER_DAY"]:
        raise TooManyExports(_("Du har bedt om dataene dine mange ganger i dag. "
                               "Prøv igjen i morgen."))
    export = DataExport(user_id=user.id, key=secrets.token_urlsafe(32),
                        status=ExportStatus.PENDING.value, created_at=now)
    db.session.add(export)
    db.session.flush()
    outbox.emit(TOPIC, export_id=export.id)
    return export


@outbox.handler(TOPIC, name="privacy.export")
def build(payload: dict[str, Any]) -> None:
    export = db.session.get(DataExport, int(payload["export_id"]))
    if export is None or export.status != ExportStatus.PENDING.value:
        return
    user = db.session.get(User, export.user_id)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        data = zip_bytes(collect(user), user)
        name = f"{export.id}-{secrets.token_hex(16)}.zip"
        (directory() / name).write_bytes(data)
        now = utcnow()
        export.filename = name
        export.size_bytes = len(data)
        export.status = ExportStatus.READY.value
        export.finished_at = now
        export.expires_at = now + timedelta(hours=current_app.config["DATA_EXPORT_TTL_HOURS"])
        notifications.notify(
            user, KIND, path="/account/data", params={},
            mail=(KIND, {"path": "/account/data",
                         "hours": current_app.config["DATA_EXPORT_TTL_HOURS"]}))
    commit()


# --- what is collected -----------------------------------------------------------------


def _secret(name: str) -> bool:
    return any(word in name for word in SECRET_WORDS)


def columns(obj, skip: Iterable[str] = ()) -> dict[str, Any]:
    """Every column of a row as JSON values, without secrets."""
    skip = set(skip)
    return {c.key: _jsonable(getattr(obj, c.key)) for c in obj.__table__.columns
            if c.key not in skip and not _secret(c.name)}


def _rows(query) -> list:
    return list(db.session.scalars(query))


def collect(user: User) -> dict[str, list[dict[str, Any]] | dict[str, Any]]:
    """Everything about ``user``, by area (the ZIP's file names)."""
    uid = user.id
    areas: dict[str, Any] = {}
    areas["profile"] = columns(user, skip=("password_hash", "session_token"))
    areas["memberships"] = [
        {"organization_id": m.organization_id, "organization": m.organization.name,
         "role": m.role, "since": _jsonable(m.created_at)}
        for m in _rows(sa.select(Membership).where(Membership.user_id == uid))]
    areas["sessions"] = _sessions(user)
    areas["api_tokens"] = [columns(t, skip=("user_id",)) for t in _rows(
        sa.select(ApiToken).where(ApiToken.user_id == uid).order_by(ApiToken.id))]
    areas["invitations"] = [
        {"organization": i.organization.name, "role": i.role,
         "sent_by_you": i.invited_by_id == uid,
         "to_you": (i.email or "").lower() == (user.email or "").lower(),
         "created_at": _jsonable(i.created_at), "accepted_at": _jsonable(i.accepted_at),
         "revoked_at": _jsonable(i.revoked_at)}
        for i in _rows(sa.select(Invitation).where(sa.or_(
            Invitation.invited_by_id == uid,
            sa.func.lower(Invitation.email) == (user.email or "").lower())))]
    areas["listings"] = [columns(x) for x in _rows(
        sa.select(Listing).where(Listing.created_by_id == uid).order_by(Listing.id))]
    areas["wanted_requests"] = [columns(x, skip=("match_terms",)) for x in _rows(
        sa.select(WantedRequest).where(WantedRequest.created_by_id == uid)
        .order_by(WantedRequest.id))]
    areas["messages"] = [
        {"kind": "reservation", "reservation_id": m.reservation_id,
         "listing": m.reservation.listing.title, "organization": m.author_org.name,
         "body": m.body, "created_at": _jsonable(m.created_at)}
        for m in _rows(sa.select(ReservationMessage).where(ReservationMessage.author_id == uid)
                       .order_by(ReservationMessage.id))] + [
        {"kind": "question", "thread_id": m.thread_id, "listing": m.thread.listing.title,
         "organization": m.author_org.name, "body": m.body,
         "created_at": _jsonable(m.created_at)}
        for m in _rows(sa.select(QuestionMessage).where(QuestionMessage.author_id == uid)
                       .order_by(QuestionMessage.id))]
    roles = {"requested_by_id": "requested", "ended_by_id": "ended",
             "giver_confirmed_by_id": "confirmed_as_giver",
             "receiver_confirmed_by_id": "confirmed_as_receiver"}
    handled = _rows(sa.select(Reservation).where(sa.or_(
        *(getattr(Reservation, c) == uid for c in roles))).order_by(Reservation.id))
    areas["reservations"] = [
        {"id": r.id, "listing_id": r.listing_id, "listing": r.listing.title,
         "giver": r.seller_org.name, "receiver": r.buyer_org.name, "status": r.status,
         "quantity": _jsonable(r.quantity), "unit": r.unit, "amount_ore": r.amount_ore,
         "weight_kg": _jsonable(r.weight_kg), "created_at": _jsonable(r.created_at),
         "completed_at": _jsonable(r.completed_at),
         "your_part": " ".join(v for c, v in roles.items() if getattr(r, c) == uid)}
        for r in handled]
    areas["question_threads"] = [
        {"id": t.id, "listing": t.listing.title, "asked_for": t.asker_org.name,
         "created_at": _jsonable(t.created_at)}
        for t in _rows(sa.select(QuestionThread).where(QuestionThread.asked_by_id == uid))]
    areas["listing_reports"] = [columns(x, skip=("handled_by_id",)) for x in _rows(
        sa.select(ListingReport).where(ListingReport.reporter_id == uid))]
    areas["imports"] = [columns(x, skip=("file_path",)) for x in _rows(
        sa.select(ImportJob).where(ImportJob.created_by_id == uid))]
    areas["notifications"] = [
        {"kind": n.kind, "text": notifications.line(n), "path": n.path,
         "created_at": _jsonable(n.created_at), "read_at": _jsonable(n.read_at)}
        for n in _rows(sa.select(notifications.Notification)
                       .where(notifications.Notification.user_id == uid)
                       .order_by(notifications.Notification.id))]
    areas["notification_settings"] = [
        {"kind": kind, "email": mode}
        for kind, mode in notifications.choices_for(uid).items()]
    areas["audit_log"] = [
        {"created_at": _jsonable(e.created_at), "action": e.action,
         "target_type": e.target_type, "target_id": e.target_id,
         "by_you": e.actor_id == uid, "reason": e.reason}
        for e in _rows(sa.select(AuditEntry).where(sa.or_(
            AuditEntry.actor_id == uid,
            sa.and_(AuditEntry.target_type == "user", AuditEntry.target_id == uid)))
            .order_by(AuditEntry.id))]
    model = _session_model()
    covered = COVERED_TABLES | ({model.__tablename__} if model is not None else set())
    areas.update(_other_tables(user, covered=covered))
    return areas


#: Tables with a person's foreign key that :func:`collect` covers by name.
COVERED_TABLES = {
    "memberships", "api_tokens", "invitations", "listings", "wanted_requests",
    "reservation_messages", "question_messages", "reservations", "question_threads",
    "listing_reports", "import_jobs", "notifications", "notification_choices",
    "notification_preferences", "data_exports",
}


def _session_model():
    try:
        from app.accounts.sessions import UserSession  # helper A2's per-session table
    except ImportError:
        return None
    return UserSession


def _sessions(user: User) -> list[dict[str, Any]]:
    model = _session_model()
    if model is None:
        return []
    return [columns(s, skip=("user_id",)) for s in _rows(
        sa.select(model).where(model.user_id == user.id))]


def user_foreign_keys() -> list[tuple[sa.Table, sa.Column, str | None]]:
    """Every (table, column, ondelete) that points at ``users.id``."""
    found = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "users" and fk.column.name == "id":
                found.append((table, fk.parent, (fk.ondelete or "").upper() or None))
    return found


def _other_tables(user: User, covered: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Tables added later that point at a person: exported as they are (minus secrets),
    so nothing about the person is left out by accident."""
    extra: dict[str, list[dict[str, Any]]] = {}
    for table, column, _ondelete in user_foreign_keys():
        if table.name in covered:
            continue
        rows = db.session.execute(sa.select(table).where(column == user.id)).mappings().all()
        if rows:
            extra[table.name] = [{k: _jsonable(v) for k, v in row.items() if not _secret(k)}
                                 for row in rows]
    return extra


# --- the ZIP -----------------------------------------------------------------------------


def _flat(rows) -> bool:
    return isinstance(rows, list) and bool(rows) and all(
        isinstance(r, dict) and all(not isinstance(v, dict | list) for v in r.values())
        for r in rows)


def zip_bytes(areas: dict[str, Any], user: User) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(areas))
        for name, rows in areas.items():
            archive.writestr(f"{name}.json", json.dumps(rows, ensure_ascii=False, indent=2))
            if _flat(rows):
                text = io.StringIO()
                keys = list(dict.fromkeys(k for r in rows for k in r))
                writer = safe_writer(text)
                writer.writerow(keys)
                for r in rows:
                    writer.writerow([r.get(k) for k in keys])
                archive.writestr(f"{name}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()


AREA_LABELS = {
    "profile": _l("navn, e-postadresse, språk og når du sist logget inn"),
    "memberships": _l("organisasjonene du er med i, og rollen din"),
    "sessions": _l("innloggingene dine (enhet, når de startet og sist ble brukt)"),
    "api_tokens": _l("API-nøklene dine (navn og de første tegnene, aldri selve nøkkelen)"),
    "two_factor": _l("tofaktorinnloggingen din (når den ble slått på, aldri hemmeligheten)"),
    "two_factor_recovery_codes": _l("når reservekodene ble laget og brukt "
                                    "(aldri kodene)"),
    "invitations": _l("invitasjoner du har sendt eller fått"),
    "listings": _l("annonser du har laget"),
    "wanted_requests": _l("ønsker du har laget"),
    "messages": _l("meldinger og spørsmål du har skrevet"),
    "reservations": _l("reservasjoner du har bedt om, avsluttet eller bekreftet"),
    "question_threads": _l("spørsmålstråder du har startet"),
    "listing_reports": _l("annonser du har rapportert"),
    "imports": _l("annonser du har importert fra fil"),
    "notifications": _l("varslene dine"),
    "notification_settings": _l("hvordan du vil ha varsler"),
    "audit_log": _l("oppføringer i revisjonsloggen om deg eller om det du har gjort"),
}


def readme(areas: dict[str, Any]) -> str:
    lines = [
        _("Dine data fra Kretsløp"), "",
        _("Filen ble laget %(when)s (UTC).", when=utcnow().strftime("%Y-%m-%d %H:%M")), "",
        _("Hver del finnes som JSON, og delene som er tabeller, også som CSV (UTF-8)."),
        _("Passord, nøkler og andre hemmeligheter er aldri med."), "",
    ]
    for name in areas:
        label = AREA_LABELS.get(name)
        lines.append(f"{name}.json: {label}" if label else f"{name}.json")
    contact = current_app.config.get("OPERATOR_EMAIL")  # the pages' operator, when set
    lines += ["", _("Spørsmål om personvern? Skriv til %(email)s.", email=contact) if contact
              else _("Spørsmål om personvern? Kontakt Kretsløp.")]
    return "\n".join(str(line) for line in lines) + "\n"
