"""The audit log in the console: filters (action, actor, organisation, Europe/Oslo
period), pagination, the CSV export with every cell neutralised, and the database
refusing UPDATE and DELETE (run on SQLite and, with TEST_DATABASE_URL, PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app import audit
from app.accounts import verification
from app.admin import services as admin_services
from app.audit import AuditEntry
from app.db import commit, db


@pytest.fixture
def admin(make):
    return make.user(None, email="revisor@kretslop.no", site_admin=True)


@pytest.fixture
def as_admin(auth, admin):
    auth.login(admin.email)
    return auth


def _rows(html: str) -> int:
    if 'id="audit-caption"' not in html:
        assert "Ingen oppføringer." in html
        return 0
    body = html.split('id="audit-caption"', 1)[1].split("</table>", 1)[0]
    return body.count("<tr>") - 1  # minus the header row


def _entry(action: str, when: datetime, **kw) -> AuditEntry:
    """An entry written at ``when`` (inserting is what the log allows)."""
    entry = AuditEntry(created_at=when, action=action, target_type=kw.pop("target_type", "x"),
                       actor_label=kw.pop("actor_label", "system"), **kw)
    db.session.add(entry)
    db.session.flush()
    return entry


def test_filters_by_action_actor_organisation_and_period(app, client, as_admin, make, admin):
    other_admin = make.user(None, email="annen.admin@kretslop.no", site_admin=True)
    first = make.org("business", name="Første Bruk AS", verified=False)
    second = make.org("nonprofit", name="Andre Lag", verified=False)
    verification.verify(first, admin, "Registeret stemmer")
    verification.verify(second, other_admin, "Vedtekter sjekket")
    verification.suspend(second, admin, "Klager")
    person = make.user(first, "member", email="ansatt@forste.no")
    admin_services.disable_user(person, admin, "Sluttet")
    commit()

    def count(**args) -> int:
        response = client.get("/admin/audit", query_string=args)
        assert response.status_code == 200
        return _rows(response.get_data(as_text=True))

    assert count() == 4
    assert count(action="organization.verify") == 2
    assert count(actor="annen.admin") == 1
    assert count(actor="REVISOR@") == 3  # case-insensitive
    assert count(organization=str(second.id)) == 2
    assert count(organization="første") == 2  # by name: the verify and the disable
    assert count(organization=first.orgnr) == 2
    assert count(organization="finnes ikke") == 0
    assert count(action="organization.verify", actor="revisor") == 1
    html = client.get("/admin/audit", query_string={"action": "user.disable"}).get_data(
        as_text=True)
    assert "Sluttet" in html and "Konto deaktivert" in html
    assert "<code>active</code>: ja → nei" in html  # before and after


def test_period_uses_oslo_days(app, client, as_admin):
    # 2026-04-01 in Oslo (CEST, UTC+2) starts at 2026-03-31 22:00 UTC
    _entry("test.before", datetime(2026, 3, 31, 21, 30, tzinfo=UTC))
    _entry("test.inside", datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    _entry("test.last", datetime(2026, 4, 1, 21, 59, tzinfo=UTC))
    _entry("test.after", datetime(2026, 4, 1, 22, 0, tzinfo=UTC))
    commit()
    html = client.get("/admin/audit", query_string={"date_from": "2026-04-01",
                                                    "date_to": "2026-04-01"}).get_data(
        as_text=True)
    assert _rows(html) == 2
    assert "test.inside" in html and "test.last" in html
    assert "test.before" not in html.split('id="audit-caption"')[1]


def test_bad_filters_are_field_errors(app, client, as_admin):
    response = client.get("/admin/audit", query_string={"date_from": "1. april",
                                                        "date_to": "2026-01-01"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="date_from-error"' in html and "ÅÅÅÅ-MM-DD" in html
    assert re.search(r'<input[^>]*aria-describedby="date_from-error"', html)
    response = client.get("/admin/audit", query_string={"date_from": "2026-02-01",
                                                        "date_to": "2026-01-01"})
    assert response.status_code == 422
    assert 'id="date_to-error"' in response.get_data(as_text=True)
    assert client.get("/admin/audit.csv", query_string={"date_to": "x"}).status_code == 422
    assert client.get("/admin/audit", query_string={"actor": "a" * 300}).status_code == 422


def test_pagination_keeps_the_filter(app, client, as_admin):
    for n in range(55):
        audit.record("test.many", "x", n, actor_label="cli")
    audit.record("test.other", "x", 0, actor_label="cli")
    commit()
    first = client.get("/admin/audit?action=test.many").get_data(as_text=True)
    assert _rows(first) == 50 and "Side 1 av 2" in first
    assert "page=2" in first and "action=test.many" in first
    second = client.get("/admin/audit?action=test.many&page=2").get_data(as_text=True)
    assert _rows(second) == 5


def test_csv_export_neutralises_every_cell_and_follows_the_filter(app, client, as_admin, make,
                                                                  admin):
    org = make.org("business", name="=Formel AS", verified=False)
    verification.verify(org, admin, '=HYPERLINK("http://evil.example","klikk")')
    audit.record("test.csv", "x", 1, actor_label="+47 cmd", reason="-2+3",
                 before={"v": "@SUM(A1)"}, after={"v": "\tx"})
    audit.record("test.csv", "x", 2, actor_label="ok", reason="\rlinje")
    commit()
    response = client.get("/admin/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["id", "created_at", "actor_id", "actor", "action"]
    assert len(body) == 3
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    by_action = {row[4]: row for row in body}
    verify = by_action["organization.verify"]
    assert verify[3] == admin.email and verify[8].startswith("'=HYPERLINK")
    assert '"verification_state": "verified"' in verify[10]
    csv_row = [r for r in body if r[4] == "test.csv" and r[6] == "1"][0]
    assert csv_row[3] == "'+47 cmd" and csv_row[8] == "'-2+3"
    # the filter applies to the export too
    only = client.get("/admin/audit.csv", query_string={"action": "test.csv"})
    assert len(list(csv.reader(io.StringIO(only.get_data(as_text=True))))) == 3
    page = client.get("/admin/audit?action=test.csv").get_data(as_text=True)
    assert "/admin/audit.csv?action=test.csv" in page


def test_the_database_refuses_update_and_delete(app, admin):
    entry = audit.record("test.immutable", "x", 1, actor=admin, reason="original")
    commit()
    for statement in ("UPDATE audit_entries SET reason = 'changed' WHERE id = :id",
                      "DELETE FROM audit_entries WHERE id = :id"):
        savepoint = db.session.begin_nested()
        with pytest.raises(sa.exc.DBAPIError) as refused:
            db.session.execute(sa.text(statement), {"id": entry.id})
        savepoint.rollback()
        assert "append-only" in str(refused.value)
    # through the ORM too
    db.session.expire_all()
    entry = db.session.get(AuditEntry, entry.id)
    savepoint = db.session.begin_nested()
    entry.reason = "changed"
    with pytest.raises(sa.exc.DBAPIError):
        db.session.flush()
    savepoint.rollback()
    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).reason == "original"
