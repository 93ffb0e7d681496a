"""The one module that talks to Stripe (stripe-python). Everything else gets plain dicts.

One ``stripe.StripeClient`` per app and key, pointed at ``STRIPE_API_BASE`` when set (for
localstripe), with short timeouts (3 s to connect, 15 s to read; ``STRIPE_TIMEOUT_SECONDS``
in the app config or the environment sets both) and two
network retries (stripe-python retries only what is safe: connection errors, 409, 429
and 5xx, re-sending the same idempotency key). Tests may install their own HTTP client
(a recording test double) with :func:`set_http_client`.

Errors come out as :class:`GatewayError` with ``declined`` set for card errors and
``unavailable`` for network trouble or Stripe's 5xx; the caller decides what a person sees.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

import stripe
from flask import current_app

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (3.0, 15.0)
WEBHOOK_TOLERANCE = 300  # seconds; Stripe's default


class GatewayError(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 declined: bool = False, unavailable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.declined = declined
        self.unavailable = unavailable


class BadSignature(Exception):
    """A webhook whose body, signature or timestamp does not verify."""


def configured() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def set_http_client(app, http_client) -> None:
    """Use ``http_client`` (a ``stripe.HTTPClient``) for this app; None restores the default."""
    app.extensions["payments.http_client"] = http_client
    app.extensions.pop("payments.client", None)


def _timeout() -> tuple[float, float]:
    value = current_app.config.get("STRIPE_TIMEOUT_SECONDS") or os.environ.get(
        "STRIPE_TIMEOUT_SECONDS")
    if not value:
        return DEFAULT_TIMEOUT
    if isinstance(value, list | tuple):
        return float(value[0]), float(value[1])
    return float(value), float(value)


def client() -> stripe.StripeClient:
    config = current_app.config
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        raise GatewayError("Stripe is not configured (STRIPE_SECRET_KEY)", unavailable=True)
    cached = current_app.extensions.get("payments.client")
    signature = (key, config.get("STRIPE_API_BASE"))
    if cached is not None and cached[0] == signature:
        return cached[1]
    http_client = current_app.extensions.get("payments.http_client") or stripe.RequestsClient(
        timeout=_timeout())
    base = config.get("STRIPE_API_BASE")
    new = stripe.StripeClient(key, base_addresses={"api": base.rstrip("/")} if base else None,
                              http_client=http_client, max_network_retries=2)
    current_app.extensions["payments.client"] = (signature, new)
    return new


def _plain(obj: Any) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _call(what: str, func, *args, **kwargs) -> dict:
    try:
        return _plain(func(*args, **kwargs))
    except stripe.CardError as exc:
        raise GatewayError(exc.user_message or str(exc), status=exc.http_status, code=exc.code,
                           declined=True) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        log.warning("stripe %s: unavailable: %s", what, exc)
        raise GatewayError(str(exc), unavailable=True) from exc
    except stripe.StripeError as exc:
        status = exc.http_status
        log.warning("stripe %s failed (%s %s): %s", what, status, exc.code, exc)
        raise GatewayError(exc.user_message or str(exc), status=status, code=exc.code,
                           unavailable=status is None or status >= 500) from exc


def _options(idempotency_key: str | None) -> dict:
    return {"idempotency_key": idempotency_key} if idempotency_key else {}


# --- PaymentIntents and refunds -----------------------------------------------------------


def create_payment_intent(params: dict, idempotency_key: str) -> dict:
    c = client().v1.payment_intents
    return _call("create payment intent", c.create, params=params,
                 options=_options(idempotency_key))


def retrieve_payment_intent(intent_id: str) -> dict:
    return _call("retrieve payment intent", client().v1.payment_intents.retrieve, intent_id)


def cancel_payment_intent(intent_id: str) -> dict:
    return _call("cancel payment intent", client().v1.payment_intents.cancel, intent_id)


def create_refund(params: dict, idempotency_key: str) -> dict:
    return _call("create refund", client().v1.refunds.create, params=params,
                 options=_options(idempotency_key))


# --- Connect ------------------------------------------------------------------------------


def create_account(params: dict, idempotency_key: str) -> dict:
    return _call("create account", client().v1.accounts.create, params=params,
                 options=_options(idempotency_key))


def retrieve_account(account_id: str) -> dict:
    return _call("retrieve account", client().v1.accounts.retrieve, account_id)


def create_account_link(params: dict) -> dict:
    return _call("create account link", client().v1.account_links.create, params=params)


# --- webhooks -----------------------------------------------------------------------------


def _signed_at(signature_header: str) -> int | None:
    """The ``t=`` timestamp of a ``Stripe-Signature`` header (None if absent or bad)."""
    for item in signature_header.split(","):
        key, _sep, value = item.strip().partition("=")
        if key == "t":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def verify_event(payload: bytes, signature_header: str | None, secret: str) -> dict:
    """The event as a dict if ``Stripe-Signature`` verifies within the tolerance, both
    ways: stripe-python refuses a timestamp older than the tolerance, we also refuse one
    more than the tolerance in the future (a signature made ahead of time to replay)."""
    try:
        stripe.Webhook.construct_event(payload, signature_header, secret,
                                       tolerance=WEBHOOK_TOLERANCE)
        signed_at = _signed_at(signature_header or "")
        if signed_at is None or signed_at > time.time() + WEBHOOK_TOLERANCE:
            raise BadSignature("timestamp outside the tolerance zone (in the future)")
        event = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise BadSignature(str(exc)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadSignature(f"not a JSON event: {exc}") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) \
            or not isinstance(event.get("type"), str) \
            or not isinstance((event.get("data") or {}).get("object"), dict):
        raise BadSignature("not a Stripe event")
    return event
