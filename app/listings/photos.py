"""Photo services: add (at most ten per listing), arrange and remove a listing's photos,
and *pending* photos uploaded before the listing form is saved.

Files are written before the commit (content-addressed, so a rolled-back upload only
leaves a file nobody links to). Files of a removed photo are deleted after the commit
by the ``listing.image_removed`` outbox handler, and only when no other photo uses them.

A pending photo is processed and stored like any other, but no row is written: the
person gets a signed token (bound to their user id, valid ``PENDING_MAX_AGE``) naming
the stored renditions, and the listing form carries it. So a form sent back with a field
error keeps its accepted photos while the database stays untouched (an error answer
rolls the request back), and the photo becomes a ``ListingImage`` only when the listing
is saved. The cover is the first photo.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app import outbox
from app.db import db
from app.errors import NotFound, ValidationFailed
from app.listings import images
from app.listings.models import EDITABLE_STATUSES, Listing, ListingImage
from app.listings.services import _state_conflict, changed

MAX_IMAGES = 10
IMAGE_REMOVED = "listing.image_removed"
PENDING_SALT = "kretslop.pending-photo"
PENDING_MAX_AGE = 2 * 24 * 3600
_RENDITION = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.jpg$")


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


def process_and_store(stream, filename: str | None,
                       content_type: str | None) -> images.Processed:
    config = current_app.config
    data = images.read_limited(stream, int(config["IMAGE_MAX_BYTES"]))
    processed = images.process(data, filename, content_type,
                               int(config["IMAGE_MAX_PIXELS"]))
    images.store(processed, config["MEDIA_ROOT"])
    return processed


@dataclass(frozen=True)
class PendingPhoto:
    """A processed, stored photo that belongs to no listing yet (see the module doc)."""

    token: str
    sha256: str
    original_path: str
    medium_path: str
    thumb_path: str
    width: int
    height: int
    bytes: int

    @property
    def thumb_url(self) -> str:
        return media_url(self.thumb_path)

    @property
    def medium_url(self) -> str:
        return media_url(self.medium_path)

    @property
    def original_url(self) -> str:
        return media_url(self.original_path)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PENDING_SALT)


def accept_upload(stream, filename: str | None, content_type: str | None,
                  user_id: int) -> PendingPhoto:
    """Check, process and store an upload for a form not saved yet; no row is written."""
    processed = process_and_store(stream, filename, content_type)
    original = processed.original
    payload = {"u": user_id, "s": original.sha256, "o": original.path,
               "m": processed.medium.path, "t": processed.thumb.path,
               "w": original.width, "h": original.height, "b": len(original.data)}
    return _pending(_serializer().dumps(payload), payload)


def _pending(token: str, payload: dict) -> PendingPhoto:
    return PendingPhoto(token=token, sha256=payload["s"], original_path=payload["o"],
                        medium_path=payload["m"], thumb_path=payload["t"],
                        width=int(payload["w"]), height=int(payload["h"]),
                        bytes=int(payload["b"]))


def pending_photo(token: str, user_id: int) -> PendingPhoto:
    """The pending photo a token names, if it is this person's, recent and still stored."""
    gone = _("Et bilde som var lastet opp, er ikke lenger tilgjengelig. Legg det til på nytt.")
    try:
        payload = _serializer().loads(token, max_age=PENDING_MAX_AGE)
    except SignatureExpired:
        raise ValidationFailed({"photos": [_("Et bilde ble lastet opp for mer enn to døgn "
                                             "siden og er ikke lagret. Legg det til på "
                                             "nytt.")]}) from None
    except BadSignature:
        raise ValidationFailed({"photos": [gone]}) from None
    try:
        photo = _pending(token, payload)
        owner = payload["u"]
    except (KeyError, TypeError, ValueError):
        raise ValidationFailed({"photos": [gone]}) from None
    root = Path(current_app.config["MEDIA_ROOT"])
    paths = (photo.original_path, photo.medium_path, photo.thumb_path)
    if (owner != user_id or not all(isinstance(p, str) and _RENDITION.match(p) for p in paths)
            or not all((root / p).is_file() for p in paths)):
        raise ValidationFailed({"photos": [gone]})
    return photo


