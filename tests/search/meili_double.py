"""A recording test double of the Meilisearch HTTP API, checked against its OpenAPI spec.

THIS IS NOT MEILISEARCH.  It is a threaded ``http.server`` on 127.0.0.1 that:

* finds the operation of every request in the official OpenAPI 3.1 document
  (``../shared/specs/meilisearch-openapi.json``) by method and path template;
* validates the query parameters and the JSON body against the spec's schemas
  (``jsonschema`` Draft 2020-12, ``$ref`` resolved through a ``referencing``
  registry), and rejects top-level body fields the spec does not declare, as
  the real server does;
* answers with a response built for that operation (a task for writes, a task
  that is ``enqueued`` on the first poll and ``succeeded`` - or ``failed`` when
  told to - afterwards, a search result with hits, ``totalHits`` and
  ``facetDistribution``) and validates its own answer against the response
  schema too;
* records everything, so tests assert that no request broke the spec.

It keeps documents in memory but does no real searching: every search returns
the stored documents.  Behaviour is tested against the embedded engine and,
when ``MEILI_URL`` is set, a real server.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:meilisearch-openapi"

#: Known errors in the generated spec, patched before validating (each is pinned
#: by a test in test_meili_spec.py that fails once the spec is fixed):
#: ``AttributePatterns`` (search ``facets``) is described as the Rust struct
#: ``{"patterns": [...]}``, but the wire format is a plain array of strings: the
#: spec's own description says so and every documented example sends
#: ``"facets": ["genres", "rating"]``.
SPEC_ERRATA: dict[str, dict[str, Any]] = {
    "AttributePatterns": {"type": "array", "items": {"type": "string"}},
}


@dataclass
class Recorded:
    """One request as the double saw it."""

    method: str
    path: str
    operation_id: str | None
    query: dict[str, str]
    body: Any
    status: int = 0
    problems: list[str] = field(default_factory=list)


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class SpecChecker:
    """Operation lookup and schema validation against the OpenAPI document."""

    def __init__(self, spec_path: Path, errata: dict[str, Any] | None = None) -> None:
        self.spec = json.loads(spec_path.read_text(encoding="utf-8"))
        self.spec["components"]["schemas"].update(SPEC_ERRATA if errata is None else errata)
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        self.routes: list[tuple[str, re.Pattern[str], str]] = []
        for template in self.spec["paths"]:
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            self.routes.append((template, re.compile(f"^{regex}$"), template))
        # literal segments beat placeholders ("/documents/delete" before "/documents/{id}")
        self.routes.sort(key=lambda r: (r[0].count("{"), -len(r[0])))

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """``(template, operation object)`` for a request, or None."""
        for template, regex, _ in self.routes:
            op = self.spec["paths"][template].get(method.lower())
            if op is not None and regex.match(path):
                return template, op
        return None

    def errors(self, instance: Any, *pointer: str) -> list[str]:
        """Schema errors for ``instance`` against the schema at ``pointer`` in the spec."""
        ref = {"$ref": f"{SPEC_URI}#/{_pointer(*pointer)}"}
        validator = Draft202012Validator(ref, registry=self.registry)
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator.iter_errors(instance)
        ]

    def _resolved(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.spec["components"]["schemas"][name]
        return schema

    def check_request(
        self, template: str, method: str, query: dict[str, str], body: Any
    ) -> list[str]:
        """Problems with the query parameters and JSON body of a request."""
        op = self.spec["paths"][template][method.lower()]
        problems: list[str] = []
        params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
        for name, raw in query.items():
            if name not in params:
                problems.append(f"query parameter {name!r} is not in the spec")
                continue
            schema = self._resolved(params[name].get("schema", {}))
            value: Any = raw
            if schema.get("type") == "integer" or "integer" in (schema.get("type") or []):
                value = int(raw) if raw.lstrip("-").isdigit() else raw
            elif schema.get("type") == "boolean":
                value = {"true": True, "false": False}.get(raw, raw)
            idx = op["parameters"].index(params[name])
            path = ("paths", template, method.lower(), "parameters", str(idx), "schema")
            problems += [f"query {name}: {e}" for e in self.errors(value, *path)]
        for name, param in params.items():
            if param.get("required") and name not in query:
                problems.append(f"required query parameter {name!r} missing")
        request_body = op.get("requestBody")
        if request_body is None:
            if body is not None:
                problems.append("the operation takes no request body")
            return problems
        if body is None:
            if request_body.get("required"):
                problems.append("request body required")
            return problems
        pointer = ("paths", template, method.lower(), "requestBody", "content",
                   "application/json", "schema")  # fmt: skip
        problems += [f"body {e}" for e in self.errors(body, *pointer)]
        schema = self._resolved(request_body["content"]["application/json"]["schema"])
        if isinstance(body, dict) and "properties" in schema:
            unknown = set(body) - set(schema["properties"])
            problems += [f"body field {k!r} is not in the spec" for k in sorted(unknown)]
        return problems

    def check_response(self, template: str, method: str, status: int, body: Any) -> list[str]:
        """Problems with a response the double is about to send."""
        responses = self.spec["paths"][template][method.lower()]["responses"]
        if str(status) not in responses:
            return [f"status {status} is not documented"]
        content = responses[str(status)].get("content", {}).get("application/json")
        if content is None or "schema" not in content:
            return []
        pointer = ("paths", template, method.lower(), "responses", str(status), "content",
                   "application/json", "schema")  # fmt: skip
        return [f"response {e}" for e in self.errors(body, *pointer)]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class MeiliDouble:
    """State and behaviour of the double; see the module docstring."""

    def __init__(self, spec_path: Path) -> None:
        self.checker = SpecChecker(spec_path)
        self.requests: list[Recorded] = []
        self.indexes: dict[str, dict[int, dict[str, Any]]] = {}
        self.tasks: dict[int, dict[str, Any]] = {}
        self.fail_tasks: str | None = None  # error code to fail every task with
        self.search_error: tuple[int, str] | None = None  # (status, code) for searches
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> MeiliDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def problems(self) -> list[str]:
        """Every spec violation seen, as ``METHOD path: problem``."""
        return [f"{r.method} {r.path}: {p}" for r in self.requests for p in r.problems]

    def operations(self) -> set[str]:
        """operationIds of the requests received."""
        return {r.operation_id for r in self.requests if r.operation_id}

    # ------------------------------------------------------------ behaviour
    def _task(self, index_uid: str | None, kind: str) -> tuple[int, dict[str, Any]]:
        uid = len(self.tasks)
        self.tasks[uid] = {"uid": uid, "indexUid": index_uid, "type": kind, "polls": 0,
                           "enqueuedAt": _now()}  # fmt: skip
        summary = {"taskUid": uid, "indexUid": index_uid, "status": "enqueued", "type": kind,
                   "enqueuedAt": self.tasks[uid]["enqueuedAt"]}  # fmt: skip
        return 202, summary

    def _task_view(self, uid: int) -> tuple[int, dict[str, Any]]:
        task = self.tasks.get(uid)
        if task is None:
            return 404, self._error("task_not_found", f"Task `{uid}` not found.")
        task["polls"] += 1
        view = {k: task[k] for k in ("uid", "indexUid", "type", "enqueuedAt")}
        view.update(batchUid=None, canceledBy=None, details={}, error=None, duration=None)
        if task["polls"] == 1:
            return 200, {**view, "status": "enqueued"}
        view.update(startedAt=task["enqueuedAt"], finishedAt=_now(), duration="PT0.001S")
        if self.fail_tasks:
            error = self._error(self.fail_tasks, "the test double was told to fail this task")
            return 200, {**view, "status": "failed", "error": error}
        return 200, {**view, "status": "succeeded"}

    @staticmethod
    def _error(code: str, message: str) -> dict[str, Any]:
        return {"message": message, "code": code, "type": "invalid_request",
                "link": f"https://docs.meilisearch.com/errors#{code}"}  # fmt: skip

    def _search(self, uid: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.search_error:
            status, code = self.search_error
            return status, self._error(code, "the test double was told to refuse searches")
        if uid not in self.indexes:
            return 404, self._error("index_not_found", f"Index `{uid}` not found.")
        docs = list(self.indexes[uid].values())
        per_page, page = body.get("hitsPerPage") or 20, body.get("page") or 1
        hits = []
        words = [re.escape(w) for w in str(body.get("q") or "").split() if w]
        pattern = re.compile("|".join(words), re.IGNORECASE) if words else None
        pre, post = body.get("highlightPreTag", "<em>"), body.get("highlightPostTag", "</em>")
        for doc in docs[(page - 1) * per_page : page * per_page]:
            hit = dict(doc)
            if body.get("attributesToHighlight") and pattern is not None:
                hit["_formatted"] = {
                    name: pattern.sub(lambda m: f"{pre}{m.group()}{post}", str(doc.get(name, "")))
                    for name in body["attributesToHighlight"]
                }
            hits.append(hit)
        result: dict[str, Any] = {
            "hits": hits, "query": body.get("q") or "", "processingTimeMs": 1,
            "hitsPerPage": per_page, "page": page, "totalHits": len(docs),
            "totalPages": -(-len(docs) // per_page) if per_page else 0,
        }  # fmt: skip
        if body.get("facets"):
            dist: dict[str, dict[str, int]] = {}
            for name in body["facets"]:
                counts: dict[str, int] = {}
                for doc in docs:
                    values = doc.get(name)
                    for v in values if isinstance(values, list) else [values]:
                        if v is not None:
                            counts[str(v)] = counts.get(str(v), 0) + 1
                dist[name] = counts
            result["facetDistribution"], result["facetStats"] = dist, {}
        return 200, result

    def respond(self, method: str, path: str, template: str, body: Any) -> tuple[int, Any]:
        """The double's answer for a valid request."""
        parts = path.strip("/").split("/")
        uid = parts[1] if len(parts) > 1 and parts[0] == "indexes" else None
        key = (method, template)
        if key == ("POST", "/indexes"):
            self.indexes.setdefault(body["uid"], {})
            return self._task(body["uid"], "indexCreation")
        if key == ("GET", "/tasks/{task_id}"):
            return self._task_view(int(parts[1]))
        if key == ("POST", "/indexes/{index_uid}/search"):
            return self._search(str(uid), body)
        if key == ("GET", "/indexes/{index_uid}/stats"):
            if uid not in self.indexes:
                return 404, self._error("index_not_found", f"Index `{uid}` not found.")
            n = len(self.indexes[str(uid)])
            return 200, {"numberOfDocuments": n, "indexSize": 4096, "usedIndexSize": 4096,
                         "rawDocumentDbSize": 100 * n, "avgDocumentSize": 100,
                         "isIndexing": False, "fieldDistribution": {}}  # fmt: skip
        docs = self.indexes.setdefault(str(uid), {})
        if key == ("PATCH", "/indexes/{index_uid}/settings"):
            return self._task(uid, "settingsUpdate")
        if key == ("POST", "/indexes/{index_uid}/documents"):
            docs.update({int(d["id"]): d for d in body})
            return self._task(uid, "documentAdditionOrUpdate")
        if key == ("POST", "/indexes/{index_uid}/documents/delete"):
            match = re.fullmatch(r"id IN \[([\d, ]*)\]", str(body.get("filter")))
            for doc_id in match.group(1).split(",") if match else []:
                docs.pop(int(doc_id), None)
            return self._task(uid, "documentDeletion")
        if key == ("DELETE", "/indexes/{index_uid}/documents"):
            docs.clear()
            return self._task(uid, "documentDeletion")
        return 501, self._error("internal", f"the test double does not implement {key}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                record = Recorded(self.command, split.path, None, dict(parse_qsl(split.query)),
                                  None)  # fmt: skip
                try:
                    record.body = json.loads(raw) if raw else None
                except ValueError:
                    record.problems.append("body is not JSON")
                found = double.checker.operation(self.command, split.path)
                with double._lock:
                    double.requests.append(record)
                    if found is None:
                        record.problems.append("no such operation in the spec")
                        status, answer = 404, double._error("not_found", "unknown route")
                    else:
                        template, op = found
                        record.operation_id = op.get("operationId")
                        record.problems += double.checker.check_request(
                            template, self.command, record.query, record.body
                        )
                        if record.problems:
                            status, answer = 400, double._error("bad_request", "; ".join(
                                record.problems))  # fmt: skip
                        else:
                            status, answer = double.respond(
                                self.command, split.path, template, record.body
                            )
                        record.problems += double.checker.check_response(
                            template, self.command, status, answer
                        )
                    record.status = status
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Quiet."""

        return Handler
