"""Moderation: reports from users ("Rapporter annonse"), site admins hiding and restoring
listings and wanted requests, and the one rule of who may see what (``visibility``).

Public names other parts use:

* :mod:`app.moderation.visibility`: ``can_see_listing``, ``can_see_request``,
  ``listing_excluded``, ``listing_filter``, ``request_filter``, ``suspended_organizations``;
* :mod:`app.moderation.services`: ``hide_listing``, ``restore_listing``, ``hide_wanted``,
  ``restore_wanted``, ``report_listing``, ``resolve_report`` (the admin console calls them).
"""
