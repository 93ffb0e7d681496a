"""Site-wide pages: home, language switch, health check."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session

from app.db import db
from app.extensions import csrf
from app.pagecache import public_page

bp = Blueprint("main", __name__)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only same-site relative paths; anything else (//evil, https://evil) falls back."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


@bp.get("/")
@public_page
def home():
    return render_template("home.html")


@bp.post("/language")
@csrf.exempt  # a display preference: without a token, anonymous pages need no session
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        from flask_login import current_user

        if current_user.is_authenticated:
            current_user.locale = lang
    return redirect(safe_next(request.form.get("next"), "/"))


@bp.get("/healthz")
def health():
    db.session.execute(sa.text("SELECT 1"))
    return jsonify(status="ok")
