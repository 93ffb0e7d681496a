"""Photo services: add (at most ten per listing) and remove a listing's photos.

Files are written before the commit (content-addressed, so a rolled-back upload only
leaves a file nobody links to). Files of a removed photo are deleted after the commit
by the ``listing.image_removed`` outbox handler, and only when no other photo uses them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app import outbox
from app.db import db
from app.errors import NotFound, ValidationFailed
from app.listings import images
from app.listings.models import EDITABLE_STATUSES, Listing, ListingImage
from app.listings.services import _state_conflict, changed

MAX_IMAGES = 10
IMAGE_REMOVED = "listing.image_removed"


def media_url(path: str) -> str:
    return current_app.config.get("MEDIA_URL", "/media/").rstrip("/") + "/" + path


def _lock(listing: Listing) -> None:
    """Serialise uploads to one listing so two at once cannot make an eleventh photo."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Listing.id).where(Listing.id == listing.id)
                           .with_for_update())


def check_room(listing: Listing) -> None:
    if listing.status not in EDITABLE_STATUSES:
        raise _state_conflict(listing, _("Bilder kan ikke endres fordi annonsen er "
                                         "%(status)s."))
    count = db.session.scalar(sa.select(sa.func.count(ListingImage.id))
                              .where(ListingImage.listing_id == listing.id)) or 0
    if count >= MAX_IMAGES:
        raise ValidationFailed({"file": [_("En annonse kan ha høyst %(n)s bilder. Slett et "
                                           "bilde før du legger til et nytt.", n=MAX_IMAGES)]})


def add_image(listing: Listing, stream, filename: str | None,
              content_type: str | None) -> ListingImage:
    """Check, process and store an uploaded photo as the listing's last one."""
    config = current_app.config
    _lock(listing)
    check_room(listing)
    data = images.read_limited(stream, int(config["IMAGE_MAX_BYTES"]))
    processed = images.process(data, filename, content_type,
                               int(config["IMAGE_MAX_PIXELS"]))
    images.store(processed, config["MEDIA_ROOT"])
    last = db.session.scalar(sa.select(sa.func.max(ListingImage.position))
                             .where(ListingImage.listing_id == listing.id))
    original = processed.original
    image = ListingImage(
        listing_id=listing.id, position=(last or 0) + 1, sha256=original.sha256,
        original_path=original.path, medium_path=processed.medium.path,
        thumb_path=processed.thumb.path, width=original.width, height=original.height,
        bytes=len(original.data),
    )
    db.session.add(image)
    db.session.flush()
    db.session.expire(listing, ["images"])
    changed(listing)
    return image


def remove_image(listing: Listing, image_id: int) -> None:
    """Remove one photo; its files go after the commit if nothing else uses them."""
    image = db.session.get(ListingImage, image_id)
    if image is None or image.listing_id != listing.id:
        raise NotFound(_("Bildet finnes ikke."))
    if listing.status not in EDITABLE_STATUSES:
        raise _state_conflict(listing, _("Bilder kan ikke endres fordi annonsen er "
                                         "%(status)s."))
    paths = list(image.paths)
    db.session.delete(image)
    db.session.flush()
    db.session.expire(listing, ["images"])
    outbox.emit(IMAGE_REMOVED, paths=paths)
    changed(listing)


@outbox.handler(IMAGE_REMOVED, name="listings.remove_image_files")
def remove_unused_files(payload: dict) -> None:
    """Delete a removed photo's files unless another photo row still points at them."""
    paths = list(payload.get("paths") or [])
    used = set()
    for column in (ListingImage.original_path, ListingImage.medium_path,
                   ListingImage.thumb_path):
        used.update(db.session.scalars(sa.select(column).where(column.in_(paths))))
    images.remove([p for p in paths if p not in used], current_app.config["MEDIA_ROOT"])
