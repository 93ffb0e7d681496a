"""The photos part of the listing form (create and edit), read from one request.

The form carries, per photo in the order shown, a hidden ``photo`` reference
(``i:<id>`` for a saved photo, ``p:<token>`` for a pending one, see ``photos``), a
``photo_order`` number, a ``photo_cover`` radio and a ``photo_remove`` checkbox; new
files come in ``photos`` (``<input type="file" multiple>``). Without JavaScript that is
the whole interface: type the order, tick the cover or "remove", save. The script
(``static/js/photos.js``) uploads files at once to ``/listings/photos`` (each answer is
a pending token), keeps the numbers in the order of the list and adds buttons and drag.

``read`` turns the request into a ``PhotoState`` without touching the database: new
files are processed and stored as pending photos, refused ones become messages for the
``photos`` field. ``save`` applies the state once the listing itself is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.errors import ServiceError, ValidationFailed
from app.listings import photos
from app.listings.models import Listing

MAX_REFS = 50  # more references than any form of ours sends: the rest are ignored


@dataclass
class Entry:
    """One photo as the form shows it."""

    ref: str
    thumb_url: str
    original_url: str
    image_id: int | None = None
    pending: photos.PendingPhoto | None = None


@dataclass
class PhotoState:
    entries: list[Entry] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # saved photos to delete on save
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.removed) or any(e.pending for e in self.entries)


def _saved(image) -> Entry:
    return Entry(ref=f"i:{image.id}", thumb_url=photos.media_url(image.thumb_path),
                 original_url=photos.media_url(image.original_path), image_id=image.id)


def _pending(photo: photos.PendingPhoto) -> Entry:
    return Entry(ref=f"p:{photo.token}", thumb_url=photo.thumb_url,
                 original_url=photo.original_url, pending=photo)


def initial(listing: Listing | None) -> PhotoState:
    """The saved photos of ``listing`` (none for a new one)."""
    return PhotoState([_saved(image) for image in listing.images] if listing else [])


def _order(value: str | None, default: int) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 4 else default


def read(form, files, user_id: int, listing: Listing | None) -> PhotoState:
    """The photos as the person left them in the submitted form (see the module doc)."""
    saved = {image.id: image for image in listing.images} if listing else {}
    refs = form.getlist("photo")[:MAX_REFS]
    orders = form.getlist("photo_order")
    removes = set(form.getlist("photo_remove")[:MAX_REFS])
    cover = form.get("photo_cover") or ""
    state = PhotoState()
    keyed: list[tuple[int, int, Entry]] = []
    seen: set[str] = set()
    for index, ref in enumerate(refs):
        if ref in seen:
            continue
        seen.add(ref)
        if ref in removes and not ref.startswith("i:"):
            continue  # a pending photo taken out: nothing to check or keep
        entry = None
        if ref.startswith("i:") and ref[2:].isdigit() and int(ref[2:]) in saved:
            entry = _saved(saved[int(ref[2:])])
        elif ref.startswith("p:"):
            try:
                entry = _pending(photos.pending_photo(ref[2:], user_id))
            except ValidationFailed as exc:
                state.errors.extend(m for ms in exc.errors.values() for m in ms)
        if entry is None or ref in removes:
            continue
        order = _order(orders[index] if index < len(orders) else None, index + 1)
        keyed.append((0 if ref == cover else 1, order, entry))
    # the cover first, then by the numbers typed (ties keep the order shown)
    keyed.sort(key=lambda item: (item[0], item[1]))
    state.entries = [entry for _c, _o, entry in keyed]
    listed = {e.image_id for e in state.entries}
    for image_id, image in saved.items():
        if f"i:{image_id}" in removes:
            state.removed.append(image_id)
        elif image_id not in listed:  # a form without the photo list keeps the photos
            state.entries.append(_saved(image))
    state.errors = list(dict.fromkeys(state.errors))
    for upload in files.getlist("photos"):
        if not upload or not upload.filename:
            continue
        name = upload.filename
        if len(state.entries) >= photos.MAX_IMAGES:
            state.errors.append(_("«%(name)s» ble ikke lagt til: en annonse kan ha høyst "
                                  "%(n)s bilder.", name=name, n=photos.MAX_IMAGES))
            continue
        try:
            photo = photos.accept_upload(upload.stream, name, upload.mimetype, user_id)
        except ValidationFailed as exc:
            for message in (m for ms in exc.errors.values() for m in ms):
                state.errors.append(_("«%(name)s»: %(message)s", name=name, message=message))
        except ServiceError as exc:
            if exc.status not in (413, 415, 422):
                raise
            state.errors.append(_("«%(name)s»: %(message)s", name=name, message=exc.detail))
        else:
            state.entries.append(_pending(photo))
    return state


def save(state: PhotoState, listing: Listing) -> None:
    """Apply ``state`` to the saved ``listing``: delete, attach pending, order."""
    for image_id in state.removed:
        photos.remove_image(listing, image_id)
    order: list[int] = []
    for entry in state.entries:
        if entry.pending is not None:
            order.append(photos.attach_pending(listing, entry.pending).id)
        elif entry.image_id is not None:
            order.append(entry.image_id)
    moved = photos.arrange(listing, order)
    if moved or any(e.pending for e in state.entries):
        photos.changed(listing)
