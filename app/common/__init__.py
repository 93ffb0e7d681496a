"""Code that more than one domain uses in the same way (listings and wanted requests)."""

from flask_login import current_user


def user_or_none():
    """The logged-in user, or None for an anonymous visitor."""
    return current_user if current_user.is_authenticated else None
