"""``GET /healthz`` (liveness, no database) and ``GET /readyz`` (readiness: database,
search, Redis when configured, outbox backlog and dead rows) for load balancers
(issue #14, item 19). Real parts throughout: the test database, the embedded search
engine, the Redis server at 127.0.0.1 and, for the failures, a database, a Redis and a
Meilisearch address where nothing listens (127.0.0.1:1)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import redis as redis_lib

from app import create_app
from app.db import commit, db, utcnow
from app.outbox import DEAD, PENDING, OutboxEvent
from tests.conftest import REDIS_URL, IsolatedClient, base_config

NOWHERE_DB = "postgresql://kretslop:secret-pw@127.0.0.1:1/none"
NOWHERE_REDIS = "redis://:secret-pw@127.0.0.1:1/0"


def _no_secrets(response, *needles: str) -> None:
    text = response.get_data(as_text=True)
    for needle in ("127.0.0.1", "secret", "postgresql", "redis://", "http", "/",
                   *needles):
        assert needle not in text, (needle, text)


def _offline_app(tmp_path, **config):
    application = create_app({**base_config(tmp_path, NOWHERE_DB), **config})
    application.test_client_class = IsolatedClient
    return application


def test_healthz_answers_without_database_session_or_cache(tmp_path):
    application = _offline_app(tmp_path)
    with application.app_context():
        response = application.test_client().get("/healthz")
        db.engine.dispose()
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_ok_lists_the_checks_without_secrets(app, client, tmp_path):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "search", "outbox"}  # no Redis configured
    assert body["checks"]["outbox"] == {"status": "ok", "overdue": 0, "dead": 0}
    assert body["checks"]["search"]["engine"]
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    _no_secrets(response, str(tmp_path), app.config["SECRET_KEY"])


def test_readyz_database_unreachable_is_503(tmp_path):
    application = _offline_app(tmp_path)
    with application.app_context():
        response = application.test_client().get("/readyz")
        db.engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"status": "fail"}
    assert body["checks"]["outbox"] == {"status": "unknown"}
    _no_secrets(response, str(tmp_path))


def _redis_or_skip():
    from tests.conftest import service_missing

    try:
        redis_lib.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis_lib.RedisError as exc:
        service_missing(f"Redis at {REDIS_URL} is not reachable: {exc}")


def test_readyz_checks_redis_when_configured(app, client):
    _redis_or_skip()
    app.config["REDIS_URL"] = REDIS_URL
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"]["redis"] == {"status": "ok"}
    app.config["REDIS_URL"] = NOWHERE_REDIS
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"] == {"status": "fail"}
    assert response.get_json()["checks"]["database"] == {"status": "ok"}
    _no_secrets(response)


def test_readyz_search_unreachable_is_503(app, client):
    app.config["MEILI_URL"] = "http://127.0.0.1:1"
    app.config["MEILI_MASTER_KEY"] = "secret-key"
    from app.searching import backend

    app.extensions.pop(backend.EXTENSION, None)  # built again from the changed settings
    response = client.get("/readyz")
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["checks"]["search"] == {"status": "fail"}
    _no_secrets(response)


@pytest.mark.parametrize("status, age_minutes, field", [(PENDING, 60, "overdue"),
                                                        (DEAD, 0, "dead")])
def test_readyz_outbox_backlog_and_dead_rows_are_503(app, client, status, age_minutes,
                                                     field):
    db.session.add(OutboxEvent(topic="test.topic", handler="test.handler", payload={},
                               status=status,
                               next_attempt_at=utcnow() - timedelta(minutes=age_minutes)))
    commit()
    if status == DEAD:
        # by default a dead row is reported, not a reason to leave the load balancer
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.get_json()["checks"]["outbox"] == {"status": "ok", "overdue": 0,
                                                           "dead": 1}
        app.config["READYZ_MAX_DEAD_ROWS"] = 0
    response = client.get("/readyz")
    assert response.status_code == 503
    outbox = response.get_json()["checks"]["outbox"]
    assert outbox["status"] == "fail" and outbox[field] == 1
    # a fresh pending row (due just now) is no backlog; the threshold is configurable
    app.config["READYZ_OUTBOX_MAX_AGE_MINUTES"] = 120
    app.config["READYZ_MAX_DEAD_ROWS"] = 1
    response = client.get("/readyz")
    assert response.status_code == 200, json.dumps(response.get_json())
