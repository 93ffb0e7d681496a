"""Flask extensions, created unbound and initialised in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate(compare_type=True, render_as_batch=True)
# When the storage (Redis) is unreachable the limiter logs a warning and keeps counting in
# this process's memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED); it goes back to Redis
# once Redis answers again.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def client_address() -> str:
    """The client's address: the socket's peer, or the address that the configured number
    of trusted proxies put in ``X-Forwarded-For`` (ProxyFix, ``TRUSTED_PROXY_HOPS``)."""
    return get_remote_address() or "unknown"


def email_rate_key() -> str:
    """One bucket per e-mail address tried, whatever address the attempts come from."""
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


def login_rate_key() -> str:
    """Kept for callers that limit per address and e-mail together."""
    return f"{client_address()}|{email_rate_key()}"


def failed_attempt(response) -> bool:
    """Count only attempts that did not succeed (a successful login redirects)."""
    return response.status_code not in (301, 302, 303)
