"""Errors: domain exceptions raised by services, answered as HTML or problem+json.

API clients (paths under ``/api/`` or an Accept header preferring JSON) get RFC 9457
``application/problem+json``; browsers get a page per status code. An
``IntegrityError`` that reaches the top is a conflict (409), never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """Base for errors a service raises for the caller to show to a person."""

    status = 400
    title = _l("Ugyldig forespørsel")

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or str(self.title))
        self.detail = detail or str(self.title)
        self.extra = extra


class ValidationFailed(ServiceError):
    """One or more fields are invalid: ``errors`` maps field name to messages."""

    status = 422
    title = _l("Ugyldige felt")

    def __init__(self, errors: dict[str, list[str]], detail: str | None = None) -> None:
        super().__init__(detail or _("Kontroller feltene som er markert."))
        self.errors = {k: [str(m) for m in v] for k, v in errors.items()}


class Conflict(ServiceError):
    status = 409
    title = _l("Konflikt")


class PermissionDenied(ServiceError):
    status = 403
    title = _l("Ingen tilgang")


class NotFound(ServiceError):
    status = 404
    title = _l("Finnes ikke")


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    errors: dict[str, list[str]] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://kretslop.no/problems/{status}",
        "title": str(title),
        "status": status,
    }
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _page(status: int, title: str, detail: str | None) -> tuple[str, int]:
    template = f"errors/{status}.html" if status in (403, 404, 409, 413, 429) else None
    try:
        return render_template(template or "errors/generic.html", status=status, title=title,
                               detail=detail), status
    except Exception:  # noqa: BLE001 - an error page must never fail
        log.exception("error page failed")
        return f"{status} {title}", status


def _respond(status: int, title: str, detail: str | None, errors=None, **extra):
    from app.db import rollback

    rollback()
    if wants_json():
        return problem(status, title, detail, errors, **extra)
    return _page(status, title, detail)


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return _respond(exc.status, str(exc.title), exc.detail, getattr(exc, "errors", None),
                        **exc.extra)

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        log.info("integrity error answered as 409: %s", exc.orig)
        return _respond(409, _("Konflikt"), _("Endringen kolliderer med eksisterende data."))

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError):
        # SQLite allows one writer at a time; a writer that waited past the busy timeout
        # is told to come back rather than shown an error. Anything else is a 500.
        if "database is locked" not in str(exc.orig):
            return _unexpected(exc)
        log.warning("database busy; answered 503")
        response = _respond(503, _("Tjenesten er opptatt"),
                            _("Mange lagrer samtidig akkurat nå. Prøv igjen om et øyeblikk."))
        if isinstance(response, tuple):
            response = app.make_response(response)
        response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        titles = {
            400: _("Ugyldig forespørsel"),
            401: _("Ikke innlogget"),
            403: _("Ingen tilgang"),
            404: _("Finnes ikke"),
            405: _("Metoden er ikke tillatt"),
            409: _("Konflikt"),
            413: _("For stor forespørsel"),
            415: _("Medietypen støttes ikke"),
            422: _("Ugyldige felt"),
            429: _("For mange forsøk"),
        }
        title = titles.get(exc.code, exc.name)
        detail = exc.description if exc.code not in (404, 405) else None
        if exc.code == 413:
            detail = _("Forespørselen er større enn grensen på %(mb)s MB.",
                       mb=(app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024))
        if exc.code == 429:
            detail = _("For mange forsøk. Vent litt og prøv igjen.")
        if exc.code == 400 and getattr(exc, "description", "").startswith("The CSRF"):
            detail = _("Skjemaet er utløpt eller mangler sikkerhetsnøkkel. Last siden på nytt.")
        response = _respond(exc.code, title, detail)
        if exc.code == 405 and isinstance(response, Response):
            response.headers["Allow"] = ", ".join(exc.valid_methods or [])
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return _respond(500, _("Noe gikk galt"), _("En uventet feil oppstod. Prøv igjen senere."))
