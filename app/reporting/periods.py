"""Reporting periods: inclusive ranges of Europe/Oslo calendar dates.

A hand-over belongs to the Oslo date of its completion time: 2025-12-31T23:30Z is
2026-01-01 00:30 in Oslo, so it counts in 2026. :meth:`Period.utc_bounds` turns a
period into the half-open UTC interval the ledger is filtered by.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from app.errors import ValidationFailed

OSLO = ZoneInfo("Europe/Oslo")
MAX_YEARS = 20
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: Oslo midnight of ``start`` to Oslo midnight after ``end``."""
        return oslo_midnight(self.start), oslo_midnight(self.end + timedelta(days=1))

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches, in order."""
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def iso(self) -> tuple[str, str]:
        return self.start.isoformat(), self.end.isoformat()


def oslo_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), OSLO).astimezone(UTC)


def oslo_date(moment: datetime) -> date:
    return moment.astimezone(OSLO).date()


def today() -> date:
    return datetime.now(OSLO).date()


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period(date(year, first, 1), month_period(year, first + 2).end)


def month_period(year: int, month: int) -> Period:
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def year_to_date(day: date | None = None) -> Period:
    day = day or today()
    return Period(date(day.year, 1, 1), day)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check(start: date, end: date, start_field: str = "from", end_field: str = "to") -> Period:
    """A valid period or ValidationFailed with messages per field."""
    errors: dict[str, list[str]] = {}
    for name, value in ((start_field, start), (end_field, end)):
        if not EARLIEST <= value <= LATEST:
            errors[name] = [_("Datoen må være mellom %(a)s og %(b)s.", a=EARLIEST.isoformat(),
                              b=LATEST.isoformat())]
    if not errors:
        if start > end:
            errors[start_field] = [_("Fra-datoen kan ikke være etter til-datoen.")]
        elif end >= _add_years(start, MAX_YEARS):
            errors[end_field] = [_("Perioden kan ikke være lengre enn %(n)s år.", n=MAX_YEARS)]
    if errors:
        raise ValidationFailed(errors)
    return Period(start, end)


def parse(raw_from: str | None, raw_to: str | None, default: Period | None = None) -> Period:
    """``from``/``to`` as ISO dates (either may be missing: the default's is used)."""
    default = default or year_to_date()
    errors: dict[str, list[str]] = {}
    values = {}
    for name, raw, fallback in (("from", raw_from, default.start), ("to", raw_to, default.end)):
        if raw is None or raw.strip() == "":
            values[name] = fallback
            continue
        try:
            values[name] = date.fromisoformat(raw.strip())
            if len(raw.strip()) != 10:
                raise ValueError
        except ValueError:
            errors[name] = [_("Ugyldig dato; bruk ÅÅÅÅ-MM-DD.")]
    if errors:
        raise ValidationFailed(errors)
    return check(values["from"], values["to"])


def parse_year(raw: str | None, field: str = "year") -> int:
    if raw is None or raw.strip() == "":
        return today().year
    try:
        if not re.fullmatch(r"[0-9]{1,9}", raw.strip()):
            raise ValueError
        year = int(raw.strip())
    except ValueError:
        raise ValidationFailed({field: [_("Må være et årstall, for eksempel 2026.")]}) from None
    if not EARLIEST.year <= year <= LATEST.year:
        raise ValidationFailed({field: [_("Årstallet må være mellom %(a)s og %(b)s.",
                                          a=EARLIEST.year, b=LATEST.year)]})
    return year


def dst_ranges(first_year: int, last_year: int) -> list[tuple[datetime, datetime]]:
    """UTC [start, end) of Oslo summer time (UTC+2) for each year: from 01:00 UTC on the
    last Sunday of March to 01:00 UTC on the last Sunday of October (the EU rule)."""
    ranges = []
    for year in range(first_year, last_year + 1):
        ranges.append((_last_sunday_0100(year, 3), _last_sunday_0100(year, 10)))
    return ranges


def _last_sunday_0100(year: int, month: int) -> datetime:
    last = date(year, month, calendar.monthrange(year, month)[1])
    last -= timedelta(days=(last.weekday() - 6) % 7)
    return datetime.combine(last, time(1), UTC)
