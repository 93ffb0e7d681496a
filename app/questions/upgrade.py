"""The data step for the migration that adds ``uq_reservations_one_open_request`` (one
waiting request per organisation and listing): run :func:`upgrade_data` before the index
is created, or creating it fails where an organisation already has two waiting requests
for one listing.

The oldest waiting request of each pair stays; the later ones are cancelled (a request
holds no quantity, so no stock changes), with ``ended_at`` now and a reason the two sides
read on the reservation page. No mail goes out: the migration runs outside the app.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

REASON = ("Dobbel forespørsel: en eldre forespørsel fra samme organisasjon på samme "
          "annonse venter fortsatt på svar.")


def upgrade_data(connection, now: datetime | None = None) -> list[int]:
    """Cancel every waiting request but the oldest per (listing, buyer organisation);
    returns the ids cancelled."""
    now = now or datetime.now(UTC)
    rows = connection.execute(sa.text(
        "SELECT id, listing_id, buyer_org_id FROM reservations WHERE status = 'requested' "
        "ORDER BY listing_id, buyer_org_id, created_at, id")).all()
    seen: set[tuple[int, int]] = set()
    later: list[int] = []
    for reservation_id, listing_id, buyer_org_id in rows:
        if (listing_id, buyer_org_id) in seen:
            later.append(reservation_id)
        else:
            seen.add((listing_id, buyer_org_id))
    if later:
        connection.execute(
            sa.text("UPDATE reservations SET status = 'cancelled', ended_at = :now, "
                    "updated_at = :now, end_reason = :reason WHERE id IN :ids")
            .bindparams(sa.bindparam("ids", expanding=True)),
            {"now": now, "reason": REASON, "ids": later})
    return later
