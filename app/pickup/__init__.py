"""Pickup times (issue 16): the lister's pickup windows on a listing, the time the two
sides agree on a reservation, its calendar invitation (``.ics``) and the reminder the
day before.

* ``models``: ``PickupWindow`` rows (weekdays and hours, or a dated slot; Oslo wall-clock
  times) belonging to a listing.
* ``windows``: checking windows (form and API), describing them, checking that a chosen
  time lies inside one.
* ``agreement``: proposing, agreeing, changing and cancelling the time on a reservation,
  with the invitations (same UID, SEQUENCE up by one each time) and the reminder.
* ``ics``: the iCalendar text (the ``icalendar`` package).
"""


def init_app(app) -> None:
    """Template helpers for the pickup partials."""
    from app.db import utcnow
    from app.pickup import windows

    @app.template_global()
    def pickup_windows_text(listing) -> list[str]:
        return [windows.describe(w) for w in windows.current_windows(listing, utcnow())]

    app.jinja_env.globals["max_pickup_windows"] = windows.MAX_WINDOWS
