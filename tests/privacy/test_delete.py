"""Slett kontoen min: the person is anonymised, what the organisations rely on stays, and
the municipal figures are the same before and after."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.accounts.models import ApiToken, Membership, Organization, User
from app.audit import AuditEntry
from app.db import db
from app.exchange.models import ReservationMessage, ReuseRecord
from app.listings.models import Listing
from app.notifications.models import Notification
from app.reporting import queries
from app.reporting.eu import eu_table, table_json
from app.reporting.periods import Period, today
from tests.conftest import bearer
from tests.privacy.conftest import PER_MESSAGE


def _figures() -> dict:
    period = Period(date(today().year - 1, 1, 1), today())
    return {
        "totals": queries.totals(period), "unverified": queries.unverified_totals(period),
        "by_kind": [(r.key, r.figures) for r in queries.aggregate(period, "org_kind").rows],
        "by_category": [(r.key, r.figures) for r in queries.aggregate(period, "category").rows],
        "eu": [table_json(eu_table(y)) for y in period.years()],
        "records": db.session.scalar(sa.select(sa.func.count(ReuseRecord.id))),
    }


def _delete(auth, client, password="correct horse battery", confirm="SLETT"):
    token = auth.csrf("/account/delete")
    return client.post("/account/delete", data={"csrf_token": token, "password": password,
                                                "confirm": confirm})


def test_deleting_a_person_who_made_hand_overs_keeps_the_municipal_figures(
        market, auth, client):
    before = _figures()
    assert before["totals"].kg > 0
    per_id = market.per.id
    auth.login("per@selger.no")
    response = _delete(auth, client)
    assert response.status_code == 302
    db.session.expire_all()
    assert _figures() == before
    # The tombstone.
    per = db.session.get(User, per_id)
    assert per.name == "Tidligere bruker" and "@" not in per.email
    assert per.active is False and per.erased_at is not None
    assert not db.session.scalars(sa.select(Membership).where(Membership.user_id == per_id)).all()
    assert not db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == per_id)).all()
    assert not db.session.scalars(
        sa.select(Notification).where(Notification.user_id == per_id)).all()
    # What the organisation relies on stays; the person's name is gone from it.
    listing = db.session.get(Listing, market.ids["listing"])
    assert listing.organization_id == market.seller.id and listing.created_by_id is None
    message = db.session.scalar(sa.select(ReservationMessage).where(
        ReservationMessage.body == PER_MESSAGE))
    assert message.author_id is None
    # The deletion is audited without personal data.
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.erase"))
    assert entry.target_id == per_id
    assert "per@selger.no" not in f"{entry.actor_label} {entry.reason} {entry.before} {entry.after}"
    # Logged out, and the old password and token no longer work.
    assert client.get("/account/data").status_code == 302
    assert auth.login("per@selger.no").status_code == 422  # refused: the form again
    assert client.get("/api/v1/me", headers=bearer(market.tokens["per"])).status_code == 401


def test_the_other_side_sees_tidligere_bruker(market, auth, client):
    auth.login("per@selger.no")
    _delete(auth, client)
    auth.login("kari@kjoper.no")
    html = client.get(f"/reservations/{market.ids['reservation']}").get_data(as_text=True)
    assert PER_MESSAGE in html and "Tidligere bruker" in html
    assert "Per Persen" not in html


def test_a_wrong_password_or_confirmation_changes_nothing(market, auth, client):
    auth.login("per@selger.no")
    assert _delete(auth, client, password="feil passord").status_code == 422
    assert _delete(auth, client, confirm="kanskje").status_code == 422
    assert _delete(auth, client, confirm="").status_code == 422
    db.session.expire_all()
    per = db.session.get(User, market.per.id)
    assert per.erased_at is None and per.active and per.email == "per@selger.no"


def test_the_last_owner_is_asked_to_hand_over_first(market, auth, client, make):
    from app.accounts.members import change_role
    from app.db import commit

    change_role(market.seller, market.colleague, "member", market.per)
    commit()
    auth.login("per@selger.no")
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Gi eierrollen videre først" in page
    assert f'/organizations/{market.seller.id}"' in page
    assert _delete(auth, client).status_code == 409
    db.session.expire_all()
    assert db.session.get(User, market.per.id).erased_at is None


def test_the_last_member_may_delete_and_the_organisation_stays(app, make, auth, client):
    org = make.org("business", name="Enmannsforetak AS")
    make.user(org, "owner", email="alene@enmann.no")
    auth.login("alene@enmann.no")
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Enmannsforetak AS" in page and 'href="/kontakt"' in page  # who to contact
    assert _delete(auth, client).status_code == 302
    assert db.session.get(Organization, org.id) is not None


def test_a_site_admin_cannot_delete_themselves(app, make, auth, client):
    make.user(None, email="admin@kretslop.test", site_admin=True)
    auth.login("admin@kretslop.test")
    assert _delete(auth, client).status_code == 409
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@kretslop.test"))
    assert admin.erased_at is None


def test_the_audit_log_shows_an_erased_actor_as_tidligere_bruker(market, make, auth, client):
    from app import audit
    from app.db import commit

    entry = audit.record("test.privacy", "listing", market.ids["listing"], actor=market.per,
                         reason="Før slettingen")
    commit()
    # The row names the person by id only (it can never be changed afterwards).
    assert entry.actor_label == f"user:{market.per.id}"
    make.user(None, email="admin@kretslop.test", site_admin=True)
    auth.login("admin@kretslop.test")
    assert "per@selger.no" in client.get("/admin/audit").get_data(as_text=True)
    assert client.get("/admin/audit", query_string={"actor": "per@selger"}).get_data(
        as_text=True).count("test.privacy") >= 1
    auth.logout()
    auth.login("per@selger.no")
    _delete(auth, client)
    auth.login("admin@kretslop.test")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "per@selger.no" not in html and "Tidligere bruker" in html
    assert "per@selger.no" not in client.get("/admin/audit.csv").get_data(as_text=True)


def test_mails_to_the_deleted_person_leave_the_outbox(market, auth, client):
    from app.outbox import OutboxEvent

    def mails_to(address):
        return [e for e in db.session.scalars(sa.select(OutboxEvent).where(
            OutboxEvent.topic == "mail.send")) if (e.payload or {}).get("to") == address]

    assert mails_to("per@selger.no") and mails_to("kari@kjoper.no")
    auth.login("per@selger.no")
    _delete(auth, client)
    db.session.expire_all()
    assert mails_to("per@selger.no") == []
    assert mails_to("kari@kjoper.no")


def test_the_operator_can_delete_an_account_by_command(market, runner):
    result = runner.invoke(args=["privacy", "erase", "per@selger.no", "--reason",
                                 "Ba om sletting på e-post"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, market.per.id).erased_at is not None
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.erase"))
    assert (entry.actor_label, entry.reason) == ("cli", "Ba om sletting på e-post")
    again = runner.invoke(args=["privacy", "erase", "per@selger.no", "--reason", "x"])
    assert again.exit_code != 0 and "no account" in again.output


def test_the_command_keeps_the_last_owner_rule(market, runner):
    from app.accounts.members import change_role
    from app.db import commit

    change_role(market.seller, market.colleague, "member", market.per)
    commit()
    result = runner.invoke(args=["privacy", "erase", "per@selger.no", "--reason", "x"])
    assert result.exit_code != 0 and "eneste eier" in result.output
    db.session.expire_all()
    assert db.session.get(User, market.per.id).erased_at is None


def test_deleting_ends_sessions_on_other_devices(market, app, auth, client):
    from app.accounts.sessions import UserSession
    from tests.conftest import Auth

    other = app.test_client()
    Auth(other).login("per@selger.no")
    assert other.get("/account/data").status_code == 200
    auth.login("per@selger.no")
    _delete(auth, client)
    assert other.get("/account/data").status_code == 302  # to the login page
    assert not db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == market.per.id)).all()


def test_deleting_removes_two_factor(market, auth, client):
    from app.accounts.two_factor import RecoveryCode, TwoFactor, new_recovery_codes
    from app.db import commit
    from tests.conftest import enroll_two_factor

    enroll_two_factor(market.per)
    new_recovery_codes(market.per)
    commit()
    auth.login("per@selger.no")
    assert _delete(auth, client).status_code == 302
    for model in (TwoFactor, RecoveryCode):
        assert not db.session.scalars(sa.select(model).where(
            model.user_id == market.per.id)).all()
