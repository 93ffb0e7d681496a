"""The audit log for the console: filters (action, actor, organisation, period), the
query behind the paginated page, and the CSV export with every cell neutralised against
spreadsheet formulas (a reason or an e-mail address is typed by people)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from app.accounts.models import Organization, User
from app.audit import AuditEntry, shown_actor
from app.csvsafe import safe_cell
from app.db import db

OSLO = ZoneInfo("Europe/Oslo")
TEXT_MAX = 200
CSV_COLUMNS = ("id", "created_at", "actor_id", "actor", "action", "target_type",
               "target_id", "organization_id", "reason", "before", "after", "ip")
BATCH = 1000


@dataclass
class AuditFilter:
    action: str = ""
    actor: str = ""
    organization: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def args(self) -> dict[str, str]:
        """The filter as query-string arguments (for pagination and the CSV link)."""
        out = {"action": self.action, "actor": self.actor, "organization": self.organization,
               "date_from": self.date_from.isoformat() if self.date_from else "",
               "date_to": self.date_to.isoformat() if self.date_to else ""}
        return {k: v for k, v in out.items() if v}


def _date(value: str, field: str, errors: dict[str, list[str]]) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = [_("Skriv en dato som ÅÅÅÅ-MM-DD.")]
        return None


def parse_filter(args: Mapping[str, str]) -> tuple[AuditFilter, dict[str, list[str]]]:
    """Read the filter from query arguments; bad values become field errors."""
    errors: dict[str, list[str]] = {}
    f = AuditFilter()
    for name in ("action", "actor", "organization"):
        value = (args.get(name) or "").strip()
        if len(value) > TEXT_MAX:
            errors[name] = [_("Kan ikke være lengre enn %(n)s tegn.", n=TEXT_MAX)]
            value = ""
        setattr(f, name, value)
    f.date_from = _date(args.get("date_from", ""), "date_from", errors)
    f.date_to = _date(args.get("date_to", ""), "date_to", errors)
    if f.date_from and f.date_to and f.date_to < f.date_from:
        errors["date_to"] = [_("Til-datoen kan ikke være før fra-datoen.")]
    return f, errors


def _oslo_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, OSLO).astimezone(UTC)


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def conditions(f: AuditFilter) -> list:
    where: list = []
    if f.action:
        where.append(AuditEntry.action == f.action)
    if f.actor:
        # Labels of people are ``user:<id>`` (app.audit.record): match their address too.
        people = sa.select(User.id).where(
            sa.func.lower(User.email).like(_like(f.actor), escape="\\"))
        where.append(sa.or_(
            sa.func.lower(AuditEntry.actor_label).like(_like(f.actor), escape="\\"),
            AuditEntry.actor_id.in_(people)))
    if f.organization:
        value = f.organization
        match = [sa.func.lower(Organization.name).like(_like(value), escape="\\")]
        if value.isdigit():
            match.append(Organization.orgnr == value)
            if len(value) < 10:
                match.append(Organization.id == int(value))
        ids = sa.select(Organization.id).where(sa.or_(*match))
        where.append(AuditEntry.organization_id.in_(ids))
    if f.date_from:
        where.append(AuditEntry.created_at >= _oslo_midnight(f.date_from))
    if f.date_to:
        where.append(AuditEntry.created_at < _oslo_midnight(f.date_to + timedelta(days=1)))
    return where


def query(f: AuditFilter) -> sa.Select:
    """Newest first."""
    return (sa.select(AuditEntry).where(*conditions(f))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()))


def known_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct()
                                   .order_by(AuditEntry.action)))


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def row(entry: AuditEntry) -> list[str]:
    created = entry.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    values = [entry.id, created.astimezone(UTC).isoformat(), entry.actor_id,
              shown_actor(entry), entry.action, entry.target_type, entry.target_id,
              entry.organization_id, entry.reason, _json(entry.before), _json(entry.after),
              entry.ip]
    return [safe_cell("" if v is None else str(v)) for v in values]


def csv_lines(f: AuditFilter) -> Iterator[str]:
    """The CSV, newest first, read in batches (keyset on id) so a long log streams."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    where = conditions(f)
    last_id = None
    while True:
        batch_where = [*where, AuditEntry.id < last_id] if last_id is not None else where
        batch = list(db.session.scalars(sa.select(AuditEntry).where(*batch_where)
                                        .order_by(AuditEntry.id.desc()).limit(BATCH)))
        if not batch:
            return
        for entry in batch:
            writer.writerow(row(entry))
        last_id = batch[-1].id
        yield flush()
