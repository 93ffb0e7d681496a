"""Last ned mine data: the ZIP holds the person's own data and nothing secret; the link is
the owner's only and stops working when it expires."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from app.accounts.models import ApiToken
from app.db import commit, db, utcnow
from app.notifications.models import Notification
from app.privacy.models import DataExport
from tests.privacy.conftest import KARI_MESSAGE, LISTING_TITLE, PER_MESSAGE


def _start(auth, client):
    return client.post("/account/data/export", data={"csrf_token": auth.csrf("/account/data")})


def _download_link(client) -> str:
    html = client.get("/account/data").get_data(as_text=True)
    match = re.search(r'href="(/account/data/exports/\d+/[^"]+)"', html)
    assert match, "no download link on the page"
    return match.group(1)


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    data = response.data
    response.close()
    return zipfile.ZipFile(io.BytesIO(data))


def _status(client, path: str) -> int:
    response = client.get(path)
    response.close()  # a served file is open until then
    return response.status_code


def test_the_zip_holds_my_listing_message_reservation_and_notifications(market, auth, client):
    auth.login("per@selger.no")
    response = _start(auth, client)
    assert response.status_code == 302
    archive = _zip(client.get(_download_link(client)))
    names = set(archive.namelist())
    assert {"README.txt", "profile.json", "listings.json", "listings.csv", "messages.json",
            "reservations.json", "notifications.json", "memberships.json",
            "api_tokens.json", "audit_log.json"} <= names
    profile = json.loads(archive.read("profile.json"))
    assert profile["email"] == "per@selger.no" and profile["name"] == "Per Persen"
    listings = json.loads(archive.read("listings.json"))
    assert [x["title"] for x in listings] == [LISTING_TITLE]
    assert LISTING_TITLE in archive.read("listings.csv").decode("utf-8-sig")
    messages = json.loads(archive.read("messages.json"))
    assert [m["body"] for m in messages] == [PER_MESSAGE]  # not Kari's message
    reservations = json.loads(archive.read("reservations.json"))
    assert [r["id"] for r in reservations] == [market.ids["reservation"]]
    assert "confirmed_as_giver" in reservations[0]["your_part"]
    notes = json.loads(archive.read("notifications.json"))
    assert "reservation_requested" in {n["kind"] for n in notes}
    assert all(n["text"] for n in notes)
    readme = archive.read("README.txt").decode()
    assert "Dine data fra Kretsløp" in readme
    assert json.loads(archive.read("memberships.json"))[0]["organization"] == "Selger AS"

    everything = b"".join(archive.read(n) for n in names).decode("utf-8", "replace")
    # Other people's data is not there.
    assert KARI_MESSAGE not in everything and "kari@kjoper.no" not in everything
    assert "ola@selger.no" not in everything
    # No secrets: the password hash, the API token hashes, the session token.
    db.session.refresh(market.per)
    token_hashes = db.session.scalars(sa.select(ApiToken.token_hash).where(
        ApiToken.user_id == market.per.id)).all()
    assert token_hashes
    for secret in [market.per.password_hash, market.per.session_token, *token_hashes]:
        assert secret not in everything
    assert "password_hash" not in everything and "token_hash" not in everything


def test_the_person_is_told_when_the_file_is_ready(market, auth, client, app):
    auth.login("per@selger.no")
    _start(auth, client)
    note = db.session.scalar(sa.select(Notification).where(
        Notification.user_id == market.per.id, Notification.kind == "data_export_ready"))
    assert note is not None and note.path == "/account/data"
    mails = "".join(p.read_text() for p in Path(app.config["MAIL_DIR"]).glob("*.eml"))
    assert "per@selger.no" in mails and "/account/data" in mails


def test_only_the_owner_gets_the_file_and_only_until_it_expires(market, auth, client):
    auth.login("per@selger.no")
    _start(auth, client)
    link = _download_link(client)
    export_id = int(link.split("/")[4])
    # A wrong key is 404 even for the owner.
    assert _status(client, link[:-3] + "xyz") == 404
    auth.logout()
    assert _status(client, link) == 302  # anonymous: to the login page
    auth.login("kari@kjoper.no")
    assert _status(client, link) == 404  # someone else: as if it did not exist
    auth.logout()
    auth.login("per@selger.no")
    assert _status(client, link) == 200
    export = db.session.get(DataExport, export_id)
    export.expires_at = utcnow() - timedelta(minutes=1)
    commit()
    assert _status(client, link) == 410


def test_one_export_at_a_time_and_a_daily_limit(market, auth, client, app):
    auth.login("per@selger.no")
    pending = DataExport(user_id=market.per.id, key="k" * 20, status="pending")
    db.session.add(pending)
    commit()
    response = _start(auth, client)
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(DataExport.id))) == 1
    db.session.delete(pending)
    commit()
    limit = app.config["DATA_EXPORTS_PER_DAY"]
    for _ in range(limit):
        assert _start(auth, client).status_code == 302
    response = _start(auth, client)
    assert response.status_code == 429
    assert db.session.scalar(sa.select(sa.func.count(DataExport.id))) == limit


def test_the_export_page_needs_a_login_and_a_form_token(market, auth, client):
    assert client.get("/account/data").status_code == 302
    auth.login("per@selger.no")
    page = client.get("/account/data")
    assert page.status_code == 200 and "Last ned mine data" in page.get_data(as_text=True)
    response = client.post("/account/data/export", data={})
    assert response.status_code == 400  # no form token: refused before the view
    assert db.session.scalar(sa.select(sa.func.count(DataExport.id))) == 0


def test_a_stale_pending_export_does_not_block_a_new_one(market, auth, client):
    auth.login("per@selger.no")
    stale = DataExport(user_id=market.per.id, key="s" * 20, status="pending",
                       created_at=utcnow() - timedelta(hours=7))
    db.session.add(stale)
    commit()
    assert _start(auth, client).status_code == 302
    db.session.expire_all()
    assert db.session.get(DataExport, stale.id).status == "failed"
    assert "Klar" in client.get("/account/data").get_data(as_text=True)



def test_my_sessions_are_in_the_zip_without_their_secret(market, auth, client):
    from app.accounts.sessions import UserSession

    auth.login("per@selger.no")
    _start(auth, client)
    archive = _zip(client.get(_download_link(client)))
    sessions = json.loads(archive.read("sessions.json"))
    rows = db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == market.per.id)).all()
    assert rows and len(sessions) == len(rows)
    assert {"device", "place", "created_at", "last_seen_at"} <= set(sessions[0])
    assert "secret_hash" not in sessions[0]
    text = archive.read("sessions.json").decode()
    assert all(r.secret_hash not in text for r in rows)


def test_two_factor_is_in_the_zip_without_its_secret_or_codes(market, auth, client):
    from app.accounts.two_factor import RecoveryCode, TwoFactor, new_recovery_codes
    from tests.conftest import enroll_two_factor

    secret = enroll_two_factor(market.per)
    codes = new_recovery_codes(market.per)
    commit()
    auth.login("per@selger.no")  # with the second step
    _start(auth, client)
    archive = _zip(client.get(_download_link(client)))
    everything = b"".join(archive.read(n) for n in archive.namelist()).decode()
    row = db.session.scalar(sa.select(TwoFactor).where(TwoFactor.user_id == market.per.id))
    hashes = db.session.scalars(sa.select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == market.per.id)).all()
    assert json.loads(archive.read("two_factor.json"))[0]["confirmed_at"]
    for hidden in [secret, row.secret_encrypted, *hashes, *(c.replace("-", "") for c in codes)]:
        assert hidden not in everything
