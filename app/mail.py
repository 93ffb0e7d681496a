"""E-mail: queued through the outbox, rendered in the recipient's language, sent by SMTP.

With no ``MAIL_SERVER`` configured (the embedded default) each message is written to
``MAIL_DIR`` as an ``.eml`` file, so a newcomer can read what would have been sent.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from app import outbox
from app.links import link_base

SUBJECTS = {
    "invitation": lambda c: _("Invitasjon til %(org)s på Kretsløp", org=c["org_name"]),
    "password_reset": lambda c: _("Nytt passord for Kretsløp"),
    "registration_confirm": lambda c: _("Bekreft registreringen på Kretsløp"),
    "registration_existing": lambda c: _("Du har allerede en konto på Kretsløp"),
}


def register_subject(template: str, subject) -> None:
    """Let a domain add its own message kinds (``subject`` gets the context)."""
    SUBJECTS[template] = subject


def queue_mail(to: str, template: str, locale: str = "nb",
               attachments: list[dict[str, str]] | None = None, **context: Any) -> None:
    """Queue a message for delivery after commit; ``context`` must be JSON-serialisable.

    ``attachments``: text parts such as a calendar invitation, each
    ``{"filename": "hentetid.ics", "content_type": "text/calendar; method=REQUEST",
    "content": "BEGIN:VCALENDAR..."}``.
    """
    payload: dict[str, Any] = {}
    if attachments:
        payload["attachments"] = attachments
    if not current_app.config.get("BASE_URL") and has_request_context():
        payload["link_base"] = link_base()  # the served address, for a later delivery
    outbox.emit("mail.send", to=to, template=template, locale=locale, context=context,
                **payload)


def build_message(to: str, template: str, locale: str, context: dict[str, Any],
                  recorded_base: str | None = None,
                  attachments: list[dict[str, str]] | None = None) -> EmailMessage:
    with force_locale(locale or "nb"):
        ctx = dict(context, base_url=link_base(recorded_base))
        subject = SUBJECTS[template](ctx)
        body = render_template(f"mail/{template}.txt", **ctx)
    message = EmailMessage()
    # A header is one line: text stored before single-line fields refused line breaks
    # (a listing title, say) must not make every message about it fail on every retry.
    message["Subject"] = " ".join(str(subject).split())
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="kretslop.local")
    message.set_content(body)  # clears Content-* headers, so Content-Language comes after
    message["Content-Language"] = locale or "nb"
    for part in attachments or ():
        _attach(message, part)
    return message


def _attach(message: EmailMessage, part: dict[str, str]) -> None:
    """A text attachment; ``content_type`` may carry parameters ("text/calendar; method=X")."""
    kind, *raw_params = (p.strip() for p in part["content_type"].split(";"))
    maintype, subtype = kind.split("/", 1)
    if maintype != "text":
        raise ValueError(f"only text attachments are supported, not {kind}")
    params = dict(p.split("=", 1) for p in raw_params if "=" in p)
    message.add_attachment(part["content"], subtype=subtype, filename=part["filename"],
                           params=params)


def send(message: EmailMessage) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        directory = Path(config["MAIL_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
        return
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


@outbox.handler("mail.send", name="mail.send")
def deliver_mail(payload: dict[str, Any]) -> None:
    send(build_message(payload["to"], payload["template"], payload.get("locale", "nb"),
                       payload.get("context", {}), payload.get("link_base"),
                       payload.get("attachments")))
