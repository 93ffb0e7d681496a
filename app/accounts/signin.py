"""Signing in safely: the person's sessions and API tokens in one list, two-factor (TOTP).

Routes under /account/security...
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("security", __name__)
