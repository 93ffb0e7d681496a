"""Matches in the API: a request's and a listing's matches, interested, dismiss.

A request's matches are for the requesting organisation, a listing's for the listing's
organisation; anyone else gets 404. Reasons come as text in the caller's language
(``reasons``) and as codes with parameters (``reason_codes``).
"""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from app.api import bp
from app.api.helpers import act_on, login_required, page_args, page_json
from app.api.openapi import ORGANIZATION, component, list_of, operation, page_params, path_id, query
from app.errors import NotFound, ValidationFailed
from app.listings import services as listing_services
from app.matching import services
from app.matching.models import VISIBLE_STATES, MatchState
from app.matching.serialize import match_json
from app.wanted import services as wanted_services

STATES = tuple(s.value for s in MatchState)

_REF = {"type": "object", "required": ["id", "title", "status", "url"], "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "status": {"type": "string"},
    "url": {"type": "string"},
    "organization": ORGANIZATION}}
component("Match", {
    "type": "object",
    "required": ["id", "listing_id", "request_id", "score", "reasons", "reason_codes",
                 "state"],
    "properties": {
        "id": {"type": "integer"}, "listing_id": {"type": "integer"},
        "request_id": {"type": "integer"},
        "score": {"type": "integer", "minimum": 0, "maximum": 100,
                  "description": "0..100, higher is better: category 25, words 20, "
                  "quantity covered 15, closeness within the radius 15, price 10, "
                  "condition 10, availability by the needed-by date 5."},
        "reasons": {"type": "array", "items": {"type": "string"},
                    "description": "Why it matches, in the caller's language."},
        "reason_codes": {"type": "array", "items": {
            "type": "object", "required": ["code", "params"],
            "properties": {"code": {"type": "string"}, "params": {"type": "object"}}}},
        "state": {"type": "string", "enum": list(STATES)},
        "distance_km": {"type": ["number", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "listing": _REF, "request": _REF,
        "reserve_url": {"type": "string",
                        "description": "The reservation form for this match."},
    },
})


_ONE_STATE = "|".join(STATES)
STATE_PATTERN = rf"^(all|({_ONE_STATE})(,({_ONE_STATE}))*)$"


def _states() -> tuple[str, ...]:
    """``state``: all, or comma-separated states (no blanks), exactly as STATE_PATTERN."""
    raw = request.args.get("state")
    if not raw:
        return VISIBLE_STATES
    if not re.search(STATE_PATTERN, raw):
        raise ValidationFailed({"state": [_("Ukjent tilstand. Gyldige verdier: %(v)s.",
                                            v=", ".join(("all", *STATES)))]})
    raw = raw.strip()  # the pattern's $ also allows one final newline
    if raw == "all":
        return STATES
    return tuple(dict.fromkeys(raw.split(",")))


def _matches_of(owner_id: int, fetch, is_member, not_found: str, matches_for):
    """One page of the matches of a request or a listing (``fetch``: the one the caller
    may see) for a member of its organisation; anyone else gets 404 (``not_found``), as
    for a private object. Query errors come first."""
    page, per_page = page_args()
    states = _states()
    owner = fetch(owner_id, current_user)
    if not is_member(current_user, owner):
        raise NotFound(not_found)
    items, total = matches_for(owner.id, page, per_page, states)
    return page_json(items, total, page, per_page, match_json)


@bp.get("/requests/<int:request_id>/matches")
@login_required
def request_matches(request_id: int):
    return _matches_of(request_id, wanted_services.visible_request, wanted_services.is_member,
                       _("Ønsket finnes ikke."), services.matches_for_request)


@bp.get("/listings/<int:listing_id>/matches")
@login_required
def listing_matches(listing_id: int):
    return _matches_of(listing_id, listing_services.visible_listing, listing_services.is_member,
                       _("Annonsen finnes ikke."), services.matches_for_listing)


@bp.post("/matches/<int:match_id>/interested")
@login_required
def match_interested(match_id: int):
    return act_on(match_id, services.match_for_requester, services.mark_interested, match_json)


@bp.post("/matches/<int:match_id>/dismiss")
@login_required
def match_dismiss(match_id: int):
    return act_on(match_id, services.match_for_requester, services.dismiss, match_json)


_LIST_PARAMS = [query("state", {"type": "string", "pattern": STATE_PATTERN},
                      "Comma-separated states, or all; default suggested,interested"),
                *page_params()]
_TAGS = ("matching",)
operation("/requests/{request_id}/matches", "get",
          "Listings that match a request, best first (the requesting organisation only)",
          params=[path_id("request_id"), *_LIST_PARAMS], responses={200: list_of("Match")},
          errors=(404, 422), tags=_TAGS)
operation("/listings/{listing_id}/matches", "get",
          "Requests that match a listing, best first (the listing's organisation only)",
          params=[path_id("listing_id"), *_LIST_PARAMS], responses={200: list_of("Match")},
          errors=(404, 422), tags=_TAGS)
operation("/matches/{match_id}/interested", "post",
          "The requester wants it; then reserve with match_id (see reserve_url)",
          params=[path_id("match_id")], responses={200: "Match"}, errors=(404, 409),
          tags=_TAGS)
operation("/matches/{match_id}/dismiss", "post", "The requester does not want it",
          params=[path_id("match_id")], responses={200: "Match"}, errors=(404, 409),
          tags=_TAGS)
