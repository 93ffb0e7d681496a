"""Live stacks start from a copy of a migrated and seeded template (tests/e2e/stack.py):
the copy must be the stack a fresh seed on its own address would have given, and copies
must not share anything (database, mail, media, search)."""

from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa

from app.accounts.models import ApiToken, User
from app.db import db
from tests.e2e.stack import (
    LiveStack,
    StackPool,
    StackTemplate,
    replace_soft_broken,
    templates_enabled,
)


def test_an_address_split_by_a_quoted_printable_soft_break_is_replaced():
    text = "se http://127.0.0.1:43=\n210/listings/3 og http://127.0.0.1:43210/inbox\n"
    assert replace_soft_broken(text, "127.0.0.1:43210", "127.0.0.1:51999") == (
        "se http://127.0.0.1:51=\n999/listings/3 og http://127.0.0.1:51999/inbox\n")
    crlf = "http://127.0.0.1:4321=\r\n0/x"
    assert replace_soft_broken(crlf, "127.0.0.1:43210", "127.0.0.1:51999") == (
        "http://127.0.0.1:5199=\r\n9/x")
    assert replace_soft_broken("127.0.0.1:43211", "127.0.0.1:43210", "127.0.0.1:51999") == (
        "127.0.0.1:43211")


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    if not templates_enabled():
        pytest.skip("KRETSLOP_STACK_TEMPLATE=0: every stack migrates and seeds itself")
    first = LiveStack(tmp_path_factory.mktemp("copy-a"))  # KRETSLOP_TEST_STACK decides
    second = LiveStack(tmp_path_factory.mktemp("copy-b"), mode=first.mode)
    try:
        first.start()
        StackTemplate.for_stack(second).copy_into(second)  # a copy, not served
        yield first, second
    finally:
        first.stop()
        second.stop()


def _token(email: str, name: str = "test") -> str:
    from app.accounts.services import create_api_token
    from app.db import commit

    user = db.session.scalar(sa.select(User).where(User.email == email))
    _row, raw = create_api_token(user, name)
    commit()
    return raw


def _mail_texts(stack) -> list[str]:
    return [path.read_text(errors="replace") for path in (stack.tmp / "mail").glob("*.eml")]


def _outbox_payloads(stack) -> list[str]:
    engine = sa.create_engine(stack.env["DATABASE_URL"], poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [str(row[0]) for row in conn.exec_driver_sql(
                "SELECT payload FROM outbox_events")]
    finally:
        engine.dispose()


def test_a_copy_mails_and_queues_links_to_its_own_address(copies):
    first, second = copies
    template = StackTemplate.for_stack(first).stack
    for stack in (first, second):
        own = stack.url.removeprefix("http://")
        mails = _mail_texts(stack)
        assert mails, "the demo seed e-mails its members"
        assert any(own in text for text in mails)
        payloads = _outbox_payloads(stack)
        assert any(own in payload for payload in payloads)
        if template.url != stack.url:  # the template's port may come free again
            old = template.url.removeprefix("http://")
            assert not any(old in text.replace("=\n", "") for text in mails)
            assert not any(old in payload for payload in payloads)


def test_a_copy_serves_the_demo_data_and_its_members_can_sign_in(copies):
    first, _second = copies
    home = requests.get(first.url + "/", timeout=10)
    assert home.status_code == 200
    with first.app_beside():  # a token made on the copied database
        token = _token("kontor@demo.kretslop.no")
    me = requests.get(first.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                      timeout=10)
    assert me.status_code == 200
    assert me.json()["organizations"][0]["name"] == "Nesbru Kontorfellesskap AS"
    found = requests.get(first.url + "/api/v1/search", params={"q": "sofa"}, timeout=10)
    assert found.status_code == 200 and found.json()["hits"], "the copied index answers"


def test_copies_share_nothing(copies):
    first, second = copies
    assert first.env["DATABASE_URL"] != second.env["DATABASE_URL"]
    with first.app_beside():
        _token("kontor@demo.kretslop.no", name="bare i kopi A")
    with second.app_beside():
        names = db.session.scalars(sa.select(ApiToken.name)).all()
    assert "bare i kopi A" not in names, "a token made in one copy exists in the other"
    for folder in ("media", "search", "mail", "instance"):
        assert (first.tmp / folder).resolve() != (second.tmp / folder).resolve()
    (first.tmp / "mail" / "bare-i-a.eml").write_text("x")
    assert not (second.tmp / "mail" / "bare-i-a.eml").exists()


# --- reset: one stack's processes serve module after module (StackPool) ----------------


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _found(stack, words: str) -> list[int]:
    response = requests.get(stack.url + "/api/v1/search", params={"q": words}, timeout=10)
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["hits"]]


