"""Errors that do not come from the client never leak as tracebacks."""

import sqlite3

from sqlalchemy.exc import OperationalError


def test_a_busy_sqlite_database_is_a_503_with_retry_after(app, client):
    @app.get("/_test/locked")
    def locked():
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    page = client.get("/_test/locked")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "2"
    assert "Prøv igjen" in page.get_data(as_text=True)
    api = client.get("/_test/locked", headers={"Accept": "application/json"})
    assert api.status_code == 503 and api.mimetype == "application/problem+json"


def test_other_database_errors_are_a_plain_500_page(app, client):
    @app.get("/_test/broken")
    def broken():
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("disk I/O error"))

    page = client.get("/_test/broken")
    assert page.status_code == 500
    assert "disk I/O" not in page.get_data(as_text=True)


# --- issue #14, items 6 and 8: failed writes and an unreachable database ---------------

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.db import db  # noqa: E402
from app.outbox import OutboxEvent  # noqa: E402
from tests.conftest import IsolatedClient, base_config  # noqa: E402


def _add_write_routes(app):
    """Routes whose write fails in the request's own commit (after the view returned)."""

    def duplicate():
        from app.accounts.models import User

        first = db.session.scalars(sa.select(User).order_by(User.id)).first()
        db.session.add(User(email=first.email, name="Kopi", password_hash="x"))
        return {"ok": True}

    def too_long():
        db.session.add(OutboxEvent(topic="x" * 500, handler="test", payload={}))
        return {"ok": True}

    for prefix in ("/api/v1/_test", "/_test"):  # GET: no CSRF token to fetch
        app.add_url_rule(f"{prefix}/duplicate", f"{prefix}-dup", duplicate, methods=["GET"])
        app.add_url_rule(f"{prefix}/too-long", f"{prefix}-long", too_long, methods=["GET"])


def test_a_constraint_refusing_the_commit_is_409_page_or_problem(app, client, make):
    make.user(make.org())
    _add_write_routes(app)
    api = client.get("/api/v1/_test/duplicate")
    assert api.status_code == 409 and api.mimetype == "application/problem+json"
    assert api.get_json()["status"] == 409
    page = client.get("/_test/duplicate")
    assert page.status_code == 409 and page.mimetype == "text/html"
    assert "<main" in page.get_data(as_text=True)  # the clean page, not a bare text


def test_a_value_the_column_cannot_hold_is_422_not_500(app, client):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce string lengths (run with TEST_DATABASE_URL)")
    _add_write_routes(app)
    api = client.get("/api/v1/_test/too-long")
    assert api.status_code == 422 and api.mimetype == "application/problem+json"
    assert "_body" in api.get_json()["errors"]
    page = client.get("/_test/too-long")
    assert page.status_code == 422 and "<main" in page.get_data(as_text=True)
    # the session works again afterwards
    assert client.get("/healthz").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(OutboxEvent.id))) == 0


def test_an_unreachable_database_is_503_with_retry_after(tmp_path):
    """A real PostgreSQL address where nothing listens (port 1): connection refused."""
    config = {**base_config(tmp_path, "postgresql://kretslop@127.0.0.1:1/none"),
              "TESTING": False,  # as served: exceptions go to the handlers
              "JOBS_RETRY_THREAD": False}  # a leftover thread would share later tests' DB
    application = create_app(config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        client = application.test_client()
        page = client.get("/listings")
        api = client.get("/api/v1/listings")
        login = client.post("/login", data={"email": "a@example.no", "password": "x" * 12})
        db.engine.dispose()
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert page.headers["Retry-After"] == "30"
    html = page.get_data(as_text=True)
    assert "<main" in html and "databasen" in html and "127.0.0.1" not in html
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert api.headers["Retry-After"] == "30"
    assert login.status_code in (400, 503)  # CSRF first (400) or the database (503)


def test_a_stored_title_with_a_line_break_still_makes_a_valid_mail(app):
    """Titles stored before single-line fields refused CR/LF must not break the Subject
    header (before: ValueError 'Header values may not contain linefeed...' on every retry)."""
    from email import message_from_bytes, policy

    from app.mail import build_message

    message = build_message("selger@example.no", "reservation_requested", "nb", {
        "listing_title": "Kontorstoler\r\nBcc: victim@example.no", "buyer_org": "Miljøsofa",
        "quantity": "2", "message": "", "path": "/reservations/1"})
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert parsed["Subject"] == ("Ny forespørsel om reservasjon: Kontorstoler "
                                 "Bcc: victim@example.no")
    assert parsed["Bcc"] is None


@pytest.mark.parametrize(("locale", "expected"), [
    ("nb", ["2,5 m", "Vekt: 84,5 kg (veid)", "122,5 kg CO2e"]),
    ("en", ["2.5 m", "Weight: 84.5 kg (weighed)", "122.5 kg CO2e"]),
])
def test_mail_numbers_follow_the_readers_language(app, locale, expected):
    """E-mails said "84.5 kg" and "122.525 kg CO2e" to bokmål readers (issue 15)."""
    from app.mail import build_message

    message = build_message("mottaker@example.no", "reservation_completed", locale, {
        "listing_title": "Gipsplater", "quantity": "2,5 m" if locale == "nb" else "2.5 m",
        "seller_org": "Heggedal Bygg AS", "buyer_org": "Miljøsofa", "kg": "84.5",
        "weight_method": "weighed", "co2e_kg": "122.525", "path": "/reservations/1"})
    body = message.get_content()
    for text in expected:
        assert text in body
