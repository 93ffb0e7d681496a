"""``/api/v1/listings/<id>/questions``: the question threads about a listing that the caller
may read (GET), and asking or answering (POST).

GET lists every thread for the lister's members and the caller's own organisations'
threads for anyone else (an empty list when there are none). POST from another
organisation asks (opens or continues its thread); the lister answers with
``asker_org_id`` naming the thread. 404 for a listing the caller cannot see or a thread
that does not exist; 409 when the listing is closed; 429 when an organisation writes too
much.
"""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from app.api import bp
from app.api.helpers import created, envelope, json_body, login_required
from app.api.openapi import component, list_of, operation, path_id, ref
from app.common.messages import MESSAGE_MAX
from app.errors import NotFound
from app.listings import services as listings
from app.listings.serialize import iso
from app.questions import services
from app.validation import Field, Schema


class QuestionCreate(Schema):
    fields = {
        "body": Field("text", required=True, max_length=MESSAGE_MAX),
        "organization_id": Field("id", description="Asking organisation; default: your "
                                 "first that does not own the listing."),
        "asker_org_id": Field("id", description="The lister answering: the asking "
                              "organisation whose thread this goes to."),
    }


_ORG = {"type": "object", "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
component("QuestionMessage", {
    "type": "object", "required": ["id", "thread_id", "author", "organization", "body",
                                   "created_at"],
    "properties": {
        "id": {"type": "integer"}, "thread_id": {"type": "integer"},
        "author": {"type": "object", "properties": {"id": {"type": ["integer", "null"]},
                                                    "name": {"type": ["string", "null"]}}},
        "organization": _ORG, "body": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
    },
})
component("QuestionThread", {
    "type": "object",
    "required": ["id", "listing_id", "asker_org", "seller_org", "waiting_for_lister",
                 "created_at", "updated_at", "messages", "url"],
    "properties": {
        "id": {"type": "integer"}, "listing_id": {"type": "integer"},
        "asker_org": _ORG, "seller_org": _ORG,
        "waiting_for_lister": {"type": "boolean",
                               "description": "The last message is the asker's."},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "messages": {"type": "array", "items": ref("QuestionMessage")},
        "url": {"type": "string"},
    },
})


def _org(org) -> dict:
    return {"id": org.id, "name": org.name}


def message_json(message) -> dict:
    return {"id": message.id, "thread_id": message.thread_id,
            "author": {"id": message.author_id,
                       "name": message.author.name if message.author else None},
            "organization": _org(message.author_org), "body": message.body,
            "created_at": iso(message.created_at)}


def thread_json(thread) -> dict:
    return {"id": thread.id, "listing_id": thread.listing_id,
            "asker_org": _org(thread.asker_org), "seller_org": _org(thread.seller_org),
            "waiting_for_lister": thread.waiting_for_lister,
            "created_at": iso(thread.created_at), "updated_at": iso(thread.updated_at),
            "messages": [message_json(m) for m in thread.messages],
            "url": f"/questions/{thread.id}"}


@bp.get("/listings/<int:listing_id>/questions")
@login_required
def list_questions(listing_id: int):
    listing = listings.visible_listing(listing_id, current_user)
    threads = services.threads_on_listing(listing, current_user)
    return jsonify(envelope([thread_json(t) for t in threads], len(threads), 1,
                            max(len(threads), 1)))


@bp.post("/listings/<int:listing_id>/questions")
@login_required
def post_question(listing_id: int):
    data = QuestionCreate.load(json_body())
    listing = listings.visible_listing(listing_id, current_user)
    if current_user.has_role(listing.organization_id):
        asker = data.get("asker_org_id")
        thread = next((t for t in services.threads_on_listing(listing, current_user)
                       if t.asker_org_id == asker), None)
        if thread is None:
            raise NotFound(_("Spørsmålet finnes ikke."))
        message = services.reply(thread, current_user, data["body"])
    else:
        message = services.ask(current_user, listing.id, data["body"],
                               organization_id=data.get("organization_id"))
    return created(message_json(message), f"/api/v1/listings/{listing.id}/questions")


_ID = [path_id("listing_id")]
operation("/listings/{listing_id}/questions", "get",
          "Question threads about a listing that you may read (all of them for the "
          "lister, your organisations' own for others)", params=_ID,
          responses={200: list_of("QuestionThread")}, errors=(404,), tags=("questions",))
operation("/listings/{listing_id}/questions", "post",
          "Ask the lister (opens or continues your organisation's thread), or answer as "
          "the lister with asker_org_id", params=_ID, body=QuestionCreate,
          responses={201: "QuestionMessage"}, errors=(403, 404, 409, 422, 429),
          tags=("questions",))
