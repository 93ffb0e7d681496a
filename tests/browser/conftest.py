"""Browser tests: Playwright driving Debian's Chromium against a live Kretsløp.

Chromium comes from Debian (``apt-get install chromium``; Playwright's own browser
download does not work here) and axe-core from npm (``npm ci --prefix tests/browser``).
Screenshots are kept under ``test-artifacts/screenshots/``.

The live server is the shape ``KRETSLOP_TEST_STACK`` names (``tests/e2e/stack.py``): the
embedded one by default, gunicorn x2 on PostgreSQL with an RQ worker in CI's second
pass. There the worker's side effects (search, matches, mail) arrive a moment after the
request that caused them; a journey waits for them as a user would, by reloading the
page until they show (:func:`reload_until_visible`), never by sleeping.
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, service_missing
from tests.e2e.stack import StackPool

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        service_missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - it is a test dependency
        service_missing("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The module's live stack (``KRETSLOP_TEST_STACK`` decides its shape): the test
    process's stack of that kind, reset to the seeded state the module before left it in
    (:class:`tests.e2e.stack.StackPool`)."""
    with leased_stack(tmp_path_factory.mktemp("live")) as stack:
        yield stack


@contextmanager
def leased_stack(tmp: Path, **kwargs):
    """A stack from the pool, with no TOTP step remembered as used on it: a reset stack
    has the template's database, where no code has been used yet."""
    with StackPool.lease(tmp, **kwargs) as stack:
        for key in [key for key in _USED_STEPS if key[0] == stack.url]:
            del _USED_STEPS[key]
        yield stack


@pytest.fixture
def page(browser, live, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO",
                                  base_url=live.url)
    block_map_tiles(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def block_map_tiles(context) -> None:
    """Tests run offline: the maps' tile requests (MAP_TILE_URL, Kartverket by default)
    are aborted in the browser; the maps draw their markers without tiles."""
    from app.config import MAP_TILE_URL_DEFAULT
    from app.maps import tile_origins

    for origin in tile_origins(os.environ.get("MAP_TILE_URL", MAP_TILE_URL_DEFAULT)):
        context.route(origin + "/**", lambda route: route.abort())


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in the page; return the violations of the given impacts."""
    if not AXE.exists():
        service_missing(f"axe-core is not installed ({AXE}); run npm ci --prefix tests/browser")
    # Served to the page by the test (not by the app): the CSP allows only our own
    # scripts, so inject through the DevTools protocol rather than a <script src>.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in impacts
    ]


def login(page, email: str, password: str = "kretslop-demo") -> None:
    page.goto("/login")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    pass_two_factor(page)
    page.wait_for_url("**/")


#: TOTP time steps already given per (server, secret): the server refuses a code twice.
_USED_STEPS: dict[tuple[str, str], set[int]] = {}


def totp_code(page, secret: str) -> str:
    """A TOTP code for ``secret`` the live server has not seen yet: this step or the next
    (if both were used, waiting for a free one). Never the step before: the server
    accepts one step either side of its own, so a code for the previous step typed near
    a step's end arrives two steps late on a loaded machine and is refused (seen once in
    CI's PostgreSQL pass: the admin stayed on the two-factor page)."""
    from urllib.parse import urlsplit

    import pyotp

    from app.db import utcnow

    parts = urlsplit(page.url)  # one server's record of used steps, whichever page we're on
    origin = f"{parts.scheme}://{parts.netloc}"
    used = _USED_STEPS.setdefault((origin, secret), set())
    totp = pyotp.TOTP(secret)
    while True:
        now = totp.timecode(utcnow())
        free = [s for s in (now, now + 1) if s not in used and s > max(used, default=0)]
        if free:
            used.add(free[0])
            return totp.generate_otp(free[0])
        time.sleep(1)  # a code can be used once: the next one comes within 30 s


def pass_two_factor(page, secret: str | None = None) -> None:
    """On the second sign-in step, type a code (the demo admin's key by default)."""
    if "/login/two-factor" not in page.url:
        return
    from app.demo import DEMO_TOTP_SECRET

    page.get_by_label("Kode", exact=True).fill(totp_code(page, secret or DEMO_TOTP_SECRET))
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()


def reload_until_visible(page, locator, timeout: float = 30) -> None:
    """Reload ``page`` until ``locator`` is visible, at most ``timeout`` seconds.

    For side effects done by the job worker in the scale stack (a match in the inbox,
    a listing in search): the user reloads until it shows. In the embedded stack the
    job ran before the response, so the first look succeeds."""
    from playwright.sync_api import expect

    deadline = time.monotonic() + timeout
    while True:
        try:
            expect(locator).to_be_visible(timeout=1_000)
            return
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        page.reload()


def popup_shown(page) -> None:
    """Wait for a map popup's fade-in to end (axe measures contrast while it fades), with
    no earlier popup still fading out."""
    page.wait_for_function("() => { const p = document.querySelectorAll('.leaflet-popup');"
                           " return p.length === 1 && getComputedStyle(p[0]).opacity === '1'; }")
