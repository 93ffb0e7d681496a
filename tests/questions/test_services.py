"""Questions before reserving: the thread per (listing, asking organisation), who may read
and write it, the limits, the notifications and the to-do entries (real database)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import commit, db, rollback
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.notifications.models import Notification
from app.questions import services
from app.questions.models import QuestionMessage, QuestionThread
from app.questions.todo import unanswered_for
from tests.exchange.conftest import T0


def _counts():
    db.session.expire_all()
    return (db.session.scalar(sa.select(sa.func.count(QuestionThread.id))),
            db.session.scalar(sa.select(sa.func.count(QuestionMessage.id))))


def test_one_thread_per_listing_and_organisation_both_sides_write(make_listing, seller, buyer):
    listing = make_listing()
    first = services.ask(buyer.user, listing.id, "  Hvor høye er stolene?  ", now=T0)
    commit()
    again = services.ask(buyer.user, listing.id, "Og hvor mange armlener?",
                         now=T0 + timedelta(minutes=5))
    commit()
    assert first.thread_id == again.thread_id
    thread = db.session.get(QuestionThread, first.thread_id)
    assert (thread.asker_org_id, thread.seller_org_id) == (buyer.org.id, seller.org.id)
    assert first.body == "Hvor høye er stolene?"  # trimmed
    assert thread.waiting_for_lister
    assert [t.title for t in unanswered_for(seller.org.id)] == [
        f"{buyer.org.name} spør om «{listing.title}»"]
    assert unanswered_for(seller.org.id)[0].path == f"/questions/{thread.id}"
    answer = services.reply(thread, seller.user, "Setehøyde 45 cm.", now=T0 + timedelta(hours=1))
    commit()
    assert answer.author_org_id == seller.org.id and not thread.waiting_for_lister
    assert unanswered_for(seller.org.id) == []
    assert unanswered_for(buyer.org.id) == []  # the asker's org lists nothing to answer
    assert [m.body for m in thread.messages] == [
        "Hvor høye er stolene?", "Og hvor mange armlener?", "Setehøyde 45 cm."]
    assert thread.updated_at == T0 + timedelta(hours=1)


def test_only_the_two_organisations_see_a_thread(make_listing, seller, buyer, stranger, make):
    listing = make_listing()
    thread_id = services.ask(buyer.user, listing.id, "Er de hele?").thread_id
    commit()
    assert services.visible_thread(thread_id, buyer.user).id == thread_id
    assert services.visible_thread(thread_id, seller.user).id == thread_id
    admin = make.user(None, site_admin=True)
    for outsider in (stranger.user, admin, None):
        with pytest.raises(NotFound):
            services.visible_thread(thread_id, outsider)
    with pytest.raises(NotFound):
        services.reply(db.session.get(QuestionThread, thread_id), stranger.user, "Hei")
    assert services.threads_on_listing(listing, stranger.user) == []
    assert [t.id for t in services.threads_on_listing(listing, seller.user)] == [thread_id]


def test_bad_questions_are_refused_and_change_nothing(make_listing, seller, buyer, make):
    listing = make_listing()
    before = _counts()
    for body, field in (("", "body"), ("   ", "body"), ("x" * 2001, "body"), (None, "body")):
        with pytest.raises(ValidationFailed) as info:
            services.ask(buyer.user, listing.id, body)
        assert field in info.value.errors
        rollback()
    with pytest.raises(ValidationFailed) as info:
        services.ask(buyer.user, listing.id, "Hei", organization_id=seller.org.id)
    assert "organization_id" in info.value.errors
    rollback()
    with pytest.raises(PermissionDenied):  # the lister cannot ask about its own listing
        services.ask(seller.user, listing.id, "Hei")
    rollback()
    with pytest.raises(PermissionDenied):  # no organisation at all
        services.ask(make.user(None), listing.id, "Hei")
    rollback()
    assert _counts() == before
    assert services.ask(buyer.user, listing.id, "x" * 2000).body == "x" * 2000  # the limit


def test_withdrawn_and_hidden_listings_keep_their_threads_readable(make_listing, seller,
                                                                   buyer, stranger):
    from app.listings import services as listings

    listing = make_listing()
    thread_id = services.ask(buyer.user, listing.id, "Kan vi hente i dag?").thread_id
    commit()
    listings.withdraw(listing)
    commit()
    thread = services.visible_thread(thread_id, buyer.user)  # still readable by the asker
    assert services.visible_thread(thread_id, seller.user) is thread
    assert [m.body for m in thread.messages] == ["Kan vi hente i dag?"]
    with pytest.raises(Conflict):
        services.reply(thread, seller.user, "Nei")
    rollback()
    with pytest.raises(NotFound):  # withdrawn listings are not visible to others
        services.ask(stranger.user, listing.id, "Hei")


def test_hidden_listing_refuses_new_messages(make_listing, seller, buyer):
    from app.db import utcnow

    listing = make_listing()
    thread = db.session.get(QuestionThread,
                            services.ask(buyer.user, listing.id, "Hei").thread_id)
    commit()
    listing.hidden_at = utcnow()
    listing.hidden_reason = "test"
    commit()
    assert services.visible_thread(thread.id, buyer.user) is thread
    with pytest.raises(Conflict):
        services.reply(thread, buyer.user, "Hallo?")


def test_an_organisation_cannot_flood(app, make_listing, seller, buyer):
    app.config["QUESTION_MESSAGES_PER_HOUR"] = 3
    app.config["QUESTION_THREADS_PER_DAY"] = 2
    first, second, third = make_listing(), make_listing(), make_listing()
    for i in range(3):
        services.ask(buyer.user, first.id, f"Spørsmål {i}", now=T0 + timedelta(minutes=i))
    commit()
    with pytest.raises(services.TooMany) as info:
        services.ask(buyer.user, first.id, "En til", now=T0 + timedelta(minutes=10))
    assert info.value.status == 429
    rollback()
    # an hour later the organisation may write again; a third new thread in a day is refused
    services.ask(buyer.user, second.id, "Hei", now=T0 + timedelta(hours=1, minutes=5))
    commit()
    with pytest.raises(services.TooMany):
        services.ask(buyer.user, third.id, "Hei", now=T0 + timedelta(hours=2))
    rollback()
    # the lister's answers count for the lister, not for the asker
    thread = db.session.scalars(sa.select(QuestionThread).order_by(QuestionThread.id)).first()
    services.reply(thread, seller.user, "Svar", now=T0 + timedelta(minutes=11))
    commit()


def test_questions_and_answers_notify_the_other_side(app, make_listing, seller, buyer,
                                                      mailbox):
    listing = make_listing()
    mailbox.clear()
    thread_id = services.ask(buyer.user, listing.id, "Hvor står de?").thread_id
    commit()
    to_seller = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == seller.user.id)).all()
    assert [(n.kind, n.path) for n in to_seller] == [("question_asked",
                                                      f"/questions/{thread_id}")]
    mails = mailbox.to(seller.user.email)
    assert len(mails) == 1 and listing.title in mails[0]["Subject"]
    body = mails[0].get_content()
    assert "Hvor står de?" in body and f"/questions/{thread_id}" in body
    assert buyer.org.name in body
    thread = db.session.get(QuestionThread, thread_id)
    services.reply(thread, seller.user, "I lageret på Heggedal.")
    commit()
    to_buyer = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == buyer.user.id)).all()
    assert [n.kind for n in to_buyer] == ["question_answered"]
    answer = mailbox.to(buyer.user.email)
    assert len(answer) == 1 and "I lageret på Heggedal." in answer[0].get_content()
    assert listing.title in answer[0]["Subject"]


def test_the_thread_is_found_for_the_reservation_that_follows(make_listing, buyer, reserve,
                                                               another_buyer):
    listing = make_listing()
    thread_id = services.ask(buyer.user, listing.id, "Kan vi få alle?").thread_id
    commit()
    mine = reserve(listing, 1)
    theirs = reserve(listing, 1, party=another_buyer())
    assert services.thread_for_reservation(mine).id == thread_id
    assert services.thread_for_reservation(theirs) is None
    assert [r.id for r in services.reservations_of(db.session.get(QuestionThread,
                                                                  thread_id))] == [mine.id]
