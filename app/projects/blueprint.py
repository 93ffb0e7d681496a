"""The one blueprint of the project pages (``/prosjekter``); each page module adds its
routes to it, and ``views`` imports them all."""

from flask import Blueprint

bp = Blueprint("projects", __name__)
