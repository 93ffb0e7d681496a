"""The production shape, end to end: gunicorn (2 workers) on PostgreSQL, RQ workers on
Redis in their own process, e-mail and search indexing driven by the outbox."""

import email
import email.policy

import pytest
import requests

from tests.e2e.stack import StackPool


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with StackPool.lease(tmp_path_factory.mktemp("scale"), mode="scale") as live:
        yield live


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_pages_and_api_are_served_by_gunicorn_on_postgres(stack):
    home = requests.get(stack.url + "/", timeout=10)
    assert home.status_code == 200
    assert '<html lang="nb">' in home.text
    token = stack.token("kontor@demo.kretslop.no")
    me = requests.get(stack.url + "/api/v1/me", headers=_auth(token), timeout=10).json()
    assert me["organizations"][0]["name"] == "Nesbru Kontorfellesskap AS"


def test_listing_published_through_the_api_is_indexed_by_the_worker(stack):
    token = stack.token("kontor@demo.kretslop.no")
    created = requests.post(stack.url + "/api/v1/listings", headers=_auth(token), timeout=10,
                            json={"title": "Hev-senk skrivebord Kinnarps, e2e", "category":
                                  "desk", "condition": "good", "quantity": 12,
                                  "unit": "pcs", "price_nok": 0, "postcode": "1394",
                                  "description": "Elektrisk hev-senk, 160x80.",
                                  "publish": True})
    assert created.status_code == 201, created.text
    listing_id = created.json()["id"]

    def found():
        response = requests.get(stack.url + "/api/v1/search", params={"q": "kinnarps e2e"},
                                timeout=10)
        return response.status_code == 200 and any(
            hit["id"] == listing_id for hit in response.json()["hits"])

    stack.wait_for(found, timeout=30)
    withdrawn = requests.post(stack.url + f"/api/v1/listings/{listing_id}/withdraw",
                              headers=_auth(token), timeout=10)
    assert withdrawn.status_code == 200
    stack.wait_for(lambda: not found(), timeout=30)


def test_mail_is_sent_by_the_worker_process(stack):
    stack.flask("users", "create", "ny.ansatt@demo.kretslop.no", "--password", "gjenbruk-stol-2026",
                "--org", "Miljøsofa Asker", "--org-kind", "reuse_shop", "--role", "member")
    session = requests.Session()
    login_page = session.get(stack.url + "/password/forgot", timeout=10).text
    csrf = login_page.split('name="csrf-token" content="')[1].split('"')[0]
    response = session.post(stack.url + "/password/forgot", timeout=10, data={
        "csrf_token": csrf, "email": "ny.ansatt@demo.kretslop.no"})
    assert response.status_code == 200

    mail_dir = stack.tmp / "mail"

    def delivered():
        files = list(mail_dir.glob("*.eml")) if mail_dir.exists() else []
        # The demo data has mail of its own (its waiting and accepted reservations).
        mine = [f for f in files if email.message_from_bytes(
            f.read_bytes(), policy=email.policy.default)["To"] == "ny.ansatt@demo.kretslop.no"]
        return mine or None

    [path] = stack.wait_for(delivered, timeout=30)
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "ny.ansatt@demo.kretslop.no"
    assert "passord" in message["Subject"].lower()


def test_a_change_shows_at_once_through_every_workers_page_cache(stack):
    """Each gunicorn worker keeps anonymous pages in its own memory; a change bumps the
    content generation in Redis that every worker reads, so none serves the old page."""
    token = stack.token("kontor@demo.kretslop.no")
    mine = requests.get(stack.url + "/api/v1/listings", headers=_auth(token), timeout=10,
                        params={"org": "mine", "status": "published"})
    assert mine.status_code == 200, mine.text
    path = f"/listings/{mine.json()['items'][0]['id']}"
    before = [requests.get(stack.url + path, timeout=10) for _ in range(8)]
    assert all(r.status_code == 200 and "Set-Cookie" not in r.headers for r in before)
    assert "hit" in {r.headers["X-Page-Cache"] for r in before}

    changed = requests.patch(stack.url + path.replace("/listings", "/api/v1/listings"),
                             headers=_auth(token), json={"title": "Endret tittel, e2e"},
                             timeout=10)
    assert changed.status_code == 200, changed.text
    after = [requests.get(stack.url + path, timeout=10) for _ in range(8)]
    assert all("Endret tittel, e2e" in r.text for r in after)
    assert "hit" in {r.headers["X-Page-Cache"] for r in after}  # kept again, new version