@pytest.fixture(scope="module")
def used_stack(tmp_path_factory):
    if not templates_enabled():
        pytest.skip("KRETSLOP_STACK_TEMPLATE=0: every stack migrates and seeds itself")
    with StackPool.lease(tmp_path_factory.mktemp("reset")) as stack:  # started or reset
        yield stack


def test_a_reset_stack_is_the_seeded_stack_again_with_fresh_processes(used_stack):
    """What a module leaves behind (a token, a published and indexed listing, a cached
    page that shows it, a file in the mail folder, jobs in the queue) is gone after
    ``reset()``; the port and the gunicorn master stay, the web workers are new forks."""
    stack = used_stack
    template_mail = sorted(p.name for p in (StackTemplate.for_stack(stack).stack.tmp / "mail")
                           .glob("*.eml"))
    token = stack.token("kontor@demo.kretslop.no")
    created = requests.post(stack.url + "/api/v1/listings", headers=_auth(token), timeout=10,
                            json={"title": "Tilbakestilt taburett", "category": "chair",
                                  "condition": "good", "quantity": 3, "unit": "pcs",
                                  "price_nok": 0, "postcode": "1394", "publish": True})
    assert created.status_code == 201, created.text
    listing_id = created.json()["id"]
    stack.wait_for(lambda: listing_id in _found(stack, "tilbakestilt taburett"))
    assert "Tilbakestilt taburett" in requests.get(stack.url + "/search?q=taburett",
                                                   timeout=10).text
    (stack.tmp / "mail" / "rest-fra-forrige-modul.eml").write_text("x")
    master, workers = stack.processes[0].pid, stack.web_worker_pids()

    assert stack.reset() is stack

    assert stack.processes[0].pid == master
    assert stack.web_worker_pids() and not set(workers) & set(stack.web_worker_pids())
    assert requests.get(stack.url + "/api/v1/me", headers=_auth(token),
                        timeout=10).status_code == 401, "the token was made after the seed"
    assert listing_id not in _found(stack, "tilbakestilt taburett")
    assert "Tilbakestilt taburett" not in requests.get(stack.url + "/search?q=taburett",
                                                       timeout=10).text
    assert sorted(p.name for p in (stack.tmp / "mail").glob("*.eml")) == template_mail
    again = stack.token("kontor@demo.kretslop.no")
    me = requests.get(stack.url + "/api/v1/me", headers=_auth(again), timeout=10)
    assert me.status_code == 200 and me.json()["email"] == "kontor@demo.kretslop.no"
    if stack.mode == "scale":  # the new job worker delivers what the served app writes
        assert stack.pending_events() == 0
        second = requests.post(stack.url + "/api/v1/listings", headers=_auth(again),
                               timeout=10, json={"title": "Andre taburett", "category": "chair",
                                                 "condition": "good", "quantity": 1,
                                                 "unit": "pcs", "price_nok": 0,
                                                 "postcode": "1394", "publish": True})
        assert second.status_code == 201, second.text
        stack.wait_for(lambda: second.json()["id"] in _found(stack, "andre taburett"))
