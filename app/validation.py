"""A small schema layer for JSON input: one declaration gives validation and OpenAPI.

``Schema.load`` returns clean values or raises ``ValidationFailed`` with translated
messages per field; ``Schema.json_schema`` describes the same rules for the API
document, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from app.errors import ValidationFailed

MISSING = object()
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Ids are 32-bit integer columns (PostgreSQL ``integer``); a larger one cannot exist.
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000  # a page number in a list; keeps OFFSET far from any integer limit
NOT_BLANK = r"\S"
#: What the document says about text (``convert`` refuses the rest): no NUL anywhere, no
#: CR/LF in a single-line ``string`` (around it is whitespace, which is stripped); the
#: second of each pair also says "not blank".
TEXT_PATTERNS = {
    "string": (r"^\s*[^\r\n\u0000]*\s*$",
               r"^\s*[^\r\n\u0000]*[^\s\u0000][^\r\n\u0000]*\s*$"),
    "text": (r"^[^\u0000]*$", r"^[^\u0000]*[^\s\u0000][^\u0000]*$"),
}
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: Dates and times outside these years are typing mistakes (year 1, 9999) and break date
#: arithmetic and time zone conversion; they are refused with a field error.
MIN_YEAR, MAX_YEAR = 1900, 2199
SINGLE_LINE = re.compile(r"[\r\n]")
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def check_year(value: date | datetime) -> None:
    """Refuse a date or time outside :data:`MIN_YEAR`..:data:`MAX_YEAR`."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(_("Året må være mellom %(lo)s og %(hi)s.", lo=MIN_YEAR, hi=MAX_YEAR))


def parse_day(text: str) -> date:
    """An ISO date (``YYYY-MM-DD``) from a form or the API, in the sane year range;
    ``ValueError`` with the message for the person otherwise. The pages' date fields use
    this, so year 1 or 9999 is a field error and never an overflow later on."""
    try:
        day = date.fromisoformat(text.strip())
    except (ValueError, TypeError, AttributeError):
        raise ValueError(_("Ugyldig dato; bruk ÅÅÅÅ-MM-DD.")) from None
    check_year(day)
    return day


