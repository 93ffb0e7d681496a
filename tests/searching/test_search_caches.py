"""The search page's per-process caches (app/searching/fragments.py): never stale, never
another viewer's or another language's, and they really save work.

The page cache is off in this module (``PAGE_CACHE_SECONDS=0``), so every page is
rendered and only the search page's own caches stand between the data and the HTML.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.db import commit, db
from app.listings import services
from app.listings.models import Category
from app.searching import fragments


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PAGE_CACHE_SECONDS": 0}


def _page(client, query: str) -> str:
    response = client.get(f"/search{query}")
    assert response.status_code == 200, response.status_code
    assert "X-Page-Cache" not in response.headers  # rendered, not a stored page
    return response.get_data(as_text=True)


def _cards(html: str) -> list[str]:
    return re.findall(r'<li class="listing-card search-card">.*?</li>', html, re.S)


def _map_json(html: str) -> str:
    match = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html,
                      re.S)
    assert match, "no result map on the page"
    return match.group(1)


class StatementCounter:
    """Counts the SQL statements sent to the database while it is active."""

    def __init__(self, engine) -> None:
        self.engine, self.statements = engine, []

    def _count(self, _conn, _cursor, statement, *_args) -> None:
        self.statements.append(statement)

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)


def test_an_edited_listing_shows_at_once_in_both_languages(app, client, new_listing):
    listing = new_listing(title="Kontorstol Håg", price_nok=0, quantity=4)
    # Without words there is no highlighted title in the key: only the document's values.
    search = "?category=office-chair&lang="
    for _ in range(2):  # the second rendering comes from the card cache
        nb, en = _page(client, search + "nb"), _page(client, search + "en")
    assert fragments.caches().cards.hits >= 2
    assert "Håg" in nb and "Gratis" in nb and "4 stk igjen" in nb
    assert "Håg" in en and "Free" in en and "Gratis" not in " ".join(_cards(en))

    services.update_listing(listing, {"title": "Kontorstol Savo"})
    commit()
    nb, en = _page(client, search + "nb"), _page(client, search + "en")
    for html in (nb, en):
        assert "Savo" in html and "Håg" not in html
        assert "Savo" in _map_json(html)  # the result map's markers too

    services.update_listing(listing, {"price_nok": 250, "quantity": 3})
    commit()
    nb, en = _page(client, search + "nb"), _page(client, search + "en")
    assert "kr 250 / stk" in nb and "3 stk igjen" in nb and "Gratis" not in _cards(nb)[0]
    assert "3 pcs left" in en and "Free" not in _cards(en)[0]
    # with words, the highlighted title is part of the card too
    assert "<mark>Kontorstol</mark> Savo" in _page(client, "?q=kontorstol&lang=nb")


def test_a_renamed_or_new_category_changes_the_facet_tree(app, client, new_listing):
    new_listing(title="Kontorstol", category="office-chair")
    html = _page(client, "?lang=nb")
    assert re.search(r"Kontorstol\w* <span class=\"count\">\(1\)", html)
    _page(client, "?lang=en")  # both languages are now cached for this generation

    chairs = db.session.scalar(sa.select(Category).filter_by(slug="office-chair"))
    chairs.name_nb, chairs.name_en = "Arbeidsstoler", "Work chairs"
    commit()
    assert "Arbeidsstoler <span class=\"count\">(1)</span>" in _page(client, "?lang=nb")
    assert "Work chairs <span class=\"count\">(1)</span>" in _page(client, "?lang=en")

    db.session.add(Category(slug="test-benches", name_nb="Testbenker",
                            name_en="Test benches", parent_id=chairs.parent_id,
                            eu_category=chairs.eu_category, sort_order=999))
    commit()
    new_listing(title="Benk i eik", category="test-benches", unit_weight_kg=12)
    assert "Testbenker <span class=\"count\">(1)</span>" in _page(client, "?lang=nb")
    assert 'value="test-benches"' in _page(client, "?q=benk&lang=nb")


def test_a_new_synonym_changes_results_and_facets(app, client, make, new_listing):
    from app.searching.synonyms import add_synonym

    new_listing(title="Sofa i skinn", category="sofa")
    before = _page(client, "?q=kanapé&lang=nb")
    assert "0 annonser" in before or "0 treff" in before
    assert 'value="sofa"' not in before
    admin = make.user(site_admin=True)
    add_synonym("kanapé", "sofa", "Kundene skriver kanapé", admin)
    commit()
    after = _page(client, "?q=kanapé&lang=nb")
    assert "1 treff" in after and "Sofa i skinn" in after
    assert re.search(r'value="sofa"[^>]*>\s*<label[^>]*>[^<]* <span class="count">\(1\)',
                     after)


def test_pages_of_different_people_and_languages_stay_apart(app, make, seller, new_listing):
    new_listing(title="Kontorstol", price_nok=0)
    # The same category name in both languages, so only the language tells the cards apart.
    chairs = db.session.scalar(sa.select(Category).filter_by(slug="office-chair"))
    chairs.name_en = chairs.name_nb
    commit()
    alice = make.user(seller.org, "member", name="Alfa Testesen")
    bob = make.user(seller.org, "member", name="Beta Testesen")
    pages = {}
    for who in (alice, bob, None):
        client = app.test_client()
        if who is not None:
            from tests.conftest import Auth

            Auth(client).login(who.email)
        pages[who and who.name] = (_page(client, "?q=kontorstol&lang=nb"),
                                   _page(client, "?q=kontorstol&lang=en"))
    assert fragments.caches().cards.hits >= 4  # the same cards served to all three
    for name, (nb, en) in pages.items():
        others = {"Alfa Testesen", "Beta Testesen"} - {name}
        assert not any(other in nb or other in en for other in others)
        if name:
            assert name in nb and name in en
            assert "Lagre søket som ønske" in nb and "Save search as a wanted request" in en
        else:
            assert "Lagre søket som ønske" not in nb
        assert "Gratis" in _cards(nb)[0] and "Free" in _cards(en)[0]
        assert "Gratis" not in _cards(en)[0]


def test_a_repeated_search_reads_nothing_from_the_database_and_builds_no_card(
        app, client, new_listing):
    for n in range(5):
        new_listing(title=f"Kontorstol {n}")
    _page(client, "?q=kontorstol")
    built = fragments.caches().cards.misses
    with StatementCounter(db.engine) as counter:
        html = _page(client, "?q=kontorstol")
        _page(client, "?q=kontorstol&sort=newest")  # other order, same cards
    assert len(_cards(html)) == 5
    assert counter.statements == []  # the categories came from the cache
    assert fragments.caches().cards.misses == built  # every card from the cache


def test_without_the_caches_each_page_reads_the_categories(app, client, new_listing):
    """The counter above is not blind: with the caches off, the same page asks the
    database for the categories every time (what the page did before the caches)."""
    app.config["SEARCH_FRAGMENT_CACHE"] = False
    new_listing(title="Kontorstol")
    _page(client, "?q=kontorstol")
    assert fragments.caches() is None
    with StatementCounter(db.engine) as counter:
        _page(client, "?q=kontorstol")
    assert any("FROM categories" in s for s in counter.statements)


def _count(html: str, name: str, value: str) -> str:
    match = re.search(rf'name="{name}" value="{value}"[^>]*>\s*<label[^>]*>[^<]*'
                      r'<span class="count">\((\d+)\)', html)
    assert match, (name, value)
    return match.group(1)


def test_the_filter_panel_follows_counts_and_language(app, client, new_listing):
    new_listing(title="Kontorstol A", condition="good")
    nb = _page(client, "?q=kontorstol&lang=nb")
    hits = fragments.caches().panels.hits
    _page(client, "?q=kontorstol&sort=newest&lang=nb")  # same panel: from the cache
    assert fragments.caches().panels.hits == hits + 1
    assert _count(nb, "condition", "good") == "1" and "Alle kategorier" in nb

    new_listing(title="Kontorstol B", condition="good")
    nb = _page(client, "?q=kontorstol&lang=nb")
    assert _count(nb, "condition", "good") == "2"
    assert _count(nb, "category", "office-chair") == "2"
    en = _page(client, "?q=kontorstol&lang=en")
    assert "All categories" in en and "Alle kategorier" not in en
    checked = _page(client, "?q=kontorstol&condition=good&lang=nb")
    assert re.search(r'name="condition" value="good" checked', checked)
    assert "(1 valgt)" in checked


def test_a_repeated_api_search_with_a_category_sends_no_sql(app, client, new_listing):
    new_listing(title="Kontorstol", category="office-chair")
    path = "/api/v1/search?q=kontorstol&category=office-chair"
    assert client.get(path).get_json()["total"] == 1
    with StatementCounter(db.engine) as counter:
        assert client.get(path).get_json()["total"] == 1
        assert client.get("/api/v1/search?category=nope").status_code == 422
    assert counter.statements == []  # the slugs came from the per-generation cache
    db.session.add(Category(slug="test-benches", name_nb="Testbenker",
                            name_en="Test benches", parent_id=None, eu_category="other",
                            sort_order=999))
    commit()
    assert client.get("/api/v1/search?category=test-benches").status_code == 200


class TestAcrossProcesses:
    """With REDIS_URL set, the generation lives in Redis: a commit in another process
    (a worker, another web process) invalidates this process's category tree."""

    @pytest.fixture
    def app_config(self, app_config):
        from redis import Redis
        from redis.exceptions import ConnectionError as RedisDown

        from tests.conftest import REDIS_URL, service_missing

        try:
            Redis.from_url(REDIS_URL).ping()
        except RedisDown as exc:
            service_missing(f"Redis at {REDIS_URL} is not reachable: {exc}")
        return {**app_config, "REDIS_URL": REDIS_URL}

    def test_another_process_commit_renews_the_categories(self, app, client, new_listing):
        from app.pagecache import RedisGeneration
        from tests.conftest import REDIS_URL

        new_listing(title="Kontorstol", category="office-chair")
        _page(client, "?lang=nb")
        hits = fragments.caches().categories.hits
        _page(client, "?lang=nb")
        assert fragments.caches().categories.hits > hits  # this process's tree is used
        # Another process renames the category (written around this process's ORM) ...
        db.session.connection().exec_driver_sql(
            "UPDATE categories SET name_nb = 'Arbeidsstoler' WHERE slug = 'office-chair'")
        db.session.commit()
        RedisGeneration(REDIS_URL).bump()  # ... and its commit bumps the generation
        assert "Arbeidsstoler <span class=\"count\">(1)</span>" in _page(client, "?lang=nb")


def test_whole_numbers_are_written_as_formatting_writes_them(app):
    """The cards' fast path for whole numbers gives exactly formatting.number's text."""
    import random

    from app import formatting
    from app.searching.results import whole_number

    rng = random.Random(19)
    values = [*range(0, 2100), *(10**k + d for k in range(3, 15) for d in (-1, 0, 1)),
              *(rng.randrange(10**k) for k in range(4, 15) for _ in range(200)),
              12.0, 1500.0, 0.0, 2.5, 0.125, 1234.5, -3, -1500, 10**15, 10**16]
    for locale in ("nb", "en"):
        for value in values:
            assert whole_number(value, locale) == formatting.number(value, locale=locale)
        for kroner in values[:3000:7]:
            if isinstance(kroner, int) and kroner >= 0:
                assert whole_number(kroner, locale) == formatting.money(
                    kroner * 100, decimals=False, locale=locale)
