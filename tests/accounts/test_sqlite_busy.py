"""Bookkeeping writes ("last used" of an API token, "last seen" of a session) never fail
a request on SQLite when another process has just written.

Found under load (bench/bench_load.py, two gunicorn workers, one API token): a handful
of 503s per run, "database is locked". In WAL mode a transaction that has read and then
writes fails at once when another connection committed in between (its snapshot is
stale; the busy timeout does not apply). Here the other process is a second connection
to the same SQLite file that commits between our read and our write, exactly that
interleaving, on a real file database (no double).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app import create_app
from app.accounts import services
from app.accounts.models import ApiToken, User
from app.db import db, utcnow
from tests.conftest import base_config


def _app(tmp_path):
    url = f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    application = create_app(base_config(tmp_path, url))
    with application.app_context():
        db.create_all()
        user = services._new_user("busy@example.no", "Busy", "et langt og trygt passord 42")
        db.session.flush()
        _token, raw = services.create_api_token(user, "bench")
        db.session.commit()
    return application, url, raw


def _commit_elsewhere(url: str) -> None:
    """Another process commits a write to the same file."""
    other = sa.create_engine(url)
    with other.begin() as conn:
        conn.execute(sa.text("UPDATE users SET name = name || '.' WHERE email = 'busy@example.no'"))
    other.dispose()


def test_a_token_is_accepted_when_another_process_wrote_since_this_request_read(tmp_path):
    application, url, raw = _app(tmp_path)
    with application.app_context():
        db.session.execute(sa.update(ApiToken).values(last_used_at=None))
        db.session.commit()
        with application.test_request_context("/api/v1/search"):
            db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar()
            _commit_elsewhere(url)  # this request's snapshot is now stale
            user = services.user_for_token(raw)
            assert user is not None and user.email == "busy@example.no"
            db.session.commit()  # the request ends normally
        db.session.remove()
        # Nothing was written this time; the next request writes it.
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) is None
        with application.test_request_context("/api/v1/search"):
            assert services.user_for_token(raw) is not None
            db.session.commit()
        db.session.remove()
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None
        db.engine.dispose()


def test_api_search_with_a_token_answers_200_not_503_after_a_concurrent_write(tmp_path):
    """The same over the app's request cycle: a read before the token check (as the
    API's before-request does) and a commit from elsewhere in between."""
    application, url, raw = _app(tmp_path)
    with application.app_context():
        old = utcnow() - timedelta(hours=1)
        db.session.execute(sa.update(ApiToken).values(last_used_at=old))
        db.session.commit()
        db.engine.dispose()

    @application.before_request
    def _interleave():  # runs after the app's own hooks have read
        db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar()
        _commit_elsewhere(url)

    response = application.test_client().get(
        "/api/v1/search?q=stol", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    with application.app_context():
        db.engine.dispose()


def test_a_session_is_still_this_person_when_another_process_wrote_since_it_was_read(tmp_path):
    from app.accounts import sessions
    from app.accounts.sessions import UserSession

    application, url, _raw = _app(tmp_path)
    with application.app_context():
        with application.test_request_context("/"):
            user = db.session.scalar(sa.select(User))
            user_id, secret = user.id, sessions.start(user)
            db.session.commit()
        db.session.execute(sa.update(UserSession).values(
            last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        with application.test_request_context("/"):
            db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar()
            _commit_elsewhere(url)  # this request's snapshot is now stale
            row = sessions.load(user_id, secret)  # touches last_seen_at: no "locked"
            assert row is not None and row.user_id == user_id
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
