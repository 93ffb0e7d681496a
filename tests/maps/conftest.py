"""The map tests use the search tests' fixtures: sellers, listings made through the listing
services (indexed by the real embedded engine), categories."""

from tests.searching.conftest import (  # noqa: F401 - fixtures
    backend,
    categories,
    municipality,
    new_listing,
    seller,
)
