"""``flask --app wsgi matching ...``: the nightly re-score and the daily digest."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.db import commit

matching = AppGroup("matching", help="Match listings and wanted requests.")


@matching.command("run")
@click.option("--batch", default=200, show_default=True, help="Requests per commit.")
def run(batch):
    """Re-score every open request against the listings (idempotent)."""
    from app.matching import notify
    from app.matching.services import refresh_terms, rescore_all

    refresh_terms()  # the synonyms may have changed; the category rows' copy too
    commit()
    totals = {"requests": 0, "created": 0, "updated": 0, "withdrawn": 0}
    for n, (_request_id, outcome) in enumerate(rescore_all(batch=batch), start=1):
        notify.notify_matches(outcome.kept)
        totals["requests"] += 1
        totals["created"] += len(outcome.created)
        totals["updated"] += len(outcome.updated)
        totals["withdrawn"] += len(outcome.withdrawn)
        if n % batch == 0:
            commit()
    commit()
    click.echo("scored {requests} open requests: {created} new matches, {updated} kept, "
               "{withdrawn} withdrawn".format(**totals))


@matching.command("digest")
def digest():
    """Send today's digest to everyone who chose daily e-mail (at most once a day)."""
    from app.matching.notify import send_digests

    sent = send_digests()
    commit()
    click.echo(f"queued {sent} digests")
