"""Console fixtures: the wanted/matching world (a lister, a requester, API builders) and
the app's real embedded search backend."""

from __future__ import annotations

from tests.searching.conftest import backend  # noqa: F401 - fixture
from tests.wanted.conftest import (  # noqa: F401 - fixtures
    api,
    categories,
    lister,
    make_listing,
    make_request,
    requester,
)
