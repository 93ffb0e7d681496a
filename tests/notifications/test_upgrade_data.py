"""The data step for the lead's migration (app.notifications.models.upgrade_data), run on
a scratch SQLite database shaped as the schema is mid-migration: the old
``notification_preferences.email_mode`` still there, ``notification_choices`` and
``notifications.path`` already added."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from app.notifications.models import upgrade_data

DDL = [
    "CREATE TABLE matches (id INTEGER PRIMARY KEY, listing_id INTEGER, request_id INTEGER)",
    "CREATE TABLE notification_preferences (user_id INTEGER PRIMARY KEY, "
    "email_mode VARCHAR(10), last_digest_on DATE, updated_at TIMESTAMP)",
    "CREATE TABLE notification_choices (user_id INTEGER, kind VARCHAR(40), "
    "email_mode VARCHAR(10), updated_at TIMESTAMP WITH TIME ZONE, "
    "PRIMARY KEY (user_id, kind))",
    "CREATE TABLE notifications (id INTEGER PRIMARY KEY, user_id INTEGER, kind VARCHAR(40), "
    "match_id INTEGER, payload JSON, path VARCHAR(500) NOT NULL DEFAULT '')",
]


def _engines(tmp_path):
    yield sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}"), None
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        yield sa.create_engine(url), f"n1_{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("which", ["sqlite", "postgresql"])
def test_old_match_choices_and_paths_carry_over(tmp_path, which):
    engines = dict(zip(("sqlite", "postgresql"), _engines(tmp_path), strict=False))
    if which not in engines:
        pytest.skip("PostgreSQL: only with TEST_DATABASE_URL")
    engine, schema = engines[which]
    with engine.begin() as connection:
        if schema:  # a scratch schema, dropped afterwards
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
            connection.execute(sa.text(f"SET LOCAL search_path TO {schema}"))
        for statement in DDL:
            connection.execute(sa.text(statement))
        connection.execute(sa.text(
            "INSERT INTO matches VALUES (7, 11, 13)"))
        connection.execute(sa.text(
            "INSERT INTO notification_preferences (user_id, email_mode) VALUES "
            "(1, 'immediate'), (2, 'daily'), (3, 'off')"))
        connection.execute(sa.text(
            "INSERT INTO notifications (id, user_id, kind, match_id, payload) VALUES "
            "(1, 1, 'match_for_request', 7, '{}'), (2, 2, 'request_for_listing', 7, '{}')"))
        upgrade_data(connection)
        choices = connection.execute(sa.text(
            "SELECT user_id, kind, email_mode FROM notification_choices "
            "ORDER BY user_id, kind")).all()
        paths = connection.execute(sa.text(
            "SELECT id, path FROM notifications ORDER BY id")).all()
        if schema:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
    assert choices == [(2, "match_for_request", "daily"), (2, "request_for_listing", "daily"),
                       (3, "match_for_request", "off"), (3, "request_for_listing", "off")]
    assert paths == [(1, "/wanted/13#match-7"), (2, "/listings/11#matches")]
