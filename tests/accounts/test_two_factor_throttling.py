"""The second sign-in step is throttled like the password step (limits switched on)."""

import re

import pytest

from app.extensions import limiter
from tests.conftest import Builders


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "20 per minute"}


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()
    yield


def _csrf(client, path) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_wrong_codes_are_throttled_per_person(app, client, make):
    user = make.user(make.org(), two_factor=True)
    client.post("/login", data={"email": user.email, "password": Builders.password,
                                "csrf_token": _csrf(client, "/login")})
    statuses = [client.post("/login/two-factor", data={
        "code": "123456", "csrf_token": _csrf(client, "/login/two-factor")}).status_code
        for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
