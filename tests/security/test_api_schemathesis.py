"""Schemathesis against ``/api/v1/openapi.json`` of a running Kretsløp (issue 9).

A real gunicorn with the demo data (``KRETSLOP_TEST_STACK``: ``embedded`` on SQLite, the
default, or ``scale`` on PostgreSQL with Redis workers) is fuzzed by the schemathesis CLI
from the document alone: anonymously, as a member of a business (every operation), as a
municipal officer (the reports) and, last, with a token that may revoke itself. Before
the member's run the test builds through the API what the operations act on (reservations
in each state, a completed hand-over with its ledger record, a message, wanted requests
and their matches); schemathesis draws path ids, category slugs and postcodes from those
most of the time (``[dictionaries]`` and ``[parameters]``), so the fuzzing reaches the
business logic instead of stopping at 404.

Checks (schemathesis 4, ``[checks]`` in the generated ``schemathesis.toml``):
``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance``,
``response_schema_conformance``, ``response_headers_conformance``,
``negative_data_rejection``, ``positive_data_acceptance``, ``missing_required_header``,
``unsupported_method``, ``allow_header_conformance``, ``use_after_free``,
``ensure_resource_availability``, ``ignored_auth`` and ``object_level_authorization``,
i.e. every built-in check.

Left out, per operation only: ``positive_data_acceptance`` (a schema-valid request must
not be refused with 400/422) where a request can be valid by the document and still
break a rule that OpenAPI cannot state, so a 422 is the right answer:
  * GET /listings, /requests: ``status`` only together with ``org=mine``; ``category``
    must be an existing slug.
  * GET /search: ``postcode`` or ``lat``/``lng`` but not both, ``radius_km`` and
    ``sort=distance`` need a position, ``min_price <= max_price``, known slugs and
    districts.
  * POST/PATCH /listings and /requests: known category and postcode (or both lat and
    lng), at most three decimals, upper limits per unit, dates not in the past.
  * POST /reservations: not your own listing, not more than is available.
  * POST /reservations/{id}/handover: only the giver states ``weight_kg``.
  * POST /listings/{id}/images: the bytes must be a JPEG, PNG or WebP image.
  * GET /reports/reuse, /reports/records: ``from <= to``, at most 20 years.
Every other check, ``negative_data_rejection`` included, runs on every operation.

Each run is bounded (``--max-examples``) and deterministic
(``--generation-deterministic``), so a failure reproduces; it appears in the pytest
output with the operation, the check and schemathesis' ``curl`` command (the token is
filtered out of it). To explore further, ``KRETSLOP_FUZZ_SEED=<n>`` generates at random
from that seed and ``KRETSLOP_FUZZ_EXAMPLES=<n>`` raises the examples per operation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.e2e.stack import StackPool
from tests.security.world import _png

MAX_EXAMPLES = int(os.environ.get("KRETSLOP_FUZZ_EXAMPLES", "25"))
FUZZ_SEED = os.environ.get("KRETSLOP_FUZZ_SEED")  # explore: random generation from this seed
RUN_TIMEOUT = 240  # seconds for one schemathesis run; a run takes well under a minute
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}

# Operations where a schema-valid request may rightly be refused (see the docstring).
BUSINESS_RULES = [
    ("^/api/v1/(listings|requests|search)$", "^GET$"),
    ("^/api/v1/(listings|requests)(/\\{[a-z_]+\\})?$", "^(POST|PATCH)$"),
    ("^/api/v1/reservations$", "^POST$"),
    ("^/api/v1/reservations/\\{reservation_id\\}/handover$", "^POST$"),
    ("^/api/v1/listings/\\{listing_id\\}/images$", "^POST$"),
    ("^/api/v1/reports/(reuse|records)$", "^GET$"),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with StackPool.lease(tmp_path_factory.mktemp("schemathesis")) as live:  # the pool's
        yield live  # stack of the KRETSLOP_TEST_STACK shape, reset to the seeded state


# --- what the operations act on ---------------------------------------------------------


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, list[int]] = field(default_factory=dict)
    slugs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(stack) -> World:
    """Objects of every kind the member (kontor) can act on, built through the API."""
    w = World()
    for who in ("kontor", "sofa", "bygg", "kommune"):
        w.tokens[who] = stack.token(f"{who}@demo.kretslop.no")

    def api(who: str, method: str, path: str, **kwargs):
        response = requests.request(method, stack.url + "/api/v1" + path, timeout=30,
                                    headers={"Authorization": f"Bearer {w.tokens[who]}"},
                                    **kwargs)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json()

    w.slugs = [c["slug"] for c in api("kontor", "GET", "/categories")["items"]]
    mine = api("kontor", "GET", "/listings", params={"org": "mine", "per_page": 100})["items"]
    published = [x for x in mine if x["status"] == "published" and x["quantity_available"] >= 3]
    assert len(published) >= 4, "the demo data should give kontor published listings"
    others = [x for x in api("bygg", "GET", "/listings", params={"org": "mine"})["items"]
              if x["status"] == "published"]
    assert others, "the demo data should give bygg published listings"

    requested = api("sofa", "POST", "/reservations",
                    json={"listing_id": published[0]["id"], "quantity": 1})
    accepted = api("sofa", "POST", "/reservations",
                   json={"listing_id": published[1]["id"], "quantity": 1})
    api("kontor", "POST", f"/reservations/{accepted['id']}/accept")
    message = api("sofa", "POST", f"/reservations/{accepted['id']}/messages",
                  json={"body": "Vi henter fredag."})
    completed = api("sofa", "POST", "/reservations",
                    json={"listing_id": published[2]["id"], "quantity": 1})
    api("kontor", "POST", f"/reservations/{completed['id']}/accept")
    api("kontor", "POST", f"/reservations/{completed['id']}/handover", json={"weight_kg": 12.5})
    done = api("sofa", "POST", f"/reservations/{completed['id']}/handover")
    assert done["status"] == "completed", done
    bought = api("kontor", "POST", "/reservations",
                 json={"listing_id": others[0]["id"], "quantity": 1})
    image = api("kontor", "POST", f"/listings/{published[3]['id']}/images",
                files={"file": ("stol.png", _png(), "image/png")})

    own_request = api("kontor", "POST", "/requests", json={
        "title": "Kontorstoler til nytt lokale", "categories": [others[0]["category"]],
        "quantity": 2, "postcode": "1394", "radius_km": 50})
    sofa_request = api("sofa", "POST", "/requests", json={
        "title": "Skrivebord", "categories": [published[0]["category"]], "quantity": 1,
        "postcode": "1384", "radius_km": 50})
    matches = api("kontor", "GET", f"/requests/{own_request['id']}/matches",
                  params={"state": "all"})["items"]

    w.ids = {
        "listing_id": [x["id"] for x in mine] + [others[0]["id"]],
        "reservation_id": [requested["id"], accepted["id"], completed["id"], bought["id"]],
        "message_id": [message["id"]],
        "record_id": [done["reuse_record"]["id"]],
        "image_id": [image["id"]],
        "request_id": [own_request["id"], sofa_request["id"]],
        "match_id": [m["id"] for m in matches],
    }
    return w


# --- running schemathesis -----------------------------------------------------------------


def _toml(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings, numbers, arrays are TOML


def write_config(path: Path, world: World | None) -> Path:
    from app.api.openapi import SERVER_LIMITS

    # schemathesis 4's defaults for the two data checks, plus gunicorn's refusal of a too
    # long request line or header (414, 431) before the app, which the document declares.
    limits = [str(status) for status in SERVER_LIMITS]
    refused = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429"]
    accepted = ["2xx", "3xx", "401", "403", "404", "409", "429"]
    lines = ["[checks]", "enabled = true",
             f"negative_data_rejection.expected-statuses = {_toml(refused + ['5xx'] + limits)}",
             f"positive_data_acceptance.expected-statuses = {_toml(accepted + ['5xx'] + limits)}",
             ""]
    for path_regex, method_regex in BUSINESS_RULES:
        lines += ["[[operations]]", f"include-path-regex = {_toml(path_regex)}",
                  f"include-method-regex = {_toml(method_regex)}",
                  "checks.positive_data_acceptance.enabled = false", ""]
    if world is not None:
        dictionaries = {**{name: ids for name, ids in world.ids.items() if ids},
                        "slug": world.slugs, "postcode": ["1394", "1384", "1383", "1389"]}
        for name, values in dictionaries.items():
            lines += [f"[dictionaries.{name}]", f"values = {_toml(values)}", ""]
        bindings = {f"path.{name}": name for name in world.ids if world.ids[name]}
        bindings.update({"body.listing_id": "listing_id", "body.match_id": "match_id",
                         "body.category": "slug", "body.categories[*]": "slug",
                         "query.category": "slug", "body.postcode": "postcode",
                         "query.postcode": "postcode"})
        lines.append("[parameters]")
        for key, name in bindings.items():
            if name in dictionaries:
                lines.append(f'"{key}" = {{ dictionary = "{name}", probability = 0.8 }}')
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Report:
    operations: set[str]
    failures: list[tuple[str, str]]
    output: str

    def problems(self) -> str:
        parts = [f"schemathesis found {len(self.failures)} failing operation(s):"]
        for operation, text in self.failures:
            parts.append(f"\n=== {operation}\n{text.strip()}")
        return "\n".join(parts)


def run_schemathesis(stack, tmp: Path, name: str, token: str | None = None,
                     world: World | None = None, args: tuple[str, ...] = ()) -> Report:
    """Run the CLI against the live document; the JUnit report gives the failures."""
    run_dir = tmp / name
    run_dir.mkdir()
    config = write_config(run_dir / "schemathesis.toml", world)
    junit = run_dir / "junit.xml"
    command = [*SCHEMATHESIS, "--config-file", str(config), "run",
               f"{stack.url}/api/v1/openapi.json",
               "--max-examples", str(MAX_EXAMPLES),
               *(("--seed", FUZZ_SEED) if FUZZ_SEED else ("--generation-deterministic",)),
               "--no-color",
               "--report", "junit", "--report-junit-path", str(junit), *args]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    result = subprocess.run(command, cwd=run_dir, capture_output=True, text=True,  # noqa: S603
                            timeout=RUN_TIMEOUT)
    output = result.stdout + result.stderr
    assert result.returncode in (0, 1), f"schemathesis did not run:\n{output[-5000:]}"
    assert junit.exists(), f"no JUnit report:\n{output[-5000:]}"
    root = ET.parse(junit).getroot()  # noqa: S314 - our own subprocess wrote it
    operations, failures = set(), []
    for case in root.iter("testcase"):
        if case.get("name", "").split(" ")[0] in METHODS:  # not "Stateful tests"
            operations.add(case.get("name"))
        for element in (*case.findall("failure"), *case.findall("error")):
            failures.append((case.get("name"), element.text or element.get("message") or ""))
    if result.returncode == 1:
        assert failures, f"schemathesis failed without a failing operation:\n{output[-5000:]}"
    return Report(operations, failures, output)


def documented_operations(stack) -> set[str]:
    document = requests.get(stack.url + "/api/v1/openapi.json", timeout=10).json()
    return {f"{method.upper()} {path}" for path, ops in document["paths"].items()
            for method in ops}


# --- the runs -----------------------------------------------------------------------------

REVOKE = "DELETE /api/v1/tokens/{token_id}"


@pytest.mark.slow
def test_anonymous_requests_get_documented_answers(stack, tmp_path):
    report = run_schemathesis(stack, tmp_path, "anonymous")
    assert report.operations == documented_operations(stack), report.output[-3000:]
    assert not report.failures, report.problems()


@pytest.mark.slow
def test_a_members_requests_get_documented_answers(stack, world, tmp_path):
    report = run_schemathesis(stack, tmp_path, "member", world.tokens["kontor"], world,
                              ("--exclude-path", REVOKE.split(" ", 1)[1]))
    assert report.operations == documented_operations(stack) - {REVOKE}, report.output[-3000:]
    assert not report.failures, report.problems()
    # The fuzzing reached the objects: the member's reservation is still theirs to read.
    reservation = requests.get(f"{stack.url}/api/v1/reservations/"
                               f"{world.ids['reservation_id'][1]}", timeout=10,
                               headers={"Authorization": f"Bearer {world.tokens['kontor']}"})
    assert reservation.status_code == 200, reservation.text


@pytest.mark.slow
def test_a_municipal_officers_reports_match_the_document(stack, world, tmp_path):
    report = run_schemathesis(stack, tmp_path, "officer", world.tokens["kommune"], None,
                              ("--include-tag", "reports"))
    assert report.operations == {op for op in documented_operations(stack)
                                 if op.startswith("GET /api/v1/reports/")}
    assert not report.failures, report.problems()


@pytest.mark.slow
def test_revoking_tokens_gets_documented_answers(stack, world, tmp_path):
    """Last: the token revokes itself sooner or later; every answer after is 401."""
    token = stack.token("kontor@demo.kretslop.no")
    report = run_schemathesis(stack, tmp_path, "revoke", token, None,
                              ("--include-path", REVOKE.split(" ", 1)[1]))
    assert report.operations == {REVOKE}
    assert not report.failures, report.problems()
