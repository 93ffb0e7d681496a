"""Routes for a person's data: /account/data..., and the record of processing for site admins."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("privacy", __name__)
