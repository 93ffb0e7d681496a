"""Command-line interface: ``flask --app wsgi <group> <command>``."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.db import commit, db
from app.errors import ValidationFailed

users = AppGroup("users", help="Manage users.")
tokens = AppGroup("tokens", help="Manage API tokens.")
seed = AppGroup("seed", help="Load data.")
jobs = AppGroup("jobs", help="Deliver outbox events (the job runner).")


def fail(exc: ValidationFailed) -> None:
    for field, messages in exc.errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(2)


@users.command("create")
@click.argument("email")
@click.option("--password", required=True)
@click.option("--org", "org_name", required=True, help="Organisation name; joined if it exists.")
@click.option("--org-kind", type=click.Choice(["business", "reuse_shop", "municipality",
                                               "nonprofit"]), required=True)
@click.option("--orgnr", default=None, help="9-digit organisation number (MOD11 checked).")
@click.option("--role", type=click.Choice(["owner", "admin", "member"]), default="owner",
              show_default=True)
@click.option("--site-admin", is_flag=True, default=False)
def create_user(email, password, org_name, org_kind, orgnr, role, site_admin):
    """Create (or update) a user and put them in an organisation."""
    from app.accounts.services import create_user_cli

    try:
        user, org = create_user_cli(email, password, org_name, org_kind, orgnr, role, site_admin)
        commit()
    except ValidationFailed as exc:
        db.session.rollback()
        fail(exc)
    click.echo(f"user {user.id} {user.email} is {role} of {org.name} (org {org.id})")


@users.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email):
    """Turn two-factor off for EMAIL (lost phone and recovery codes) and end every
    session; the person sets it up again at the next sign-in if it is required."""
    from app import audit
    from app.accounts import two_factor
    from app.accounts.services import end_sessions, get_user_by_email

    user = get_user_by_email(email)
    if user is None:
        click.echo(f"no user with e-mail {email}", err=True)
        sys.exit(2)
    two_factor.disable(user)
    end_sessions(user)
    audit.record("user.two_factor_reset", "user", user.id, actor_label="cli")
    commit()
    click.echo(f"two-factor is off for {user.email}; every session ended")


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="cli")
def create_token(email, name):
    """Print a new API token for EMAIL as the last line."""
    from app.accounts.services import create_api_token, get_user_by_email

    user = get_user_by_email(email)
    if user is None:
        click.echo(f"no user with e-mail {email}", err=True)
        sys.exit(2)
    _token, raw = create_api_token(user, name)
    commit()
    click.echo(raw)


@seed.command("demo")
def seed_demo():
    """Idempotent demo data: Asker organisations and their users."""
    from app.demo import load_demo

    accounts = load_demo()
    commit()
    click.echo("Demo accounts (password for all: see below):")
    for email, org, role in accounts:
        click.echo(f"  {email:38} {role:6} {org}")
    from app.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    click.echo(f"  password: {DEMO_PASSWORD}")
    click.echo(f"  the site admin signs in with two-factor; its key (for an authenticator app,"
               f" demo only): {DEMO_TOTP_SECRET}")


@jobs.command("worker")
@click.option("--burst", is_flag=True, help="Deliver what is queued, then exit.")
def worker(burst):
    """Run a Redis (RQ) worker with the outbox sweeper."""
    from flask import current_app

    from app.jobs import run_worker

    if not current_app.config.get("REDIS_URL"):
        click.echo("REDIS_URL is not set; in the embedded setup events are delivered inline.",
                   err=True)
        sys.exit(2)
    run_worker(current_app._get_current_object(), burst=burst)


@jobs.command("run")
def run_jobs():
    """Deliver every due outbox event in this process."""
    from app.jobs import run_due

    click.echo(f"delivered {run_due()} events")


@jobs.command("status")
def jobs_status():
    """Show outbox counts by status, when the next delivery is due, and the last errors."""
    import sqlalchemy as sa

    from app.db import utcnow
    from app.jobs import next_retry_at, status_counts
    from app.outbox import PENDING, OutboxEvent

    for status, count in status_counts().items():
        click.echo(f"{status:10} {count}")
    due = next_retry_at()
    if due is None:
        click.echo("next due   none (nothing pending)")
    else:
        wait = max(0, round((due - utcnow()).total_seconds()))
        click.echo(f"next due   {due.isoformat(timespec='seconds')} "
                   + (f"(in {wait} s)" if wait else "(now)"))
    rows = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.status != "delivered",
                                     OutboxEvent.last_error.is_not(None))
        .order_by(OutboxEvent.id.desc()).limit(10)
    ).all()
    for event in rows:
        state = "retry" if event.status == PENDING else event.status
        click.echo(f"#{event.id} {event.topic}/{event.handler} {state} "
                   f"attempts={event.attempts}: {event.last_error}")


@jobs.command("retry")
def jobs_retry():
    """Make dead events pending again."""
    import sqlalchemy as sa

    from app.db import utcnow
    from app.outbox import DEAD, PENDING, OutboxEvent

    result = db.session.execute(
        sa.update(OutboxEvent).where(OutboxEvent.status == DEAD)
        .values(status=PENDING, attempts=0, next_attempt_at=utcnow())
    )
    commit()
    click.echo(f"{result.rowcount} events pending again")


@click.command("copy-database")
@click.option("--to", "target", required=True, help="SQLAlchemy URL of the empty target.")
@with_appcontext
def copy_database_command(target):
    """Copy every row to another database (SQLite -> PostgreSQL); reindex search after."""
    from app.config import _database_url
    from app.copydb import copy_database

    with click.progressbar(length=0, label="copying", show_pos=True) as bar:
        counts = copy_database(_database_url(target), progress=lambda _t, n: bar.update(n))
    for table, count in counts.items():
        click.echo(f"{table:32} {count}")
    click.echo("done; now run `flask --app wsgi search reindex` against the new database")


def register(app: Flask) -> None:
    app.cli.add_command(copy_database_command)
    from app.exchange.cli import exchange
    from app.listings.cli import listings
    from app.matching.cli import matching
    from app.privacy.cli import privacy
    from app.reporting.cli import reports
    from app.searching.cli import search
    from app.wanted.cli import wanted

    for group in (users, tokens, seed, jobs, listings, exchange, search, reports, wanted,
                  matching, privacy):
        app.cli.add_command(group)
