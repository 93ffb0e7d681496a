"""Site-wide behaviour: security headers, cookies, language switch, error pages."""



def test_security_headers_and_csp_without_third_party_scripts(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    # The one third-party origin is the map tile host, for images only (app/maps.py).
    assert [d for d, v in directives.items() if "https://" in v] == ["img-src"]
    assert directives["img-src"] == "'self' data: blob: https://cache.kartverket.no"
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_flags(app, client, make, auth):
    app.config["SESSION_COOKIE_SECURE"] = True
    user = make.user(make.org())
    token = auth.csrf()
    response = client.post("/login", data={"email": user.email, "password": make.password,
                                           "csrf_token": token})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_language_switch_to_english_and_back(client):
    """The switch needs no CSRF token (a display preference), so that anonymous public
    pages carry no session-bound token and can be served from the page cache."""
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html or "Log in" in html
    client.post("/language", data={"lang": "nb", "next": "https://evil.example"})
    assert '<html lang="nb">' in client.get("/").get_data(as_text=True)


def test_error_pages_html_and_json(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "Finnes ikke" in page.get_data(as_text=True)
    assert page.mimetype == "text/html"
    as_json = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert as_json.status_code == 404
    assert as_json.mimetype == "application/problem+json"


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
