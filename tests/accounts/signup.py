"""Test helper: finish a sign-up by following the link in the confirmation e-mail and
choosing the password on its page (the embedded mail setup writes each message to
MAIL_DIR as an .eml file)."""

from __future__ import annotations

import email
import re
from email.message import Message
from pathlib import Path

from flask import current_app


def mails_to(address: str, mail_dir: str | Path | None = None) -> list[Message]:
    """Every message written to ``mail_dir`` (default: the app's MAIL_DIR) for
    ``address``, oldest first."""
    directory = Path(mail_dir or current_app.config["MAIL_DIR"])
    files = sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    found = [email.message_from_bytes(p.read_bytes()) for p in files]
    return [m for m in found if m["To"] == address.lower()]


def text_of(message: Message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def confirmation_path(address: str, mail_dir=None) -> str:
    for message in reversed(mails_to(address, mail_dir)):
        match = re.search(r"https?://[^/\s]+(/register/confirm/\S+)", text_of(message))
        if match:
            return match.group(1)
    raise AssertionError(f"no confirmation link mailed to {address}")


def wait_for_confirmation_path(address: str, mail_dir, timeout: float = 30.0) -> str:
    """For served stacks, where a job worker may send the mail a moment after the answer."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            return confirmation_path(address, mail_dir)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


PASSWORD = "lang-nok-passord"


def csrf_of(html: str) -> str:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert token, html
    return token.group(1)


def confirm(client, address: str, mail_dir=None, password: str = PASSWORD):
    """Open the mailed link, choose ``password`` and press the button; returns the
    answer to the POST."""
    path = confirmation_path(address, mail_dir)
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_of(page), "password": password})


def register(client, data: dict, mail_dir=None, password: str = PASSWORD):
    """POST the sign-up form (it has no password); when it is accepted, open the
    e-mailed link, choose ``password`` there and return that answer (a 302 to the home
    page, logged in), else the form's answer."""
    assert "password" not in data, "the sign-up form has no password; pass password="
    response = client.post("/register", data=data)
    if response.status_code != 200 or "Sjekk e-posten din" not in response.get_data(as_text=True):
        return response
    return confirm(client, data["email"], mail_dir, password)
