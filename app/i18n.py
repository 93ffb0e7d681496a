"""Language selection: bokmål by default, English as the second language."""

from __future__ import annotations

from flask import current_app, g, request, session
from flask_login import current_user

LANG_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") if request else None
    if chosen in languages:
        return chosen
    chosen = session.get(LANG_COOKIE) if request else None
    if chosen in languages:
        return chosen
    user = getattr(g, "_login_user", None) or (current_user if request else None)
    locale = getattr(user, "locale", None)
    if locale in languages:
        return locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
