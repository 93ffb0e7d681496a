"""What the two message threads have in common (a reservation's messages,
``app.exchange.thread``, and the questions before reserving, ``app.questions``): plain
text with a length limit, written by one person for one organisation."""

from __future__ import annotations

from flask_babel import gettext as _

from app.errors import ValidationFailed

#: The longest message (also a CHECK constraint on both message tables).
MESSAGE_MAX = 2000


def clean_body(body: str | None, field: str = "body") -> str:
    """The message stripped; 422 on ``field`` when it is empty or too long."""
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({field: [_("Skriv en melding.")]})
    if len(body) > MESSAGE_MAX:
        raise ValidationFailed({field: [_("Kan ikke være lengre enn %(n)s tegn.",
                                          n=MESSAGE_MAX)]})
    return body
