"""Stripe for tests: a real localstripe server, a recording HTTP client, signed events.

* :class:`LocalStripe` runs ``localstripe --port <free> --from-scratch`` as a subprocess
  (the real fake-Stripe HTTP server) and acts as the browser's Stripe.js would towards it.
* :class:`RecordingHTTPClient` is a **test double**: stripe-python's own ``RequestsClient``
  that records every request the gateway sends (method, path, form parameters,
  idempotency key) and answers canned responses for what localstripe cannot do (Connect:
  accounts, account links, destination charges); everything else goes to the server.
* :func:`signed` builds the ``Stripe-Signature`` header with stripe-python's own
  ``WebhookSignature.generate_signature_header`` (HMAC-SHA256 over ``"<t>.<body>"``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
import stripe

from tests.conftest import service_missing
from tests.e2e.stack import free_port

SECRET_KEY = "sk_test_kretslop"
PUBLISHABLE_KEY = "pk_test_kretslop"
WEBHOOK_SECRET = "whsec_test_platform"
CONNECT_SECRET = "whsec_test_connect"
WEBHOOK_ID = "kretslop-tests"  # re-registering under one id replaces the previous URL


def stripe_settings(api_base: str | None) -> dict:
    return {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_CONNECT_WEBHOOK_SECRET": CONNECT_SECRET, "STRIPE_API_BASE": api_base,
            "STRIPE_TIMEOUT_SECONDS": 5}


class LocalStripe:
    """A localstripe process on a free port; terminated by :meth:`stop`."""

    def __init__(self, log_dir: Path) -> None:
        executable = Path(sys.executable).with_name("localstripe")
        if not executable.exists():
            service_missing(f"localstripe is not installed ({executable})")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / "localstripe.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - kept open for the child
        self.process = subprocess.Popen(  # noqa: S603
            [str(executable), "--port", str(self.port), "--from-scratch"], cwd=log_dir,
            stdout=self._log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                service_missing(f"localstripe exited early:\n{self.logs()}")
            try:
                if requests.get(f"{self.url}/js.stripe.com/v3/", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        service_missing(f"localstripe did not answer within {timeout}s:\n{self.logs()}")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()

    # --- what Stripe's dashboard / Stripe.js would do --------------------------------------

    def _api(self, method: str, path: str, data: dict | None = None) -> requests.Response:
        return requests.request(method, f"{self.url}{path}", data=data, timeout=10,
                                auth=(SECRET_KEY, ""))

    def register_webhook(self, url: str, secret: str = WEBHOOK_SECRET) -> None:
        response = requests.post(f"{self.url}/_config/webhooks/{WEBHOOK_ID}",
                                 data={"url": url, "secret": secret}, timeout=10)
        assert response.status_code == 200, response.text

    def pay(self, intent_id: str, payment_method: str = "pm_card_visa") -> requests.Response:
        """Attach a test card and confirm, as Stripe.js does for the buyer."""
        updated = self._api("POST", f"/v1/payment_intents/{intent_id}",
                            {"payment_method": payment_method})
        assert updated.status_code == 200, updated.text
        return self._api("POST", f"/v1/payment_intents/{intent_id}/confirm")

    def require_authentication(self, intent_id: str) -> dict:
        """Attach a 3-D Secure test card (4000 0025 0000 3155) and confirm server-side, so
        the PaymentIntent waits in ``requires_action`` for Stripe.js's confirmCardPayment."""
        method = self._api("POST", "/v1/payment_methods", {
            "type": "card", "card[number]": "4000002500003155", "card[exp_month]": "12",
            "card[exp_year]": "2034", "card[cvc]": "123"})
        assert method.status_code == 200, method.text
        self.pay(intent_id, method.json()["id"])
        return self.intent(intent_id)

    def intent(self, intent_id: str) -> dict:
        response = self._api("GET", f"/v1/payment_intents/{intent_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def refunds_for(self, intent_id: str) -> list[dict]:
        response = self._api("GET", f"/v1/refunds?payment_intent={intent_id}")
        assert response.status_code == 200, response.text
        return response.json()["data"]


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    idempotency_key: str | None
    headers: dict = field(repr=False, default_factory=dict)


class RecordingHTTPClient(stripe.RequestsClient):
    """Test double around stripe-python's HTTP client: records, and answers canned
    responses for routes registered with :meth:`respond` (others reach the server)."""

    def __init__(self) -> None:
        super().__init__(timeout=10)
        self.calls: list[Call] = []
        self._canned: list[tuple[str, re.Pattern, int, dict]] = []

    def respond(self, method: str, path_regex: str, body: dict, status: int = 200) -> None:
        self._canned.insert(0, (method.upper(), re.compile(path_regex + r"\Z"), status, body))

    def request(self, method, url, headers, post_data=None):
        parts = urlsplit(url)
        if post_data:
            raw = post_data if isinstance(post_data, str) else post_data.decode()
        else:
            raw = parts.query
        params = dict(parse_qsl(raw or "", keep_blank_values=True))
        headers = dict(headers or {})
        self.calls.append(Call(method.upper(), parts.path, params,
                               headers.get("Idempotency-Key"), headers))
        for canned_method, pattern, status, body in self._canned:
            if canned_method == method.upper() and pattern.match(parts.path):
                return json.dumps(body).encode(), status, {"Content-Type": "application/json"}
        return super().request(method, url, headers, post_data)

    def find(self, method: str, path_regex: str) -> list[Call]:
        pattern = re.compile(path_regex + r"\Z")
        return [c for c in self.calls if c.method == method.upper() and pattern.match(c.path)]


def event(type_: str, obj: dict, *, created: int | None = None, account: str | None = None,
          event_id: str | None = None) -> dict:
    body = {"id": event_id or f"evt_test_{uuid.uuid4().hex[:16]}", "object": "event",
            "type": type_, "created": created or int(time.time()), "livemode": False,
            "api_version": "2024-06-20", "data": {"object": obj}}
    if account:
        body["account"] = account
    return body


def signed(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)


def post_event(client, body: dict, *, secret: str = WEBHOOK_SECRET,
               timestamp: int | None = None, path: str = "/stripe/webhook"):
    payload = json.dumps(body)
    return client.post(path, data=payload, content_type="application/json",
                       headers={"Stripe-Signature": signed(payload, secret, timestamp)})
