"""``flask exchange expire | remind | seed-factors`` (meant for cron; idempotent)."""

from datetime import timedelta

from app.db import commit, db, utcnow
from app.exchange import services
from app.exchange.models import Reservation


def test_expire_command(runner, make_listing, reserve, another_buyer):
    listing = make_listing()
    old = reserve(listing, 1, now=utcnow() - timedelta(days=8))
    fresh = reserve(listing, 1, party=another_buyer())
    result = runner.invoke(args=["exchange", "expire"])
    assert result.exit_code == 0 and "1 reservations expired" in result.output
    db.session.expire_all()
    assert db.session.get(Reservation, old.id).status == "expired"
    assert db.session.get(Reservation, fresh.id).status == "requested"
    assert "0 reservations expired" in runner.invoke(args=["exchange", "expire"]).output


def test_remind_command_is_idempotent_per_day(runner, make_listing, reserve, seller, mailbox):
    reservation = reserve(make_listing(), 1)
    services.accept(reservation, seller.user, now=utcnow() - timedelta(days=5))
    commit()
    mailbox.clear()
    first = runner.invoke(args=["exchange", "remind"])
    assert first.exit_code == 0 and "1 reservations reminded" in first.output
    assert len(mailbox.all()) == 2
    second = runner.invoke(args=["exchange", "remind"])
    assert "0 reservations reminded, 0 completed" in second.output
    assert len(mailbox.all()) == 2


def test_seed_factors_command(runner, categories):
    first = runner.invoke(args=["exchange", "seed-factors"])
    assert first.exit_code == 0 and "7 emission factors added" in first.output
    assert "0 emission factors added" in runner.invoke(args=["exchange", "seed-factors"]).output
