"""Who sees what: the reporting area and its API only for municipality members and site
admins (others 403, anonymous 401 / login), "our impact" for every member (own
organisations only), public figures and open data for everyone."""

import pytest

from tests.conftest import bearer

INTERNAL_PAGES = ("/reporting", "/reporting?period=month&year=2026&month=3",
                  "/reporting/download?table=all&format=xlsx",
                  "/reporting/download?table=district&format=csv",
                  "/reporting/download?table=records&format=csv")
API = ("/api/v1/reports/reuse", "/api/v1/reports/reuse?group_by=organization&format=csv",
       "/api/v1/reports/eu-2021-19?year=2026", "/api/v1/reports/records?format=csv")
PUBLIC = ("/ombruk-i-tall", "/open-data/reuse.jsonld", "/open-data/reuse-eu_category.csv",
          "/open-data/reuse-district.json")


@pytest.mark.parametrize("path", INTERNAL_PAGES)
def test_internal_pages_need_login(client, people, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["member", "outsider", "shop"])
@pytest.mark.parametrize("path", INTERNAL_PAGES)
def test_internal_pages_refuse_other_organisations(client, auth, people, who, path):
    auth.login(getattr(people, who).email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("who", ["officer", "admin"])
@pytest.mark.parametrize("path", INTERNAL_PAGES)
def test_internal_pages_for_municipality_and_site_admins(client, auth, people, who, path):
    auth.login(getattr(people, who).email)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", API)
def test_api_anonymous_401(api, people, path):
    response = api.get(path[len("/api/v1"):])
    assert response.status_code == 401


@pytest.mark.parametrize("who", ["member", "outsider"])
@pytest.mark.parametrize("path", API)
def test_api_other_organisations_403(api, people, who, path):
    response = api.get(path[len("/api/v1"):], people.tokens[who])
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("who", ["officer", "admin"])
@pytest.mark.parametrize("path", API)
def test_api_for_municipality_and_site_admins(client, people, who, path):
    response = client.get(path, headers=bearer(people.tokens[who]))
    assert response.status_code == 200


def test_api_with_the_browser_session(client, auth, people):
    auth.login(people.officer.email)
    assert client.get("/api/v1/reports/reuse").status_code == 200
    auth.logout()
    auth.login(people.member.email)
    assert client.get("/api/v1/reports/reuse").status_code == 403


@pytest.mark.parametrize("path", PUBLIC)
def test_public_figures_for_everyone(client, people, path):
    assert client.get(path).status_code == 200


def test_our_impact_needs_login(client, people):
    response = client.get("/reporting/mine")
    assert response.status_code == 302


def test_our_impact_shows_only_own_organisations(client, auth, people, ledger):
    ledger.handover(giver="business", receiver="reuse_shop", kg="2300.000")
    ledger.handover(giver="business2", receiver="reuse_shop", kg="999.000")
    auth.login(people.member.email)
    html = client.get("/reporting/mine").get_data(as_text=True)
    assert "Test business" in html and "Nesbru Bygg AS" not in html
    assert "Organisasjonen deres har ombrukt 2,3\u00a0t i år" in html
    auth.logout()
    auth.login(people.shop.email)
    html = client.get("/reporting/mine").get_data(as_text=True)
    assert "Test reuse_shop" in html and "Test business" not in html
    assert "tatt imot 3,3\u00a0t" in html


def test_navigation_links(client, auth, people):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/ombruk-i-tall"' in html and 'href="/reporting"' not in html
    auth.login(people.member.email)
    assert 'href="/reporting"' not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(people.officer.email)
    assert 'href="/reporting"' in client.get("/").get_data(as_text=True)
