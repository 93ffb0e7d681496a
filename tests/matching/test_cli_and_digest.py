"""The nightly re-score, the daily digest, expiry of requests and the e-mail settings."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.db import commit, db, utcnow
from app.matching import notify
from app.matching.models import Match, Notification
from app.wanted.models import WantedRequest


def _mail_count(app) -> int:
    return len(list(Path(app.config["MAIL_DIR"]).glob("*.eml")))


def test_nightly_run_is_idempotent_and_repairs_missing_matches(runner, make_request,
                                                               make_listing):
    make_request()
    make_listing()
    make_listing(title="Kontorstoler Kinnarps", postcode="1394")
    first = runner.invoke(args=["matching", "run"])
    assert first.exit_code == 0, first.output
    assert "scored 1 open requests: 0 new matches, 2 kept, 0 withdrawn" in first.output
    db.session.execute(sa.delete(Match).where(Match.id == db.session.scalar(
        sa.select(sa.func.min(Match.id)))))
    commit()
    again = runner.invoke(args=["matching", "run"])
    assert "1 new matches, 1 kept" in again.output
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 2


def test_expired_requests_lose_their_matches(runner, make_request, make_listing):
    wanted = make_request()
    make_listing()
    db.session.execute(sa.update(WantedRequest).where(WantedRequest.id == wanted["id"])
                       .values(needed_by=date.today() - timedelta(days=2)))
    commit()
    result = runner.invoke(args=["wanted", "expire"])
    assert result.exit_code == 0 and "expired 1 requests" in result.output
    db.session.expire_all()
    assert db.session.get(WantedRequest, wanted["id"]).status == "expired"
    assert db.session.scalars(sa.select(Match.state)).all() == ["withdrawn"]
    assert "expired 0 requests" in runner.invoke(args=["wanted", "expire"]).output


def test_daily_digest_once_a_day(app, runner, requester, lister, make_request, make_listing):
    notify.set_email_mode(requester.user, "daily")
    notify.set_email_mode(lister.user, "off")
    commit()
    make_request()
    make_listing()
    assert _mail_count(app) == 0  # nobody wants it immediately
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 2
    first = runner.invoke(args=["matching", "digest"])
    assert first.exit_code == 0 and "queued 1 digests" in first.output
    assert _mail_count(app) == 1
    [mail] = Path(app.config["MAIL_DIR"]).glob("*.eml")
    assert requester.user.email in mail.read_text()
    assert "queued 0 digests" in runner.invoke(args=["matching", "digest"]).output
    make_listing(title="Kontorstoler igjen", postcode="1394")
    # Later the same day: new notifications wait for tomorrow's digest.
    assert "queued 0 digests" in runner.invoke(args=["matching", "digest"]).output
    assert notify.send_digests(now=utcnow() + timedelta(days=1)) == 1
    commit()
    assert _mail_count(app) == 2
    assert notify.send_digests(now=utcnow() + timedelta(days=1)) == 0


def test_notifications_respect_the_threshold_and_the_cap(app, make_request, make_listing):
    app.config["MATCHING_NOTIFY_MAX"] = 2
    for n in range(4):
        make_listing(title=f"Kontorstoler {n}", postcode="1383")
    wanted = make_request()  # one run finds four listings: the best two are told
    rows = db.session.execute(sa.select(Notification.kind, sa.func.count())
                              .group_by(Notification.kind)).all()
    assert dict(rows) == {"match_for_request": 2, "request_for_listing": 4}
    matches = db.session.scalars(sa.select(Match).where(Match.request_id == wanted["id"])).all()
    assert all(m.requester_notified_at for m in matches)  # the rest are on the list anyway
    app.config["MATCHING_NOTIFY_MIN_SCORE"] = 101
    before = db.session.scalar(sa.select(sa.func.count(Notification.id)))
    make_listing(title="Kontorstoler 5", postcode="1383")
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == before
    late = db.session.scalars(sa.select(Match).order_by(Match.id.desc())).first()
    assert late.requester_notified_at is None  # may be told when a re-score lifts it


def test_run_and_the_upgrade_step_refresh_stored_terms(app, runner, make_request,
                                                       make_listing):
    """Terms stored by an older text version (here: the category names counted, "tiles"
    was "til") are recomputed on the request and on its category rows, which the
    listing -> requests direction reads."""
    from app.matching.services import upgrade_data
    from app.matching.text import request_terms
    from app.wanted.models import WantedRequestCategory

    wanted = make_request(title="Kontorstoler")
    old = "kontorstoler:kontorstol|til"
    db.session.execute(sa.update(WantedRequest).values(match_terms=old))
    db.session.execute(sa.update(WantedRequestCategory).values(match_terms=old))
    commit()
    result = runner.invoke(args=["matching", "run"])
    assert result.exit_code == 0, result.output
    stored = db.session.scalars(sa.select(WantedRequestCategory.match_terms).where(
        WantedRequestCategory.request_id == wanted["id"])).all()
    assert stored == [request_terms("Kontorstoler")] and "til" not in stored[0].split("|")
    assert db.session.get(WantedRequest, wanted["id"]).match_terms == stored[0]

    db.session.execute(sa.update(WantedRequestCategory).values(match_terms=old))
    commit()
    upgrade_data(db.session.connection())
    assert set(db.session.scalars(sa.select(WantedRequestCategory.match_terms))) == \
        {request_terms("Kontorstoler")}
