"""Errors: domain exceptions raised by services, answered as HTML or problem+json.

API clients (paths under ``/api/`` or an Accept header preferring JSON) get RFC 9457
``application/problem+json``; browsers get a page per status code.

Database errors are never a bare 500: every handler first rolls the session back
(before it translates a text: choosing the language may read the user from the
database), then answers
* ``IntegrityError`` and a transaction the database rolled back (deadlock, serialization
  failure: SQLSTATE class 40): 409, the request may be retried;
* ``DataError`` (a value the column cannot hold): 422;
* the database unreachable (a refused or lost connection, the pool exhausted): 503 with
  ``Retry-After`` and the clean page, rendered without touching the database (the
  visitor is shown as logged out on that page).
:func:`database_error_response` does the same for an error from the request's commit.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
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


def reset_database(anonymous: bool = False) -> None:
    """Roll the request's session back, whatever state it is in; with ``anonymous`` (or
    if the rollback itself fails) the rest of the request sees a logged-out visitor, so
    rendering a page touches the database no more."""
    from app.db import db, rollback

    try:
        rollback()
    except Exception:  # noqa: BLE001 - the connection is gone: drop the session
        log.warning("rollback failed; session discarded", exc_info=True)
        anonymous = True
        try:
            db.session.remove()
        except Exception:  # noqa: BLE001
            log.debug("removing the session failed", exc_info=True)
    if anonymous:
        from app.extensions import login_manager

        g._login_user = login_manager.anonymous_user()


def _page(status: int, title: str, detail: str | None, errors=None) -> tuple[str, int]:
    template = f"errors/{status}.html" if status in (403, 404, 409, 413, 429) else None
    for attempt in range(2):
        try:
            return render_template(template or "errors/generic.html", status=status,
                                   title=title, detail=detail, errors=errors), status
        except Exception:  # noqa: BLE001 - an error page must never fail
            log.exception("error page failed%s", " again as anonymous" if attempt else "")
            reset_database(anonymous=True)  # retry without the user (and the database)
    return f"{status} {title}", status


def _respond(status: int, title: str, detail: str | None, errors=None, **extra):
    reset_database()
    try:
        if wants_json():
            return problem(status, str(title), detail, errors, **extra)
        return _page(status, str(title), detail, errors)
    except Exception:  # noqa: BLE001 - never let the error answer itself fail
        log.exception("error response failed")
        response = Response(f"{status}", status=status, mimetype="text/plain")
        return response


def is_unreachable(exc: BaseException) -> bool:
    """Is ``exc`` the database being unreachable (not a bad statement)?"""
    if isinstance(exc, PoolTimeout | DisconnectionError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, OperationalError):
        orig = exc.orig
        if not hasattr(orig, "sqlstate"):  # not psycopg (SQLite): only a file it cannot open
            return "unable to open database file" in str(orig)
        sqlstate = orig.sqlstate
        # None: a client-side failure (connection refused or lost); 08: connection
        # exception; 57P0x: the server shutting down or starting; 53300: no free slots
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in (
            "57P01", "57P02", "57P03", "53300")
    return False


def _rolled_back_by_db(exc: BaseException) -> bool:
    """A deadlock or serialization failure (SQLSTATE class 40): the loser of a race."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return sqlstate.startswith("40")


def _with_retry_after(response, seconds: int):
    from flask import current_app

    if isinstance(response, tuple):
        response = current_app.make_response(response)
    response.headers["Retry-After"] = str(seconds)
    return response


def database_error_response(exc: BaseException):
    """The answer to a database error (from a view or from the request's commit)."""
    unreachable = is_unreachable(exc)
    reset_database(anonymous=unreachable)
    if unreachable:
        log.error("database unreachable; answered 503: %s", exc)
        return _with_retry_after(_respond(
            503, _("Tjenesten er midlertidig utilgjengelig"),
            _("Vi får ikke kontakt med databasen akkurat nå. Prøv igjen om litt.")), 30)
    from app.db import is_sqlite_busy

    if is_sqlite_busy(exc):
        log.warning("database busy; answered 503")
        return _with_retry_after(_respond(
            503, _("Tjenesten er opptatt"),
            _("Mange lagrer samtidig akkurat nå. Prøv igjen om et øyeblikk.")), 2)
    if isinstance(exc, IntegrityError) or _rolled_back_by_db(exc):
        log.info("database conflict answered as 409: %s", getattr(exc, "orig", exc))
        return _respond(409, _("Konflikt"), _("Endringen kolliderer med eksisterende data."))
    if isinstance(exc, DataError):
        log.warning("value refused by the database; answered 422: %s", exc.orig)
        return _respond(422, _("Ugyldige felt"),
                        _("En av verdiene kan ikke lagres (for lang, for stor eller med "
                          "ugyldige tegn)."),
                        {"_body": [_("En av verdiene kan ikke lagres.")]})
    log.error("database error: %s", exc, exc_info=exc)
    return _respond(500, _("Noe gikk galt"), _("En uventet feil oppstod. Prøv igjen senere."))


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        reset_database()  # before the title is translated (the language may need the DB)
        return _respond(exc.status, str(exc.title), exc.detail, getattr(exc, "errors", None),
                        **exc.extra)

    # SQLite allows one writer at a time; a writer that waited past the busy timeout is
    # told to come back (503, Retry-After) rather than shown an error.
    for error in (DBAPIError, PoolTimeout, DisconnectionError):
        app.register_error_handler(error, database_error_response)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        reset_database()
        original = getattr(exc, "original_exception", None)
        if original is not None and isinstance(original, DBAPIError | PoolTimeout
                                                | DisconnectionError):
            return database_error_response(original)
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
        reset_database()
        return _respond(500, _("Noe gikk galt"), _("En uventet feil oppstod. Prøv igjen senere."))
