"""flask privacy retention: old messages and inactive accounts are anonymised, expired
exports removed; idempotent; --dry-run changes nothing."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import sqlalchemy as sa

from app.accounts.models import User
from app.db import commit, db, utcnow
from app.exchange.models import ReservationMessage
from app.outbox import OutboxEvent
from app.privacy.models import DataExport, InactivityWarning
from tests.privacy.conftest import KARI_MESSAGE, PER_MESSAGE


def _age_message(body: str, days: int) -> None:
    message = db.session.scalar(sa.select(ReservationMessage).where(
        ReservationMessage.body == body))
    message.created_at = utcnow() - timedelta(days=days)
    commit()


def _run(runner, *args) -> str:
    result = runner.invoke(args=["privacy", "retention", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_old_messages_lose_author_and_text_new_ones_stay(market, runner):
    _age_message(KARI_MESSAGE, 731)
    assert "anonymised (would be): 1" in _run(runner, "--dry-run")
    db.session.expire_all()
    assert db.session.scalar(sa.select(ReservationMessage).where(
        ReservationMessage.body == KARI_MESSAGE)) is not None  # the dry run changed nothing
    output = _run(runner)
    assert "anonymised: 1" in output
    db.session.expire_all()
    messages = db.session.scalars(sa.select(ReservationMessage).order_by(
        ReservationMessage.id)).all()
    old = [m for m in messages if m.author_id is None]
    assert len(old) == 1 and old[0].body == ""
    assert PER_MESSAGE in [m.body for m in messages]
    assert "anonymised: 0" in _run(runner)  # idempotent


def test_keeping_bodies_when_configured(market, runner, app):
    app.config["RETENTION_MESSAGE_BODIES"] = False
    _age_message(KARI_MESSAGE, 800)
    _run(runner)
    db.session.expire_all()
    message = db.session.scalar(sa.select(ReservationMessage).where(
        ReservationMessage.body == KARI_MESSAGE))
    assert message.author_id is None


def test_inactive_accounts_are_erased_active_ones_kept(app, make, runner):
    org = make.org("business", name="Gammel AS")
    old = make.user(org, "owner", email="gammel@eksempel.no")
    recent = make.user(org, "owner", email="aktiv@eksempel.no")
    admin = make.user(None, email="sjef@kretslop.test", site_admin=True)
    api_user = make.user(org, "member", email="integrasjon@eksempel.no")
    token = make.token(api_user)
    long_ago = utcnow() - timedelta(days=1200)
    for user in (old, admin, api_user):
        user.created_at = long_ago
        user.last_login_at = long_ago
    recent.created_at = long_ago
    recent.last_login_at = utcnow() - timedelta(days=10)
    commit()
    # The integration logs in never, but uses its API token.
    assert app.test_client().get("/api/v1/me", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200
    output = _run(runner, "--dry-run")
    assert "warned by e-mail (would be): 1" in output and "erased (would be): 0" in output
    assert db.session.get(InactivityWarning, old.id) is None
    # First the person is warned by e-mail, and nothing is deleted.
    output = _run(runner)
    assert "warned by e-mail: 1" in output and "erased: 0" in output
    db.session.expire_all()
    assert db.session.get(User, old.id).erased_at is None
    mails = [e.payload for e in db.session.scalars(sa.select(OutboxEvent).where(
        OutboxEvent.topic == "mail.send"))]
    assert [m["template"] for m in mails if m["to"] == "gammel@eksempel.no"] == [
        "account_inactive"]
    [sent] = [m for m in (message_from_bytes(p.read_bytes(), policy=default)
                          for p in Path(app.config["MAIL_DIR"]).glob("*.eml"))
              if m["To"] == "gammel@eksempel.no"]
    assert "blir slettet etter" in sent.get_body().get_content()
    assert "1\u202f095 dager" in sent.get_body().get_content()
    assert "warned by e-mail: 0" in _run(runner)  # once
    # Thirty days after the warning, with no use in between, the account is deleted.
    warning = db.session.get(InactivityWarning, old.id)
    warning.warned_at = utcnow() - timedelta(days=31)
    commit()
    assert "erased (would be): 1" in _run(runner, "--dry-run")
    db.session.expire_all()
    assert db.session.get(User, old.id).erased_at is None
    output = _run(runner)
    assert "erased: 1" in output
    db.session.expire_all()
    assert db.session.get(User, old.id).erased_at is not None
    assert db.session.get(User, old.id).name == "Tidligere bruker"
    for kept in (recent, admin, api_user):
        assert db.session.get(User, kept.id).erased_at is None
    assert "erased: 0" in _run(runner)


def test_using_the_account_after_the_warning_keeps_it(app, make, runner, auth):
    org = make.org("business", name="Sovende AS")
    user = make.user(org, "owner", email="sovende@eksempel.no")
    user.created_at = user.last_login_at = utcnow() - timedelta(days=1100)
    db.session.add(InactivityWarning(user_id=user.id, warned_at=utcnow() - timedelta(days=40)))
    commit()
    auth.login("sovende@eksempel.no")  # back in time
    output = _run(runner)
    assert "erased: 0" in output and "warned by e-mail: 0" in output
    db.session.expire_all()
    assert db.session.get(User, user.id).erased_at is None


def test_expired_exports_are_removed(market, auth, client, runner, app):
    auth.login("per@selger.no")
    client.post("/account/data/export", data={"csrf_token": auth.csrf("/account/data")})
    export = db.session.scalar(sa.select(DataExport))
    path = Path(app.config["INSTANCE_DIR"]) / "exports" / export.filename
    assert path.exists()
    assert "removed: 0" in _run(runner)
    export.expires_at = utcnow() - timedelta(hours=1)
    commit()
    assert "removed (would be): 1" in _run(runner, "--dry-run")
    assert path.exists()
    assert "removed: 1" in _run(runner)
    assert not path.exists()
    db.session.expire_all()
    assert db.session.get(DataExport, export.id).status == "expired"
    assert "removed: 0" in _run(runner)


def test_old_delivered_outbox_rows_are_removed(market, runner):
    from app.outbox import OutboxEvent

    delivered = db.session.scalars(sa.select(OutboxEvent).where(
        OutboxEvent.status == "delivered")).all()
    assert delivered
    old = delivered[0]
    old.delivered_at = utcnow() - timedelta(days=31)
    old_id = old.id
    commit()
    assert "removed (would be): 1" in _run(runner, "--dry-run").splitlines()[-1]
    assert "removed: 1" in _run(runner).splitlines()[-1]
    db.session.expire_all()
    assert db.session.get(OutboxEvent, old_id) is None
    assert len(db.session.scalars(sa.select(OutboxEvent).where(
        OutboxEvent.status == "delivered")).all()) == len(delivered) - 1
