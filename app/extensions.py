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
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def login_rate_key() -> str:
    """Limit login attempts per client address and per e-mail address tried."""
    email = (request.form.get("email") or "").strip().lower()
    return f"{get_remote_address()}|{email}"
