"""``flask --app wsgi listings ...``: seed categories, expire, bulk import."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import commit

listings = AppGroup("listings", help="Listings: categories, expiry, bulk import.")


@listings.command("seed-categories")
def seed_categories():
    """Insert or update the category taxonomy (idempotent)."""
    from app.listings.categories import ensure_categories

    changed = ensure_categories()
    commit()
    click.echo(f"{changed} categories added or updated")


@listings.command("expire")
def expire():
    """Mark published listings past their end date as expired (run nightly from cron)."""
    from app.listings.services import expire_due

    ids = expire_due()
    commit()
    click.echo(f"{len(ids)} listings expired")


@listings.command("prune-photos")
def prune_photos():
    """Delete photo files no listing uses (pending photos never saved; run nightly)."""
    from app.listings.photos import prune_unused_files

    click.echo(f"{prune_unused_files()} unused photo files deleted")


@listings.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_name", required=True, help="Name of the owning organisation.")
@click.option("--user", "email", default=None, help="E-mail of the user recorded as creator.")
@click.option("--publish", is_flag=True, help="Publish the valid rows at once.")
def import_file(file: Path, org_name: str, email: str | None, publish: bool):
    """Import listings from a CSV or XLSX FILE; bad rows are reported and skipped."""
    from app.accounts.services import get_organization_by_name, get_user_by_email
    from app.listings import importer

    organization = get_organization_by_name(org_name)
    if organization is None:
        click.echo(f"no organisation named {org_name!r}", err=True)
        sys.exit(2)
    user = get_user_by_email(email) if email else None
    if email and user is None:
        click.echo(f"no user with e-mail {email}", err=True)
        sys.exit(2)
    try:
        table = importer.read(file.read_bytes(), current_app.config["IMPORT_MAX_ROWS"])
    except importer.FileRejected as exc:
        click.echo(f"{file}: {exc}", err=True)
        sys.exit(2)
    for notice in table.notices:
        click.echo(notice, err=True)
    with click.progressbar(length=2 * len(table.rows), label="Importing",
                           file=sys.stderr) as bar:
        result = importer.import_table(table, organization, user, publish, progress=bar.update)
    commit()
    for error in result.errors:
        click.echo(f"row {error.row}, {error.column}: {error.message}", err=True)
    click.echo(f"{result.created} listings imported, {result.failed_rows} rows with errors "
               f"(of {result.rows})")
    if result.errors:
        sys.exit(1)


@listings.command("approve-weight")
@click.argument("listing_id", type=int)
@click.argument("kg")
@click.option("--reason", required=True, help="Why this unit weight is right (audit log).")
@click.option("--admin", "email", required=True, help="E-mail of the site admin approving.")
def approve_weight(listing_id: int, kg: str, reason: str, email: str):
    """Approve KG per unit for LISTING_ID, outside its category's plausible range."""
    from app.accounts.services import get_user_by_email
    from app.db import db
    from app.errors import PermissionDenied, ValidationFailed
    from app.listings.models import Listing
    from app.listings.weights import approve_unit_weight

    listing = db.session.get(Listing, listing_id)
    if listing is None:
        click.echo(f"no listing {listing_id}", err=True)
        sys.exit(2)
    admin = get_user_by_email(email)
    if admin is None:
        click.echo(f"no user with e-mail {email}", err=True)
        sys.exit(2)
    try:
        approve_unit_weight(listing, kg, reason, admin)
    except PermissionDenied as exc:
        click.echo(str(exc.detail), err=True)
        sys.exit(2)
    except ValidationFailed as exc:
        for name, messages in exc.errors.items():
            click.echo(f"{name}: {' '.join(messages)}", err=True)
        sys.exit(2)
    commit()
    click.echo(f"listing {listing_id}: {listing.unit_weight_kg} kg per {listing.unit} approved")
