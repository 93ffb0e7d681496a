"""Listings: categories, listings with quantities and weights, photos and bulk import.

Public names other parts use:

* models: :class:`~app.listings.models.Category`, :class:`~app.listings.models.Listing`,
  :class:`~app.listings.models.ListingImage` and the status/condition/unit constants;
* the outbox topic ``listing.changed`` (payload ``{"listing_id": id}``), emitted in the
  same transaction as every change that could affect search or matching;
* :func:`app.listings.categories.category_path`,
  :func:`app.listings.categories.ensure_categories`;
* :func:`app.listings.services.sync_availability` for the reservation service;
* :func:`app.listings.services.on_withdraw`: a hook run inside a withdrawal's transaction
  (the exchange declines the requests still waiting for an answer).
"""

CHANGED = "listing.changed"
