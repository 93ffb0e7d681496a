"""Moderation fixtures: the wanted/matching world (a lister, a requester, a stranger, API
helpers), a site admin and the app's real embedded search backend."""

from __future__ import annotations

import pytest

from tests.searching.conftest import backend  # noqa: F401 - fixture
from tests.wanted.conftest import (  # noqa: F401 - fixtures
    api,
    categories,
    lister,
    make_listing,
    make_request,
    requester,
    stranger,
)


@pytest.fixture
def admin(make):
    return make.user(None, email="moderator@kretslop.no", site_admin=True)


@pytest.fixture
def lister_owner(make, lister):  # noqa: F811 - the fixture above
    """An owner of the lister's organisation (who gets the moderation e-mails)."""
    return make.user(lister.org, "owner", email="eier@heggedal.no", locale="en")
