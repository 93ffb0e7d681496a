"""Members and roles (app/accounts/members.py and the organisation page): owners and
admins manage members and invitations, admins never touch owners, the last owner stays,
every change is audited and e-mailed to the person concerned."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from app.accounts import members, services
from app.accounts.models import Invitation, Membership
from app.audit import AuditEntry
from app.db import commit, db
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.accounts.signup import mails_to, text_of


@pytest.fixture
def team(make):
    org = make.org("business", name="Asker Ombruk AS")
    owner = make.user(org, "owner", email="eier@ombruk.no", name="Eva Eier")
    admin = make.user(org, "admin", email="admin@ombruk.no", name="Ada Admin")
    member = make.user(org, "member", email="medlem@ombruk.no", name="Mats Medlem",
                       locale="en")
    return org, owner, admin, member


def _role(org, user) -> str | None:
    return db.session.scalar(sa.select(Membership.role).where(
        Membership.organization_id == org.id, Membership.user_id == user.id))


def _token(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_owners_and_admins_see_members_and_pending_invitations(app, client, auth, team):
    org, owner, admin, member = team
    services.invite(org, "ny@ombruk.no", "member", owner)
    commit()
    assert [m.user.email for m in members.list_members(org)] == [
        "eier@ombruk.no", "admin@ombruk.no", "medlem@ombruk.no"]
    assert [i.email for i in members.pending_invitations(org)] == ["ny@ombruk.no"]
    auth.login(admin.email)
    html = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert "ny@ombruk.no" in html and f'for="role-{member.id}"' in html
    # an admin gets no controls on the owner's row
    assert f"/members/{owner.id}/role" not in html and f"/members/{member.id}/role" in html
    auth.logout()
    auth.login(member.email)
    html = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert "ny@ombruk.no" not in html and "/role" not in html
    assert f"/organizations/{org.id}/leave" in html


def test_an_admin_changes_a_role_audited_and_mailed(app, client, auth, team):
    org, owner, admin, member = team
    auth.login(admin.email)
    answer = client.post(f"/organizations/{org.id}/members/{member.id}/role",
                         data={"csrf_token": _token(client), "role": "admin"})
    assert answer.status_code == 302
    assert _role(org, member) == "admin"
    [entry] = _audit("membership.role")
    assert (entry.actor_id, entry.target_id, entry.organization_id) == (admin.id, member.id,
                                                                        org.id)
    assert entry.before == {"role": "member"} and entry.after == {"role": "admin"}
    mail = mails_to(member.email)[-1]
    assert mail["Content-Language"] == "en" and "Ada Admin" in text_of(mail)


def test_an_admin_may_not_touch_owners_nor_make_one(app, client, auth, team):
    org, owner, admin, member = team
    auth.login(admin.email)
    made_owner = client.post(f"/organizations/{org.id}/members/{member.id}/role",
                             data={"csrf_token": _token(client), "role": "owner"})
    assert made_owner.status_code == 403
    assert "Bare eiere" in made_owner.get_data(as_text=True)
    demoted = client.post(f"/organizations/{org.id}/members/{owner.id}/role",
                          data={"csrf_token": _token(client), "role": "member"})
    assert demoted.status_code == 403
    removed = client.post(f"/organizations/{org.id}/members/{owner.id}/remove",
                          data={"csrf_token": _token(client)})
    assert removed.status_code == 403
    assert _role(org, owner) == "owner" and _role(org, member) == "member"
    bad = client.post(f"/organizations/{org.id}/members/{member.id}/role",
                      data={"csrf_token": _token(client), "role": "king"})
    assert bad.status_code == 422 and f'id="user-{member.id}-error"' in bad.get_data(
        as_text=True)
    with pytest.raises(PermissionDenied):
        members.change_role(org, admin, "member", member)  # a plain member: no power


def test_the_last_owner_cannot_be_demoted_removed_or_leave(app, client, auth, make, team):
    org, owner, admin, member = team
    with pytest.raises(Conflict):
        members.change_role(org, owner, "admin", owner)
    with pytest.raises(Conflict):
        members.leave(org, owner)
    site_admin = make.user(None, email="drift@kretslop.no", site_admin=True)
    with pytest.raises(Conflict):
        members.remove_member(org, owner, site_admin)
    auth.login(owner.email)
    page = client.post(f"/organizations/{org.id}/leave", data={"csrf_token": _token(client)})
    assert page.status_code == 409 and 'id="leave-error"' in page.get_data(as_text=True)
    assert _role(org, owner) == "owner"
    # with a second owner, the first may step down
    members.change_role(org, admin, "owner", owner)
    members.change_role(org, owner, "member", owner)
    commit()
    assert (_role(org, owner), _role(org, admin)) == ("member", "owner")


def test_remove_and_leave(app, client, auth, team):
    org, owner, admin, member = team
    auth.login(owner.email)
    answer = client.post(f"/organizations/{org.id}/members/{admin.id}/remove",
                         data={"csrf_token": _token(client)})
    assert answer.status_code == 302 and _role(org, admin) is None
    assert "Eva Eier" in text_of(mails_to(admin.email)[-1])
    auth.logout()
    auth.login(member.email)
    answer = client.post(f"/organizations/{org.id}/leave", data={"csrf_token": _token(client)})
    assert answer.status_code == 302 and _role(org, member) is None
    assert client.get(f"/organizations/{org.id}").status_code == 404
    assert [e.target_id for e in _audit("membership.remove")] == [admin.id]
    [left] = _audit("membership.leave")
    assert left.actor_id == member.id and left.before == {"role": "member"}
    assert mails_to(member.email)[-1]["Content-Language"] == "en"
    with pytest.raises(NotFound):
        members.leave(org, member)


def _link(address: str) -> str:
    text = text_of(mails_to(address)[-1])
    return re.search(r"(/invitations/\S+)", text).group(1)


def test_revoke_and_resend_invitations(app, client, auth, team):
    org, owner, admin, member = team
    services.invite(org, "ny@ombruk.no", "member", owner)
    commit()
    first_link = _link("ny@ombruk.no")
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.email == "ny@ombruk.no"))
    auth.login(admin.email)
    answer = client.post(f"/organizations/{org.id}/invitations/{invitation.id}/resend",
                         data={"csrf_token": _token(client)})
    assert answer.status_code == 302
    second_link = _link("ny@ombruk.no")
    assert second_link != first_link
    assert client.get(first_link).status_code == 404  # the old link stops working
    assert client.get(second_link).status_code == 200
    answer = client.post(f"/organizations/{org.id}/invitations/{invitation.id}/revoke",
                         data={"csrf_token": _token(client)})
    assert answer.status_code == 302
    assert client.get(second_link).status_code == 404
    assert "trukket tilbake" in mails_to("ny@ombruk.no")[-1]["Subject"]
    assert [e.action for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.target_type == "invitation").order_by(AuditEntry.id))] == [
        "invitation.resend", "invitation.revoke"]
    again = client.post(f"/organizations/{org.id}/invitations/{invitation.id}/revoke",
                        data={"csrf_token": _token(client)})
    assert again.status_code == 409
    assert members.pending_invitations(org) == []


def test_an_admin_may_not_revoke_an_owner_invitation(app, team):
    org, owner, admin, member = team
    invitation = services.invite(org, "medeier@ombruk.no", "owner", owner)
    commit()
    with pytest.raises(PermissionDenied):
        members.revoke_invitation(invitation, admin)
    with pytest.raises(PermissionDenied):
        members.resend_invitation(invitation, member)
    with pytest.raises(ValidationFailed):
        members.change_role(org, member, "", owner)


def test_two_owners_demoting_each_other_at_once_leave_one_owner(committed_app):
    """PostgreSQL: the owner rows are locked, so the second demotion sees the first."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL) for concurrent transactions")
    from app.accounts import orgnr
    from app.accounts.models import Organization, User

    org = services.create_organization("Samtidig AS", "business", orgnr.make(80555555))
    people = []
    for email in ("en@samtidig.no", "to@samtidig.no"):
        user = services._new_user(email, email.split("@")[0], "correct horse battery")
        db.session.flush()
        services.add_member(user, org, "owner")
        people.append(user)
    commit()
    ids = (org.id, people[0].id, people[1].id)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor_id: int, target_id: int) -> None:
        with committed_app.app_context():
            try:
                target = db.session.get(User, target_id)
                actor = db.session.get(User, actor_id)
                actor.memberships  # noqa: B018 - loaded before the race
                current = db.session.get(Organization, ids[0])
                barrier.wait(timeout=30)
                members.change_role(current, target, "member", actor)
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")
            except Exception as exc:  # noqa: BLE001 - shown in the assertion below
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=(ids[1], ids[2])),
               threading.Thread(target=demote, args=(ids[2], ids[1]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "ok"]
    owners = db.session.scalars(sa.select(Membership.user_id).where(
        Membership.organization_id == ids[0], Membership.role == "owner")).all()
    assert len(owners) == 1