@dataclass
class Field:
    """One input field. ``kind`` is string|text|email|integer|id|number|money|boolean|date|
    datetime|list. ``string`` is one line (CR and LF are refused); ``text`` may have
    line breaks. No text may contain NUL or a lone surrogate; dates and times are between
    the years :data:`MIN_YEAR` and :data:`MAX_YEAR`.

    The JSON schema says exactly what ``convert`` accepts: a required text is not blank
    (also when a partial update makes it optional to send), lengths count what was sent,
    a pattern and the choices apply to the value as sent, numbers are JSON numbers (money
    may also be a decimal string such as ``"125.50"``), dates are ``YYYY-MM-DD``.
    """

    kind: str = "string"
    required: bool = False
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False
    max_length: int | None = None
    min_length: int | None = None
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    items: Field | None = None
    max_items: int | None = None
    description: str = ""
    default: Any = MISSING
    extra: dict = field(default_factory=dict)
    blank: bool | None = None  # may a text be empty or a list have no items? default: not required

    def __post_init__(self) -> None:
        if self.blank is None:
            self.blank = not self.required
        if self.kind == "id":
            self.min = 1 if self.min is None else self.min
            self.max = MAX_ID if self.max is None else self.max

    def json_pattern(self) -> str:
        """``pattern`` for the whole value, as JSON Schema (and ``convert``) search it."""
        return f"^(?:{self.pattern})$"

    def _money_pattern(self) -> str:
        sign = "" if self.min is not None and self.min >= 0 else "-?"
        return rf"^{sign}[0-9]+([.,][0-9]{{1,2}})?$"

    def convert(self, value: Any) -> Any:  # noqa: C901 - one branch per kind
        if value is None:
            if self.nullable:
                return None
            raise ValueError(_("Feltet kan ikke være tomt."))
        kind = self.kind
        if kind in ("string", "text", "email"):
            if not isinstance(value, str):
                raise ValueError(_("Må være tekst."))
            if BAD_TEXT.search(value):
                raise ValueError(_("Inneholder et tegn som ikke er tillatt (NUL eller ugyldig "
                                   "Unicode)."))
            if kind != "text" and SINGLE_LINE.search(value.strip()):  # kept stripped
                raise ValueError(_("Kan ikke inneholde linjeskift."))
            if self.max_length is not None and len(value) > self.max_length:
                raise ValueError(_("Kan ikke være lengre enn %(n)s tegn.", n=self.max_length))
            if self.pattern and not re.search(self.json_pattern(), value):
                raise ValueError(self.extra.get("pattern_message") or _("Ugyldig format."))
            if self.choices is not None and value not in self.choices:
                raise ValueError(_("Ukjent verdi. Gyldige verdier: %(v)s.",
                                   v=", ".join(self.choices)))
            value = value.strip()
            if not self.blank and not value:
                raise ValueError(_("Feltet må fylles ut."))
            if self.min_length is not None and len(value) < self.min_length:
                raise ValueError(_("Må være minst %(n)s tegn.", n=self.min_length))
            if kind == "email":
                value = value.lower()
                if not EMAIL_RE.match(value):
                    raise ValueError(_("Ugyldig e-postadresse."))
            return value
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            raise ValueError(_("Må være true eller false."))
        if kind in ("integer", "id", "number", "money"):
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError(_("Må være et tall."))
            if isinstance(value, str) and (kind != "money"
                                           or not re.search(self._money_pattern(), value)):
                raise ValueError(_("Må være et tall."))
            try:
                number = Decimal(str(value).strip().replace(",", "."))
            except InvalidOperation:
                raise ValueError(_("Må være et tall.")) from None
            if not number.is_finite():
                raise ValueError(_("Må være et tall."))
            if kind in ("integer", "id") and number != number.to_integral_value():
                raise ValueError(_("Må være et heltall."))
            if kind == "money" and number.as_tuple().exponent < -2:
                raise ValueError(_("Høyst to desimaler."))
            self._check_range(number)
            return int(number) if kind in ("integer", "id") else number
        if kind == "date":
            try:
                if not isinstance(value, str) or not DATE_RE.match(value):
                    raise ValueError
                parsed_date = date.fromisoformat(value)
            except ValueError:
                raise ValueError(_("Ugyldig dato; bruk ÅÅÅÅ-MM-DD.")) from None
            check_year(parsed_date)
            return parsed_date
        if kind == "datetime":
            try:
                if not isinstance(value, str):
                    raise ValueError
                parsed = datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(_("Ugyldig tidspunkt; bruk ISO 8601.")) from None
            if parsed.tzinfo is None:
                raise ValueError(_("Tidspunktet må ha tidssone (for eksempel +01:00)."))
            check_year(parsed)
            return parsed
        if kind == "list":
            if not isinstance(value, list):
                raise ValueError(_("Må være en liste."))
            if self.max_items is not None and len(value) > self.max_items:
                raise ValueError(_("Høyst %(n)s elementer.", n=self.max_items))
            if not self.blank and not value:
                raise ValueError(_("Velg minst én."))
            return [self.items.convert(v) for v in value] if self.items else value
        raise TypeError(kind)

    def _check_range(self, number: Decimal) -> None:
        if self.min is not None:
            if self.exclusive_min and number <= Decimal(str(self.min)):
                raise ValueError(_("Må være større enn %(n)s.", n=_fmt(self.min)))
            if not self.exclusive_min and number < Decimal(str(self.min)):
                raise ValueError(_("Kan ikke være mindre enn %(n)s.", n=_fmt(self.min)))
        if self.max is not None and number > Decimal(str(self.max)):
            raise ValueError(_("Kan ikke være større enn %(n)s.", n=_fmt(self.max)))

    def json_schema(self) -> dict:
        kinds = {
            "string": {"type": "string"}, "text": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "integer": {"type": "integer"}, "id": {"type": "integer"},
            "number": {"type": "number"}, "money": {"type": "number"},
            "boolean": {"type": "boolean"},
            "date": {"type": "string", "format": "date"},
            "datetime": {"type": "string", "format": "date-time"},
            "list": {"type": "array"},
        }
        schema = dict(kinds[self.kind])
        if self.min is not None:
            schema["exclusiveMinimum" if self.exclusive_min else "minimum"] = self.min
        if self.max is not None:
            schema["maximum"] = self.max
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.kind in ("string", "text", "email") and not self.choices:
            if not self.blank or self.min_length:
                schema["minLength"] = max(1, self.min_length or 0)
            if self.pattern:
                schema["pattern"] = self.json_pattern()
            elif self.kind in TEXT_PATTERNS:
                schema["pattern"] = TEXT_PATTERNS[self.kind][0 if self.blank else 1]
            elif not self.blank:
                schema["pattern"] = NOT_BLANK
        if self.kind in ("date", "datetime") and not self.description:
            schema["description"] = f"Years {MIN_YEAR}-{MAX_YEAR}."
        if self.kind == "list" and not self.blank:
            schema["minItems"] = 1
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.items is not None:
            schema["items"] = self.items.json_schema()
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        if self.description:
            schema["description"] = self.description
        if self.kind == "money":
            schema = {"anyOf": [schema, {"type": "string", "pattern": self._money_pattern()}],
                      **({"description": self.description} if self.description else {})}
        if self.nullable:
            schema = {"anyOf": [schema, {"type": "null"}]}
        return schema


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


class Schema:
    """A named set of fields. Subclasses declare ``fields``; ``load`` validates."""

    fields: dict[str, Field] = {}

    @classmethod
    def load(cls, data: Any, partial: bool = False) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ValidationFailed({"_body": [_("Forventet et JSON-objekt.")]})
        errors: dict[str, list[str]] = {}
        clean: dict[str, Any] = {}
        unknown = sorted(set(data) - set(cls.fields))
        for name in unknown:
            errors[name] = [_("Ukjent felt.")]
        for name, spec in cls.fields.items():
            if name not in data:
                if spec.required and not partial:
                    errors[name] = [_("Feltet må fylles ut.")]
                elif spec.default is not MISSING and not partial:
                    clean[name] = spec.default
                continue
            try:
                clean[name] = spec.convert(data[name])
            except ValueError as exc:
                errors[name] = [str(exc)]
        if errors:
            raise ValidationFailed(errors)
        return clean

    @classmethod
    def json_schema(cls) -> dict:
        return {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: f.json_schema() for name, f in cls.fields.items()},
            "required": [name for name, f in cls.fields.items() if f.required],
        }
