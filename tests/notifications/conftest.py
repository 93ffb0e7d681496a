"""Fixtures: the exchange's parties and builders (a giver, a receiver, a stranger, listings,
reservations made through the services) and the e-mails written to MAIL_DIR, parsed."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from tests.exchange.conftest import (  # noqa: F401 - fixtures used by these tests
    _exchange_payment_default,
    accepted,
    buyer,
    categories,
    make_listing,
    reserve,
    seller,
    stranger,
)


class Mailbox:
    """The .eml files the app wrote (no MAIL_SERVER: app.mail writes them), parsed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def all(self) -> list:
        files = sorted(self.directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]

    def to(self, address: str) -> list:
        return [m for m in self.all() if m["To"] == address]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def mailbox(app) -> Mailbox:
    return Mailbox(Path(app.config["MAIL_DIR"]))
