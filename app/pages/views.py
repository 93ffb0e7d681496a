"""Static content pages in both languages, operator details from configuration."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)
