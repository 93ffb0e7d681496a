"""/admin/synonyms: a site admin adds or removes a directed synonym (with a reason,
audited), and what a search finds changes on the app's real embedded backend; bad input
is a field error that changes nothing; zero-result searches are listed with a suggested
synonym. Everyone else gets 404 (the matrix checks every role)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.audit import AuditEntry
from app.db import commit, db
from app.outbox import OutboxEvent
from app.searching.synonyms import SETTINGS_TOPIC, SynonymEdit, synonym_table
from tests.searching.conftest import (  # noqa: F401 - fixtures
    backend,
    categories,
    new_listing,
    seller,
    switchable,
)


@pytest.fixture
def admin(make):
    return make.user(None, email="vakt@kretslop.no", site_admin=True, name="Vakthavende")


@pytest.fixture
def as_admin(auth, admin):
    auth.login(admin.email)
    return auth


def _post(client, data: dict):
    html = client.get("/admin/synonyms").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    return client.post("/admin/synonyms", data={"csrf_token": token, **data})


def _titles(client, q: str) -> set[str]:
    response = client.get("/api/v1/search", query_string={"q": q, "per_page": 100})
    assert response.status_code == 200
    return {hit["title"] for hit in response.get_json()["hits"]}


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def test_adding_a_synonym_changes_what_a_search_finds(app, client, as_admin, admin,
                                                      new_listing):  # noqa: F811
    new_listing(title="Taburett i bjørk", category="chair")
    new_listing(title="Krakk, rød", category="chair")
    assert _titles(client, "krakk") == {"Krakk, rød"}

    response = _post(client, {"action": "add", "add-word": "  Krakk ", "add-finds": "taburett",
                              "add-reason": "Folk søker «krakk» etter taburetter"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/synonyms?word=krakk")
    assert _titles(client, "krakk") == {"Krakk, rød", "Taburett i bjørk"}
    assert _titles(client, "taburett") == {"Taburett i bjørk"}  # directed: not the reverse

    entry, = _entries("search_synonym.add")
    assert entry.actor_id == admin.id and entry.reason == "Folk søker «krakk» etter taburetter"
    assert entry.after == {"word": "krakk", "finds": "taburett"}
    edit = db.session.scalar(sa.select(SynonymEdit))
    assert (edit.word, edit.finds, edit.active, edit.id) == ("krakk", "taburett", True,
                                                             entry.target_id)
    # the engine got the table through the outbox, delivered after the commit
    events = list(db.session.scalars(sa.select(OutboxEvent)
                                     .where(OutboxEvent.topic == SETTINGS_TOPIC)))
    assert [e.status for e in events] == ["delivered"]
    page = client.get("/admin/synonyms?word=krakk").get_data(as_text=True)
    assert "Et søk etter «krakk» finner nå også «taburett»." in page
    assert "lagt til av administrator" in page
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Synonym lagt til i søket (search_synonym.add)" in audit

    # removing the admin's own addition takes it away again
    response = _post(client, {"action": "remove", "remove-word": "krakk",
                              "remove-finds": "taburett", "remove-reason": "Feil"})
    assert response.status_code == 302
    assert _titles(client, "krakk") == {"Krakk, rød"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SynonymEdit)) == 0
    assert [e.before for e in _entries("search_synonym.remove")] == [
        {"word": "krakk", "finds": "taburett"}]


def test_an_edit_reaches_the_engine_after_it_was_down(app, client, as_admin, monkeypatch,
                                                      new_listing, switchable):  # noqa: F811
    """The settings update waits in the outbox while the engine is down (a backend wrapper
    raising SearchUnavailable, tests/searching/conftest.py) and is applied on retry."""
    from datetime import timedelta

    from app import jobs
    from app.db import utcnow

    new_listing(title="Taburett i bjørk", category="chair")
    switchable.down = True
    response = _post(client, {"action": "add", "add-word": "krakk", "add-finds": "taburett",
                              "add-reason": "Folk søker «krakk» etter taburetter"})
    assert response.status_code == 302  # the edit is saved; the engine gets it later
    event = db.session.scalar(sa.select(OutboxEvent)
                              .where(OutboxEvent.topic == SETTINGS_TOPIC))
    assert event.status == "pending" and "search engine down" in event.last_error
    switchable.down = False
    assert _titles(client, "krakk") == set()  # the engine still has the old table
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(jobs, "utcnow", lambda: later)
    assert jobs.run_due() == 1
    db.session.expire_all()
    assert db.session.get(OutboxEvent, event.id).status == "delivered"
    assert _titles(client, "krakk") == {"Taburett i bjørk"}


def test_removing_a_curated_synonym_and_adding_it_back(app, client, as_admin,
                                                      new_listing):  # noqa: F811
    # filed under tables, so only the synonym (not its category's names) finds it
    new_listing(title="Pult i eik", category="table")
    assert "Pult i eik" in _titles(client, "skrivebord")
    response = _post(client, {"action": "remove", "remove-word": "skrivebord",
                              "remove-finds": "pult", "remove-reason": "Test av fjerning"})
    assert response.status_code == 302
    commit()
    assert "pult" not in synonym_table()["skrivebord"]
    assert "Pult i eik" not in _titles(client, "skrivebord ")  # whole word, no synonym
    edit = db.session.scalar(sa.select(SynonymEdit))
    assert (edit.word, edit.finds, edit.active) == ("skrivebord", "pult", False)

    response = _post(client, {"action": "add", "add-word": "skrivebord", "add-finds": "pult",
                              "add-reason": "Tilbake"})
    assert response.status_code == 302
    assert "Pult i eik" in _titles(client, "skrivebord")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SynonymEdit)) == 0
    assert len(_entries("search_synonym.add")) == 1
    assert len(_entries("search_synonym.remove")) == 1


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"add-word": "", "add-finds": "stol", "add-reason": "x"}, "add-word",
     "Skriv et ord eller uttrykk."),
    ({"add-word": "krakk", "add-finds": "stol", "add-reason": " "}, "add-reason",
     "Skriv en begrunnelse."),
    ({"add-word": "krakk", "add-finds": "KRAKK", "add-reason": "x"}, "add-finds",
     "Et ord er alltid sitt eget synonym."),
    ({"add-word": "k" * 81, "add-finds": "stol", "add-reason": "x"}, "add-word",
     "Høyst 80 tegn."),
    ({"add-word": "--", "add-finds": "stol", "add-reason": "x"}, "add-word",
     "Skriv minst én bokstav eller ett tall."),
])
def test_bad_input_is_a_field_error_and_changes_nothing(app, client, as_admin, data, field,
                                                        message):
    response = _post(client, {"action": "add", **data})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert 'class="ds-error-summary"' in html
    typed = data["add-finds"]
    assert f'value="{typed}"' in html  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SynonymEdit)) == 0
    assert _entries("search_synonym.add") == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)
                             .where(OutboxEvent.topic == SETTINGS_TOPIC)) == 0


def test_an_unknown_action_or_a_pair_that_exists_changes_nothing(app, client, as_admin):
    assert _post(client, {"action": "drop"}).status_code == 400
    response = _post(client, {"action": "add", "add-word": "kontorstoler",
                              "add-finds": "kontorstol", "add-reason": "Finnes"})
    assert response.status_code == 302
    assert "finner allerede" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = _post(client, {"action": "remove", "remove-word": "gipsplater",
                              "remove-finds": "osb", "remove-reason": "Finnes ikke"})
    assert response.status_code == 302
    assert _entries("search_synonym.add") == _entries("search_synonym.remove") == []


def test_what_a_word_finds(app, client, as_admin):
    html = client.get("/admin/synonyms?word=Glava").get_data(as_text=True)
    assert "Et søk etter «glava» finner også:" in html
    assert "glassull" in html and "steinull" not in html.split("finner også:")[1].split(
        "</ul>")[0]
    # the remove link fills in the remove form
    html = client.get("/admin/synonyms?remove_word=glava&remove_finds=glassull"
                      ).get_data(as_text=True)
    assert 'id="remove-word"' in html and 'value="glassull"' in html


def test_zero_result_searches_with_a_suggestion(app, client, as_admin,
                                                categories):  # noqa: F811
    for q in ("konferansbord", "konferansbord", "kontorstolputer", "xyzzy"):
        assert client.get("/api/v1/search", query_string={"q": q}).status_code == 200
    html = client.get("/admin/synonyms").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<th scope=\"row\"><a [^>]*>([^<]+)</a></th>", html)
    assert rows[:1] == ["konferansbord"]  # the most frequent first
    assert set(rows) == {"konferansbord", "kontorstolputer", "xyzzy"}
    assert "Legg til synonym: konferansbord → konferansebord" in html
    assert ('href="/admin/synonyms?word=konferansbord&amp;finds=konferansebord#add-heading"'
            in html)
    assert "Legg til synonym for xyzzy" in html
    # the suggestion link fills in the add form
    html = client.get("/admin/synonyms?word=konferansbord&finds=konferansebord"
                      ).get_data(as_text=True)
    assert 'id="add-word"' in html and 'value="konferansbord"' in html
    assert 'value="konferansebord"' in html
