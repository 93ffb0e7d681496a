"""``flask --app wsgi search ...``: status, reindex, init."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from search import SearchError

search = AppGroup("search", help="The search index: status, rebuild, settings.")


@search.command("status")
def status():
    """Show the engine, its document count and the search handler's outbox backlog."""
    from app.searching.backend import raw_backend
    from app.searching.indexer import HANDLER, outbox_state

    healthy = True
    try:
        stats = raw_backend().stats()
    except SearchError as exc:
        healthy = False
        engine = "meilisearch" if current_app.config.get("MEILI_URL") else "embedded"
        click.echo(f"engine:    {engine} (unavailable: {exc})")
    else:
        where = stats.get("url") or stats.get("path") or ""
        click.echo(f"engine:    {stats.get('engine')} {where}".rstrip())
        click.echo(f"documents: {stats.get('documents')}")
        if stats.get("is_indexing"):
            click.echo("indexing:  yes (the server is still applying writes)")
    state = outbox_state()
    click.echo(f"outbox ({HANDLER}): {state.pending} pending, {state.dead} dead")
    if state.last_error is not None:
        event = state.last_error
        click.echo(f"last error: event #{event.id} ({event.status}, attempts={event.attempts}, "
                   f"listing {event.payload.get('listing_id')}): {event.last_error}")
    if state.dead:
        click.echo("dead events: fix the cause, then `flask jobs retry` (or `search reindex`).")
    if not healthy:
        sys.exit(1)


@search.command("reindex")
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1, 50_000))
def reindex_command(batch_size: int):
    """Rebuild the index from the database (settings first, then clear, then batches)."""
    from app.searching.indexer import reindex, reindex_total

    total = reindex_total()
    try:
        with click.progressbar(length=total, label="Indexing listings", file=sys.stderr,
                               show_pos=True) as bar:
            result = reindex(batch_size=batch_size, progress=bar.update)
    except SearchError as exc:
        click.echo(f"reindex failed: {exc}", err=True)
        sys.exit(1)
    click.echo(f"indexed {result.documents} listings in {result.seconds:.1f} s")


@search.command("init")
def init_command():
    """Create the index and apply its settings (synonyms from the category names)."""
    from app.searching.backend import ensure_configured, index_settings, raw_backend

    try:
        ensure_configured(raw_backend(), force=True)
    except SearchError as exc:
        click.echo(f"could not configure the search index: {exc}", err=True)
        sys.exit(1)
    click.echo(f"search index configured ({len(index_settings().synonyms)} synonyms)")
