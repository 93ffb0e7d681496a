"""Reading the calendar invitations out of the delivered e-mails."""

from __future__ import annotations

from icalendar import Calendar


def invitations(mailbox, address: str) -> list[tuple[str, Calendar]]:
    """(subject, parsed calendar) of every mail to ``address`` with a hentetid.ics."""
    found = []
    for message in mailbox.to(address):
        for part in message.iter_attachments():
            if part.get_filename() == "hentetid.ics":
                assert part.get_content_type() == "text/calendar"
                found.append((message["Subject"], Calendar.from_ical(part.get_content())))
    return found


def event(calendar: Calendar):
    (vevent,) = calendar.walk("VEVENT")
    return vevent
