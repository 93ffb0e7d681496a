"""Pickup windows: check them (form and API say the same thing), describe them, and
find the window a chosen time lies in.

The API shape of one window, also what the listing form produces::

    {"weekdays": [1, 2, 3, 4, 5], "start": "08:00", "end": "15:00"}   # man-fre
    {"date": "2026-12-07", "start": "10:00", "end": "12:00"}           # one dated slot

Weekdays are ISO numbers (1 = Monday ... 7 = Sunday); times are Europe/Oslo wall-clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import formatting
from app.pickup.models import PickupWindow
from app.validation import MAX_YEAR, MIN_YEAR, Field

OSLO = ZoneInfo("Europe/Oslo")
#: Most windows on one listing (rows in the form, items in the API).
MAX_WINDOWS = 12
#: How far ahead a dated slot may lie.
MAX_DAYS_AHEAD = 366
#: The length of an agreed pickup when only its start is chosen.
SLOT_MINUTES = 30
TIME_PATTERN = r"([01][0-9]|2[0-3]):[0-5][0-9]"
TIME_RE = re.compile(rf"^{TIME_PATTERN}$")

WEEKDAY_SHORT = {1: _l("man"), 2: _l("tir"), 3: _l("ons"), 4: _l("tor"), 5: _l("fre"),
                 6: _l("lør"), 7: _l("søn")}
WEEKDAY_NAMES = {1: _l("mandag"), 2: _l("tirsdag"), 3: _l("onsdag"), 4: _l("torsdag"),
                 5: _l("fredag"), 6: _l("lørdag"), 7: _l("søndag")}


# --- reading -----------------------------------------------------------------------------


def window_json(window: PickupWindow) -> dict[str, Any]:
    shape: dict[str, Any] = ({"weekdays": window.weekday_numbers} if window.weekdays
                             else {"date": window.day.isoformat()})
    return {**shape, "start": window.starts.strftime("%H:%M"),
            "end": window.ends.strftime("%H:%M")}


def windows_json(listing) -> list[dict[str, Any]]:
    return [window_json(w) for w in listing.pickup_windows]


def weekday_text(numbers: list[int]) -> str:
    """"man–fre" for a run of three or more days, else "man, ons, fre"."""
    numbers = sorted(set(numbers))
    if len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{WEEKDAY_SHORT[numbers[0]]}–{WEEKDAY_SHORT[numbers[-1]]}"
    return ", ".join(str(WEEKDAY_SHORT[n]) for n in numbers)


def describe(window: PickupWindow) -> str:
    """"man–fre 08:00–15:00" or "7. desember 2026 10:00–12:00", in the reader's language."""
    hours = f"{window.starts.strftime('%H:%M')}–{window.ends.strftime('%H:%M')}"
    if window.weekdays:
        return f"{weekday_text(window.weekday_numbers)} {hours}"
    return f"{formatting.date(window.day, 'long')} {hours}"


def current_windows(listing, now: datetime) -> list[PickupWindow]:
    """The listing's windows without dated slots that are over."""
    today = now.astimezone(OSLO)
    return [w for w in listing.pickup_windows
            if w.weekdays or datetime.combine(w.day, w.ends, OSLO) > today]


def window_for(listing, when: datetime) -> PickupWindow | None:
    """The window ``when`` (an aware time) starts in, or None."""
    local = when.astimezone(OSLO)
    moment = local.time().replace(tzinfo=None)
    for window in listing.pickup_windows:
        on_day = (local.isoweekday() in window.weekday_numbers if window.weekdays
                  else local.date() == window.day)
        if on_day and window.starts <= moment < window.ends:
            return window
    return None


def end_for(listing, start: datetime) -> datetime:
    """A pickup starting at ``start`` lasts ``SLOT_MINUTES``, not past its window's end."""
    end = start + timedelta(minutes=SLOT_MINUTES)
    window = window_for(listing, start)
    if window is not None:
        local = start.astimezone(OSLO)
        window_end = datetime.combine(local.date(), window.ends, OSLO)
        end = min(end, window_end)
    return end


# --- checking ----------------------------------------------------------------------------


def _time(value: Any) -> time | None:
    if isinstance(value, str) and TIME_RE.match(value.strip()):
        return time.fromisoformat(value.strip())
    return None


