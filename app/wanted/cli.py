"""``flask --app wsgi wanted ...``: housekeeping for wanted requests."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.db import commit

wanted = AppGroup("wanted", help="Wanted requests.")


@wanted.command("expire")
def expire():
    """Open requests whose needed-by date has passed become expired (their matches are
    withdrawn by the matching service after the commit)."""
    from app.wanted.services import expire_due

    ids = expire_due()
    commit()
    click.echo(f"expired {len(ids)} requests")
