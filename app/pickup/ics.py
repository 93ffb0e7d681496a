"""The iCalendar text of a pickup (RFC 5545, written with the ``icalendar`` package).

One event per reservation: the UID never changes, SEQUENCE goes up with every change,
so a calendar replaces the event it already has (METHOD:REQUEST) or removes it
(METHOD:CANCEL with STATUS:CANCELLED). Times carry TZID=Europe/Oslo with its VTIMEZONE.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

OSLO = ZoneInfo("Europe/Oslo")
PRODID = "-//Kretsløp//Hentetid//NB"


def _address(email: str, name: str, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    if role:
        address.params["ROLE"] = vText(role)
        address.params["PARTSTAT"] = vText("ACCEPTED")
        address.params["RSVP"] = vText("FALSE")
    return address


def calendar(*, method: str, uid: str, sequence: int, start: datetime, end: datetime,
             summary: str, location: str, description: str, url: str,
             organizer: tuple[str, str], attendees: list[tuple[str, str]],
             stamp: datetime, tentative: bool = False) -> str:
    """The whole VCALENDAR for one pickup; ``method`` is REQUEST, CANCEL or PUBLISH
    (``tentative``: a time proposed but not agreed yet)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start.astimezone(OSLO))
    event.add("dtend", end.astimezone(OSLO))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    event.add("description", description)
    event.add("url", url)
    event.add("status", "CANCELLED" if method == "CANCEL"
              else "TENTATIVE" if tentative else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(*organizer))
    for email, name in attendees:
        event.add("attendee", _address(email, name, "REQ-PARTICIPANT"), encode=0)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")
