"""The one set of formatters for numbers, amounts, dates and times, used by pages, e-mails
and PDFs alike (issue #15).

* Bokmål (``nb``): decimal comma, U+202F (narrow no-break space) between thousands,
  "4. desember 2026", "4. des. 2026 kl. 13:05".
* English (``en``): formatted as en-GB (the catalogue stays ``en``): "1,234.5",
  "4 December 2026", "4 Dec 2026, 13:05" - never US dates or a 12-hour clock.
* Times are shown in Europe/Oslo; a naive datetime is UTC (what the database stores).
* Units are joined to the number with U+00A0 (no-break space): "84,5 kg".

Every function takes an optional ``locale`` ("nb", "en", a :class:`babel.Locale`); without
it the current one is used (the request's language, or the one set with
``flask_babel.force_locale`` - which :func:`app.mail.build_message` does with the
recipient's language), and bokmål outside an app context.

Machine-readable exports (CSV open data, the EU files, JSON) do *not* use these: they keep
ISO dates and a dot decimal. XLSX cells stay numeric with a number format.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date as date_type
from datetime import datetime as datetime_type
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal as _babel_decimal
from flask import Flask

OSLO = ZoneInfo("Europe/Oslo")
THIN = "\u202f"  # narrow no-break space: the bokmål thousands separator
NBSP = "\u00a0"  # between a number and its unit

_LOCALES = {"nb": Locale.parse("nb"), "en": Locale.parse("en_GB")}

#: Named date/time formats per language (CLDR patterns). Anything else passed as ``fmt``
#: is used as a CLDR pattern as it is.
DATE_FORMATS = {
    "nb": {"long": "d. MMMM y", "short": "d. MMM y", "day": "d. MMMM",
           "full": "EEEE d. MMMM y", "numeric": "dd.MM.y"},
    "en": {"long": "d MMMM y", "short": "d MMM y", "day": "d MMMM",
           "full": "EEEE d MMMM y", "numeric": "dd/MM/y"},
}
DATETIME_FORMATS = {
    "nb": {"long": "d. MMMM y 'kl.' HH:mm", "short": "d. MMM y 'kl.' HH:mm",
           "full": "EEEE d. MMMM y 'kl.' HH:mm", "numeric": "dd.MM.y HH:mm",
           "time": "HH:mm"},
    "en": {"long": "d MMMM y 'at' HH:mm", "short": "d MMM y, HH:mm",
           "full": "EEEE d MMMM y 'at' HH:mm", "numeric": "dd/MM/y HH:mm",
           "time": "HH:mm"},
}


def language(locale=None) -> str:
    """"nb" or "en": the formatting language for ``locale`` (or the current one)."""
    if locale is None:
        try:
            from flask_babel import get_locale

            locale = get_locale()
        except (RuntimeError, KeyError):  # outside an app context / babel not set up
            locale = None
    text = str(locale or "nb").replace("-", "_").split("_")[0].lower()
    return "en" if text == "en" else "nb"


def babel_locale(locale=None) -> Locale:
    """The :class:`babel.Locale` to format with: en -> en_GB, everything else bokmål."""
    return _LOCALES[language(locale)]


# --- numbers -------------------------------------------------------------------------


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def _format(value: Decimal, digits: int, fixed: bool, locale) -> str:
    if not value.is_finite():
        return "–"
    code = language(locale)
    quantum = Decimal(1).scaleb(-digits)
    value = value.quantize(quantum, rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)  # no "-0"
    fraction = ("." + ("0" if fixed else "#") * digits) if digits > 0 else ""
    text = _babel_decimal(value, format="#,##0" + fraction, locale=_LOCALES[code],
                          decimal_quantization=True)
    return text.replace(NBSP, THIN) if code == "nb" else text


def number(value, digits: int = 3, fixed: bool = False, locale=None) -> str:
    """``value`` with at most ``digits`` decimals (exactly ``digits`` when ``fixed``),
    rounded half up; whole numbers without decimals: number(10.000) == "10",
    number(1234.5) == "1 234,5" (nb, U+202F) / "1,234.5" (en). ``None`` is "–"."""
    if value is None or value == "":
        return "–"
    return _format(_decimal(value), digits, fixed, locale)


def integer(value, locale=None) -> str:
    return number(value, 0, locale=locale)


def kg_digits(value) -> int:
    """Sensible precision for a weight: 2 decimals under 10 kg, 1 under 1000, then none."""
    size = abs(_decimal(value))
    return 2 if size < 10 else 1 if size < 1000 else 0


def kg(value, unit: bool = True, locale=None) -> str:
    """A weight: "84,5 kg", "1 250 kg", "0,25 kg" (``unit=False``: the number only)."""
    if value is None or value == "":
        return "–"
    text = number(value, kg_digits(value), locale=locale)
    return f"{text}{NBSP}kg" if unit else text


def tonnes(value_kg, digits: int = 1, unit: bool = True, locale=None) -> str:
    """A weight given in kg, shown in tonnes: tonnes(12345) == "12,3 t"."""
    if value_kg is None or value_kg == "":
        return "–"
    text = number(_decimal(value_kg) / 1000, digits, fixed=True, locale=locale)
    return f"{text}{NBSP}t" if unit else text


def mass(value_kg, locale=None) -> str:
    """Tonnes from 1000 kg up ("12,3 t"), kilograms below ("84,5 kg")."""
    if value_kg is not None and abs(_decimal(value_kg)) >= 1000:
        return tonnes(value_kg, locale=locale)
    return kg(value_kg, locale=locale)


def co2e(value_kg, locale=None) -> str:
    """Avoided or caused emissions in kg CO2e: "122,5 kg CO2e", "12,3 t CO2e"."""
    return f"{mass(value_kg, locale=locale)} CO2e"


def percent(fraction, digits: int = 1, locale=None) -> str:
    """A share given as a fraction: percent(0.125) == "12,5 %" (nb) / "12.5%" (en)."""
    if fraction is None or fraction == "":
        return "–"
    text = number(_decimal(fraction) * 100, digits, locale=locale)
    return f"{text}{NBSP}%" if language(locale) == "nb" else f"{text}%"


def money(ore, decimals: bool = True, locale=None) -> str:
    """Kroner from øre: "1 250,50" (nb) / "1,250.50" (en). ``decimals=False``: no øre
    when the amount is whole ("1 250")."""
    amount = Decimal(int(ore or 0)) / 100
    fixed = decimals or bool(int(ore or 0) % 100)
    return number(amount, 2 if fixed else 0, fixed=True, locale=locale)


def kroner(ore, locale=None) -> str:
    """The amount with its currency, whole amounts without øre: "kr 1 250", "kr 12,50"."""
    return f"kr{NBSP}{money(ore, decimals=False, locale=locale)}"


# --- dates and times -----------------------------------------------------------------


def _local(value: datetime_type) -> datetime_type:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(OSLO)


def _pattern(table: dict, fmt: str, locale) -> str:
    return table[language(locale)].get(fmt, fmt)


def date(value, fmt: str = "long", locale=None) -> str:
    """A date: "4. desember 2026" / "4 December 2026" (``fmt``: long, short, day, full,
    numeric or a CLDR pattern). A datetime is first put in Oslo time. ``None`` is ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date_type.fromisoformat(value[:10]) if len(value) <= 10 else \
            datetime_type.fromisoformat(value)
    if isinstance(value, datetime_type):
        value = _local(value).date()
    return _babel_date(value, _pattern(DATE_FORMATS, fmt, locale), locale=babel_locale(locale))


