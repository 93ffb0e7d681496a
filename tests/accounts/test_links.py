"""E-mailed links follow the served address when BASE_URL is not set (``PORT=5055 make
run``), also when the mail is delivered later by a retry outside any request."""

import re

import pytest

from app.db import commit, utcnow
from app.jobs import run_due
from app.outbox import PENDING, OutboxEvent
from tests.accounts import signup


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BASE_URL": None}


def _forgot(client, email, base_url, headers=None):
    html = client.get("/password/forgot", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    return client.post("/password/forgot", data={"csrf_token": token, "email": email},
                       base_url=base_url, headers=headers or {})


def _link(address) -> str:
    [message] = signup.mails_to(address)
    return re.search(r"(\S+)/password/reset/", signup.text_of(message)).group(1)


def test_reset_link_follows_the_served_port(client, make):
    user = make.user(make.org(), email="port@example.no")
    assert _forgot(client, user.email, "http://127.0.0.1:5055").status_code == 302
    assert _link(user.email) == "http://127.0.0.1:5055"


def test_invitation_link_follows_the_served_host(client, make):
    org = make.org()
    owner = make.user(org, "owner")
    base = "http://ombruk.local:8123"
    html = client.get("/login", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    client.post("/login", data={"email": owner.email, "password": make.password,
                                "csrf_token": token}, base_url=base)
    page = client.get(f"/organizations/{org.id}", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(f"/organizations/{org.id}", base_url=base, data={
        "csrf_token": token, "email": "ny@example.no", "role": "member"})
    assert response.status_code == 302
    [message] = signup.mails_to("ny@example.no")
    assert f"{base}/invitations/" in signup.text_of(message)


def test_a_retried_mail_keeps_the_address_it_was_queued_on(app, client, make, tmp_path):
    user = make.user(make.org(), email="senere@example.no")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens: it fails
    _forgot(client, user.email, "http://127.0.0.1:5056")
    assert signup.mails_to(user.email) == []
    app.config.update(MAIL_SERVER=None)
    event = OutboxEvent.query.filter_by(topic="mail.send", status=PENDING).one()
    assert event.attempts == 1
    event.next_attempt_at = utcnow()
    commit()
    assert run_due() == 1  # outside any request
    assert _link(user.email) == "http://127.0.0.1:5056"


def test_base_url_wins_when_set(app, client, make):
    app.config["BASE_URL"] = "https://ombruk.example.no/"
    user = make.user(make.org(), email="fast@example.no")
    _forgot(client, user.email, "http://127.0.0.1:5055")
    assert _link(user.email) == "https://ombruk.example.no"


@pytest.mark.parametrize(("hops", "expected"), [(0, "http://127.0.0.1:5057"),
                                                (1, "https://ombruk.example.no")])
def test_forwarded_host_is_believed_only_behind_trusted_proxies(app_config, make, hops,
                                                               expected):
    from app import create_app
    from tests.conftest import IsolatedClient

    application = create_app({**app_config, "TRUSTED_PROXY_HOPS": hops})
    application.test_client_class = IsolatedClient
    with application.app_context():
        user = make.user(make.org(), email=f"proxy{hops}@example.no")
        client = application.test_client()
        _forgot(client, user.email, "http://127.0.0.1:5057",
                headers={"X-Forwarded-Host": "ombruk.example.no",
                         "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
                         "Referer": "https://ombruk.example.no/password/forgot"})
        assert _link(user.email) == expected
