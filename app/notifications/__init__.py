"""Notifications: what a person is told, in the app and by e-mail.

Every domain tells people through :func:`notify` and declares its kinds with
:func:`register_kind`. The person's choice per kind (e-mail at once, a daily digest, or
only in the app) decides what is e-mailed; the in-app list always gets the entry.

This first version only keeps the interface: it e-mails at once, as before. The
in-app list, the unread count and the per-kind choices are built behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.mail import queue_mail


@dataclass(frozen=True)
class Kind:
    name: str
    #: What the settings page calls it (a lazy string).
    label: Any
    #: The in-app line, called in the reader's language with the stored ``params``.
    line: Callable[[dict[str, Any]], str]


KINDS: dict[str, Kind] = {}


def register_kind(name: str, *, label: Any, line: Callable[[dict[str, Any]], str]) -> None:
    KINDS[name] = Kind(name, label, line)


def notify(user, kind: str, *, path: str, params: dict[str, Any],
           mail: tuple[str, dict[str, Any]] | None = None,
           attachments: list[dict[str, str]] | None = None) -> None:
    """Tell ``user`` about something of ``kind``.

    ``path``: where the entry leads ("/reservations/12"). ``params``: JSON-serialisable
    values (ids, a listing title) from which ``KINDS[kind].line`` writes the entry in the
    reader's language. ``mail``: ``(template, context)`` as :func:`app.mail.queue_mail`
    takes them (None: this kind is never e-mailed). ``attachments``: text attachments
    for that e-mail, such as a calendar invitation.
    """
    if mail is None:
        return
    template, context = mail
    queue_mail(user.email, template, user.locale or "nb", attachments=attachments, **context)
