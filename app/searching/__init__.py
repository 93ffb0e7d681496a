"""The app side of search: documents, staying in sync, the search page and API.

The engine itself is the framework-free ``search`` package (``docs/search.md``); this
package connects it to the app:

* :mod:`.backend`: one backend per app (``search_backend()``), settings (synonyms from
  the category names) applied on first use and when they change;
* :mod:`.documents`: ``listing_document(listing)`` and which listings belong in the index;
* :mod:`.indexer`: the ``listing.changed`` outbox handler (``search.index``) and
  ``reindex()``;
* :mod:`.params` / :mod:`.results`: query-string parameters -> ``SearchQuery``, hits ->
  JSON and labels (from the index documents alone, no database reads per hit);
* :mod:`.candidates`: candidate listings for a wanted request, and whether a listing
  fits one (for matching);
* :mod:`.api` (``GET /api/v1/search``), :mod:`.views` (``/search``), :mod:`.cli`
  (``flask search status|reindex|init``).
"""
