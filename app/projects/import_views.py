"""Placeholder until its helper fills it in (issue #21)."""

from app.projects.blueprint import bp  # noqa: F401
