"""Security headers and the content security policy (no third-party scripts by default)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from app.maps import tile_origins
from app.validation import MAX_ID

STRIPE_JS_ORIGIN = "https://js.stripe.com"
STRIPE_API_ORIGIN = "https://api.stripe.com"
STRIPE_HOOKS_ORIGIN = "https://hooks.stripe.com"


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy() -> str:
    script = ["'self'"]
    frame = ["'none'"]
    connect = ["'self'"]
    # Stripe.js is the one third-party script, and only when payments are configured.
    # Real Stripe.js talks to api.stripe.com and shows 3-D Secure from hooks.stripe.com
    # (Stripe's documented CSP); a STRIPE_API_BASE (localstripe) replaces the API origin.
    if current_app.config.get("STRIPE_PUBLISHABLE_KEY"):
        stripe_origin = _origin(current_app.config.get("STRIPE_JS_URL"))
        api_origin = _origin(current_app.config.get("STRIPE_API_BASE")) or STRIPE_API_ORIGIN
        for origin in sorted(filter(None, {stripe_origin, api_origin})):
            script.append(origin)
            connect.append(origin)
            frame = [o for o in frame if o != "'none'"] + [origin]
        if stripe_origin == STRIPE_JS_ORIGIN:
            frame.append(STRIPE_HOOKS_ORIGIN)
    # Map tiles load in the visitor's browser from exactly the MAP_TILE_URL host (app.maps).
    img = ["'self'", "data:", "blob:", *tile_origins()]
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {' '.join(script)}",
            "style-src 'self'",
            f"img-src {' '.join(img)}",
            "font-src 'self'",
            f"connect-src {' '.join(connect)}",
            f"frame-src {' '.join(frame)}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number larger than MAX_ID, the largest id a row can
    have, is 404 like any unknown id instead of overflowing the database driver. (Not a
    ``max``: werkzeug then answers 405 for the methods of a sibling rule.)"""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if isinstance(number, int) and number > MAX_ID:
            raise NotFound()
        return number


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before the blueprints add their rules
    app.after_request(add_security_headers)
