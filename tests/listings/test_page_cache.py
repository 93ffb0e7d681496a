"""The rendered-page cache for anonymous visitors (app/pagecache.py): what it serves, to
whom, and that every write makes it render again."""

from __future__ import annotations

import time

import pytest

from app.pagecache import FileGeneration, PageCache, RedisGeneration
from tests.conftest import REDIS_URL, service_missing


def _anonymous(app):
    return app.test_client(use_cookies=False)


def test_anonymous_visitors_get_the_stored_page_without_a_cookie(app, make_listing):
    listing = make_listing(publish=True, title="Konferansebord i eik")
    visitor = _anonymous(app)
    first = visitor.get(f"/listings/{listing['id']}")
    second = visitor.get(f"/listings/{listing['id']}")
    assert first.headers["X-Page-Cache"] == "miss"
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    assert "Konferansebord i eik" in second.get_data(as_text=True)
    for response in (first, second):
        assert "Set-Cookie" not in response.headers
        assert "csrf" not in response.get_data(as_text=True)
        assert "Cookie" in response.headers["Vary"]
        # the security headers are added to a stored page as to a rendered one
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_change_to_the_listing_shows_at_once(app, make_listing, api):
    listing = make_listing(publish=True, title="Reolsystem, galvanisert")
    visitor = _anonymous(app)
    visitor.get(f"/listings/{listing['id']}")
    assert visitor.get(f"/listings/{listing['id']}").headers["X-Page-Cache"] == "hit"

    assert api.patch(f"/listings/{listing['id']}",
                     json={"title": "Reolsystem, lakkert"}).status_code == 200
    page = visitor.get(f"/listings/{listing['id']}")
    assert page.headers["X-Page-Cache"] == "miss"
    assert "Reolsystem, lakkert" in page.get_data(as_text=True)

    assert api.post(f"/listings/{listing['id']}/withdraw").status_code == 200
    assert visitor.get(f"/listings/{listing['id']}").status_code == 404


def test_a_new_listing_appears_in_the_cached_browse_page(app, make_listing):
    visitor = _anonymous(app)
    visitor.get("/listings")
    assert visitor.get("/listings").headers["X-Page-Cache"] == "hit"
    make_listing(publish=True, title="Helt ny garderobeskap")
    assert "Helt ny garderobeskap" in visitor.get("/listings").get_data(as_text=True)


