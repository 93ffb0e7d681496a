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
