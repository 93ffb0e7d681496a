"""Photos of mapped components, stored by the listing photo pipeline (same checks,
limits and renditions; files named by their content's hash), so publishing a component
reuses the files without encoding them again."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app import outbox
from app.db import db
from app.errors import NotFound, ValidationFailed
from app.listings import photos
from app.projects.models import Component, ComponentPhoto

MAX_PHOTOS = 10

photos.register_path_columns(ComponentPhoto.original_path, ComponentPhoto.medium_path,
                             ComponentPhoto.thumb_path)


def add_photo(component: Component, stream, filename: str | None,
              content_type: str | None) -> ComponentPhoto:
    """Check, process and store an uploaded photo as the component's last one."""
    count = db.session.scalar(sa.select(sa.func.count(ComponentPhoto.id))
                              .where(ComponentPhoto.component_id == component.id)) or 0
    if count >= MAX_PHOTOS:
        raise ValidationFailed({"photos": [_("En komponent kan ha høyst %(n)s bilder.",
                                             n=MAX_PHOTOS)]})
    processed = photos.process_and_store(stream, filename, content_type)
    original = processed.original
    photo = ComponentPhoto(component_id=component.id, position=count + 1,
                           sha256=original.sha256, original_path=original.path,
                           medium_path=processed.medium.path,
                           thumb_path=processed.thumb.path, width=original.width,
                           height=original.height, bytes=len(original.data))
    db.session.add(photo)
    db.session.flush()
    db.session.expire(component, ["photos"])
    return photo


def remove_photo(component: Component, photo_id: int) -> None:
    photo = db.session.get(ComponentPhoto, photo_id)
    if photo is None or photo.component_id != component.id:
        raise NotFound(_("Bildet finnes ikke."))
    paths = [photo.original_path, photo.medium_path, photo.thumb_path]
    db.session.delete(photo)
    db.session.flush()
    db.session.expire(component, ["photos"])
    outbox.emit(photos.IMAGE_REMOVED, paths=paths)
