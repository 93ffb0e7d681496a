"""A person's own settings: name and language, e-mail (confirmed by link), password.

Routes under /account/...; the hub /account (accounts.account) links here.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("settings", __name__)
