"""A small world for the authorisation matrix: three organisations, every role, and one
object of each kind, built through the real API."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from tests.conftest import bearer

#: ``self_municipality``: the owner of a self-registered, unverified "kommune" (no
#: municipal privileges: denied every reporting route).
ROLES = ("anonymous", "outsider", "member", "admin", "owner", "buyer", "officer", "site_admin",
         "self_municipality")


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    media_path: str = ""


def build(app, make, client) -> World:
    from app.db import commit
    from app.listings.categories import ensure_categories

    ensure_categories()
    commit()
    world = World()
    seller = make.org("business", name="Selger AS", postcode="1383")
    buyer = make.org("reuse_shop", name="Kjøper Ombruk", postcode="1384")
    other = make.org("business", name="Utenforstående AS")
    municipality = make.org("municipality", name="Asker kommune")  # verified, KOMM
    self_made = make.org("municipality", name="Selvlaget kommune", verified=False)
    for role, org, org_role in [("member", seller, "member"), ("admin", seller, "admin"),
                                ("owner", seller, "owner"), ("buyer", buyer, "owner"),
                                ("outsider", other, "owner"),
                                ("officer", municipality, "member"),
                                ("self_municipality", self_made, "owner")]:
        world.users[role] = make.user(org, org_role, email=f"{role}@matrix.no")
    world.users["site_admin"] = make.user(None, email="site_admin@matrix.no", site_admin=True)
    for role, user in world.users.items():
        world.tokens[role] = make.token(user)
    world.ids.update(seller_org=seller.id, buyer_org=buyer.id, other_org=other.id,
                     municipality_org=municipality.id)
    # A member of the seller (``member_id`` in the member routes) and a pending invitation.
    from app.accounts.services import invite

    world.ids["member_user"] = world.users["member"].id
    world.ids["invitation"] = invite(seller, "invitee@matrix.no", "member",
                                     world.users["owner"]).id
    commit()

    def api(role, method, path, **kwargs):
        response = client.open("/api/v1" + path, method=method,
                               headers=bearer(world.tokens[role]), **kwargs)
        assert response.status_code < 300, (path, response.status_code, response.get_json())
        return response.get_json()

    listing = {"title": "Kontorstoler, matrise", "category": "office-chair",
               "condition": "good", "quantity": 10, "unit": "pcs", "price_nok": 0,
               "postcode": "1383"}
    published = {**listing, "publish": True}
    world.ids["listing"] = api("owner", "POST", "/listings", json=published)["id"]
    world.ids["draft"] = api("owner", "POST", "/listings", json=listing)["id"]
    image = api("owner", "POST", f"/listings/{world.ids['listing']}/images",
                data={"file": (io.BytesIO(_png()), "stol.png")},
                content_type="multipart/form-data")
    world.ids["image"] = image["id"]
    world.media_path = image["urls"]["thumb"].split("/media/", 1)[1]
    world.ids["request"] = api("buyer", "POST", "/requests", json={
        "title": "Kontorstoler ønskes", "categories": ["office-chair"], "quantity": 5,
        "min_quantity": 1, "max_price_nok": 0, "min_condition": "fair", "postcode": "1384",
        "radius_km": 30})["id"]
    # The completed hand-over first: an organisation has one unanswered request per listing.
    completed = api("buyer", "POST", "/reservations",
                    json={"listing_id": world.ids["listing"], "quantity": 1})
    api("owner", "POST", f"/reservations/{completed['id']}/accept", json={})
    api("buyer", "POST", f"/reservations/{completed['id']}/handover", json={})
    record = api("owner", "POST", f"/reservations/{completed['id']}/handover",
                 json={"weight_kg": 14})
    world.ids["record"] = record["reuse_record"]["id"]
    reservation = api("buyer", "POST", "/reservations",
                      json={"listing_id": world.ids["listing"], "quantity": 2,
                            "message": "Vi henter gjerne", "pickup_at": _in_two_days()})
    world.ids["reservation"] = reservation["id"]
    messages = api("buyer", "GET", f"/reservations/{reservation['id']}/messages")
    world.ids["message"] = messages["items"][0]["id"]
    # A question thread between the buyer and the seller about the listing.
    question = api("buyer", "POST", f"/listings/{world.ids['listing']}/questions",
                   json={"body": "Hvor høye er stolene?"})
    world.ids["thread"] = question["thread_id"]
    matches = api("buyer", "GET", f"/requests/{world.ids['request']}/matches")
    world.ids["match"] = matches["items"][0]["id"] if matches["items"] else 0
    token_list = api("owner", "GET", "/tokens")
    world.ids["token"] = token_list["items"][0]["id"]
    # A signed-in session of the owner's (ended only by the owner, /account/security).
    from app.accounts.sessions import UserSession
    from app.db import commit as _commit
    from app.db import db as _db

    owner_session = UserSession(user_id=world.users["owner"].id, secret_hash="0" * 64,
                                device="Firefox (Linux)", place="192.0.2.0/24")
    _db.session.add(owner_session)
    _commit()
    world.ids["user_session"] = owner_session.id
    from sqlalchemy import select

    from app.db import db
    from app.matching.models import Notification

    note = db.session.scalar(select(Notification).order_by(Notification.id))
    world.ids["notification"] = note.id if note else 0
    from app.db import commit
    from app.listings.models import ImportJob

    job = ImportJob(organization_id=seller.id, filename="annonser.xlsx", status="done",
                    total_rows=300, processed_rows=300, created_count=300, errors=[])
    db.session.add(job)
    commit()
    world.ids["import_job"] = job.id
    # An open report on the listing (the console's report routes, ``report_id``).
    from app.listings.models import ListingReport

    report = ListingReport(listing_id=world.ids["listing"], reporter_id=world.users["buyer"].id,
                           reason="other", message="", status="open")
    db.session.add(report)
    commit()
    world.ids["report"] = report.id
    # The owner's "Last ned mine data" file (built by the job right after the commit).
    from app.privacy.export import request_export

    export = request_export(world.users["owner"])
    commit()
    world.ids["export"] = export.id
    world.ids["export_key"] = export.key  # type: ignore[assignment] - the link's key
    # A building project of the seller's in Asker (the officer's municipality), with the
    # buyer as a partner (a consultant who maps) and one mapped component.
    project = make.project(seller, world.users["owner"])
    from app.projects.services import add_partner

    partner = add_partner(project, buyer.orgnr, "consultant")
    commit()
    component = make.component(project, world.users["owner"])
    from app.projects.component_photos import add_photo

    photo = add_photo(component, io.BytesIO(_png()), "vindu.png", "image/png")
    commit()
    world.ids.update(project=project.id, partner=partner.id, component=component.id,
                     component_photo=photo.id)
    return world


def _in_two_days() -> str:
    """A proposed pickup (so the reservation's .ics route has a time to serve)."""
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def fill(rule: str, world: World) -> str:
    """Turn a URL rule into a path with the world's ids."""
    names = {"listing_id": "listing", "reservation_id": "reservation", "request_id": "request",
             "match_id": "match", "record_id": "record", "token_id": "token",
             "org_id": "seller_org", "message_id": "message", "image_id": "image",
             "notification_id": "notification", "job_id": "import_job",
             "thread_id": "thread"}
    names.update(member_id="member_user", invitation_id="invitation")
    names.update(user_id="member_user", report_id="report")  # the admin console
    names.update(export_id="export", key="export_key")  # a data export's link
    names.update(session_id="user_session")  # /account/security: end a session
    names.update(project_id="project", component_id="component", partner_id="partner")
    names.update(photo_id="component_photo")  # a mapped component's photo
    fixed = {"fmt": "csv", "dimension": "eu_category", "ext": "csv", "path": world.media_path,
             "token": "not-a-real-token"}

    def replace(match: re.Match) -> str:
        name = match.group(1)
        return str(world.ids[names[name]]) if name in names else fixed[name]

    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", replace, rule)
