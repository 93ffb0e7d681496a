"""Throttling of login, registration and password reset: per client address across every
e-mail, per e-mail across addresses; X-Forwarded-For believed only for the configured
number of proxies; an unreachable Redis falls back to memory (the limits switched on for
every test here)."""

import logging
import re

import pytest

from app.extensions import limiter

PASSWORD = "feil passord!!"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "5 per minute",
            "REGISTER_RATE_LIMIT": "2 per minute", "PASSWORD_RESET_RATE_LIMIT": "4 per minute",
            "PASSWORD_RESET_EMAIL_RATE_LIMIT": "2 per minute"}


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    """The limiter is one object for the process: start every test with empty counters,
    and leave it believing its storage is alive (the Redis test marks it dead)."""
    limiter.reset()
    yield
    limiter._storage_dead = False


def _csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _login(client, email, password=PASSWORD, address=None, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    environ = {"REMOTE_ADDR": address} if address else {}
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": _csrf(client)},
                       headers=headers, environ_base=environ)


def test_spraying_many_emails_from_one_address_is_stopped(client):
    statuses = [_login(client, f"person{n}@example.no").status_code for n in range(7)]
    assert statuses == [422] * 5 + [429, 429]


def test_one_email_from_many_addresses_is_stopped(client, make):
    user = make.user(make.org())
    statuses = [_login(client, user.email, address=f"10.0.0.{n}").status_code
                for n in range(1, 6)]
    assert statuses == [422, 422, 422, 429, 429]
    # even the right password waits, from yet another address
    assert _login(client, user.email, make.password, address="10.0.9.9").status_code == 429


def test_successful_logins_do_not_use_up_the_address_limit(client, make):
    users = [make.user(make.org()) for _ in range(7)]
    for user in users:
        assert _login(client, user.email, make.password).status_code == 302
        client.post("/logout", data={"csrf_token": _csrf(client, "/")})


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client):
    statuses = [_login(client, f"p{n}@example.no", forwarded=f"203.0.113.{n}").status_code
                for n in range(6)]
    assert statuses[-1] == 429  # one bucket: the socket's address


@pytest.mark.parametrize("hops", [1])
def test_one_trusted_proxy_gives_each_client_its_own_bucket(app_config, hops):
    from app import create_app
    from tests.conftest import IsolatedClient

    application = create_app({**app_config, "TRUSTED_PROXY_HOPS": hops})
    application.test_client_class = IsolatedClient
    with application.app_context():
        client = application.test_client()
        # six clients behind the proxy, one attempt each: none is stopped
        statuses = [_login(client, f"q{n}@example.no", forwarded=f"203.0.113.{n}").status_code
                    for n in range(6)]
        assert 429 not in statuses
        # a client cannot pick its own address: only the proxy's (last) entry counts
        spoofed = [_login(client, f"r{n}@example.no",
                          forwarded=f"198.51.100.{n}, 192.0.2.77").status_code
                   for n in range(6)]
        assert spoofed == [422] * 5 + [429]


def test_registration_is_limited_per_address(client):
    statuses = [client.post("/register", data={"csrf_token": _csrf(client, "/register"),
                                               "email": f"reg{n}@example.no"}).status_code
                for n in range(3)]
    assert statuses == [422, 422, 429]


def test_password_reset_is_limited_per_email_and_per_address(client):
    def forgot(email, address="127.0.0.1"):
        return client.post("/password/forgot", data={
            "csrf_token": _csrf(client, "/password/forgot"), "email": email},
            environ_base={"REMOTE_ADDR": address}).status_code

    assert [forgot("en@example.no", f"10.1.0.{n}") for n in range(3)] == [302, 302, 429]
    assert [forgot(f"x{n}@example.no") for n in range(5)] == [302] * 4 + [429]


@pytest.fixture
def unreachable_redis(app_config):
    return {**app_config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}


def test_redis_down_logging_in_works_and_limits_hold_in_memory(unreachable_redis, make, caplog):
    """A real unreachable Redis address (nothing listens on port 1)."""
    from app import create_app
    from tests.conftest import IsolatedClient

    application = create_app(unreachable_redis)
    application.test_client_class = IsolatedClient
    with application.app_context(), caplog.at_level(logging.WARNING):
        client = application.test_client()
        user = make.user(make.org())
        assert _login(client, user.email, make.password).status_code == 302
        assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
        client.post("/logout", data={"csrf_token": _csrf(client, "/")})
        forgot = client.post("/password/forgot", data={
            "csrf_token": _csrf(client, "/password/forgot"), "email": user.email})
        assert forgot.status_code == 302
        statuses = [_login(client, user.email).status_code for _ in range(4)]
        assert statuses == [422, 422, 422, 429]  # the limits still apply, in memory
