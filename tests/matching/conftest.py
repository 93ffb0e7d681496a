"""The wanted-request fixtures serve the matching tests too."""

from tests.wanted.conftest import (  # noqa: F401 - fixtures
    api,
    categories,
    lister,
    make_listing,
    make_request,
    requester,
    stranger,
)
