"""The wanted-request fixtures serve the matching tests too."""

import pytest

from tests.wanted.conftest import (  # noqa: F401 - fixtures
    api,
    categories,
    lister,
    make_listing,
    make_request,
    requester,
    stranger,
)


@pytest.fixture(autouse=True)
def _fresh_text_caches():
    """The synonym table is cached per process; another test may have edited it (and
    rolled the edit back) after the cache was filled."""
    from app.matching.text import clear_caches

    clear_caches()
    yield
