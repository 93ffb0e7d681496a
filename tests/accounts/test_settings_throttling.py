"""Wrong current passwords on Min konto > E-post and > Passord are throttled per person
(the login limit), so a borrowed session cannot be used to guess the password."""

import pytest

from app.extensions import limiter
from tests.conftest import Builders


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "50 per minute"}


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    limiter.reset()
    yield
    limiter._storage_dead = False


@pytest.mark.parametrize("path,field", [("/account/email", "password"),
                                        ("/account/password", "current_password")])
def test_wrong_current_passwords_are_throttled_per_person(app, client, auth, make, path,
                                                          field):
    user = make.user(make.org())
    auth.login(user.email)
    data = {"email": "x@example.no", "new_password": "sju grønne epler i kurven",
            field: "feil passord her"}
    statuses = [client.post(path, data={"csrf_token": auth.csrf(path), **data}).status_code
                for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    # Another person is not held back by it.
    other = make.user(make.org())
    second = app.test_client()
    from tests.conftest import Auth

    Auth(second).login(other.email)
    ok = second.post(path, data={"csrf_token": Auth(second).csrf(path), **data,
                                 field: Builders.password})
    assert ok.status_code == 302
