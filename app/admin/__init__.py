"""The site admin console (``/admin``): verification queue, organisations, users,
listings and wanted requests, reports from users, a search over all of it, and the
audit log (shown, filtered and exported as CSV). Only site admins reach it."""
