"""The service's own pages (Om tjenesten, Kontakt, Personvern, Vilkår, Tilgjengelighet) in
both languages, with the operator from configuration; the feedback form e-mails the
operator through a real SMTP server and is throttled."""

import re

import pytest

from app.pages import accessibility
from tests.mailserver import body_of

PAGES = {
    "/om": ("Om Kretsløp", "About Kretsløp"),
    "/kontakt": ("Kontakt oss", "Contact us"),
    "/personvern": ("Personvernerklæring for Kretsløp", "Privacy notice for Kretsløp"),
    "/vilkar": ("Vilkår for bruk av Kretsløp", "Terms of use for Kretsløp"),
    "/tilgjengelighet": ("Tilgjengelighetserklæring for Kretsløp",
                         "Accessibility statement for Kretsløp"),
}
OPERATOR = {"OPERATOR_NAME": "Testvik kommune", "OPERATOR_EMAIL": "ombruk@testvik.example",
            "OPERATOR_ORGNR": "974760673"}


@pytest.fixture
def app_config(app_config, smtp, request):
    limits = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
              "FEEDBACK_RATE_LIMIT": "2 per minute"} if "throttled" in request.node.name else {}
    return {**app_config, **OPERATOR, **limits, "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port, "RETENTION_MESSAGE_DAYS": 401,
            "RETENTION_INACTIVE_ACCOUNT_DAYS": 1201, "DATA_EXPORT_TTL_HOURS": 49}


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _h1(html):
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_in_both_languages_names_the_operator(client, path, lang):
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    assert _h1(html) == PAGES[path][0 if lang == "nb" else 1]
    assert "Testvik kommune" in html
    assert 'href="mailto:ombruk@testvik.example"' in html


def test_operator_details_and_organisation_number(client):
    html = client.get("/kontakt").get_data(as_text=True)
    assert "974760673" in html and 'href="mailto:ombruk@testvik.example"' in html


def test_privacy_notice_has_retention_from_config_cookies_and_rights(client, auth, make):
    html = client.get("/personvern").get_data(as_text=True)
    assert "etter 401 dager" in html
    assert re.search(r"brukt på 1\W?201 dager", html)  # formatted as a number
    assert "i 49 timer" in html
    for cookie in ("<code>session</code>", "<code>remember_token</code>"):
        assert cookie in html
    assert "samtykkebanner" in html and "datatilsynet.no" in html
    for part in ("Stripe", "Enhetsregisteret", "regnskapet holder organisasjoner"):
        assert part in html
    assert 'href="/account/data"' in html  # "Mine data"
    english = client.get("/personvern?lang=en").get_data(as_text=True)
    assert "after 401 days" in english and "consent banner" in english


def test_the_cookie_table_names_every_cookie_the_app_sets(app, client, auth, make):
    """Log in with "Husk meg", change language, send a form: every cookie set on the way
    is named in the privacy notice."""
    user = make.user(make.org())
    seen = set()

    def collect(response):
        for header in response.headers.getlist("Set-Cookie"):
            seen.add(header.split("=", 1)[0])

    collect(client.get("/"))
    collect(client.post("/login", data={"email": user.email, "password": make.password,
                                        "remember": "y", "csrf_token": auth.csrf()}))
    collect(client.post("/language", data={"lang": "en", "csrf_token": auth.csrf("/")}))
    collect(client.get("/account/profile"))
    html = client.get("/personvern?lang=nb").get_data(as_text=True)
    assert {"session", "remember_token"} <= seen, seen
    for name in seen:
        assert f"<code>{name}</code>" in html


def test_statement_lists_exactly_the_pages_the_browser_test_checks(client):
    browser = pytest.importorskip("tests.browser.test_accessibility")
    tested = browser.PUBLIC_PAGES + browser.SIGNED_IN_PAGES + browser.ADMIN_PAGES
    assert accessibility.tested_paths() == tested
    html = client.get("/tilgjengelighet").get_data(as_text=True)
    listed = re.findall(r'<li data-path="([^"]+)"', html)
    assert [p.replace("&amp;", "&") for p in listed] == tested
    assert accessibility.REVIEWED.isoformat() in html
    assert "uutilsynet.no" in html


def test_about_links_the_emission_factors_and_reuse_in_numbers(client):
    html = client.get("/om").get_data(as_text=True)
    assert 'href="/emission-factors"' in html and 'href="/ombruk-i-tall"' in html


@pytest.mark.parametrize("path", ["/kontakt", "/tilgjengelighet"])
def test_feedback_is_mailed_to_the_operator(client, smtp, path):
    response = client.post(path, data={
        "csrf_token": _csrf(client, path), "name": "Per", "email": "per@example.no",
        "page": "/listings/12", "message": "Knappen «Reserver» kan ikke nås med tastatur."})
    assert response.status_code == 302 and response.location.endswith(path + "#feedback")
    [message] = smtp.wait_for(1)
    assert message["To"] == "ombruk@testvik.example"
    assert message["Subject"].startswith("Tilbakemelding fra Kretsløp")
    body = body_of(message)
    for part in ("Per", "per@example.no", "/listings/12", "kan ikke nås med tastatur"):
        assert part in body
    assert "Meldingen er sendt til Testvik kommune" in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("data,field", [
    ({"message": ""}, "Skriv en melding."),
    ({"message": "hei", "email": "ikke-epost"}, "Ugyldig e-postadresse."),
    ({"message": "x" * 5001}, "5000"),
])
def test_bad_feedback_is_422_and_sends_nothing(client, smtp, data, field):
    response = client.post("/tilgjengelighet",
                           data={"csrf_token": _csrf(client, "/tilgjengelighet"), **data})
    assert response.status_code == 422
    assert field in response.get_data(as_text=True)
    assert smtp.wait_for(1, timeout=0.3) == []


def test_feedback_without_the_form_token_is_refused(client, smtp):
    response = client.post("/kontakt", data={"message": "hei"})
    assert response.status_code == 400
    assert smtp.wait_for(1, timeout=0.3) == []


def test_feedback_is_throttled_per_client_address(client, smtp):
    from app.extensions import limiter

    limiter.reset()
    statuses = [client.post("/kontakt", data={"csrf_token": _csrf(client, "/kontakt"),
                                              "message": f"Melding {n}"}).status_code
                for n in range(3)]
    assert statuses == [302, 302, 429]
    assert len(smtp.wait_for(2)) == 2
    limiter.reset()
    limiter._storage_dead = False


def test_the_footer_links_every_page(client):
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index('<ul class="footer-links">'):]
    for path in PAGES:
        assert f'href="{path}"' in footer, path
    for path in PAGES:  # and each page answers
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("data", [{"message": "hei\x00"}, {"message": "hei", "name": "a\nb"},
                                  {"message": "hei", "page": "a\r\nBcc: x@y.no"}])
def test_nul_and_line_breaks_in_feedback_are_422(client, smtp, data):
    response = client.post("/kontakt", data={"csrf_token": _csrf(client, "/kontakt"), **data})
    assert response.status_code == 422
    assert smtp.wait_for(1, timeout=0.3) == []


def test_remember_cookie_lifetime_comes_from_configuration(app, client):
    from datetime import timedelta

    assert "365 dager" in client.get("/personvern").get_data(as_text=True).replace("\xa0", " ")
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=30)
    # (another query string: the anonymous page above is in the page cache)
    html = client.get("/personvern?v=2").get_data(as_text=True)
    assert "30 dager, eller til du logger ut" in html