def _append_row(listing: Listing, sha256: str, original_path: str, medium_path: str,
                thumb_path: str, width: int, height: int, size: int) -> ListingImage:
    last = db.session.scalar(sa.select(sa.func.max(ListingImage.position))
                             .where(ListingImage.listing_id == listing.id))
    image = ListingImage(
        listing_id=listing.id, position=(last or 0) + 1, sha256=sha256,
        original_path=original_path, medium_path=medium_path, thumb_path=thumb_path,
        width=width, height=height, bytes=size,
    )
    db.session.add(image)
    db.session.flush()
    db.session.expire(listing, ["images"])
    return image


def add_image(listing: Listing, stream, filename: str | None,
              content_type: str | None) -> ListingImage:
    """Check, process and store an uploaded photo as the listing's last one."""
    _lock(listing)
    check_room(listing)
    processed = process_and_store(stream, filename, content_type)
    original = processed.original
    image = _append_row(listing, original.sha256, original.path, processed.medium.path,
                        processed.thumb.path, original.width, original.height,
                        len(original.data))
    changed(listing)
    return image


def attach_pending(listing: Listing, photo: PendingPhoto) -> ListingImage:
    """Make a pending photo the listing's last one (room and state checked)."""
    _lock(listing)
    check_room(listing)
    return _append_row(listing, photo.sha256, photo.original_path, photo.medium_path,
                       photo.thumb_path, photo.width, photo.height, photo.bytes)


def arrange(listing: Listing, image_ids: list[int]) -> bool:
    """Give the listing's photos the order of ``image_ids`` (the first is the cover);
    photos not named keep their order after them. True when an order changed."""
    current = list(db.session.scalars(
        sa.select(ListingImage).where(ListingImage.listing_id == listing.id)
        .order_by(ListingImage.position, ListingImage.id)))
    by_id = {image.id: image for image in current}
    ordered = [by_id[i] for i in dict.fromkeys(image_ids) if i in by_id]
    ordered += [image for image in current if image not in ordered]
    moved = False
    for position, image in enumerate(ordered, start=1):
        if image.position != position:
            if listing.status not in EDITABLE_STATUSES:
                raise _state_conflict(listing, _("Bilder kan ikke endres fordi annonsen er "
                                                 "%(status)s."))
            image.position = position
            moved = True
    if moved:
        db.session.flush()
        db.session.expire(listing, ["images"])
    return moved


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


#: Columns of other domains' photo rows that point at stored renditions (a building
#: project's component photos): a file any of them uses is never removed.
_OTHER_PATH_COLUMNS: list = []


def register_path_columns(*columns) -> None:
    """Let another domain's photo rows keep their files (``app.projects.component_photos``)."""
    _OTHER_PATH_COLUMNS.extend(c for c in columns if c not in _OTHER_PATH_COLUMNS)


def path_columns() -> list:
    return [ListingImage.original_path, ListingImage.medium_path, ListingImage.thumb_path,
            *_OTHER_PATH_COLUMNS]


@outbox.handler(IMAGE_REMOVED, name="listings.remove_image_files")
def remove_unused_files(payload: dict) -> None:
    """Delete a removed photo's files unless another photo row still points at them."""
    paths = list(payload.get("paths") or [])
    used = set()
    for column in path_columns():
        used.update(db.session.scalars(sa.select(column).where(column.in_(paths))))
    images.remove([p for p in paths if p not in used], current_app.config["MEDIA_ROOT"])


#: Files no photo row uses are kept this long: a pending photo's token is valid for
#: ``PENDING_MAX_AGE``, and its files are touched whenever the same photo is uploaded.
PRUNE_AFTER = PENDING_MAX_AGE + 24 * 3600


def prune_unused_files(older_than: float = PRUNE_AFTER, now: float | None = None) -> int:
    """Delete stored renditions that no photo row uses and that are older than
    ``older_than`` seconds: pending photos never saved, uploads rolled back. Returns how
    many files went (``flask listings prune-photos``, nightly)."""
    root = Path(current_app.config["MEDIA_ROOT"])
    if not root.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - older_than
    old = [p for p in root.glob("*/*/*.jpg")
           if _RENDITION.match(p.relative_to(root).as_posix()) and p.stat().st_mtime < cutoff]
    removed = 0
    for start in range(0, len(old), 500):
        batch = {p.relative_to(root).as_posix(): p for p in old[start:start + 500]}
        used: set[str] = set()
        for column in path_columns():
            used.update(db.session.scalars(sa.select(column).where(column.in_(list(batch)))))
        for name, path in batch.items():
            try:
                if name not in used and path.stat().st_mtime < cutoff:  # not re-uploaded
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
    return removed
