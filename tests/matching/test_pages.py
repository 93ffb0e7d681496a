"""Matching on the pages: the inbox with unread count, mark read, e-mail settings, the
match lists on the request and listing pages, interested -> the reservation form."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.db import db
from app.matching.models import Match, Notification
from app.notifications.models import NotificationChoice


def _post(client, auth, path, data=None, page="/inbox", **kw):
    return client.post(path, data={"csrf_token": auth.csrf(page), **(data or {})}, **kw)


def test_inbox_unread_count_and_mark_read(client, auth, requester, make_request,
                                          make_listing):
    wanted = make_request()
    make_listing(title="Kontorstoler Håg", quantity=40)
    make_listing(title="Kontorstoler Kinnarps", postcode="1394")
    auth.login(requester.user.email)
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'Innboks <span class="badge"><span aria-hidden="true">2</span>'
                     r'<span class="visually-hidden">2 uleste varsler</span>', home)
    html = client.get("/inbox").get_data(as_text=True)
    assert "Nytt treff for ønsket «Kontorstoler»: «Kontorstoler Håg» fra Heggedal Bygg AS" \
        in html
    assert "40 av 50 stk" in html and html.count('class="notification unread"') == 2
    first = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == requester.user.id).order_by(Notification.id)).first()
    opened = _post(client, auth, f"/inbox/{first.id}/read")
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/wanted/{wanted['id']}#match-{first.match_id}"
    assert '<span class="visually-hidden">1 ulest varsel</span>' in \
        client.get("/inbox").get_data(as_text=True)
    _post(client, auth, "/inbox/read-all")
    assert 'class="badge"' not in client.get("/inbox").get_data(as_text=True)
    assert _post(client, auth, "/inbox/999999/read").status_code == 404


def test_someone_elses_notification_is_404(client, auth, lister, stranger, make_request,
                                           make_listing):
    make_request()
    make_listing()
    theirs = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == lister.user.id)).first()
    auth.login(stranger.user.email)
    assert _post(client, auth, f"/inbox/{theirs.id}/read").status_code == 404
    assert "Ingen varsler ennå" in client.get("/inbox").get_data(as_text=True)


def test_email_settings(client, auth, requester):
    """The per-kind choice page (more in tests/notifications/test_settings.py)."""
    auth.login(requester.user.email)
    page = client.get("/inbox/settings").get_data(as_text=True)
    assert ('<input checked class="ds-input" id="match_for_request-0" '
            'name="match_for_request" type="radio" value="immediate">') in page
    response = _post(client, auth, "/inbox/settings", {"match_for_request": "daily"},
                     page="/inbox/settings")
    assert response.status_code == 302
    choice = db.session.get(NotificationChoice, (requester.user.id, "match_for_request"))
    assert choice.email_mode == "daily"
    bad = _post(client, auth, "/inbox/settings", {"match_for_request": "hourly"},
                page="/inbox/settings")
    assert bad.status_code == 422
    assert db.session.get(NotificationChoice,
                          (requester.user.id, "match_for_request")).email_mode == "daily"
    assert client.get("/inbox").status_code == 200


def test_request_page_lists_matches_and_interested_goes_to_the_reservation_form(
        client, auth, requester, stranger, make_request, make_listing):
    wanted = make_request()
    listing = make_listing(title="Kontorstoler Håg")
    match = db.session.scalars(sa.select(Match)).one()
    auth.login(requester.user.email)
    path = f"/wanted/{wanted['id']}"
    html = client.get(path).get_data(as_text=True)
    assert f'id="match-{match.id}"' in html and "Kontorstoler Håg" in html
    assert "samme kategori: Kontorstol" in html
    response = _post(client, auth, f"/wanted/matches/{match.id}/interested", page=path)
    assert response.status_code == 302
    assert response.headers["Location"] == \
        f"/listings/{listing['id']}/reserve?match_id={match.id}"
    db.session.expire_all()
    assert match.state == "interested"
    assert client.get(response.headers["Location"]).status_code == 200
    _post(client, auth, f"/wanted/matches/{match.id}/dismiss", page=path)
    db.session.expire_all()
    assert match.state == "dismissed"
    assert "Ingen treff ennå" in client.get(path).get_data(as_text=True)
    auth.logout()
    auth.login(stranger.user.email)
    assert "Kontorstoler Håg" not in client.get(path).get_data(as_text=True)
    assert _post(client, auth, f"/wanted/matches/{match.id}/dismiss",
                 page=path).status_code == 404


def test_listing_page_shows_matching_requests_to_its_owners(client, auth, lister, requester,
                                                            make_request, make_listing):
    make_request(title="Kontorstoler til nytt kontor")
    listing = make_listing()
    path = f"/listings/{listing['id']}"
    auth.login(lister.user.email)  # reads English
    html = client.get(path).get_data(as_text=True)
    assert "Matching wanted requests" in html and "Kontorstoler til nytt kontor" in html
    assert "Miljøsofa Asker" in html and "same category: Office chair" in html
    assert "km away" in html
    auth.logout()
    auth.login(requester.user.email)
    html = client.get(path).get_data(as_text=True)
    assert "Ønsker som passer" not in html and "Matching wanted requests" not in html
