"""Wanted requests: what a reuse shop, a business or a municipal unit needs.

Public names other parts use:

* models (:mod:`app.wanted.models`): ``WantedRequest``, ``WantedRequestCategory`` and
  ``RequestStatus``;
* services (:mod:`app.wanted.services`): ``create_request``, ``update_request``,
  ``close_request``, ``expire_due`` and the permission helpers;
* the outbox topic ``request.changed`` (payload ``{"request_id": id}``), emitted in the
  same transaction as every change that could affect matching.
"""

CHANGED = "request.changed"
