"""``flask --app wsgi exchange ...``: expiry and hand-over reminders (cron), factors."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.db import commit

exchange = AppGroup("exchange", help="Reservations: expiry, hand-over reminders, factors.")


@exchange.command("expire")
def expire():
    """Expire unanswered requests and unpaid online payments (run nightly)."""
    from app.exchange.services import expire_due

    ids = expire_due()
    commit()
    click.echo(f"{len(ids)} reservations expired")


@exchange.command("remind")
def remind():
    """Remind both sides to confirm hand-overs past their pickup time (nightly; at most
    once a day per reservation), and complete those where the giver's confirmation now
    stands alone."""
    from app.exchange.reminders import send_reminders

    run = send_reminders()
    commit()
    click.echo(f"{len(run.reminded)} reservations reminded, {len(run.completed)} completed "
               f"on the giver's confirmation, {len(run.pickups)} pickups tomorrow reminded")


@exchange.command("seed-factors")
def seed_factors():
    """Insert the documented emission factors that are missing (idempotent)."""
    from app.exchange.factors import ensure_emission_factors

    added = ensure_emission_factors()
    commit()
    click.echo(f"{added} emission factors added")
