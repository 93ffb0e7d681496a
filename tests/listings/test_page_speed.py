"""Session 6 speed work on the listing page (issue #19): the viewer-independent fragments
(app/fragments.py), the one-query user loader and Jinja imports without rework. Every
cache here is checked for invalidation and for separation by viewer and language; the
statement counts fail on the code before (10 SELECTs logged in, 3 anonymous)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import g, render_template_string

from app.db import db
from app.fragments import EXTENSION, _note_generation
from app.pagecache import WROTE
from tests.conftest import Auth


def _store(app):
    return app.extensions[EXTENSION]


def _logged_in(app, user):
    client = app.test_client()
    response = Auth(client).login(user.email)
    assert response.status_code == 302
    return client


def _text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


class Statements:
    """SELECT statements sent to the database while the block runs (a real listener)."""

    def __init__(self):
        self.selects: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            self.selects.append(" ".join(statement.split()))

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self)


@pytest.fixture
def listing(make_listing):
    return make_listing(publish=True, title="Konferansebord i eik",
                        description="Eikefiner, lite brukt", material="Eik")


def test_an_edit_shows_at_once_to_a_logged_in_viewer(app, listing, other, api):
    member = _logged_in(app, other.user)
    path = f"/listings/{listing['id']}"
    first = _text(member.get(path))
    hits = _store(app).hits
    second = _text(member.get(path))
    assert _store(app).hits >= hits + 2  # both fragments came from the store
    assert "Eikefiner, lite brukt" in second and "<dd>Eik</dd>" in second
    assert second.count("listing-facts") == first.count("listing-facts")

    assert api.patch(path, json={"description": "Bjørkefiner, som ny",
                                 "material": "Bjørk"}).status_code == 200
    third = _text(member.get(path))
    assert "Bjørkefiner, som ny" in third and "<dd>Bjørk</dd>" in third
    assert "Eikefiner" not in third and "<dd>Eik</dd>" not in third


def test_each_language_gets_its_own_fragments(app, listing, other):
    member = _logged_in(app, other.user)
    path = f"/listings/{listing['id']}"
    for _ in range(2):  # the second time from the store
        norsk = _text(member.get(path + "?lang=nb"))
        assert "<h2>Beskrivelse</h2>" in norsk and "<dt>Materiale</dt>" in norsk
        english = _text(member.get(path + "?lang=en"))
        assert "<h2>Description</h2>" in english and "<dt>Material</dt>" in english
        assert "Beskrivelse" not in english and "Materiale" not in english


def test_owner_member_and_anonymous_see_their_own_controls(app, listing, owner, other):
    path = f"/listings/{listing['id']}"
    owner_client, member_client = _logged_in(app, owner.user), _logged_in(app, other.user)
    owner_page = _text(owner_client.get(path))  # renders the fragments
    hits = _store(app).hits
    member_page = _text(member_client.get(path))
    anonymous_page = _text(app.test_client().get(path + "?lang=nb"))  # not the page cache
    assert _store(app).hits >= hits + 4  # the others got the owner's fragments

    assert "Endre annonsen" in owner_page and "Rapporter annonse" not in owner_page
    assert "Endre annonsen" not in member_page and "Rapporter annonse" in member_page
    assert "Endre annonsen" not in anonymous_page and "Rapporter annonse" not in anonymous_page
    assert owner.user.name in owner_page and owner.user.name not in member_page
    assert other.user.name in member_page and other.user.name not in anonymous_page
    for page in (owner_page, member_page, anonymous_page):
        assert "Eikefiner, lite brukt" in page and "<dd>Eik</dd>" in page
    tokens = {page: re.findall(r'name="csrf_token" value="([^"]+)"', page)
              for page in (owner_page, member_page)}
    assert not set(tokens[owner_page]) & set(tokens[member_page])


def test_a_fragment_with_a_csrf_token_is_never_kept(app):
    template = ('{% call cached_fragment("test-token", 1) %}<input value="{{ csrf_token() }}">'
                '{% endcall %}{% call cached_fragment("test-plain", 1) %}plain{% endcall %}')
    with app.test_request_context("/"):
        _note_generation()
        before = len(_store(app))
        html = render_template_string(template)
        assert g.csrf_token in html
        assert len(_store(app)) == before + 1  # only the plain one


def test_nothing_is_served_or_kept_after_a_write(app, make, listing):
    """The view's data may be newer than the generation noted when the request began:
    an uncommitted write, or a commit (here or elsewhere) since."""
    template = '{% call cached_fragment("test-write", 1) %}{{ n }}{% endcall %}'
    with app.test_request_context("/"):
        _note_generation()
        assert render_template_string(template, n=1) == "1"
        assert render_template_string(template, n=2) == "1"  # from the store
        db.session.info[WROTE] = True  # this transaction wrote, not committed yet
        assert render_template_string(template, n=3) == "3"
        db.session.info.pop(WROTE)
        make.org("business")  # a commit that wrote: the generation moves on
        assert render_template_string(template, n=4) == "4"
        assert render_template_string(template, n=5) == "5"
    with app.test_request_context("/"):
        _note_generation()
        assert render_template_string(template, n=6) == "6"  # a new request, a new key


def test_the_listing_page_asks_the_database_less(app, listing, other):
    path = f"/listings/{listing['id']}"
    member = _logged_in(app, other.user)
    member.get(path)
    with Statements() as logged_in:
        _text(member.get(path))
    # user + session + memberships + organisations are one statement now (were four);
    # the pickup windows of the facts come with the fragment (the reserve form asks).
    assert len(logged_in.selects) <= 7, logged_in.selects
    assert sum(" FROM memberships" in s or " FROM user_sessions" in s
               for s in logged_in.selects) == 0, logged_in.selects

    anonymous = app.test_client()
    anonymous.get(path + "?lang=nb")
    with Statements() as rendered:
        _text(anonymous.get(path + "?lang=nb"))  # ?lang: rendered, not the page cache
    assert len(rendered.selects) <= 2, rendered.selects  # the listing and its photos


def test_imported_macros_are_not_rebuilt_each_render(app):
    template = '{% from "listings/_macros.html" import head %}{{ head() }}'
    with app.test_request_context("/"):
        first = render_template_string(template)
        imported = app.jinja_env.get_template("listings/_macros.html")
        module = imported._module
        assert module is not None
        assert render_template_string(template) == first
        assert imported._module is module


def _unread_badge(html: str) -> str | None:
    found = re.search(r'<span class="visually-hidden">(\d+ ulest[^<]*)</span>', html)
    return found.group(1) if found else None


def test_the_unread_count_is_each_persons_own_and_follows_writes(app, owner, other):
    from app import notifications
    from app.db import commit

    owner_client, member_client = _logged_in(app, owner.user), _logged_in(app, other.user)
    for client in (owner_client, member_client):
        assert _unread_badge(_text(client.get("/listings"))) is None
    hits = _store(app).hits
    assert _unread_badge(_text(owner_client.get("/listings"))) is None
    assert _store(app).hits > hits  # the count came from the store

    notifications.add(owner.user, "match_for_request", path="/matches", params={})
    commit()
    assert _unread_badge(_text(owner_client.get("/listings"))) == "1 ulest varsel"
    assert _unread_badge(_text(member_client.get("/listings"))) is None  # not the owner's
    assert _unread_badge(_text(owner_client.get("/listings"))) == "1 ulest varsel"

    notifications.mark_read(owner.user)
    commit()
    assert _unread_badge(_text(owner_client.get("/listings"))) is None


def test_home_fragments_follow_login_state_and_language(app, owner):
    anonymous = app.test_client()
    for _ in range(2):
        page = _text(anonymous.get("/?lang=nb"))
        assert "Registrer organisasjonen din" in page and "Gi overskuddet" in page
        assert "Om tjenesten" in page  # the footer
    english = _text(anonymous.get("/?lang=en"))
    assert "Gi overskuddet" not in english and "Om tjenesten" not in english
    member = _logged_in(app, owner.user)
    page = _text(member.get("/?lang=nb"))
    assert "Registrer organisasjonen din" not in page and "Gi overskuddet" in page
    assert "Registrer organisasjonen din" in _text(anonymous.get("/?lang=nb"))


def _reserve_box(html: str) -> str:
    return html[html.index('<section class="reserve-box"'):].split("</section>", 1)[0]


def test_the_reserve_fields_are_kept_per_choice_of_organisations(app, make, listing, other):
    """The empty reserve fields come from the store for a second viewer with the same
    organisations to reserve for; a viewer with other organisations gets their own, and
    each form keeps its own CSRF token (outside the kept fields)."""
    from app.accounts.services import add_member
    from app.db import commit

    path = f"/listings/{listing['id']}"
    same = make.user(other.org, "member")
    second_org = make.org("reuse_shop", name="Gjenbruk Nesbru")
    both = make.user(other.org, "member")
    add_member(both, second_org, "member")
    commit()

    def kept() -> int:
        return sum(key[0] == "reserve-fields" for key in list(_store(app)._items))

    # Signing in writes (a session row), which moves the generation: all sign in first.
    viewers = [_logged_in(app, user) for user in (other.user, same, both)]
    first = _reserve_box(_text(viewers[0].get(path)))
    assert kept() == 1
    again = _reserve_box(_text(viewers[1].get(path)))
    assert kept() == 1, "the second viewer got the kept fields"
    token = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"|'
                       r'name="csrf_token" value="[^"]+"')
    assert token.findall(first) and token.findall(first) != token.findall(again)
    assert token.sub("", first) == token.sub("", again)
    assert f'type="hidden" name="organization_id" value="{other.org.id}"' in first

    chooser = _reserve_box(_text(viewers[2].get(path)))
    assert f'<option value="{other.org.id}">Miljøsofa Asker</option>' in chooser
    assert f'<option value="{second_org.id}">Gjenbruk Nesbru</option>' in chooser
    assert 'type="hidden" name="organization_id"' not in chooser
    assert kept() == 2
    english = _reserve_box(_text(viewers[1].get(path + "?lang=en")))
    assert "Quantity" in english and "Antall" not in english
