"""The one place where every request's input is checked before any view sees it.

* Text anywhere in the input - the query string, a posted form (names and values) and
  a JSON body (keys and strings at any depth) - may not contain NUL (PostgreSQL refuses
  it, so it would fail as a database error) or a lone UTF-16 surrogate (``"\\ud800"`` in
  JSON; it cannot be encoded to UTF-8 at all). The answer is 400 (query string) or 422
  (body) naming the field, as problem+json for the API and as the error page otherwise.
* A JSON body may nest at most :data:`MAX_JSON_DEPTH` arrays/objects deep. The depth is
  counted on the raw text before parsing (without recursion), so a body nested 5,000
  deep is refused with 400 instead of exhausting Python's recursion limit.
* Single-line WTForms fields (every ``StringField`` except ``TextAreaField``) refuse
  CR and LF (:func:`single_line_error`): a line break in a title or a name would end up
  in e-mail subjects and headers.

``init_app`` installs the JSON provider, the ``before_request`` hook and the WTForms
check. The API's own schemas (:mod:`app.validation`) and the listing and wanted rules
refuse CR/LF in single-line fields themselves.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _

from app.errors import ValidationFailed

MAX_JSON_DEPTH = 64
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BadQuery(ValidationFailed):
    """Field errors in the query string: 400 rather than 422."""

    status = 400


def bad_text(value: str) -> bool:
    """Does ``value`` contain NUL or a lone surrogate?"""
    return _BAD_TEXT.search(value) is not None


def text_error() -> str:
    return _("Inneholder et tegn som ikke er tillatt (NUL eller ugyldig Unicode).")


def single_line_error() -> str:
    return _("Kan ikke inneholde linjeskift.")


def has_line_break(value: Any) -> bool:
    return isinstance(value, str) and ("\n" in value or "\r" in value)


# --- JSON -------------------------------------------------------------------------------


def json_depth(raw: bytes | str) -> int:
    """How deeply arrays and objects nest in ``raw`` (strings skipped), without parsing."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= MAX_JSON_DEPTH:
        return 0  # cannot be deeper than the limit: skip the scan
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def json_errors(value: Any) -> dict[str, list[str]]:
    """Field errors for bad text in parsed JSON, walked with a stack (no recursion). The
    field is the top-level key (``_body`` for text outside an object)."""
    errors: dict[str, list[str]] = {}
    if isinstance(value, dict):
        stack = [(str(key), key, item) for key, item in value.items()]
    else:
        stack = [("_body", None, value)]
    while stack:
        field, key, item = stack.pop()
        if field in errors:
            continue
        if (isinstance(key, str) and bad_text(key)) or (isinstance(item, str)
                                                          and bad_text(item)):
            errors[_printable(field)] = [text_error()]
        elif isinstance(item, dict):
            stack.extend((field, k, v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((field, None, v) for v in item)
    return errors


def _printable(name: str) -> str:
    """A field name safe to echo back (its NUL and surrogates replaced)."""
    return _BAD_TEXT.sub("\ufffd", name)


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing over-deep bodies and NUL/lone surrogates."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if json_depth(s) > MAX_JSON_DEPTH:
            raise BadQuery({"_body": [_("JSON-dokumentet er nøstet for dypt (høyst %(n)s "
                                         "nivåer).", n=MAX_JSON_DEPTH)]},
                           _("Ugyldig JSON."))
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:  # a defence in depth: the scan above should catch it
            raise ValueError("JSON nested too deeply") from None
        errors = json_errors(value)
        if errors:
            raise ValidationFailed(errors)
        return value


# --- query string and forms ------------------------------------------------------------


def _multidict_errors(values) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, value in values.items(multi=True):
        if bad_text(key) or (isinstance(value, str) and bad_text(value)):
            errors[_printable(key)] = [text_error()]
    return errors


def check_request() -> None:
    """``before_request``: NUL and lone surrogates in the query string or a form."""
    errors = _multidict_errors(request.args)
    if errors:
        raise BadQuery(errors)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and \
            request.mimetype in FORM_TYPES:
        errors = _multidict_errors(request.form)
        if errors:
            raise ValidationFailed(errors)


# --- WTForms ---------------------------------------------------------------------------


def _install_single_line_check() -> None:
    """Every single-line WTForms field refuses CR/LF (``TextAreaField`` allows them)."""
    from wtforms.fields import StringField, TextAreaField
    from wtforms.validators import StopValidation

    if getattr(StringField, "_kretslop_single_line", False):
        return
    original = StringField.pre_validate

    def pre_validate(self, form):
        if not isinstance(self, TextAreaField) and has_line_break(self.data):
            raise StopValidation(single_line_error())
        return original(self, form)

    StringField.pre_validate = pre_validate
    StringField._kretslop_single_line = True


def init_app(app: Flask) -> None:
    app.json_provider_class = SafeJSONProvider
    app.json = SafeJSONProvider(app)
    app.before_request(check_request)
    _install_single_line_check()
