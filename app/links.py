"""The address that e-mailed and other absolute links start with.

``BASE_URL`` when it is set (production requires it). Otherwise, in development, the
address the request was served on (``PORT=5055 make run`` mails links to port 5055); for
work done outside a request (jobs, commands) the address this process last served, or
the address recorded with the outbox row when the mail was queued.
"""

from __future__ import annotations

import os

from flask import current_app, has_request_context, request

_served: dict[str, str] = {}  # app import name -> last served base address


def remember_served_address() -> None:
    """Called before each request: the process's served address, for jobs run later."""
    if not current_app.config.get("BASE_URL"):
        _served[current_app.import_name] = request.host_url.rstrip("/")


def link_base(recorded: str | None = None) -> str:
    """Where links point, without a trailing slash."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if recorded:
        return recorded.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    served = _served.get(current_app.import_name)
    if served:
        return served
    return f"http://127.0.0.1:{os.environ.get('PORT') or 5000}"