def datetime(value, fmt: str = "short", locale=None) -> str:
    """A moment in Oslo time: "4. des. 2026 kl. 13:05" / "4 Dec 2026, 13:05" (``fmt``:
    short, long, full, numeric, time or a CLDR pattern). A plain date is shown as a date."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime_type.fromisoformat(value)
    if not isinstance(value, datetime_type):
        return date(value, "long" if fmt in ("long", "full") else "short", locale=locale)
    return _babel_datetime(_local(value), _pattern(DATETIME_FORMATS, fmt, locale),
                           locale=babel_locale(locale))


def time(value, locale=None) -> str:
    """The clock time in Oslo, 24-hour in both languages: "13:05"."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime_type):
        value = _local(value)
    return value.strftime("%H:%M")


def time_range(start, end, locale=None) -> str:
    """ "4. des. 2026 kl. 13:05–14:00" (the end's date when it is another day)."""
    text = datetime(start, locale=locale)
    if end is None:
        return text
    same_day = _local(start).date() == _local(end).date()
    return f"{text}–{time(end) if same_day else datetime(end, locale=locale)}"


# --- Jinja ---------------------------------------------------------------------------

FILTERS = {
    "number": number, "integer": integer, "kg": kg, "tonnes": tonnes, "mass": mass,
    "co2e": co2e, "percent": percent, "money": money, "kroner": kroner, "date": date,
    "datetime": datetime, "time": time,
    # the older names, kept working
    "datetimeformat": datetime, "dateformat": date, "timeformat": time, "decimal": number,
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(format_time_range=time_range)
