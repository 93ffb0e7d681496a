"""``flask --app wsgi privacy retention``: the nightly retention run (idempotent)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import commit, rollback

privacy = AppGroup("privacy", help="Personal data: retention.")


@privacy.command("retention")
@click.option("--dry-run", is_flag=True, help="Count what would be done; change nothing.")
def retention(dry_run: bool):
    """Anonymise old messages and inactive accounts; remove expired data exports."""
    from app.privacy import retention as service

    config = current_app.config
    result = service.run(dry_run=dry_run)
    if dry_run:
        rollback()
    else:
        commit()
    verb = "would be" if dry_run else ""
    click.echo(f"messages older than {config['RETENTION_MESSAGE_DAYS']} days anonymised"
               f"{' (' + verb + ')' if dry_run else ''}: {result.messages}")
    click.echo(f"inactive accounts (no use for {config['RETENTION_INACTIVE_ACCOUNT_DAYS']} "
               f"days) erased{' (' + verb + ')' if dry_run else ''}: {result.accounts}")
    click.echo(f"inactive accounts warned by e-mail{' (' + verb + ')' if dry_run else ''}: "
               f"{result.warned}")
    click.echo(f"inactive accounts kept (site admins or an organisation's only owner): "
               f"{result.accounts_kept}")
    click.echo(f"expired data exports removed{' (' + verb + ')' if dry_run else ''}: "
               f"{result.exports}")
    click.echo(f"delivered outbox rows older than {config['RETENTION_OUTBOX_DAYS']} days "
               f"removed{' (' + verb + ')' if dry_run else ''}: {result.outbox}")
