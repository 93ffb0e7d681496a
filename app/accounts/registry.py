"""Enhetsregisteret (Brønnøysundregistrene's open register of organisations): the client.

``lookup(orgnr)`` asks ``GET {BRREG_API_URL}/enheter/{orgnr}`` with ``Accept:
application/json`` and a timeout of a few seconds (``BRREG_TIMEOUT_SECONDS``, a deadline
for the whole answer, not per read), and reads the answer leniently: only the fields we
rely on, each checked for its type, anything else ignored. Definitive answers (200, 404
unknown, 410 removed) are kept for a day in ``registry_lookups``; errors (timeouts,
5xx, garbage) are not kept and come back as ``status == "error"``, which callers treat as
"try again later". An empty ``BRREG_API_URL`` turns the registry off (``status ==
"off"``): nothing is looked up and organisations stay unverified.

No third-party HTTP library: ``urllib.request`` only.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.accounts.models import RegistryLookup
from app.db import db, utcnow

CACHE_FOR = timedelta(days=1)
MAX_BODY = 512 * 1024
USER_AGENT = "Kretslop/1.0 (+https://kretslop.no; reuse marketplace for Asker kommune)"

FOUND, UNKNOWN, REMOVED = "found", "unknown", "removed"
BANKRUPT, LIQUIDATION, ERROR, OFF = "bankrupt", "liquidation", "error", "off"
#: Verdicts that refuse an organisation number for good.
REFUSED = frozenset({UNKNOWN, REMOVED, BANKRUPT, LIQUIDATION})


@dataclass
class RegistryResult:
    """What the registry said about one number."""

    status: str  # found | unknown | removed | bankrupt | liquidation | error | off
    http_status: int | None = None
    #: The fields we rely on, summarised (see :func:`summarise`); empty for errors.
    data: dict[str, Any] = field(default_factory=dict)
    #: For errors: what went wrong (for logs and the outbox's last_error).
    detail: str = ""
    cached: bool = False

    @property
    def refused(self) -> bool:
        return self.status in REFUSED

    @property
    def transient(self) -> bool:
        return self.status == ERROR

    def message(self) -> str:
        """The field error shown to a person for a refused number."""
        return refusal_message(self.status, self.data)


def refusal_message(status: str, data: dict | None = None) -> str:
    data = data or {}
    if status == UNKNOWN:
        return _("Organisasjonsnummeret finnes ikke i Enhetsregisteret.")
    if status == REMOVED:
        when = data.get("slettedato") or ""
        return (_("Enheten er slettet fra Enhetsregisteret (%(date)s).", date=when) if when
                else _("Enheten er slettet fra Enhetsregisteret."))
    if status == BANKRUPT:
        return _("Enheten er konkurs ifølge Enhetsregisteret.")
    if status == LIQUIDATION:
        return _("Enheten er under avvikling ifølge Enhetsregisteret.")
    return _("Enhetsregisteret svarte ikke. Vi prøver igjen senere.")


def enabled() -> bool:
    return bool((current_app.config.get("BRREG_API_URL") or "").strip())


# --- reading an answer leniently ------------------------------------------------------


def _text(value: Any, limit: int = 200) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _code(value: Any) -> tuple[str, str]:
    if isinstance(value, dict):
        return _text(value.get("kode"), 20), _text(value.get("beskrivelse"))
    return "", ""


def _address(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    lines = value.get("adresse")
    lines = [_text(x) for x in lines if isinstance(x, str) and x.strip()] \
        if isinstance(lines, list) else []
    out = {"address": ", ".join(lines)[:200], "postcode": _text(value.get("postnummer"), 10),
           "city": _text(value.get("poststed"), 100),
           "municipality_number": _text(value.get("kommunenummer"), 10),
           "municipality": _text(value.get("kommune"), 100)}
    return {k: v for k, v in out.items() if v}


def summarise(body: Any) -> dict[str, Any]:
    """The fields we rely on from an ``Enhet`` (unknown fields ignored, wrong types
    dropped). The business address is preferred to the postal one."""
    if not isinstance(body, dict):
        return {}
    form, form_text = _code(body.get("organisasjonsform"))
    sector, sector_text = _code(body.get("institusjonellSektorkode"))
    industry, industry_text = _code(body.get("naeringskode1"))
    address = _address(body.get("forretningsadresse")) or _address(body.get("postadresse"))
    out: dict[str, Any] = {
        "orgnr": _text(body.get("organisasjonsnummer"), 20), "name": _text(body.get("navn")),
        "form": form, "form_description": form_text, "sector": sector,
        "sector_description": sector_text, "industry": industry,
        "industry_description": industry_text, **address,
        "konkurs": body.get("konkurs") is True,
        "underAvvikling": body.get("underAvvikling") is True,
        "underTvangsavviklingEllerTvangsopplosning":
            body.get("underTvangsavviklingEllerTvangsopplosning") is True,
        "slettedato": _text(body.get("slettedato"), 20),
    }
    return {k: v for k, v in out.items() if v not in ("", None)}


def verdict(http_status: int, body: Any, orgnr: str) -> RegistryResult:
    """Turn one HTTP answer into a result."""
    if http_status == 404:
        return RegistryResult(UNKNOWN, 404, summarise(body))
    if http_status == 410:
        return RegistryResult(REMOVED, 410, summarise(body))
    if http_status != 200:
        return RegistryResult(ERROR, http_status, detail=f"HTTP {http_status}")
    data = summarise(body)
    if data.get("orgnr") != orgnr or not data.get("name"):
        return RegistryResult(ERROR, 200, detail="answer without this organisasjonsnummer "
                              "and a name")
    if data.get("slettedato"):
        status = REMOVED
    elif data.get("konkurs"):
        status = BANKRUPT
    elif data.get("underAvvikling") or data.get("underTvangsavviklingEllerTvangsopplosning"):
        status = LIQUIDATION
    else:
        status = FOUND
    return RegistryResult(status, 200, data)


# --- HTTP ---------------------------------------------------------------------------


def fetch(orgnr: str, timeout: float | None = None) -> tuple[int, Any]:
    """``(http_status, parsed JSON or None)``; raises ``OSError`` or ``ValueError`` on a
    network failure, a timeout or a body that is not JSON (for 200)."""
    base = current_app.config["BRREG_API_URL"].rstrip("/")
    timeout = float(timeout or current_app.config.get("BRREG_TIMEOUT_SECONDS") or 3.0)
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(  # noqa: S310 - the operator's configured https URL
        f"{base}/enheter/{orgnr}",
        headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
    except urllib.error.HTTPError as exc:
        response = exc
    with response:
        status = response.getcode() or 0
        chunks, size = [], 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the registry's answer took too long")
            if getattr(response, "fp", None) is not None:
                sock = _socket_of(response)
                if sock is not None:
                    sock.settimeout(left)
            chunk = response.read(min(64 * 1024, MAX_BODY + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY:
                raise ValueError("the registry's answer is too large")
    raw = b"".join(chunks)
    try:
        body = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if status == 200:
            raise ValueError(f"the registry's answer is not JSON: {exc}") from None
        body = None
    return status, body


def _socket_of(response) -> socket.socket | None:
    try:
        return response.fp.raw._sock  # http.client's socket, to shorten its timeout
    except AttributeError:
        return None


# --- the day cache ----------------------------------------------------------------------


def _cached(orgnr: str) -> RegistryResult | None:
    row = db.session.get(RegistryLookup, orgnr)
    if row is None or row.fetched_at < utcnow() - CACHE_FOR:
        return None
    result = verdict(row.http_status, row.body, orgnr)
    if result.transient:
        return None
    result.cached = True
    return result


def _remember(orgnr: str, http_status: int, body: Any) -> None:
    """Keep a definitive answer for a day (in a savepoint: two people registering the
    same number at once must not fail each other)."""
    try:
        with db.session.begin_nested():
            row = db.session.get(RegistryLookup, orgnr)
            if row is None:
                db.session.add(RegistryLookup(orgnr=orgnr, http_status=http_status,
                                              body=body, fetched_at=utcnow()))
            else:
                row.http_status, row.body, row.fetched_at = http_status, body, utcnow()
    except sa.exc.IntegrityError:
        pass


def forget(orgnr: str) -> None:
    """Drop the cached answer (a site admin asks the registry again)."""
    db.session.execute(sa.delete(RegistryLookup).where(RegistryLookup.orgnr == orgnr))


def lookup(orgnr: str, *, timeout: float | None = None, use_cache: bool = True
           ) -> RegistryResult:
    """Ask the registry about ``orgnr`` (nine digits), from the day cache when possible."""
    if not enabled():
        return RegistryResult(OFF)
    if use_cache:
        cached = _cached(orgnr)
        if cached is not None:
            return cached
    try:
        status, body = fetch(orgnr, timeout)
    except (OSError, ValueError) as exc:  # timeouts, refused connections, garbage
        current_app.logger.warning("Enhetsregisteret lookup of %s failed: %s", orgnr, exc)
        return RegistryResult(ERROR, detail=f"{type(exc).__name__}: {exc}"[:500])
    result = verdict(status, body, orgnr)
    if not result.transient:
        _remember(orgnr, status, body if isinstance(body, dict | list) else None)
    return result
