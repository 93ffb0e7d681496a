"""The Enhetsregisteret client against a local server serving recorded answers in the
registry's own format (tests/registry_server.py); nothing reaches the internet."""

import socket

import pytest
import sqlalchemy as sa

from app.accounts import registry
from app.accounts.models import RegistryLookup
from app.db import db, utcnow
from tests import registry_server as brreg


@pytest.fixture
def server():
    with brreg.RegistryServer() as running:
        yield running


@pytest.fixture
def app_config(app_config, server):
    return {**app_config, "BRREG_API_URL": server.url, "BRREG_TIMEOUT_SECONDS": 0.5}


@pytest.mark.parametrize(("orgnr", "status", "form"), [
    (brreg.AS, "found", "AS"), (brreg.ENK, "found", "ENK"), (brreg.KOMM, "found", "KOMM"),
    (brreg.FYLK, "found", "FYLK"), (brreg.FLI, "found", "FLI"),
    (brreg.BANKRUPT, "bankrupt", "AS"), (brreg.LIQUIDATION, "liquidation", "AS"),
    (brreg.REMOVED, "removed", "AS"), (brreg.REMOVED_200, "removed", "AS"),
    (brreg.UNKNOWN, "unknown", None),
])
def test_definitive_answers(app, server, orgnr, status, form):
    result = registry.lookup(orgnr)
    assert result.status == status
    assert result.data.get("form") == form
    assert result.refused == (status != "found")
    assert server.accepts[-1] == "application/json"


def test_found_unit_is_summarised_from_the_registry_format(app):
    data = registry.lookup(brreg.KOMM).data
    assert data["name"] == "ASKER KOMMUNE"
    assert data["form_description"] == "Kommune"
    assert data["sector"] == "6500"
    assert (data["address"], data["postcode"], data["city"]) == ("Postboks 353", "1372",
                                                                 "ASKER")
    assert data["municipality_number"] == "3203"
    assert data["konkurs"] is False and data["underAvvikling"] is False


def test_removed_message_names_the_date(app):
    result = registry.lookup(brreg.REMOVED)
    assert result.http_status == 410
    assert "2024-05-31" in result.message()


@pytest.mark.parametrize("orgnr", [brreg.ERROR_500, brreg.GARBAGE, brreg.SLOW])
def test_server_errors_garbage_and_slowness_are_transient(app, server, orgnr):
    result = registry.lookup(orgnr)
    assert result.status == "error" and result.transient and not result.refused
    assert result.detail
    # never cached: asking again asks the registry again
    registry.lookup(orgnr)
    assert server.hits[orgnr] == 2
    assert db.session.get(RegistryLookup, orgnr) is None


def test_registry_down_is_transient(app):
    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config["BRREG_API_URL"] = f"http://127.0.0.1:{port}/enhetsregisteret/api"
    assert registry.lookup(brreg.AS).status == "error"


def test_answers_are_cached_for_a_day(app, server):
    assert registry.lookup(brreg.AS).status == "found"
    again = registry.lookup(brreg.AS)
    assert again.status == "found" and again.cached
    assert registry.lookup(brreg.UNKNOWN).status == "unknown"
    assert registry.lookup(brreg.UNKNOWN).cached
    assert server.hits == {brreg.AS: 1, brreg.UNKNOWN: 1}
    # a day later the registry is asked again
    db.session.execute(sa.update(RegistryLookup).values(
        fetched_at=utcnow() - registry.CACHE_FOR - registry.timedelta(minutes=1)))
    assert not registry.lookup(brreg.AS).cached
    assert server.hits[brreg.AS] == 2


def test_lenient_reading_ignores_unknown_fields_and_wrong_types(app):
    body = {"organisasjonsnummer": brreg.AS, "navn": "X AS", "organisasjonsform": "AS",
            "konkurs": "ja", "nyttFelt": {"a": 1}, "forretningsadresse": {"adresse": [None, 3]}}
    result = registry.verdict(200, body, brreg.AS)
    assert result.status == "found"  # "ja" is not true; the form is not an object
    assert {k: v for k, v in result.data.items() if v is not False} == {
        "orgnr": brreg.AS, "name": "X AS"}
    assert registry.verdict(200, ["not", "an", "object"], brreg.AS).status == "error"
    assert registry.verdict(200, {"navn": "Other"}, brreg.AS).status == "error"


def test_registry_off_looks_nothing_up(app, server):
    app.config["BRREG_API_URL"] = ""
    assert registry.lookup(brreg.AS).status == "off"
    assert server.hits == {}
