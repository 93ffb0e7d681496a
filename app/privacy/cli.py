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


@privacy.command("erase")
@click.argument("email")
@click.option("--reason", required=True, help="Why (a request by e-mail, say); audited.")
def erase_command(email: str, reason: str):
    """Delete a person's account as "Slett kontoen min" does (for a request that came
    another way). The same rules: site admins and an organisation's only owner are refused."""
    from app.accounts.services import get_user_by_email
    from app.errors import Conflict
    from app.privacy import erase

    user = get_user_by_email(email)
    if user is None or user.erased_at is not None:
        raise click.ClickException(f"no account for {email}")
    try:
        erase.check_can_erase(user)
    except Conflict as exc:
        rollback()
        raise click.ClickException(exc.detail) from exc
    erase.erase(user, reason=reason.strip()[:1000] or "cli", actor_label="cli")
    commit()
    click.echo(f"account {user.id} deleted")
