"""A local Enhetsregisteret: a real ``http.server`` on 127.0.0.1 in a thread that serves
recorded answers in the registry's own format (``tests/fixtures/brreg/``) at
``GET /enheter/{orgnr}``. No test reaches the internet.

The numbers (all valid MOD11) and what they answer are in :data:`NUMBERS`; any other
number gets the registry's 404 body. A test may change answers while it runs
(``server.answer(orgnr, status, file)``), switch the whole registry to 503
(``server.down = True``) or read how often each number was asked (``server.hits``).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "brreg"

AS, ENK, KOMM, FYLK, FLI = "911000008", "911010003", "911020009", "911030004", "911040018"
BANKRUPT, LIQUIDATION, REMOVED, REMOVED_200 = "911050005", "911060000", "911070006", "911080001"
UNKNOWN, ERROR_500, GARBAGE, SLOW = "911090007", "911100002", "911110008", "911120003"

#: orgnr -> (HTTP status, fixture file, content type)
NUMBERS: dict[str, tuple[int, str, str]] = {
    AS: (200, "as.json", "application/json"),
    ENK: (200, "enk.json", "application/json"),
    KOMM: (200, "komm.json", "application/json"),
    FYLK: (200, "fylk.json", "application/json"),
    FLI: (200, "fli.json", "application/json"),
    BANKRUPT: (200, "bankrupt.json", "application/json"),
    LIQUIDATION: (200, "liquidation.json", "application/json"),
    REMOVED: (410, "removed_410.json", "application/json"),
    REMOVED_200: (200, "removed_200.json", "application/json"),
    ERROR_500: (500, "error_500.json", "application/json"),
    GARBAGE: (200, "garbage.txt", "text/html"),
    SLOW: (200, "as.json", "application/json"),  # answers only after ``slow_seconds``
}


class RegistryServer:
    def __init__(self, slow_seconds: float = 5.0):
        self.answers = dict(NUMBERS)
        self.slow = {SLOW}
        self.slow_seconds = slow_seconds
        self.down = False
        self.hits: dict[str, int] = {}
        self.accepts: list[str] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's name
                prefix = "/enhetsregisteret/api/enheter/"
                if not self.path.startswith(prefix):
                    return self._send(404, b"{}", "application/json")
                orgnr = self.path[len(prefix):]
                server.hits[orgnr] = server.hits.get(orgnr, 0) + 1
                server.accepts.append(self.headers.get("Accept", ""))
                if server.down:
                    return self._send(503, b"Service Unavailable", "text/plain")
                if orgnr in server.slow:
                    # Longer than any client timeout; ends early when the server stops.
                    server._stop.wait(server.slow_seconds)
                status, name, content_type = server.answers.get(
                    orgnr, (404, "not_found_404.json", "application/json"))
                body = (FIXTURES / name).read_bytes()
                if name == "not_found_404.json":
                    body = body.replace(b"911090007", orgnr.encode()[:9])
                self._send(status, body, content_type)

            def _send(self, status: int, body: bytes, content_type: str):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/enhetsregisteret/api"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, orgnr: str, status: int, name: str,
               content_type: str = "application/json") -> None:
        self.answers[orgnr] = (status, name, content_type)

    def body(self, name: str) -> dict:
        return json.loads((FIXTURES / name).read_text("utf-8"))

    def __enter__(self) -> RegistryServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