def test_a_write_around_the_orm_invalidates_too(app, runner):
    """The roll-up rebuild writes on the session's connection, not through the ORM."""
    visitor = _anonymous(app)
    visitor.get("/ombruk-i-tall")
    assert visitor.get("/ombruk-i-tall").headers["X-Page-Cache"] == "hit"
    result = runner.invoke(args=["reports", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert visitor.get("/ombruk-i-tall").headers["X-Page-Cache"] == "miss"


def test_logged_in_people_always_get_their_own_page(app, client, auth, owner, make_listing):
    listing = make_listing(publish=True)
    visitor = _anonymous(app)
    visitor.get(f"/listings/{listing['id']}")
    auth.login(owner.user.email)
    page = client.get(f"/listings/{listing['id']}")
    assert "X-Page-Cache" not in page.headers
    html = page.get_data(as_text=True)
    assert "Endre annonsen" in html and 'name="csrf-token"' in html
    assert client.get(f"/listings/{listing['id']}").headers.get("X-Page-Cache") is None


def test_each_language_has_its_own_page(app, make_listing):
    listing = make_listing(publish=True)
    norwegian = _anonymous(app)
    norwegian.get(f"/listings/{listing['id']}")
    assert norwegian.get(f"/listings/{listing['id']}").headers["X-Page-Cache"] == "hit"

    english = app.test_client()
    english.post("/language", data={"lang": "en", "next": "/"})
    first = english.get(f"/listings/{listing['id']}")
    assert '<html lang="en">' in first.get_data(as_text=True)
    again = english.get(f"/listings/{listing['id']}")
    assert again.headers["X-Page-Cache"] == "hit"
    assert '<html lang="en">' in again.get_data(as_text=True)
    assert '<html lang="nb">' in norwegian.get(
        f"/listings/{listing['id']}").get_data(as_text=True)


def test_a_waiting_flash_message_is_shown_not_a_stored_page(app, client, make_listing):
    make_listing(publish=True)
    client.get("/listings")
    assert client.get("/listings").headers["X-Page-Cache"] == "hit"
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Takk for besøket")]
    page = client.get("/listings")
    assert "Takk for besøket" in page.get_data(as_text=True)
    assert page.headers.get("X-Page-Cache") != "hit"


def test_pages_with_forms_are_never_stored(app):
    visitor = _anonymous(app)
    for _ in range(2):
        page = visitor.get("/login")
        assert "X-Page-Cache" not in page.headers
        assert 'name="csrf_token"' in page.get_data(as_text=True)


def test_stored_pages_expire(app_config, make_listing):
    from app import create_app

    application = create_app({**app_config, "PAGE_CACHE_SECONDS": 0.2})
    with application.app_context():
        visitor = application.test_client(use_cookies=False)
        assert visitor.get("/ombruk-i-tall").headers["X-Page-Cache"] == "miss"
        assert visitor.get("/ombruk-i-tall").headers["X-Page-Cache"] == "hit"
        time.sleep(0.3)
        assert visitor.get("/ombruk-i-tall").headers["X-Page-Cache"] == "miss"


def test_switched_off_by_configuration(app_config):
    from app import create_app

    application = create_app({**app_config, "PAGE_CACHE_SECONDS": 0})
    with application.app_context():
        visitor = application.test_client(use_cookies=False)
        assert "X-Page-Cache" not in visitor.get("/").headers
    assert "page_cache" not in application.extensions


def test_the_store_is_bounded():
    class Fixed:
        def current(self):
            return 1

    cache = PageCache(Fixed(), seconds=60, entries=3)
    for n in range(5):
        cache.put((1, "nb", f"/p{n}"), 200, "text/html", b"x")
    assert len(cache) == 3
    assert cache.get((1, "nb", "/p0")) is None
    assert cache.get((1, "nb", "/p4")) == (200, "text/html", b"x")


def test_file_generation_is_shared_by_processes_of_one_machine(tmp_path):
    one, other = FileGeneration(tmp_path / "gen"), FileGeneration(tmp_path / "gen")
    assert one.current() == 0
    seen = set()
    for _ in range(20):  # bumps in quick succession still give new numbers
        one.bump()
        seen.add(other.current())
    assert len(seen) == 20


def test_redis_generation_is_shared_by_every_process():
    """Two generation objects stand for two web processes sharing one Redis."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(REDIS_URL).ping()
    except RedisDown as exc:
        service_missing(f"Redis at {REDIS_URL} is not reachable: {exc}")
    one, other = RedisGeneration(REDIS_URL), RedisGeneration(REDIS_URL)
    before = other.current()
    one.bump()
    assert other.current() == before + 1


class TestAcrossProcesses:
    """With REDIS_URL set, the generation lives in Redis, where every web and worker
    process of a deployment reads it: a commit in one invalidates the pages of all."""

    @pytest.fixture
    def app_config(self, app_config):
        from redis import Redis
        from redis.exceptions import ConnectionError as RedisDown

        try:
            Redis.from_url(REDIS_URL).ping()
        except RedisDown as exc:
            service_missing(f"Redis at {REDIS_URL} is not reachable: {exc}")
        return {**app_config, "REDIS_URL": REDIS_URL}

    def test_a_commit_bumps_the_generation_other_processes_read(self, app, make_listing):
        assert isinstance(app.extensions["page_cache"].generation, RedisGeneration)
        another_process = RedisGeneration(REDIS_URL)
        before = another_process.current()
        listing = make_listing(publish=True, title="Kontorstoler, 40 stk")
        after = another_process.current()
        assert after > before
        visitor = _anonymous(app)
        visitor.get(f"/listings/{listing['id']}")
        assert visitor.get(f"/listings/{listing['id']}").headers["X-Page-Cache"] == "hit"
        assert another_process.current() == after  # reading pages writes nothing
        another_process.bump()  # a worker's commit, say
        assert visitor.get(f"/listings/{listing['id']}").headers["X-Page-Cache"] == "miss"
