"""Login rate limiting (its own module: the limit is switched on for every test here)."""

import pytest


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}


def test_login_is_rate_limited(client, auth, make):
    user = make.user(make.org())
    statuses = [auth.login(user.email, "wrong password!").status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    blocked = auth.login(user.email)  # even the right password waits
    assert blocked.status_code == 429
    assert "For mange forsøk" in blocked.get_data(as_text=True)