def check_windows(value: Any, now: datetime) -> tuple[list[PickupWindow], list[str]]:
    """New (unsaved) windows for ``value`` and the messages for what is wrong with it,
    each naming the window's number ("Hentetid 2: ...")."""
    if not isinstance(value, list):
        return [], [_("Må være en liste.")]
    if len(value) > MAX_WINDOWS:
        return [], [_("Høyst %(n)s hentetider.", n=MAX_WINDOWS)]
    today = now.astimezone(OSLO)
    windows: list[PickupWindow] = []
    errors: list[str] = []
    seen: set[tuple] = set()
    for index, item in enumerate(value):
        problems: list[str] = []
        if not isinstance(item, dict):
            errors.append(_("Hentetid %(n)s: må være et objekt.", n=index + 1))
            continue
        unknown = sorted(set(item) - {"weekdays", "date", "start", "end"})
        if unknown:
            problems.append(_("ukjent felt %(names)s.", names=", ".join(unknown)))
        starts, ends = _time(item.get("start")), _time(item.get("end"))
        if starts is None:
            problems.append(_("oppgi fra-klokkeslett som TT:MM."))
        if ends is None:
            problems.append(_("oppgi til-klokkeslett som TT:MM."))
        if starts is not None and ends is not None and ends <= starts:
            problems.append(_("til-klokkeslettet må være etter fra-klokkeslettet."))
        weekdays, day = item.get("weekdays"), item.get("date")
        if (weekdays is None) == (day is None):
            problems.append(_("velg enten ukedager eller en dato."))
        elif weekdays is not None:
            if (not isinstance(weekdays, list) or not weekdays
                    or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7
                           for d in weekdays)
                    or len(set(weekdays)) != len(weekdays)):
                problems.append(_("ukedager må være tall fra 1 (mandag) til 7 (søndag), "
                                  "hver høyst én gang."))
                weekdays = None
        else:
            try:
                day = date.fromisoformat(day) if isinstance(day, str) else None
            except ValueError:
                day = None
            if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
                problems.append(_("ugyldig dato; bruk ÅÅÅÅ-MM-DD."))
                day = None
            elif ends is not None and datetime.combine(day, ends, OSLO) <= today:
                problems.append(_("datoen og klokkeslettet er passert."))
            elif day > today.date() + timedelta(days=MAX_DAYS_AHEAD):
                problems.append(_("datoen må være innen ett år."))
        if problems:
            errors.append(_("Hentetid %(n)s: %(problems)s", n=index + 1,
                            problems=" ".join(str(p) for p in problems)))
            continue
        key = (tuple(sorted(weekdays)) if weekdays else day, starts, ends)
        if key in seen:
            errors.append(_("Hentetid %(n)s: står allerede i listen.", n=index + 1))
            continue
        seen.add(key)
        windows.append(PickupWindow(
            position=index, weekdays=",".join(str(d) for d in sorted(weekdays))
            if weekdays else None, day=None if weekdays else day, starts=starts, ends=ends))
    return windows, errors


def check_buyer_time(listing, when: datetime, field: str = "pickup_at") -> None:
    """A buyer's time must lie in one of the listing's windows (when it has any)."""
    from app.errors import ValidationFailed

    if listing.pickup_windows and window_for(listing, when) is None:
        allowed = "; ".join(describe(w) for w in listing.pickup_windows)
        raise ValidationFailed({field: [_("Velg et tidspunkt innenfor hentetidene: "
                                          "%(windows)s.", windows=allowed)]})


# --- the API field -----------------------------------------------------------------------


class WindowsField(Field):
    """``pickup_windows`` in the listing API: the document describes every item exactly;
    the rules (end after start, no past slot) are :func:`check_windows`'s."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("kind", "list")
        kwargs.setdefault("max_items", MAX_WINDOWS)
        kwargs.setdefault("description", (
            "When the items may be fetched (Europe/Oslo wall-clock times): weekdays "
            "(ISO 1 = Monday ... 7 = Sunday) with hours, or a dated slot. Replaces all "
            "windows; [] removes them."))
        super().__init__(**kwargs)

    def convert(self, value: Any) -> list:
        """Refuse exactly what :meth:`json_schema` refuses (each item one of the two
        shapes), so the document and the API agree value by value."""
        items = [dict(i) if isinstance(i, dict) else i for i in super().convert(value)]
        for item in items:
            if not isinstance(item, dict) or set(item) not in (_WEEKLY_KEYS, _DATED_KEYS):
                raise ValueError(_("Hver hentetid har start og end, og enten weekdays eller "
                                   "date (og ikke noe annet)."))
            for key in ("start", "end"):
                if not isinstance(item[key], str) or not _CLOCK.search(item[key]):
                    raise ValueError(_("Klokkeslett skrives TT:MM."))
            if "date" in item:
                if not isinstance(item["date"], str) or not _DATE.fullmatch(item["date"]):
                    raise ValueError(_("Datoen skrives ÅÅÅÅ-MM-DD."))
                try:
                    date.fromisoformat(item["date"])
                except ValueError:
                    raise ValueError(_("Datoen skrives ÅÅÅÅ-MM-DD.")) from None
            else:
                days = item["weekdays"]
                if (not isinstance(days, list) or not 1 <= len(days) <= 7
                        or not all(_weekday(d) for d in days)
                        or len({int(d) for d in days}) != len(days)):
                    raise ValueError(_("Ukedager er 1 (mandag) til 7 (søndag), hver én gang."))
                item["weekdays"] = [int(d) for d in days]  # 2.0 is the integer 2 in JSON
        return items

    def json_schema(self) -> dict:
        clock = {"type": "string", "pattern": f"^{TIME_PATTERN}$"}
        weekly = {"type": "object", "additionalProperties": False,
                  "required": ["weekdays", "start", "end"],
                  "properties": {"weekdays": {"type": "array", "minItems": 1, "maxItems": 7,
                                              "uniqueItems": True,
                                              "items": {"type": "integer", "minimum": 1,
                                                        "maximum": 7}},
                                 "start": clock, "end": clock}}
        dated = {"type": "object", "additionalProperties": False,
                 "required": ["date", "start", "end"],
                 "properties": {"date": {"type": "string", "format": "date"},
                                "start": clock, "end": clock}}
        return {"type": "array", "maxItems": self.max_items, "description": self.description,
                "items": {"oneOf": [weekly, dated]}}


_WEEKLY_KEYS = frozenset({"weekdays", "start", "end"})
_DATED_KEYS = frozenset({"date", "start", "end"})
_CLOCK = re.compile(f"^{TIME_PATTERN}$")  # search(), as JSON Schema's "pattern"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _weekday(value: Any) -> bool:
    """An integer 1-7 as JSON Schema counts integers (2.0 is one; true is not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return float(value).is_integer() and 1 <= value <= 7


WINDOW_SCHEMA = {
    "type": "object",
    "properties": {"weekdays": {"type": "array", "items": {"type": "integer"}},
                   "date": {"type": "string", "format": "date"},
                   "start": {"type": "string"}, "end": {"type": "string"}},
    "required": ["start", "end"],
}
