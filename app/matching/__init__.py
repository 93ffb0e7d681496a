"""Matching: pairs listings with wanted requests, scores them, tells the people involved.

* scoring (:mod:`app.matching.scoring`): pure functions, hard limits then a 0..100 score;
  reasons as codes and parameters, built when a match is shown (``Match.reasons``,
  :mod:`app.matching.explain`; matches store none) and rendered in the reader's language
  by :mod:`app.matching.reasons`; :mod:`app.matching.batch` scores one listing against
  thousands of requests with numpy;
* candidates (:mod:`app.matching.candidates`): indexed SQL for listing -> requests, the
  search backend (or indexed SQL) for request -> listings;
* lifecycle (:mod:`app.matching.services`): upsert without duplicates, re-score,
  withdraw, ``interested`` / ``dismissed``;
* notifications (:mod:`app.matching.notify`): in-app inbox and e-mail (immediate or a
  daily digest), sent after commit through the outbox.

Outbox handlers: ``listing.changed`` -> "matching.listing", ``request.changed`` ->
"matching.request", ``reservation.changed`` -> "matching.reservation".
"""
