"""Telling the other side of a question thread: ``question_asked`` (to the lister) and
``question_answered`` (to the asker), in the app and by e-mail as each person chose.

Who is told: on the lister's side the person who created the listing, on the asker's side
the person who opened the thread, as long as they are still active members; otherwise
the organisation's owners and admins (as for reservations, ``app.exchange.notify``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import notifications
from app.accounts.models import User
from app.exchange.notify import _admins
from app.mail import register_subject
from app.questions.models import QuestionMessage, QuestionThread

SUBJECTS = {
    "question_asked": _l("Nytt spørsmål om annonsen: %(title)s"),
    "question_answered": _l("Svar på spørsmålet om «%(title)s»"),
}


def _subject(kind: str):
    return lambda context: str(SUBJECTS[kind]) % {"title": context["listing_title"]}


def _line(text):
    def render(params: dict) -> str:
        return str(text) % {"org": params.get("org", ""), "title": params["listing_title"]}
    return render


for _kind in SUBJECTS:
    register_subject(_kind, _subject(_kind))
notifications.register_kind(
    "question_asked", group="messages", label=_l("Noen spør om en av annonsene våre"),
    line=_line(_l("%(org)s spør om «%(title)s»")))
notifications.register_kind(
    "question_answered", group="messages", label=_l("Svar på spørsmål vi har stilt"),
    line=_line(_l("%(org)s har svart om «%(title)s»")))


def contacts(thread: QuestionThread, side: str) -> list[User]:
    """The people to tell on ``side`` ("lister" or "asker")."""
    if side == "asker":
        org, person = thread.asker_org, thread.asked_by
    else:
        org, person = thread.seller_org, thread.listing.created_by
    if person is not None and person.active and person.role_in(org.id) is not None:
        return [person]
    return _admins(org)


def tell_other_side(thread: QuestionThread, message: QuestionMessage) -> None:
    from_lister = message.author_org_id == thread.seller_org_id
    kind = "question_answered" if from_lister else "question_asked"
    path = f"/questions/{thread.id}"
    for user in contacts(thread, "asker" if from_lister else "lister"):
        if message.author_id == user.id:
            continue
        params = {"thread_id": thread.id, "listing_title": thread.listing.title,
                  "org": message.author_org.name}
        mail = {**params, "author": message.author.name if message.author else "",
                "message": message.body[:1000], "path": path}
        notifications.notify(user, kind, path=path, params=params, mail=(kind, mail))
